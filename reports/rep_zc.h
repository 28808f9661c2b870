/* reports/rep_zc.h - rank agreement of a table's zero-cost proxy columns
 * (/zc/<dataset>/<proxy>, tables/tab_zc.h) with its final test accuracy.
 *
 * What it does: for every dataset of the table and every named proxy whose
 * column exists, over the architectures where both the proxy and the test
 * accuracy (mean over seeds, longest schedule, final epoch) are finite:
 * Spearman rho, Kendall tau-b and the precision of the proxy's top 10%,
 * written as DIR/proxies.md, DIR/proxies.csv and DIR/proxies.tex (a
 * booktabs table; one row per column), and a heat map of rho, proxies
 * (best mean first) x datasets: DIR/proxies_rho.{png,pdf,svg} as asked,
 * drawn by gnuplot from proxies_rho.gp, proxies_rho.dat and
 * proxies_rho_labels.dat (kept, so the figure can be restyled).
 * What it does not do: compute proxies (precompute/pc_zc.h), know the
 * proxy names (the caller lists them: nn/proxies.h is above reports/).
 *
 *     const char *names[] = {"synflow", "nwot"};
 *     rep_zc_config c = {names, 2, REP_FMT_PNG};
 *     int rows;
 *     if (rep_zc_report(t, &c, "zc-report", &rows) != NB_OK) puts(nb_errmsg());
 *
 * Failures: NB_EIO naming the folder or file; NB_ENOTFOUND when no column
 * gave a row (the tables are written, with their headers only, no figure);
 * NB_ETOOL when gnuplot is missing or fails (the tables and the script are
 * written).
 */
#ifndef REP_ZC_H
#define REP_ZC_H

#include <stddef.h>

#include "core/nb.h"
#include "tables/tab.h"

typedef struct {
    const char *const *proxies; /* proxy names in report order, e.g. {"synflow", "snip"} */
    int n_proxies;              /* entries of proxies, e.g. 12 */
    int formats;                /* heat map formats, REP_FMT_PNG|PDF|SVG bits (reports/rep.h);
                                 * 0 = no figure */
} rep_zc_config;

/* Write the tables and the heat map (above) for table t (borrowed) and set
 * *rows to the number of rows. DIR is created (mkdir -p). */
nb_status rep_zc_report(tab_table *t, const rep_zc_config *cfg, const char *dir, int *rows);

/* The share of the proxy's top 10% (highest values, at least one) among
 * acc's top 10% (ties broken by index), in [0, 1]. proxy and acc (n >= 1)
 * are finite. */
double rep_zc_top10_precision(const double *proxy, const double *acc, size_t n);

#endif
