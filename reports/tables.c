/* reports/tables.c - CSV, Markdown and LaTeX (booktabs) tables of the final
 * accuracies. Output depends only on the results object (no time stamps,
 * no versions), so it can be compared against golden files. Rows are
 * strategies in first-seen order, columns datasets in NB201 order; a
 * strategy not run on a dataset shows "-". */
#include "reports/rep.h"
#include "reports/rep_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nb_status rep_parse_formats(const char *s, int *mask)
{
    static const struct {
        const char *name;
        int bit;
    } fmts[] = {{"csv", REP_FMT_CSV}, {"md", REP_FMT_MD},   {"tex", REP_FMT_TEX},
                {"png", REP_FMT_PNG}, {"pdf", REP_FMT_PDF}, {"svg", REP_FMT_SVG}};
    NB_ASSERT(s && mask);
    int m = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int bit = 0;
        for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
            if (strlen(fmts[i].name) == len && !strncmp(p, fmts[i].name, len)) bit = fmts[i].bit;
        if (!bit)
            return nb_fail(NB_EINVAL,
                           "--format: unknown format '%.*s' in '%s'; expected a comma list of "
                           "csv, md, tex, png, pdf, svg",
                           (int)len, p, s);
        m |= bit;
        if (!e) break;
        p = e + 1;
    }
    *mask = m;
    return NB_OK;
}

/* Print a float with %.*f, or "nan". */
static void put_num(FILE *f, int prec, double v)
{
    if (isnan(v)) fputs("nan", f);
    else fprintf(f, "%.*f", prec, v);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static nb_status check_stream(FILE *f, const char *what)
{
    if (fflush(f) != 0 || ferror(f))
        return nb_fail(NB_EIO, "writing the %s table failed (disk full or closed stream?)", what);
    return NB_OK;
}

/* Datasets (NB201 order) and strategies (first-seen), allocated. */
typedef struct {
    const char **ds, **st;
    size_t n_ds, n_st;
} layout;

static void layout_make(const res_results *r, layout *l)
{
    l->n_ds = res_results_datasets(r, NULL, 0);
    l->n_st = res_results_strategies(r, NULL, 0);
    l->ds = nb_xcalloc_array(l->n_ds + 1, sizeof *l->ds);
    l->st = nb_xcalloc_array(l->n_st + 1, sizeof *l->st);
    res_results_datasets(r, l->ds, l->n_ds);
    res_results_strategies(r, l->st, l->n_st);
}

static void layout_free(layout *l)
{
    free(l->ds);
    free(l->st);
}

nb_status rep_write_csv(const res_results *r, FILE *f)
{
    NB_ASSERT(r && f);
    layout l;
    layout_make(r, &l);
    /* A file with a budget unit other than simulated seconds (`nastab search`:
     * epochs) adds the column budget_unit, so its budget is never read as
     * seconds; files of `nastab run` keep the eight columns. */
    int units = 0;
    for (size_t i = 0; i < res_results_count(r); i++)
        units |= strcmp(res_budget_unit(res_results_get(r, i)), RES_UNIT_SIMULATED) != 0;
    fputs(units ? "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std,budget_unit\n"
                : "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std\n", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        for (size_t k = 0; k < l.n_st; k++) {
            const res_series *s = res_results_find(r, l.ds[d], l.st[k]);
            if (!s) continue;
            rep_stats v = rep_stats_of(s->final_valid, s->runs, 1);
            rep_stats t = rep_stats_of(s->final_test, s->runs, 1);
            csv_field(f, s->dataset);
            fputc(',', f);
            csv_field(f, s->strategy);
            fprintf(f, ",%zu,%.10g,", s->runs, s->budget);
            put_num(f, 4, v.mean);
            fputc(',', f);
            put_num(f, 4, v.std);
            fputc(',', f);
            put_num(f, 4, t.mean);
            fputc(',', f);
            put_num(f, 4, t.std);
            if (units) fprintf(f, ",%s", res_budget_unit(s));
            fputc('\n', f);
        }
    }
    layout_free(&l);
    return check_stream(f, "CSV");
}

/* Runs and budget of a dataset's series, as "500 runs, budget 200000 s", or
 * ranges "100-500 runs" when strategies differ. */
static void runs_budget(const res_results *r, const char *ds, char *buf, size_t cap,
                        const char *unit_sep)
{
    size_t rmin = SIZE_MAX, rmax = 0;
    double bmin = INFINITY, bmax = -INFINITY;
    const char *unit = NULL;
    for (size_t i = 0; i < res_results_count(r); i++) {
        const res_series *s = res_results_get(r, i);
        if (strcmp(s->dataset, ds)) continue;
        if (!unit) unit = res_budget_unit(s);
        else if (strcmp(unit, res_budget_unit(s))) unit = "mixed";
        if (s->runs < rmin) rmin = s->runs;
        if (s->runs > rmax) rmax = s->runs;
        if (s->budget < bmin) bmin = s->budget;
        if (s->budget > bmax) bmax = s->budget;
    }
    char rs[64], bs[96];
    if (rmin == rmax) snprintf(rs, sizeof rs, "%zu run%s", rmin, rmin == 1 ? "" : "s");
    else snprintf(rs, sizeof rs, "%zu-%zu runs", rmin, rmax);
    if (unit && !strcmp(unit, "mixed")) snprintf(bs, sizeof bs, "budgets in several units");
    else if (unit && !strcmp(unit, RES_UNIT_EPOCHS) && bmin == bmax)
        snprintf(bs, sizeof bs, "budget %.10g epochs", bmin);
    else if (unit && !strcmp(unit, RES_UNIT_EPOCHS))
        snprintf(bs, sizeof bs, "budget %.10g-%.10g epochs", bmin, bmax);
    else if (bmin == bmax) snprintf(bs, sizeof bs, "budget %.10g%ss", bmin, unit_sep);
    else snprintf(bs, sizeof bs, "budget %.10g-%.10g%ss", bmin, bmax, unit_sep);
    snprintf(buf, cap, "%s, %s", rs, bs);
}

/* The optimum of a dataset (same for all its series when they used one
 * table; the first series' value is shown). */
static const res_series *first_of(const res_results *r, const char *ds)
{
    for (size_t i = 0; i < res_results_count(r); i++)
        if (!strcmp(res_results_get(r, i)->dataset, ds)) return res_results_get(r, i);
    return NULL;
}

static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`') fputc('\\', f);
        fputc(*s, f);
    }
}

/* "91.20 ± 0.15"; std NaN (one run) prints just the mean. */
static void md_cell(FILE *f, const float *x, size_t n)
{
    rep_stats st = rep_stats_of(x, n, 1);
    put_num(f, 2, st.mean);
    if (!isnan(st.std)) fprintf(f, " ± %.2f", st.std);
}

nb_status rep_write_markdown(const res_results *r, FILE *f)
{
    NB_ASSERT(r && f);
    layout l;
    layout_make(r, &l);
    fputs("Final accuracy [%] of the incumbent (mean ± std over runs).\n\n| strategy |", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        fputc(' ', f);
        md_text(f, rp_display_name(l.ds[d]));
        fputs(" valid | ", f);
        md_text(f, rp_display_name(l.ds[d]));
        fputs(" test |", f);
    }
    fputs("\n|---|", f);
    for (size_t d = 0; d < l.n_ds; d++) fputs("---:|---:|", f);
    fputc('\n', f);
    for (size_t k = 0; k < l.n_st; k++) {
        fputs("| ", f);
        md_text(f, l.st[k]);
        fputs(" |", f);
        for (size_t d = 0; d < l.n_ds; d++) {
            const res_series *s = res_results_find(r, l.ds[d], l.st[k]);
            if (!s) {
                fputs(" - | - |", f);
                continue;
            }
            fputc(' ', f);
            md_cell(f, s->final_valid, s->runs);
            fputs(" | ", f);
            md_cell(f, s->final_test, s->runs);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    fputs("| optimum (table) |", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        const res_series *s = first_of(r, l.ds[d]);
        fputc(' ', f);
        put_num(f, 2, s->optimum_valid);
        fputs(" | ", f);
        put_num(f, 2, s->optimum_test);
        fputs(" |", f);
    }
    fputs("\n\n", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        const res_series *s = first_of(r, l.ds[d]);
        if (s->restricted_cells)
            fprintf(f, "Restricted run (--restrict-to-curves): %s searched only the %zu cells "
                    "with a per-epoch curve; the optimum and the regret are theirs.\n\n",
                    rp_display_name(s->dataset), s->restricted_cells);
    }
    if (l.n_ds) {
        int sim = 1;
        for (size_t i = 0; i < res_results_count(r); i++)
            sim &= !strcmp(res_budget_unit(res_results_get(r, i)), RES_UNIT_SIMULATED);
        fputs(sim ? "Runs and budget (simulated time):" : "Runs and budget:", f);
        for (size_t d = 0; d < l.n_ds; d++) {
            char buf[200];
            runs_budget(r, l.ds[d], buf, sizeof buf, " ");
            fputs(d ? "; " : " ", f);
            md_text(f, rp_display_name(l.ds[d]));
            fprintf(f, ": %s", buf);
        }
        fputs(".\n", f);
    }
    layout_free(&l);
    return check_stream(f, "Markdown");
}

static void tex_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            fputc('\\', f);
            fputc(*s, f);
            break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '\\': fputs("\\textbackslash{}", f); break;
        default: fputc(*s, f);
        }
    }
}

static void tex_cell(FILE *f, const float *x, size_t n)
{
    rep_stats st = rep_stats_of(x, n, 1);
    fputc('$', f);
    put_num(f, 2, st.mean);
    if (!isnan(st.std)) fprintf(f, " \\pm %.2f", st.std);
    fputc('$', f);
}

nb_status rep_write_latex(const res_results *r, FILE *f)
{
    NB_ASSERT(r && f);
    layout l;
    layout_make(r, &l);
    fputs("% Generated by nastab report; needs \\usepackage{booktabs} and {graphicx}.\n"
          "\\begin{table}[t]\n\\centering\n\\small\n", f);
    fputs("\\caption{Final test and validation accuracy [\\%] of the incumbent "
          "(mean $\\pm$ std over runs).", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        char buf[200];
        runs_budget(r, l.ds[d], buf, sizeof buf, "\\,");
        fputs(d ? "; " : " ", f);
        tex_text(f, rp_display_name(l.ds[d]));
        fprintf(f, ": %s", buf);
    }
    fputs(l.n_ds ? ".}\n" : "}\n", f);
    /* Shrunk to \linewidth only when wider (9 columns are ~95 pt too wide
     * for a 6.5 in text); graphicx's \resizebox knows the natural \width. */
    fputs("\\label{tab:nastab-final}\n"
          "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"
          "\\begin{tabular}{l", f);
    for (size_t d = 0; d < l.n_ds; d++) fputs("cc", f);
    fputs("}\n\\toprule\n", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        fputs(" & \\multicolumn{2}{c}{", f);
        tex_text(f, rp_display_name(l.ds[d]));
        fputc('}', f);
    }
    fputs(" \\\\\n", f);
    for (size_t d = 0; d < l.n_ds; d++)
        fprintf(f, "\\cmidrule(lr){%zu-%zu}", 2 + 2 * d, 3 + 2 * d);
    if (l.n_ds) fputc('\n', f);
    fputs("strategy", f);
    for (size_t d = 0; d < l.n_ds; d++) fputs(" & valid & test", f);
    fputs(" \\\\\n\\midrule\n", f);
    for (size_t k = 0; k < l.n_st; k++) {
        tex_text(f, l.st[k]);
        for (size_t d = 0; d < l.n_ds; d++) {
            const res_series *s = res_results_find(r, l.ds[d], l.st[k]);
            if (!s) {
                fputs(" & -- & --", f);
                continue;
            }
            fputs(" & ", f);
            tex_cell(f, s->final_valid, s->runs);
            fputs(" & ", f);
            tex_cell(f, s->final_test, s->runs);
        }
        fputs(" \\\\\n", f);
    }
    fputs("\\midrule\noptimum (table)", f);
    for (size_t d = 0; d < l.n_ds; d++) {
        const res_series *s = first_of(r, l.ds[d]);
        fputs(" & $", f);
        put_num(f, 2, s->optimum_valid);
        fputs("$ & $", f);
        put_num(f, 2, s->optimum_test);
        fputc('$', f);
    }
    fputs(" \\\\\n\\bottomrule\n\\end{tabular}}\n\\end{table}\n", f);
    layout_free(&l);
    return check_stream(f, "LaTeX");
}
