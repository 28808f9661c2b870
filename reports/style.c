/* reports/style.c - the one figure style of every figure nastab draws
 * (anytime, final, rank, CD, Pareto, hypervolume, devices): the palette and
 * line style per strategy name, dataset display names, figure sizes for the
 * usual paper layouts and the gnuplot terminals that keep text at 8 pt when
 * a figure is printed at its nominal width.
 *
 * Palette: Okabe & Ito (2008), "Color universal design", without its yellow
 * (#F0E442 is unreadable as a line on white). A strategy's colour and dash
 * pattern depend only on its name, so it looks the same in every figure of
 * a report and across reports. Sizes: 3.25 in (one column of a two-column
 * paper), 5.5 in (NeurIPS/ICLR text width), 6.75 in (full width of a
 * two-column paper). PDF and SVG are drawn at the nominal size in points
 * (SVG at 96 px/in so a browser shows it at print size), PNG at 200 dpi with
 * fonts and lines scaled to match. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/rep_private.h"

static const char *const okabe_ito[RP_N_COLORS] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                   "#E69F00", "#56B4E9", "#000000"};

/* The built-in strategies keep the slots they had in the first reports
 * (random blue, rea vermillion, ...; local is slot 6, black dashed, so that
 * it is not a second solid blue beside random; the weight-sharing methods, which
 * share figures only with each other, have six different colours). Other
 * names hash to slots from 11 on; slot i is colour i mod 7 with dash type i mod 5 + 1, and as
 * 7 and 5 are coprime the first 35 slots are 35 distinct pairs. */
static const char *const known[] = {"random", "rea", "reinforce", "bohb", "hyperband", "tpe",
                                    "local", "sh", "lcstop", "nsga2", "scalarised",
                                    "rnn", "ga", "ga-point",
                                    /* slots 14-19: the weight-sharing methods, drawn
                                     * together, six different colours */
                                    "darts-v1", "darts-v2", "gdas", "rsps", "spos", "enas",
                                    "bananas", "gp-bo", "zc-top", "rea-zc", "local-zc"};
#define RP_N_KNOWN (sizeof known / sizeof known[0])
/* Other names hash to slots 11-34, as before the names after "scalarised" were
 * listed, so that their colours stay what earlier reports showed. */
#define RP_HASH_BASE 11

static size_t slot_of(const char *name)
{
    for (size_t i = 0; i < RP_N_KNOWN; i++)
        if (!strcmp(known[i], name)) return i;
    /* FNV-1a: the same name gets the same slot in every run. */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 16777619u;
    return RP_HASH_BASE + h % (35 - RP_HASH_BASE);
}

const char *rp_color(const char *strategy) { return okabe_ito[slot_of(strategy) % RP_N_COLORS]; }
int rp_dash(const char *strategy) { return (int)(slot_of(strategy) % 5) + 1; }
const char *rp_color_index(size_t i) { return okabe_ito[i % RP_N_COLORS]; }

const char *rp_display_name(const char *dataset)
{
    static const char *const map[][2] = {{"cifar10-valid", "CIFAR-10-valid"},
                                         {"cifar10", "CIFAR-10"},
                                         {"cifar100", "CIFAR-100"},
                                         {"ImageNet16-120", "ImageNet16-120"},
                                         {"imagenet16-120", "ImageNet16-120"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], dataset)) return map[i][1];
    return dataset;
}

double rp_fig_width(int formats)
{
    if (formats & REP_FIG_COLUMN) return 3.25;
    if (formats & REP_FIG_FULL) return 6.75;
    return 5.5;
}

void rp_gp_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void rp_gp_begin(FILE *f, int formats, const char *stem, double w_in, double h_in)
{
    fprintf(f, "# Style: Okabe-Ito palette, a fixed colour and dash per strategy name, text %g pt\n"
               "# at the nominal size %.2f in x %.2f in (PDF and SVG at that size, PNG at %d dpi).\n",
            RP_FONT_PT, w_in, h_in, RP_PNG_DPI);
    fputs("formats = \"", f);
    const char *sep = "";
    if (formats & REP_FMT_PNG) { fprintf(f, "%spng", sep); sep = " "; }
    if (formats & REP_FMT_PDF) { fprintf(f, "%spdf", sep); sep = " "; }
    if (formats & REP_FMT_SVG) fprintf(f, "%ssvg", sep);
    /* pngcairo sizes text at 96 px per inch: 8 pt is 8 * dpi / 96 "points" there. */
    double png = RP_PNG_DPI / 96.0, svg = 96.0 / 72.0;
    fputs("\"\nterms = \" \".GPVAL_TERMINALS.\" \"\n"
          "do for [fmt in formats] {\nok = 1\n", f);
    fprintf(f,
            "if (fmt eq \"png\") {\n"
            "    if (strstrt(terms, \" pngcairo \") > 0) {\n"
            "        set terminal pngcairo size %.0f,%.0f font \"Helvetica,%.1f\" linewidth %.2f "
            "noenhanced\n"
            "    } else {\n"
            "        set terminal png size %.0f,%.0f noenhanced\n"
            "    }\n}\n",
            w_in * RP_PNG_DPI, h_in * RP_PNG_DPI, RP_FONT_PT * png, png, w_in * RP_PNG_DPI,
            h_in * RP_PNG_DPI);
    fprintf(f,
            "if (fmt eq \"pdf\") {\n"
            "    if (strstrt(terms, \" pdfcairo \") > 0) {\n"
            "        set terminal pdfcairo size %.3fin,%.3fin font \"Helvetica,%g\" linewidth 1 "
            "noenhanced\n"
            "    } else { ok = 0 }\n}\n",
            w_in, h_in, RP_FONT_PT);
    fprintf(f,
            "if (fmt eq \"svg\") {\n"
            "    set terminal svg size %.0f,%.0f dynamic font \"Helvetica,%.2f\" linewidth %.3f "
            "noenhanced\n}\n",
            w_in * 96, h_in * 96, RP_FONT_PT * svg, svg);
    fprintf(f,
            "if (!ok) {\n"
            "    print sprintf(\"nastab: this gnuplot has no terminal for %%s; %s.%%s skipped "
            "(hint: install gnuplot-nox with cairo)\", fmt, fmt)\n"
            "} else {\n"
            "set output \"%s.\".fmt.(exists(\"nastab_tmp\") ? nastab_tmp : \"\")\n",
            stem, stem);
    fputs("set border 3 lw 0.8\nset tics nomirror out scale 0.6\n"
          "set grid lc rgb \"#e0e0e0\" lw 0.6\n", f);
}

void rp_gp_end(FILE *f) { fputs("set output\n}\n}\n", f); }

/* Step of about max_ticks ticks over [0, span] from 1-2-2.5-5 x 10^k. */
double rp_nice_step(double span, int max_ticks)
{
    if (!(span > 0) || max_ticks < 1) return 1;
    double mag = pow(10, floor(log10(span / max_ticks))), step = mag;
    static const double mult[] = {1, 2, 2.5, 5, 10, 20};
    for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
        step = mult[i] * mag;
        if (span / step <= max_ticks) break;
    }
    return step;
}

/* Tick marks of a log axis on [lo, hi]: the decades when the range spans
 * two or more, else 1-2-5 per decade, else 1..9 per decade, as an explicit
 * list so the axis has labels even inside one decade. Returns the count. */
size_t rp_log_ticks(double lo, double hi, double *out, size_t cap)
{
    static const double sets[3][9] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const size_t len[3] = {1, 3, 9};
    size_t n = 0;
    if (!(lo > 0) || !(hi > lo)) return 0;
    for (int s = 0; s < 3; s++) {
        n = 0;
        for (int e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)); e++)
            for (size_t m = 0; m < len[s]; m++) {
                double v = sets[s][m] * pow(10, e);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && n < cap) out[n++] = v;
            }
        if (n >= 3) break;
    }
    return n;
}

void rp_gp_log_axis(FILE *f, char axis, double lo, double hi)
{
    double t[64];
    size_t n = rp_log_ticks(lo, hi, t, 64);
    fprintf(f, "set logscale %c\nset %crange [%.6g:%.6g]\nset format %c \"%%g\"\n", axis, axis,
            lo, hi, axis);
    if (n == 0) return;
    fprintf(f, "set %ctics (", axis);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s\"%g\" %.6g", i ? ", " : "", t[i], t[i]);
    fputs(")\n", f);
}

/* [lo, hi] of a log axis for data in [dmin, dmax]: a margin of 10 % of
 * the log span (at least a factor 1.15), no empty decades. */
void rp_log_range(double dmin, double dmax, double *lo, double *hi)
{
    if (!(dmin > 0)) dmin = 1e-3;
    if (!(dmax > dmin)) dmax = dmin * 10;
    double pad = fmax(0.1 * log10(dmax / dmin), log10(1.15));
    *lo = pow(10, log10(dmin) - pad);
    *hi = pow(10, log10(dmax) + pad);
}
