/* reports/documents.c - the documents of a report folder, written after its
 * figures so they can name every figure that exists:
 *   report.md        Markdown: the results table, then every figure with a
 *                    caption (PNG, else SVG);
 *   report_body.tex  LaTeX fragment for \input{report_body.tex} in a paper
 *                    (needs booktabs and graphicx): the table, shrunk only
 *                    when wider than \linewidth, and every figure (PDF) at
 *                    its nominal size with a caption;
 *   report.tex       a complete article (6.5 in text width) that \inputs the
 *                    fragment: `pdflatex report.tex` in the folder compiles;
 *   report.html      one self-contained page (no network): a sortable summary
 *                    table (plain JavaScript) and every figure as a relative
 *                    SVG (else PNG) with its caption.
 * Captions carry what figures leave out (dataset, what the band is). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/rep_private.h"

typedef struct {
    char stem[160];   /* "anytime_cifar10" */
    double width_in;  /* nominal width (reports/style.c) */
    char caption[600];
} figure;

static int exists(const char *dir, const char *stem, const char *ext)
{
    char name[128];
    snprintf(name, sizeof name, "%s.%s", stem, ext);
    char *p = rp_join(dir, name);
    struct stat sb;
    int ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
    free(p);
    return ok;
}

static int drawn(const char *dir, const char *stem)
{
    return exists(dir, stem, "png") || exists(dir, stem, "pdf") || exists(dir, stem, "svg");
}

/* The weight-sharing figures of dataset ds (reports/ws.c) that exist, into
 * fig; returns their count (at most 2 + n_st). */
static size_t ws_figures(const char *dir, const char *ds, const char *safe, const char *name,
                         const res_series *s0, const char **sn, size_t n_st, double w, figure *fig)
{
    size_t n = 0;
    snprintf(fig[n].stem, sizeof fig[n].stem, "ws_acc_%s", safe);
    if (drawn(dir, fig[n].stem)) {
        fig[n].width_in = w;
        snprintf(fig[n].caption, sizeof fig[n].caption,
                 "%s, weight-sharing search: test accuracy of the derived cell looked up in the table "
                 "(never trained; dotted: the table's optimum, %.2f %%) after each search epoch (left) and "
                 "over the runs' mean wall seconds (right, log scale); mean over runs with a shaded 95 %% t "
                 "band. Black-box strategies count simulated seconds and are not on these axes.",
                 name, s0 ? (double)s0->optimum_test : NAN);
        n++;
    }
    for (size_t k = 0; k < n_st; k++) {
        char msafe[64];
        rp_safe_name(sn[k], msafe, sizeof msafe);
        snprintf(fig[n].stem, sizeof fig[n].stem, "ws_probs_%s_%s", safe, msafe);
        if (!drawn(dir, fig[n].stem)) continue;
        fig[n].width_in = w;
        snprintf(fig[n].caption, sizeof fig[n].caption,
                 "%s, %s: probability of each op on each of the cell's six edges over search epochs, mean "
                 "over runs (wsnas/METHODS.md says what each method records); dashed: the parameter-free "
                 "ops none, skip_connect and avg_pool_3x3, whose rise is the collapse weight-sharing "
                 "methods are known for.",
                 name, sn[k]);
        n++;
    }
    snprintf(fig[n].stem, sizeof fig[n].stem, "ws_rank_%s", safe);
    if (drawn(dir, fig[n].stem)) {
        fig[n].width_in = w;
        snprintf(fig[n].caption, sizeof fig[n].caption,
                 "%s: how the supernet ranks the cells sampled by --rank-sample (scored with its "
                 "weights) against their table validation accuracy, after each search epoch: Kendall "
                 "tau-b (left) and Spearman rho (right), mean over runs with a shaded 95 %% t band.",
                 name);
        n++;
    }
    (void)ds;
    return n;
}

/* The figures of the report folder in reading order; only those drawn in
 * at least one format. */
static size_t list_figures(const res_results *r, const char *dir, int formats, figure **out)
{
    double w = rp_fig_width(formats);
    size_t n_ds = res_results_datasets(r, NULL, 0);
    const char **ds = nb_xcalloc_array(n_ds + 1, sizeof *ds);
    res_results_datasets(r, ds, n_ds);
    size_t n_st = res_results_strategies(r, NULL, 0);
    const char **sn = nb_xcalloc_array(n_st + 1, sizeof *sn);
    res_results_strategies(r, sn, n_st);
    figure *fig = nb_xcalloc_array((5 + n_st) * n_ds + 2, sizeof *fig);
    size_t n = 0;
    static const char *const kinds[] = {"anytime", "final", "rank"};
    for (size_t d = 0; d < n_ds; d++) {
        char safe[64];
        rp_safe_name(ds[d], safe, sizeof safe);
        const char *name = rp_display_name(ds[d]);
        const res_series *s0 = NULL;
        for (size_t i = 0; i < res_results_count(r) && !s0; i++)
            if (!strcmp(res_results_get(r, i)->dataset, ds[d])) s0 = res_results_get(r, i);
        for (size_t k = 0; k < 3; k++) {
            figure *g = &fig[n];
            snprintf(g->stem, sizeof g->stem, "%s_%s", kinds[k], safe);
            g->width_in = k == 0 ? w : fmin(w, k == 1 ? 3.25 : 5.5);
            if (!exists(dir, g->stem, "png") && !exists(dir, g->stem, "pdf") &&
                !exists(dir, g->stem, "svg"))
                continue;
            if (k == 0)
                snprintf(g->caption, sizeof g->caption,
                         "%s: incumbent test accuracy (left; dotted: the table's optimum, "
                         "%.2f %%) and test regret on a log scale (right) over simulated time; "
                         "mean over runs with a shaded 95 %% t confidence band, starting once "
                         "every run has a result.",
                         name, s0 ? (double)s0->optimum_test : NAN);
            else if (k == 1)
                snprintf(g->caption, sizeof g->caption,
                         "%s: final test accuracy per strategy (box: quartiles, bar: median, "
                         "whiskers: minimum and maximum over runs).", name);
            else
                snprintf(g->caption, sizeof g->caption,
                         "%s: average rank of the test regret among the strategies over "
                         "%s (1 = best; run i of every strategy paired).", name,
                         s0 && !strcmp(res_budget_unit(s0), RES_UNIT_EPOCHS) ? "search epochs"
                                                                              : "simulated time");
            n++;
        }
        n += ws_figures(dir, ds[d], safe, name, s0, sn, n_st, w, fig + n);
    }
    free(sn);
    if (exists(dir, "cd_diagram", "png") || exists(dir, "cd_diagram", "pdf") ||
        exists(dir, "cd_diagram", "svg")) {
        snprintf(fig[n].stem, sizeof fig[n].stem, "cd_diagram");
        fig[n].width_in = fmin(w, 3.25);
        snprintf(fig[n].caption, sizeof fig[n].caption,
                 "Critical-difference diagram of the mean final test regret over the "
                 "independent datasets (Friedman test with the Nemenyi post-hoc test at alpha "
                 "0.05, Demsar 2006; numbers in ranks.md): strategies joined by a bar are not "
                 "significantly different.");
        n++;
    }
    free(ds);
    *out = fig;
    return n;
}

static nb_status write_md(const res_results *r, const char *dir, const figure *fig, size_t n)
{
    FILE *f;
    nb_status status = rp_open(dir, "report.md", &f);
    if (status) return status;
    fprintf(f, "# nastab report\n\n"
            "- results: created %s by nastab %s (git %s), protocol %s, seed %s\n"
            "- command: `%s`\n"
            "- table: %s (checksum %s)\n\n",
            res_results_attr(r, "created"), res_results_attr(r, "nastab_version"),
            res_results_attr(r, "git_sha"), res_results_attr(r, "protocol"),
            res_results_attr(r, "seed"), res_results_attr(r, "command"),
            res_results_attr(r, "table_path"), res_results_attr(r, "table_checksum"));
    status = rep_write_markdown(r, f);
    if (status == NB_OK && n) {
        fputs("\n## Figures\n\nEach figure is in this folder as PDF, SVG and PNG; the .gp "
              "script and .dat data beside it redraw it. Rank statistics: ranks.md.\n\n", f);
        for (size_t i = 0; i < n; i++) {
            const char *ext = exists(dir, fig[i].stem, "png") ? "png"
                              : exists(dir, fig[i].stem, "svg") ? "svg" : "pdf";
            fprintf(f, "![%s](%s.%s)\n\n*Figure %zu.* %s\n\n", fig[i].stem, fig[i].stem, ext,
                    i + 1, fig[i].caption);
        }
    }
    return rp_close(dir, "report.md", f, status);
}

static void tex_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '%') fputs("\\,\\%", f);
        else if (strchr("&$#_{}", *s)) fprintf(f, "\\%c", *s);
        else if (*s == '~' || *s == '^' || *s == '\\') fputc('-', f);
        else fputc(*s, f);
    }
}

nb_status rp_write_ranks_tex(const char *dir, const char **names, const double *avg, size_t k,
                             const char **ds, size_t n_ds, int dropped,
                             const rep_friedman_result *fr)
{
    FILE *f;
    nb_status st = rp_open(dir, "ranks.tex", &f);
    if (st) return st;
    fputs("% Generated by nastab report (ranks.md has the same numbers); needs booktabs.\n"
          "\\begin{table}[tbp]\n\\centering\n\\small\n\\caption{Average rank of the mean final "
          "test regret (1 = best) over the independent datasets ", f);
    for (size_t d = 0; d < n_ds; d++) {
        fputs(d ? ", " : "", f);
        tex_text(f, rp_display_name(ds[d]));
    }
    fprintf(f, "%s. Friedman test: $\\chi^2_F = %.2f$ ($p = %.3g$); ", dropped
            ? " (CIFAR-10-valid holds the same searches as CIFAR-10 and is not counted twice)"
            : "", fr->chi2, fr->chi2_p);
    if (fr->identical)
        fputs("the Iman-Davenport $F_F$ is not defined, as the rankings agree perfectly on "
              "every dataset", f);
    else
        fprintf(f, "Iman-Davenport $F_F = %.2f$ ($p = %.3g$)", fr->ff, fr->ff_p);
    fprintf(f, ". Nemenyi critical difference at $\\alpha = 0.05$: CD $= %.2f$ (Dem\\v{s}ar "
               "2006).}\n\\label{tab:nastab-ranks}\n\\begin{tabular}{lr}\n\\toprule\n"
               "strategy & average rank \\\\\n\\midrule\n", fr->cd);
    for (size_t j = 0; j < k; j++) {
        tex_text(f, names[j]);
        fprintf(f, " & %.2f \\\\\n", avg[j]);
    }
    fputs("\\bottomrule\n\\end{tabular}\n\\end{table}\n", f);
    return rp_close(dir, "ranks.tex", f, NB_OK);
}

static nb_status write_tex(const res_results *r, const char *dir, const figure *fig, size_t n)
{
    FILE *f;
    nb_status status = rp_open(dir, "report_body.tex", &f);
    if (status) return status;
    fputs("% nastab report, fragment: \\input{report_body.tex} in a document that loads\n"
          "% booktabs and graphicx. report.tex is the complete document around it.\n", f);
    status = rep_write_latex(r, f);
    /* The rank table, copied in so the fragment stands alone. */
    char *rp = rp_join(dir, "ranks.tex");
    FILE *in = status == NB_OK ? fopen(rp, "r") : NULL;
    free(rp);
    if (in) {
        char buf[4096];
        size_t got;
        fputc('\n', f);
        while ((got = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, got, f);
        fclose(in);
    }
    for (size_t i = 0; status == NB_OK && i < n; i++) {
        if (!exists(dir, fig[i].stem, "pdf")) continue;
        /* At the nominal size (text stays 8 pt), shrunk only if the text is narrower. */
        fprintf(f, "\n\\begin{figure}[tbp]\n\\centering\n"
                   "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}"
                   "{\\includegraphics{%s.pdf}}\n\\caption{", fig[i].stem);
        tex_text(f, fig[i].caption);
        fputs("}\n\\label{fig:", f);
        for (const char *c = fig[i].stem; *c; c++) fputc(*c == '_' ? '-' : *c, f);
        fputs("}\n\\end{figure}\n", f);
    }
    if ((status = rp_close(dir, "report_body.tex", f, status))) return status;
    if ((status = rp_open(dir, "report.tex", &f))) return status;
    fputs("% nastab report: complete document; compile with `pdflatex report.tex` in this\n"
          "% folder. The content is report_body.tex (\\input it into a paper instead).\n"
          "\\documentclass[10pt]{article}\n"
          "\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n"
          "\\setlength{\\textwidth}{6.5in}\\setlength{\\oddsidemargin}{0in}"
          "\\setlength{\\evensidemargin}{0in}\n"
          "\\setlength{\\textheight}{9in}\\setlength{\\topmargin}{-0.5in}\n"
          "\\begin{document}\n\\section*{nastab report}\n", f);
    fputs("\\input{report_body.tex}\n\\end{document}\n", f);
    return rp_close(dir, "report.tex", f, NB_OK);
}

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static nb_status write_html(const res_results *r, const char *dir, const figure *fig, size_t n)
{
    FILE *f;
    nb_status status = rp_open(dir, "report.html", &f);
    if (status) return status;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>nastab report</title>\n<style>\n"
          "body{font-family:Helvetica,Arial,sans-serif;max-width:60em;margin:2em auto;"
          "padding:0 1em;color:#222}\n"
          "table{border-collapse:collapse;margin:1em 0}th,td{padding:.25em .6em;"
          "text-align:right;border-bottom:1px solid #ddd}\n"
          "th{cursor:pointer;border-bottom:2px solid #444;background:#f6f6f6}"
          "td:first-child,th:first-child{text-align:left}\n"
          "figure{margin:2em 0}figure img{max-width:100%;height:auto;display:block}"
          "figcaption{font-size:.9em;color:#444}\n</style>\n</head>\n<body>\n"
          "<h1>nastab report</h1>\n<p>Command: <code>", f);
    const char *cmd = res_results_attr(r, "command");
    html_text(f, cmd ? cmd : "-");
    fputs("</code></p>\n<h2>Final test accuracy [%]</h2>\n"
          "<p>Mean &plusmn; std over runs of the incumbent's test accuracy; click a column "
          "header to sort.</p>\n<table id=\"summary\">\n<thead><tr><th>strategy</th>", f);
    size_t n_ds = res_results_datasets(r, NULL, 0), n_st = res_results_strategies(r, NULL, 0);
    const char **ds = nb_xcalloc_array(n_ds + 1, sizeof *ds), **st = nb_xcalloc_array(n_st + 1, sizeof *st);
    res_results_datasets(r, ds, n_ds);
    res_results_strategies(r, st, n_st);
    for (size_t d = 0; d < n_ds; d++) {
        fputs("<th>", f);
        html_text(f, rp_display_name(ds[d]));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t k = 0; k < n_st; k++) {
        fputs("<tr><td>", f);
        html_text(f, st[k]);
        fputs("</td>", f);
        for (size_t d = 0; d < n_ds; d++) {
            const res_series *s = res_results_find(r, ds[d], st[k]);
            rep_stats t = s ? rep_stats_of(s->final_test, s->runs, 1) : (rep_stats){0};
            if (!s || t.n == 0) fputs("<td data-v=\"\">-</td>", f);
            else if (isnan(t.std)) fprintf(f, "<td data-v=\"%.4f\">%.2f</td>", t.mean, t.mean);
            else fprintf(f, "<td data-v=\"%.4f\">%.2f &plusmn; %.2f</td>", t.mean, t.mean, t.std);
        }
        fputs("</tr>\n", f);
    }
    free(ds);
    free(st);
    fputs("</tbody>\n</table>\n<h2>Figures</h2>\n", f);
    for (size_t i = 0; i < n; i++) {
        const char *ext = exists(dir, fig[i].stem, "svg") ? "svg"
                          : exists(dir, fig[i].stem, "png") ? "png" : NULL;
        if (!ext) continue;
        /* On screen at 1.6x the print size (about 150 px per inch). */
        fprintf(f, "<figure id=\"%s\"><img src=\"%s.%s\" alt=\"%s\" style=\"width:%.0fpx\">\n"
                   "<figcaption>Figure %zu. ",
                fig[i].stem, fig[i].stem, ext, fig[i].stem, fig[i].width_in * 150, i + 1);
        html_text(f, fig[i].caption);
        fputs("</figcaption></figure>\n", f);
    }
    /* Sorting: numbers by data-v, names as text; a second click reverses.
     * The page also records on <body> whether every figure loaded and any
     * script error (data-figures, data-errors), which tests/cli/report.sh
     * reads from a headless browser's DOM. */
    fputs("<script>\n"
          "window.addEventListener('error', function (e) {\n"
          "  document.body.dataset.errors = (document.body.dataset.errors || '') + e.message + ';';\n"
          "});\n"
          "window.addEventListener('load', function () {\n"
          "  var bad = Array.from(document.images).filter(function (i) {\n"
          "    return !i.complete || i.naturalWidth === 0; }).map(function (i) { return i.getAttribute('src'); });\n"
          "  document.body.dataset.figures = bad.length ? 'missing: ' + bad.join(' ') : 'ok ' + document.images.length;\n"
          "});\n"
          "document.querySelectorAll('#summary th').forEach(function (th, col) {\n"
          "  th.addEventListener('click', function () {\n"
          "    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);\n"
          "    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';\n"
          "    rows.sort(function (a, b) {\n"
          "      var x = a.cells[col], y = b.cells[col];\n"
          "      if (col === 0) return dir * x.textContent.localeCompare(y.textContent);\n"
          "      var u = parseFloat(x.dataset.v), v = parseFloat(y.dataset.v);\n"
          "      if (isNaN(u)) return 1; if (isNaN(v)) return -1; return dir * (u - v);\n"
          "    });\n"
          "    rows.forEach(function (row) { body.appendChild(row); });\n"
          "  });\n"
          "});\n</script>\n</body>\n</html>\n", f);
    return rp_close(dir, "report.html", f, NB_OK);
}

nb_status rp_write_documents(const res_results *r, const char *dir, int formats)
{
    figure *fig;
    size_t n = list_figures(r, dir, formats, &fig);
    nb_status st = NB_OK;
    if (formats & REP_FMT_MD) st = write_md(r, dir, fig, n);
    if (st == NB_OK && (formats & REP_FMT_TEX)) st = write_tex(r, dir, fig, n);
    if (st == NB_OK && (formats & (REP_FMT_MD | REP_FMT_TEX))) st = write_html(r, dir, fig, n);
    free(fig);
    return st;
}
