/* precompute/pc_zc.h - zero-cost proxy columns of a table, computed by the
 * engine: for one dataset of a table, every requested proxy (nn/proxies.h)
 * of one representative per canonical class, at the network shape of that
 * dataset's column, written as /zc/<dataset>/<proxy> (tables/tab_zc.h).
 *
 * What it does: chooses the network shape (a built table's preset,
 * attribute precompute_config "preset=NAME ...", else NB201's C=16 N=5 at
 * the dataset's image size); draws the minibatch (the dataset's training
 * images from data_dir, else N(0,1)); skips proxies whose column exists
 * (resume) unless replace; computes the cells on `threads` threads (the
 * numbers do not depend on the thread count: one cell per thread; it
 * sets the engine to one thread each, nn_set_threads(1), and leaves it so); gives every cell of a class its
 * representative's value (NaN beyond `limit`); writes each column
 * atomically with the table's checksum updated.
 * What it does not do: parse the command line or print (bench/cmd_proxies.c);
 * progress goes through the callback. Rank statistics of the columns are
 * reports/rep_zc.h.
 *
 *     pc_zc_config c = pc_zc_config_default();
 *     c.path = "f.h5", c.dataset = "fashion-mnist", c.limit = 3;
 *     pc_zc_result r;
 *     if (pc_zc_run(&c, NULL, NULL, &r) != NB_OK) fail(nb_errmsg());
 *     for (int i = 0; i < r.n_written; i++) puts(nn_zc_name(r.written[i]));
 *
 * Failures: nb_status with one message (nb_errmsg) naming the file, the
 * dataset or the cell. A failure after some columns were written leaves
 * those columns (each write is atomic) and says so in r->n_written.
 * Allocation failures abort (nb_xmalloc).
 */
#ifndef NASTAB_PC_ZC_H
#define NASTAB_PC_ZC_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "nn/proxies.h"

/* Where the fashion-mnist training images are looked for by default. */
#define PC_ZC_FMNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct {
    const char *path;     /* the table file, e.g. "fmnist.h5" (rewritten in place, atomically) */
    const char *dataset;  /* the table's dataset whose network shape is used, e.g. "fashion-mnist" */
    const nn_zc_id *ids;  /* proxies to compute, in this order; NULL = all NN_ZC_COUNT */
    int n_ids;            /* entries of ids (ignored when ids is NULL), 1..NN_ZC_COUNT */
    int batch;            /* minibatch images, e.g. 64 */
    uint64_t seed;        /* weights and batch draw, e.g. 0 */
    const char *data_dir; /* dataset folder; NULL = PC_ZC_FMNIST_DIR for fashion-mnist, none
                           * otherwise (batch N(0,1)); a given folder that cannot be loaded is
                           * an error, the default one falls back to N(0,1) */
    int threads;          /* cells in parallel, 1..256; results identical for any value */
    size_t limit;         /* compute only the first `limit` classes (others NaN); 0 = all */
    int replace;          /* 1: recompute proxies whose column exists; 0: skip them */
} pc_zc_config;

/* Called once with done = 0 before the first cell, then once after each
 * cell (serialised: never two calls at once), done counting up to total. */
typedef void (*pc_zc_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct {
    size_t n_cells;           /* architectures in the table, e.g. 15625 */
    size_t n_classes;         /* canonical classes among them, e.g. 6466 */
    size_t n_run;             /* classes computed (min(limit, n_classes)); 0 when nothing to do */
    int n_todo;               /* proxies to compute after the resume check; 0 = all exist */
    char shape[128];          /* e.g. "C=4 N=1 1x14x14 10 classes" */
    int have_data;            /* 1 when the batch is training images, 0 when N(0,1) */
    double seconds;           /* wall seconds of the computation */
    double seconds_per_cell;  /* the workers' thread CPU seconds / n_run (CPU s per cell, all
                               * the proxies computed together), e.g. 0.13 */
    int n_written;            /* columns written so far, in order */
    nn_zc_id written[NN_ZC_COUNT];
} pc_zc_result;

/* batch 64, seed 0, threads 1, all proxies, no limit, no replace; path and
 * dataset NULL (the caller sets them). */
pc_zc_config pc_zc_config_default(void);

/* Compute and write the proxy columns of c (see the top). *r is filled as
 * far as the run got (also on failure). NB_ENOTFOUND for a dataset the
 * table lacks (the message lists those it has) or an unknown preset,
 * NB_EINVAL for a dataset without a known network shape or bad config
 * values, the errors of tab_open / nn_data_load / nn_zc_compute /
 * tab_zc_write otherwise. progress may be NULL. */
nb_status pc_zc_run(const pc_zc_config *c, pc_zc_progress_fn progress, void *ctx, pc_zc_result *r);

/* The network shape proxies of `dataset` are computed at in the table at
 * path, as pc_zc_result.shape ("C=16 N=5 3x32x32 10 classes") into shape
 * (n bytes): what tab_zc_import_csv checks an imported column against.
 * NB_ENOTFOUND for a dataset the table lacks, NB_EINVAL for one without a
 * known shape, tab_open's errors. */
nb_status pc_zc_shape(const char *path, const char *dataset, char *shape, size_t n);

#endif
