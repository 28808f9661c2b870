/* reports/rep_private.h - helpers shared inside reports/ (report.c, pareto.c,
 * rank.c, devices.c): output files and gnuplot. Not public. */
#ifndef REP_PRIVATE_H
#define REP_PRIVATE_H

#include <stdio.h>

#include "reports/rep.h"

/* "dir/name", malloc'd (caller frees). */
char *rp_join(const char *dir, const char *name);
/* mkdir -p; NB_EIO names the path. */
nb_status rp_mkdir_p(const char *dir);
/* Open a temporary for dir/name (core/file.c, "<name>.tmp.<pid>"); NB_EIO
 * names the file, NB_EINVAL when it is an input (rep_protect_inputs). */
nb_status rp_open(const char *dir, const char *name, FILE **f);
/* Close f and, when st is NB_OK, rename the temporary to dir/name (a write
 * error is NB_EIO); when st is not NB_OK, remove the temporary. */
nb_status rp_close(const char *dir, const char *name, FILE *f, nb_status st);
/* File-name-safe copy (letters, digits, - _ . kept; others '_'). */
void rp_safe_name(const char *s, char *out, size_t cap);
/* report.md, report_body.tex, report.tex and report.html of dir, naming
 * every figure that exists there (documents.c); NB_EIO names the file. */
nb_status rp_write_documents(const res_results *r, const char *dir, int formats);

/* ranks.tex: the average-rank table with the Friedman/Nemenyi numbers in
 * its caption (documents.c; rank.c calls it, report_body.tex copies it). */
nb_status rp_write_ranks_tex(const char *dir, const char **names, const double *avg, size_t k,
                             const char **ds, size_t n_ds, int dropped,
                             const rep_friedman_result *fr);

/* ---- the one figure style (style.c) ---- */
#define RP_N_COLORS 7    /* Okabe-Ito without yellow */
#define RP_FONT_PT 8.0   /* text size at the figure's nominal size */
#define RP_PNG_DPI 200
/* Colour ("#0072B2") and gnuplot dash type (1-5) of a strategy name: the
 * same in every figure. Borrowed static strings. */
const char *rp_color(const char *strategy);
int rp_dash(const char *strategy);
/* Palette entry i mod 7 (for series that are not strategies). */
const char *rp_color_index(size_t i);
/* "CIFAR-10" for "cifar10", ...; unknown names unchanged (borrowed). */
const char *rp_display_name(const char *dataset);
/* Figure width in inches from the REP_FIG_* bits of formats (default 5.5). */
double rp_fig_width(int formats);
/* A string inside gnuplot double quotes. */
void rp_gp_str(FILE *f, const char *s);
/* Writes the gnuplot preamble that loops over the asked formats, sets the
 * terminal (w_in x h_in inches, 8 pt text) and output "<stem>.<fmt>" (plus
 * the suffix nastab_tmp when rp_run_gnuplot sets it) and the
 * common axis style; the caller writes the plot commands, then rp_gp_end
 * closes the loop. */
void rp_gp_begin(FILE *f, int formats, const char *stem, double w_in, double h_in);
void rp_gp_end(FILE *f);
/* Tick step giving at most max_ticks steps over span (1-2-2.5-5 x 10^k). */
double rp_nice_step(double span, int max_ticks);
/* Explicit ticks of a log axis on [lo, hi] (decades, or 1-2-5, or 1..9 per
 * decade: the first giving >= 3 ticks); count returned. */
size_t rp_log_ticks(double lo, double hi, double *out, size_t cap);
/* Log axis range for data in [dmin, dmax] with a small margin. */
void rp_log_range(double dmin, double dmax, double *lo, double *hi);
/* "set logscale y; set yrange; set ytics (...)" for axis 'x' or 'y'. */
void rp_gp_log_axis(FILE *f, char axis, double lo, double hi);
/* Run gnuplot on dir/script (working directory dir). NB_ETOOL when gnuplot
 * is missing ("gnuplot not found; hint: apt-get install gnuplot-nox") or
 * fails (quotes its log). */
nb_status rp_gnuplot(const char *dir, const char *script);
/* Absolute path of gnuplot from $PATH (malloc'd), or NULL. */
char *rp_find_gnuplot(void);
/* Run `gnuplot script` in dir with stdout/stderr to dir/log; NB_ETOOL names
 * the script and quotes the log's first error line. */
nb_status rp_run_gnuplot(const char *gnuplot, const char *dir, const char *script, const char *log);

#endif
