/* tables/tab_zc.h - zero-cost proxy columns of a table: /zc/<dataset>/<proxy>
 * (tables/SCHEMA.md, "Zero-cost proxy columns"), written and read.
 *
 * What it does: adds or replaces one proxy column (float64 (N), one value
 * per architecture, NaN = not computed) with its attributes, atomically: the
 * table is copied to "<path>.tmp.<pid>", its stored content checksum checked
 * (a damaged table is refused), the column written, the checksum
 * recomputed, and the copy renamed over <path>; on any failure <path> is
 * untouched. Reads a column back and lists the proxies of a dataset.
 * What it does not do: compute proxies (nn/proxies.h), reclaim the space of
 * a replaced column.
 *
 *     tab_zc_attrs a = {"fashion-mnist train images", 64, 0, "C=4 N=1 1x14x14", 0.01, NULL};
 *     if (tab_zc_write("fmnist.h5", "fashion-mnist", "synflow", v, &a) != NB_OK)
 *         puts(nb_errmsg());
 *     double *col; size_t n;
 *     if (tab_zc_read("fmnist.h5", "fashion-mnist", "synflow", &col, &n) == NB_OK) free(col);
 */
#ifndef TAB_ZC_H
#define TAB_ZC_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"

typedef struct {
    const char *input;       /* what the data-dependent proxies read, attribute "input": e.g.
                              * "fashion-mnist train images" or "N(0,1)" */
    int batch;               /* images in the minibatch, attribute "batch", e.g. 64 */
    uint64_t seed;           /* weights and batch draw, attribute "seed" */
    const char *shape;       /* network shape, attribute "shape", e.g. "C=4 N=1 1x14x14 10 classes" */
    double seconds_per_cell; /* measured CPU seconds per unique cell (thread CPU time of the
                              * whole proxy set), attribute "seconds_per_cell" */
    const char *note;        /* attribute "note" when not NULL, e.g. "imported from f.csv.gz" */
} tab_zc_attrs;

/* Write /zc/<dataset>/<proxy> = values (tab_n_archs doubles) to the table
 * at path, replacing a column of that name. NB_EINVAL for a bad name,
 * NB_EIO/NB_EFORMAT/NB_EVERSION as tab_add_hardware (the file unchanged). */
nb_status tab_zc_write(const char *path, const char *dataset, const char *proxy,
                       const double *values, const tab_zc_attrs *a);
/* 1 when /zc/<dataset>/<proxy> exists, 0 when not, -1 (message set) when the
 * file cannot be opened. */
int tab_zc_exists(const char *path, const char *dataset, const char *proxy);
/* Read the column into *out (nb_xmalloc'd, caller frees), *n values.
 * NB_ENOTFOUND when the column is absent ("hint: nastab tables proxies"),
 * NB_EIO when the file cannot be read. */
nb_status tab_zc_read(const char *path, const char *dataset, const char *proxy, double **out,
                      size_t *n);
/* The attribute "seconds_per_cell" of a column, NaN when absent or unreadable. */
double tab_zc_seconds(const char *path, const char *dataset, const char *proxy);
/* The attribute "input" of a column (nb_xmalloc'd, caller frees), or NULL. */
char *tab_zc_input(const char *path, const char *dataset, const char *proxy);

/* Columns to and from a CSV file (tables/zc_csv.c has the format: a magic
 * line, the table's space and architecture count, the dataset, one
 * "# attrs" line per column, then index,<proxy>,... with %.17g values that
 * read back as the same doubles, empty = NaN; gzip when csv_path ends in
 * .gz). A column computed once ships as a small file and comes back with
 * the same values and attributes.
 * Export the columns proxies[0..n) (n 1..32) of dataset, atomically (csv_path
 * complete or absent). NB_ENOTFOUND for a missing column, NB_EFORMAT for a
 * column without its attributes, NB_EIO for I/O. */
nb_status tab_zc_export_csv(const char *path, const char *dataset, const char *const *proxies, int n,
                            const char *csv_path);
/* Import every column of csv_path as /zc/<dataset>/<proxy> of the table at
 * path (tab_zc_write each: atomic, checksum updated), attributes as in the
 * file plus a "note" naming the file, and the source dataset when it is
 * not `dataset` ("the values of cifar10's column ..."). expect_shape (may
 * be NULL): refuse (NB_EINVAL) a column computed at another network shape.
 * NB_EFORMAT (naming the line) for a file of another space or architecture
 * count, a bad header, a bad row or a truncated file; the table is then
 * untouched. *n_written counts the columns written (a failure in a later
 * write leaves the earlier ones). */
nb_status tab_zc_import_csv(const char *path, const char *csv_path, const char *dataset,
                            const char *expect_shape, int *n_written);

#endif
