/* tables/nats.h - reader of the official NATS-Bench files of both spaces,
 * topology (tss) and size (sss) (internal to the tables module; the NATS
 * importers are its users).
 *
 * What it does: reads one per-architecture record of the
 * NATS-tss-v1_0-3ffb9-simple archive ("<dir>/000123.pickle.pbz2", a
 * bz2-compressed pickle of {hp: ArchResults state}, Dong et al., NATS-Bench,
 * TPAMI 2021) into a plain C struct: for each training schedule (hp '12' and
 * '200' epochs; the size space's NATS-sss-v1_0-50262-simple archive: '01',
 * '12' and '90'), dataset and seed, the per-epoch train top-1/top-5 accuracy,
 * loss and time, the per-epoch accuracy, loss and time of every evaluation
 * split present (x-valid, x-test, ori-test, ...), and params, FLOPs and
 * latency. Also reads the archive's meta file ("<dir>/meta.pickle.pbz2") into
 * the architecture strings (15625 tss, 32768 sss). Pickles are decoded by tables/pickle.h:
 * nothing is executed.
 * What it does not do: write tables (the importer does), average seeds, or
 * keep more than one file in memory: each call decodes one file, copies the
 * numbers out and frees the pickle tree before returning.
 *
 * Usage:
 *     nats_record *r;
 *     if (nats_read_record("NATS-tss-v1_0-3ffb9-simple/000011.pickle.pbz2", &r) != NB_OK) {
 *         fprintf(stderr, "%s\n", nb_errmsg());
 *         return 1;
 *     }
 *     const nats_run *run = nats_record_run(r, NATS_HP_200, NATS_DS_CIFAR100, 777);
 *     const nats_curve *xt = run ? &run->eval[NATS_EVAL_X_TEST] : NULL;
 *     if (xt && xt->acc) printf("%s: %.4f\n", r->arch_str, xt->acc[run->epochs - 1]);
 *     nats_record_free(r);
 */
#ifndef TABLES_NATS_H
#define TABLES_NATS_H

#include <stddef.h>

#include "core/nb.h"

#define NATS_TSS_ARCHS 15625
#define NATS_SSS_ARCHS 32768

/* Training schedules, the pickle's hp keys: the topology space trains '12'
 * and '200' epochs, the size space '01', '12' and '90'. A record may hold
 * any of them; importers say which they need. Only grow at the end. */
typedef enum {
    NATS_HP_12 = 0,  /* "12" (both spaces) */
    NATS_HP_200 = 1, /* "200" (topology space) */
    NATS_HP_01 = 2,  /* "01" (size space: one epoch) */
    NATS_HP_90 = 3,  /* "90" (size space) */
    NATS_HP_COUNT
} nats_hp;

typedef enum {
    NATS_DS_CIFAR10_VALID = 0, /* "cifar10-valid" */
    NATS_DS_CIFAR10 = 1,       /* "cifar10" */
    NATS_DS_CIFAR100 = 2,      /* "cifar100" */
    NATS_DS_IMAGENET16 = 3,    /* "ImageNet16-120" */
    NATS_DS_COUNT
} nats_dataset;

/* Evaluation splits, as named in a run's eval_names. */
typedef enum {
    NATS_EVAL_X_VALID = 0,  /* "x-valid": the validation half (cifar10-valid: 25k of train) */
    NATS_EVAL_X_TEST = 1,   /* "x-test": the test half (cifar100, ImageNet16-120) */
    NATS_EVAL_ORI_TEST = 2, /* "ori-test": the whole original test set */
    NATS_EVAL_VALID = 3,    /* "valid" (older NAS-Bench-201 records) */
    NATS_EVAL_TEST = 4,     /* "test" (older NAS-Bench-201 records) */
    NATS_EVAL_COUNT
} nats_eval;

/* Per-epoch values of one evaluation split; all NULL when the split is absent.
 * An epoch the record has no value for is NaN (hp '200' stores x-valid and
 * x-test accuracy/loss of cifar100 and ImageNet16-120, and ori-test of
 * cifar10-valid, for the last epoch only). */
typedef struct {
    double *acc;  /* (epochs) top-1 accuracy, percent */
    double *loss; /* (epochs) cross-entropy loss */
    double *time; /* (epochs) seconds for one pass over the split */
} nats_curve;

/* One training run: one hp, one dataset, one seed. Every value is the
 * double stored in the pickle, bit for bit; NaN for an epoch without one. */
typedef struct {
    int seed;            /* e.g. 777 */
    int epochs;          /* length of every per-epoch array: 1, 12, 90 or 200 */
    int class_num;       /* arch_config.class_num: 10, 100 or 120 */
    double params;       /* millions of parameters, e.g. 0.129306 */
    double flops;        /* millions of multiply-accumulates ("flop"), e.g. 15.64737 */
    double *latency;     /* (n_latency) seconds per forward pass as measured by NATS */
    size_t n_latency;    /* usually 1 */
    double *train_acc1;  /* (epochs) train top-1 accuracy, percent */
    double *train_acc5;  /* (epochs) train top-5 accuracy, percent; NULL when the
                            record stores None (hp '200' of the simple archive) */
    double *train_loss;  /* (epochs) train loss */
    double *train_time;  /* (epochs) seconds per training epoch */
    nats_curve eval[NATS_EVAL_COUNT];
    double *block_;      /* internal: the one allocation behind every array above */
} nats_run;

/* The runs of one (hp, dataset), sorted by seed. */
typedef struct {
    nats_run *runs; /* (n_runs) */
    size_t n_runs;  /* 0 when the record has none */
} nats_runs;

typedef struct {
    long index;                                    /* arch_index, 0..15624 (sss: 0..32767) */
    char *arch_str;                                /* "|nor_conv_3x3~0|+|...|", sss "8:16:32:48:64" */
    int has_hp[NATS_HP_COUNT];                     /* 1 when the hp key is present */
    int n_other_hps;                               /* top-level keys that are no known hp (skipped) */
    nats_runs runs[NATS_HP_COUNT][NATS_DS_COUNT];  /* [hp][dataset] */
} nats_record;

/* Read one record file. Fails with NB_EIO (unreadable), NB_EFORMAT (corrupt
 * bz2 or pickle, or a structure that is not an ArchResults record: the
 * message names the file, hp, dataset, seed and key) or NB_ERANGE (a pickle
 * limit). On success the caller owns *out (free with nats_record_free). */
nb_status nats_read_record(const char *path, nats_record **out);
/* The same from an in-memory image: a .pickle.pbz2 (starts with "BZh") or a
 * raw pickle. `name` is used in messages. The fuzz target uses it. */
nb_status nats_parse_record(const void *data, size_t n, const char *name, nats_record **out);
void nats_record_free(nats_record *r); /* accepts NULL */

/* The run of (hp, ds, seed), or NULL when absent. Borrowed from r. */
const nats_run *nats_record_run(const nats_record *r, nats_hp hp, nats_dataset ds, int seed);

/* The meta file: the architecture strings in index order. */
typedef struct {
    char **arch; /* (n) NUL-terminated strings */
    size_t n;    /* 15625 for the topology space, 32768 for the size space */
} nats_meta;
/* Fails as nats_read_record; NB_EFORMAT when meta_archs is missing or not a
 * list of str. The caller owns *out (free with nats_meta_free). */
nb_status nats_read_meta(const char *path, nats_meta **out);
void nats_meta_free(nats_meta *m); /* accepts NULL */

/* Names: "12"/"200"/"01"/"90", "cifar10-valid"..., "x-valid"...; ids from names give -1
 * when unknown. */
const char *nats_hp_name(nats_hp hp);
const char *nats_dataset_name(nats_dataset ds);
const char *nats_eval_name(nats_eval e);
int nats_dataset_id(const char *name);
int nats_eval_id(const char *name);

/* File names of the official archives (both spaces): "<dir>/%06ld.pickle.pbz2"
 * and "<dir>/meta.pickle.pbz2". NB_EINVAL when buf is too small. */
nb_status nats_record_path(char *buf, size_t cap, const char *dir, long index);
nb_status nats_meta_path(char *buf, size_t cap, const char *dir);

#endif
