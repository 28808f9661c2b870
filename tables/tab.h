/* tables/tab.h - the HDF5 table store (schema: tables/SCHEMA.md).
 *
 * What it does: opens a nastab table file (NB201-style results for every
 * architecture of a space: metrics per dataset, fidelity, seed and epoch;
 * costs; hardware columns) and answers queries in constant time. Opening
 * reads only the header and the architecture list; each metric column is
 * read and decompressed on its first query and then served from memory.
 * Also (sections below): the importer that builds the table from the
 * published NB201 data, the writer used by the importers and by precompute,
 * the NATS-Bench topology archive importer, and tab_add_hardware, which adds
 * a hardware column to an existing file.
 * What it does not do: search (strategies/) or train (nn/).
 *
 * Missing values are never imputed: they are NaN on disk and queries return
 * NB_EMISSING for them.
 *
 * Failures: a function returning nb_status returns NB_OK or a negative code
 * with one message (nb_errmsg) naming the file and the object; each
 * declaration lists its codes. Ownership: what a query returns (strings,
 * arrays, architectures) is borrowed from the table, valid until tab_close;
 * do not free it. Every function that writes a file writes a temporary
 * beside it and renames it into place (nb_file_commit, core/nb.h), so an
 * existing file is never left half-written.
 *
 * Usage:
 *     tab_table *t;
 *     if (tab_open("nb201.h5", &t) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     int ds = tab_dataset_id(t, "cifar10-valid");          // -1 if absent
 *     long idx = tab_index_of_str(t, "|nor_conv_3x3~0|+|...|");
 *     float acc;
 *     if (tab_metric(t, ds, 200, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, idx, &acc) == NB_OK)
 *         printf("%.2f\n", acc);
 *     tab_close(t);
 *
 * Thread safety: tab_open/tab_close are not concurrent with anything on the
 * same handle. Queries may run from many threads at once once the columns
 * they touch are loaded; call tab_preload() for the columns a parallel
 * section needs (strategies do this before spawning threads).
 */
#ifndef TAB_H
#define TAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "spaces/space.h"

#define TAB_FORMAT_NAME "nastab-table"
#define TAB_SCHEMA_VERSION 1

/* Metric ids. Names on disk are the strings of tab_metric_name(). Grow at end. */
typedef enum {
    TAB_TRAIN_ACC = 0,   /* "train_acc", percent */
    TAB_TRAIN_LOSS = 1,  /* "train_loss" */
    TAB_VALID_ACC = 2,   /* "valid_acc", percent; for cifar100/ImageNet16-120 the x-valid half */
    TAB_VALID_LOSS = 3,  /* "valid_loss" */
    TAB_TEST_ACC = 4,    /* "test_acc", percent; for cifar100/ImageNet16-120 the x-test half */
    TAB_TEST_LOSS = 5,   /* "test_loss" */
    TAB_VALTEST_ACC = 6, /* "valtest_acc": NB201 "ori-test", valid+test halves together */
    TAB_METRIC_COUNT
} tab_metric_id;

/* Per-architecture cost ids (per dataset). Grow at end. */
typedef enum {
    TAB_COST_TRAIN_TIME = 0, /* "train_time_per_epoch", simulated seconds per training epoch */
    TAB_COST_EVAL_TIME = 1,  /* "eval_time", seconds for one pass over the validation split */
    TAB_COST_PARAMS = 2,     /* "params", millions of parameters */
    TAB_COST_FLOPS = 3,      /* "flops", millions of multiply-accumulates (NB201's "FLOPs") */
    TAB_COST_COUNT
} tab_cost_id;

#define TAB_SEED_MEAN (-1)  /* seed argument: the mean over seeds */
#define TAB_EPOCH_LAST (-1) /* epoch argument: the final epoch of the schedule */

typedef struct tab_table tab_table;

/* Open a table. Fails with NB_EIO (cannot open; names the path), NB_EFORMAT
 * (not a nastab table, or a required dataset missing/corrupt: names the
 * object), NB_EVERSION (schema version differs: says found, expected and
 * "hint: rebuild with nastab tables import nb201 -o FILE"). *out owned by
 * the caller: release with tab_close. */
nb_status tab_open(const char *path, tab_table **out);
void tab_close(tab_table *t); /* accepts NULL */

/* Path given to tab_open; borrowed. */
const char *tab_path(const tab_table *t);
/* The table's search space (its root attribute 'space' looked up with
 * space_find; tab_space(t)->name is "nb201"), static, and the number of
 * architectures. */
const space_def *tab_space(const tab_table *t);
size_t tab_n_archs(const tab_table *t);
/* A root attribute as a string (e.g. "content_checksum", "git_sha",
 * "sources"), or NULL when absent. Borrowed, valid until tab_close. */
const char *tab_attr(const tab_table *t, const char *name);
/* The content checksum (hex string) stored at build time; borrowed. */
const char *tab_checksum(const tab_table *t);

/* Architecture of index idx (idx < tab_n_archs); borrowed pointer. */
const space_arch *tab_arch(const tab_table *t, size_t idx);
/* Official NB201 index of a cell, or -1 when the table lacks it. O(1). */
long tab_index_of(const tab_table *t, const space_arch *a);
/* Parse + lookup: index, or -1 with the message set (malformed string:
 * the space_parse message; absent: "not in table"). */
long tab_index_of_str(const tab_table *t, const char *arch_str);

/* Datasets present, in file order. Name of id i (borrowed), id of a name or -1. */
int tab_n_datasets(const tab_table *t);
const char *tab_dataset_name(const tab_table *t, int ds);
int tab_dataset_id(const tab_table *t, const char *name);
/* Fidelities (schedule lengths in epochs, e.g. 12 and 200) of dataset ds;
 * returns the count, fills up to `max` into epochs[]. */
int tab_fidelities(const tab_table *t, int ds, int *epochs, int max);
const char *tab_metric_name(tab_metric_id m); /* "valid_acc" */
int tab_metric_from_name(const char *name);   /* id or -1 */
const char *tab_cost_name(tab_cost_id c);

/* Shape of a metric column: number of seeds (the seed axis; 0 when only the
 * mean is stored) and of recorded epochs. seeds[] / epochs[] borrowed.
 * Returns NB_ENOTFOUND when the (dataset, fidelity, metric) has no data. */
typedef struct {
    int n_seeds;        /* length of the seed axis, 0 = mean only */
    const int *seeds;   /* (n_seeds) seed values, e.g. 777 888 999 */
    int n_epochs;       /* length of the epoch axis */
    const int *epochs;  /* (n_epochs) 1-based epoch numbers recorded, last = fidelity */
} tab_column_info;
nb_status tab_column_info_get(tab_table *t, int ds, int fidelity, tab_metric_id m,
                              tab_column_info *info);

/* One value. seed: a seed value from the column's seed axis or TAB_SEED_MEAN;
 * epoch: a recorded epoch number or TAB_EPOCH_LAST. Returns NB_OK,
 * NB_EMISSING (value masked: no data for this arch/seed/epoch),
 * NB_ENOTFOUND (no such dataset/fidelity/metric/seed/epoch: message says
 * which), NB_EINVAL (idx out of range), or an I/O error from lazy loading.
 * Loads the column on first use (not thread-safe then; see tab_preload). */
nb_status tab_metric(tab_table *t, int ds, int fidelity, tab_metric_id m, int seed, int epoch,
                     size_t idx, float *out);
/* Make sure a column is in memory (so later queries are read-only). */
nb_status tab_preload(tab_table *t, int ds, int fidelity, tab_metric_id m);

/* Fast path for hot loops: a pointer to the seed-mean values at the final
 * epoch, one float per architecture (NaN = missing), or NULL with the
 * message set. Borrowed, valid until tab_close. Loads on first use. */
const float *tab_metric_final(tab_table *t, int ds, int fidelity, tab_metric_id m);

/* Per-architecture cost of dataset ds (NB_EMISSING when masked). */
nb_status tab_cost(tab_table *t, int ds, tab_cost_id c, size_t idx, float *out);
/* All archs' cost values (NaN = missing) or NULL; borrowed. */
const float *tab_cost_column(tab_table *t, int ds, tab_cost_id c);

/* Which architectures the table holds (tables/held.c): held[i] = 1 when
 * arch i has a finite seed-mean validation or test accuracy at the final
 * epoch of some dataset and schedule, else 0 (a partial table: an sss
 * `tables build --sample K`, an import with missing records). held has
 * tab_n_archs(t) entries, filled by the caller's buffer. Returns the count
 * held (tab_n_archs for a complete table). Loads the accuracy columns. */
size_t tab_held(tab_table *t, uint8_t *held);
/* The held architectures' indices (tab_held) in a seeded random order: a
 * Fisher-Yates shuffle of them in index order, drawn from the stream
 * (seed, 0, NB_PURPOSE_TEST), into order[0..count); order has
 * tab_n_archs(t) entries. The first k of the order are a uniform sample of
 * k, the same for every k' >= k. Returns the count held (0: none). */
size_t tab_sample_held(tab_table *t, uint64_t seed, size_t *order);

/* Best architecture by a metric (seed mean, final epoch, NaN skipped). */
nb_status tab_best(tab_table *t, int ds, int fidelity, tab_metric_id m, size_t *idx, float *value);

/* Hardware columns: one per (device, metric, dataset, batch). */
typedef struct {
    const char *name;    /* column name, e.g. "hwnas_edgegpu_latency_cifar10" */
    const char *device;  /* "edgegpu", "raspi4", "1080ti", ... */
    const char *metric;  /* "latency" or "energy" or "arithmetic_intensity" */
    const char *unit;    /* "ms", "mJ", ... */
    const char *dataset; /* input dataset the network was built for, or "" */
    int batch;           /* batch size, 0 if unknown */
    const char *source;  /* "HW-NAS-Bench", "HELP", "measured" */
    size_t n_missing;    /* masked entries */
} tab_device_info;
int tab_n_devices(const tab_table *t);
nb_status tab_device(tab_table *t, int i, tab_device_info *info);
/* Values of hardware column i (NaN = missing); borrowed, loads on first use. */
const float *tab_device_values(tab_table *t, int i);

/* Build nb201 table from the published CSV in src_dir (tables/data:
 * nb201.csv.gz, curves200.csv.gz, PROVENANCE.md) into out_path (mapping in
 * tables/SCHEMA.md). Validates every row; fails with NB_EIO (a file cannot
 * be read or written) or NB_EFORMAT naming the file, line, column and value.
 * Writes to a temporary file beside out_path and renames it into place only
 * when complete, so an existing file is never left half-written. */
nb_status tab_import_nb201(const char *src_dir, const char *out_path);
/* The folder holding the published NB201 data (nb201.csv.gz) when the user
 * names none: tables/data (the source tree), else <folder of the running
 * binary>/../share/nastab (an install, also one moved after `make install
 * DESTDIR=`), else the PREFIX/share/nastab the library was built with
 * (`make install` copies the data there). Returns "tables/data", buf (size n,
 * which receives the second path) or the built-in path; NULL when none
 * holds nb201.csv.gz, with NB_ENOTFOUND's message naming the three
 * places and hinting at --source. */
const char *tab_nb201_default_source(char *buf, size_t n);

/* Verify the stored content checksum against the data (reads everything).
 * NB_OK, or NB_EFORMAT naming the stored and the recomputed value. */
nb_status tab_verify(tab_table *t);

/* ---- writer: builds a table of this schema (importers, precompute).
 *
 *     tab_writer *w;
 *     if (tab_writer_create("out.h5", "nb201", n, archs, &w) != NB_OK) return 1;
 *     tab_writer_attr(w, "sources", "...");
 *     tab_metric_data d = {.final_mean = acc};            // (n) floats, NaN = missing
 *     st = tab_writer_metric(w, "cifar10-valid", 200, TAB_VALID_ACC, &d);
 *     st = tab_writer_cost(w, "cifar10-valid", "params", params, "M", NULL);
 *     if (st != NB_OK) { tab_writer_abort(w); return 1; }
 *     return tab_writer_finish(w, NULL);                  // checksum + atomic rename
 *
 * Everything goes to "<path>.tmp.<pid>"; tab_writer_finish computes the
 * content checksum, fsyncs and renames it to <path>; tab_writer_abort (or any
 * failing finish) removes it, so <path> is never half-written. All arrays are
 * copied (the caller keeps ownership). Any add function may fail with
 * NB_EINVAL (bad argument: the message names it; e.g. a column added twice)
 * or NB_EIO/NB_EINTERNAL (HDF5 failure naming the file and object); after a
 * failure the caller must still call tab_writer_abort. Datasets keep the
 * order in which they are first added (tab_dataset_name order). */
typedef struct tab_writer tab_writer;

/* Values of one (dataset, fidelity, metric) column; n = n_archs. Only
 * final_mean is required; NaN marks a missing value (never imputed). */
typedef struct {
    const float *final_mean;  /* (n) seed mean at the final epoch */
    int n_seeds;              /* length of the seed axis, 0 = no per-seed data */
    const int *seeds;         /* (n_seeds) seed values, e.g. 777 888 999 */
    const float *final_seeds; /* (n, n_seeds) per seed at the final epoch, or NULL */
    int n_epochs;             /* length of the epoch axis of the curves, 0 = none */
    const int *epochs;        /* (n_epochs) 1-based, strictly increasing, last <= fidelity */
    const float *curve_mean;  /* (n, n_epochs) seed mean per epoch, or NULL */
    const float *curve_seeds; /* (n, n_seeds, n_epochs) per seed and epoch, or NULL */
    const char *unit;         /* e.g. "percent"; NULL = none */
    const char *source;       /* where the values come from; NULL = none */
    const char *derived;      /* formula when computed from other data; NULL = measured */
} tab_metric_data;

/* Start a table of n_archs architectures; archs[i] is the cell of index i
 * (copied; codes must be distinct). Writes the root attributes format,
 * schema_version, space, n_archs, created, nastab_version and git_sha.
 * Fails with NB_EINVAL (bad arguments), NB_EIO (cannot create the file). */
nb_status tab_writer_create(const char *path, const char *space, size_t n_archs,
                            const space_arch *archs, tab_writer **out);
/* Set (or replace) a root string attribute, e.g. "sources", "licences",
 * "provenance". The reserved names written by create/finish are refused. */
nb_status tab_writer_attr(tab_writer *w, const char *name, const char *value);
/* Add one metric column; refused when (dataset, fidelity, metric) exists. */
nb_status tab_writer_metric(tab_writer *w, const char *dataset, int fidelity, tab_metric_id m,
                            const tab_metric_data *d);
/* Add a per-architecture cost column /costs/<dataset>/<name>: name is a
 * tab_cost_name() or an extra column (e.g. "params_stored"). values (n);
 * unit e.g. "s", "M"; derived = formula or NULL. */
nb_status tab_writer_cost(tab_writer *w, const char *dataset, const char *name,
                          const float *values, const char *unit, const char *derived);
/* Add a hardware column /hardware/<info->name> with its attributes; the
 * n_missing field is ignored and computed from the NaNs in values (n).
 * note: free text stored as attribute "note", or NULL. */
nb_status tab_writer_hardware(tab_writer *w, const tab_device_info *info, const float *values,
                              const char *note);
/* Compute and store the content checksum, close, fsync and rename into
 * place. Frees w whatever the outcome; on failure the temporary is removed.
 * checksum_hex (17 bytes: 16 hex digits + NUL) receives the checksum, or NULL. */
nb_status tab_writer_finish(tab_writer *w, char checksum_hex[17]);
/* Discard everything written; frees w; accepts NULL. */
void tab_writer_abort(tab_writer *w);


/* ---- NATS-Bench topology archive import ----
 * tab_import_nats builds a table from the official NATS-Bench topology-space
 * archive (NATS-tss-v1_0-3ffb9-simple: one "<index>.pickle.pbz2" per
 * architecture plus "meta.pickle.pbz2"; Dong et al., NATS-Bench, TPAMI 2021).
 * What it does: streams every per-architecture record of the archive into
 * the schema of tables/SCHEMA.md (the layout of the shipped NB201 table), one
 * architecture in memory at a time, with every seed and every epoch of both
 * schedules (12 and 200 epochs): final_mean, final_seeds, curve_mean and
 * curve_seeds for each metric, per-epoch times, costs, and NATS's own
 * latency as a hardware column. Row i is official index i (from the meta
 * file). Records that are missing, unreadable or not a record of their index
 * are logged by file name and left NaN; /archs/present and
 * /archs/import_status record the gap.
 * With cfg.space = "sss" it reads the size-space archive
 * (NATS-sss-v1_0-50262-simple) into a table of space "sss": schedules 90, 12
 * and 1 (hp '90', '12', '01'), seeds 777 888 999 (01: 777), costs and
 * latency from '90'; there a record that is unreadable, of another index, or
 * whose schedules or datasets differ fails the import (SCHEMA.md, "The
 * NATS-Bench size space").
 * What it does not do: fill gaps or average partial data.
 *
 * Layout written (in addition to SCHEMA.md's required objects):
 *   /datasets/<ds>/<200|12>/<metric>/{final_mean, final_seeds, curve_mean,
 *       curve_seeds}: seeds 777 888 999 (200 epochs); 111 777 (cifar10-valid,
 *       12 epochs) or 111 (other datasets, 12 epochs); epochs 1..fidelity.
 *       Metrics: cifar10-valid train_*, valid_* (x-valid), test_* (ori-test);
 *       cifar10 train_*, test_* (ori-test); cifar100 and ImageNet16-120
 *       train_*, valid_* (x-valid), test_* (x-test), valtest_acc (ori-test).
 *       Extra groups the reader ignores (same four datasets): train_time,
 *       valid_time, test_time, valtest_time (seconds per epoch / per pass)
 *       and valtest_loss.
 *       Seed mean = mean over the seeds the record trained (NaN when any of
 *       them lacks the value); never over partial data.
 *   /costs/<ds>/{train_time_per_epoch, eval_time, params, flops}
 *   /hardware/nats_latency_<ds>: device "nb201-gpu", unit ms, source
 *       "NATS-Bench" (the record's latency list, seconds, mean x 1000).
 *   /archs/present (N) uint8: 1 imported, 0 not;
 *   /archs/import_status (N) uint8: 0 imported, 1 file missing, 2 unreadable
 *       or corrupt, 3 not a valid record of its index (attribute "codes").
 *   root attributes n_imported, n_missing_files, n_bad_files (int64).
 *
 * Usage:
 *     tab_nats_import_cfg cfg = {.archive_dir = "NATS-tss-v1_0-3ffb9-simple", .strict = 0};
 *     if (tab_import_nats(&cfg, "nats.h5") != NB_OK) { puts(nb_errmsg()); return 1; }
 */
typedef struct {
    const char *archive_dir; /* folder of the archive, e.g. "NATS-tss-v1_0-3ffb9-simple" */
    int strict;              /* 1: any missing or bad record fails the import; 0: log and mask */
    const char *space;       /* which archive: "nb201" (topology, NATS-tss; NULL means this)
                                or "sss" (size, NATS-sss-v1_0-50262-simple) */
} tab_nats_import_cfg;

/* Import the archive into out_path (written as "<out_path>.tmp.<pid>" and
 * renamed into place when complete; never half-written). Record files may be
 * named "%06d.pickle.pbz2" (official) or "tss_%06d.pickle.pbz2", the meta
 * file "meta.pickle.pbz2" or "tss_meta.pickle.pbz2". Fails with NB_EIO (meta
 * file or output unreadable/unwritable), NB_EFORMAT (bad meta file; in strict
 * mode: the first missing or bad record, named), NB_EINVAL (bad cfg), or an
 * HDF5 error naming the object. Not strict: a bad record is logged and the
 * import succeeds; when no record at all could be imported it fails with
 * NB_EFORMAT. */
nb_status tab_import_nats(const tab_nats_import_cfg *cfg, const char *out_path);

/* ---- Adding a hardware column to an existing table file ----
 *
 * What it does: copies the table to "<path>.tmp.<pid>", checks the copy's
 * stored content checksum (a corrupted table is refused, never re-blessed),
 * adds /hardware/<info->name> exactly as tab_writer_hardware lays it out
 * (float32 (N), whole-row chunks, shuffle + deflate 4, NaN fill; attributes
 * device, metric, unit, dataset, batch, source, n_missing, note) plus a
 * `host` attribute, recomputes the content checksum (tables/SCHEMA.md),
 * fsyncs and renames over <path>. On any failure the temporary is removed
 * and <path> is untouched.
 * What it does not do: add metric or cost columns; reclaim the space of a
 * replaced column (HDF5 keeps the old chunks as free space in the file).
 *
 * Usage:
 *     tab_device_info di = {.name = "host_latency_b1", .device = "host",
 *                           .metric = "latency", .unit = "ms", .dataset = "cifar10",
 *                           .batch = 1, .source = "measured"};
 *     float *v = ...;                    // (n_archs), NaN = not measured
 *     if (tab_add_hardware("nb201.h5", &di, v, "nastab latency") != NB_OK)
 *         puts(nb_errmsg());
 */
/* Optional extras of tab_add_hardware_ex. */
typedef struct {
    const char *note; /* free text, attribute "note"; NULL = none */
    const char *host; /* machine description, attribute "host"; NULL = none */
    int replace;      /* 1: an existing column of that name is replaced; 0: refused */
} tab_add_opts;

/* Add hardware column info->name to the table at path. values has
 * tab_n_archs() floats, NaN = missing; info->n_missing is ignored (counted
 * from values). Fails with NB_EINVAL (bad name or attribute; the column
 * exists and replace is 0: "hint: --replace"), NB_EIO (cannot read, copy,
 * write, fsync or rename: names the file), NB_EFORMAT/NB_EVERSION (not a
 * table of this schema, or its stored checksum does not match its data).
 * The original file is unchanged after any failure. */
nb_status tab_add_hardware(const char *path, const tab_device_info *info, const float *values,
                           const char *note);
/* As tab_add_hardware with note, host and replace in opts (NULL = defaults). */
nb_status tab_add_hardware_ex(const char *path, const tab_device_info *info, const float *values,
                              const tab_add_opts *opts);

#endif
