/* bench/precompute.h - full-training mode: train every unique NB201 cell
 * with the C engine and store the results as a nastab table (the schema of
 * the imported NB201 table, tables/SCHEMA.md), resumably.
 *
 * What it does: presets (a table in bench/precompute.c: network width and
 * depth, image size, data subset, epochs, seeds); the isomorphism classes to
 * train (space_canonical_code; the 341 disconnected cells, whose networks
 * output a constant, form ONE class here instead of five); an append-only
 * journal of fixed-size CRC-checked records, one per trained class, fsynced
 * per record, so `kill -9` loses at most the class in flight; and the table
 * written from one or more journals through tab_writer (atomic rename).
 * What it does not do: parse the command line (bench/cmd_build.c), search.
 *
 * Determinism: the HDF5 file depends only on the journals' metric values
 * (bit-identical for any thread count, shard split or process count: the
 * engine's guarantee, nn/nn.h) and on constants; measured wall times stay in
 * the journal and on stdout. The cost columns train_time_per_epoch and
 * eval_time are derived from FLOPs through the preset's cost model (an
 * attribute records the formula), so strategies can charge simulated time.
 *
 * Usage:
 *     const pc_preset *p = pc_preset_find("tiny");
 *     pc_classes cl; pc_classes_init(&cl, 0);           // all 6462 classes
 *     pc_job job = {p, "fashion-mnist", dir, 0, 0, 1, 1, 0, NULL}; // all classes, shard 0/1, 1 thread
 *     pc_train_shard(&job, &cl, "out.h5.journal");    // resumes if present
 *     const char *j[] = {"out.h5.journal"};
 *     pc_write_table("out.h5", j, 1, NULL);
 */
#ifndef NASTAB_PRECOMPUTE_H
#define NASTAB_PRECOMPUTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "spaces/space.h"

#define PC_MAX_SEEDS 4
#define PC_MAX_EPOCHS 64
/* Values per (seed, epoch) in a journal record, in this order. */
enum {
    PC_TRAIN_ACC, PC_TRAIN_LOSS, PC_VALID_ACC, PC_VALID_LOSS, PC_TEST_ACC, PC_TEST_LOSS,
    PC_TRAIN_SEC, /* measured wall seconds of the training epoch (journal only) */
    PC_EVAL_SEC,  /* measured wall seconds of the valid + test passes (journal only) */
    PC_NV
};

typedef struct {
    const char *name;        /* "tiny" */
    const char *description; /* one line for --help */
    int C, N;                /* network width and cells per stage */
    int downsample;          /* image shrink factor (1 = full size) */
    int epochs;              /* schedule length = table fidelity */
    int batch;               /* images per SGD step */
    double lr;               /* initial learning rate (cosine to 0) */
    int augment;             /* 1: crop + flip (NB201) */
    long n_train;            /* first K images of the training half, 0 = all */
    long n_eval;             /* first K images of the valid half and of the test set, 0 = all */
    int n_seeds;
    int seeds[PC_MAX_SEEDS];
    /* Cost model (seconds; MFLOPs = nn_net_flops per image):
     * train_time_per_epoch = n_train * (cost_train_a + cost_train_b * MFLOPs),
     * eval_time = n_valid * (cost_eval_a + cost_eval_b * MFLOPs). */
    double cost_train_a, cost_train_b, cost_eval_a, cost_eval_b;
} pc_preset;

/* The presets, NULL-terminated; lookup by name (NULL with the message
 * listing the known names). */
const pc_preset *const *pc_presets(void);
const pc_preset *pc_preset_find(const char *name);
/* Fingerprint of everything that changes the numbers (CRC-32 of a canonical
 * text of the fields); the journal refuses to resume across a change. */
uint32_t pc_preset_crc(const pc_preset *p);

/* Classes to train, in ascending order of their smallest code. */
typedef struct {
    size_t n;                            /* classes selected */
    uint32_t *rep;                       /* (n) representative (smallest) code per class */
    int32_t class_of[SPACE_NB201_SIZE];  /* code -> selected class number, -1 not selected */
} pc_classes;
/* archs_k == 0: every class (6462: 6466 canonical classes with the 5
 * disconnected ones merged); archs_k = K: K classes spread evenly over that
 * list (class j*total/K), for tests and timing. Aborts on OOM. */
void pc_classes_init(pc_classes *c, size_t archs_k);
void pc_classes_free(pc_classes *c);

typedef struct {
    const pc_preset *preset;
    const char *dataset;  /* "fashion-mnist", "cifar10", "cifar100" */
    const char *data_dir; /* folder with the dataset files */
    size_t archs_k;       /* 0 = all classes */
    int shard_k, shard_n; /* train classes with number % shard_n == shard_k; 0/1 = all */
    int threads;          /* engine threads (nn_set_threads); never changes results */
    int reverse;          /* 1: train the shard's classes in descending order */
    const char *partner;  /* journal of the same shard trained in the other direction, or
                           * NULL: training stops at the first class found there (the two
                           * processes met); pc_write_table takes the union */
} pc_job;

/* Train the job's shard into `journal`, resuming from what it holds
 * (a torn last record is dropped; a header that does not match the job is
 * NB_EFORMAT naming the field, found and expected values, with the hint to
 * remove the journal). Prints one line per class to stdout. With
 * job->partner, a second process can work through the same shard from the
 * other end (--reverse) and both stop where they meet. */
nb_status pc_train_shard(const pc_job *job, const pc_classes *cl, const char *journal);

/* Number of complete records in a journal of this job (0 when absent), for
 * coordination between processes; NB_EFORMAT when it belongs to another job. */
nb_status pc_journal_count(const pc_job *job, const char *journal, size_t *count);
/* Number of classes of shard k/N. */
size_t pc_shard_size(const pc_classes *cl, int shard_k, int shard_n);

/* Retrain cells codes[0..n) with the job's preset and data (for tables
 * validate): vals (n, n_seeds, epochs, PC_NV). Data errors as nn_data_load. */
nb_status pc_train_cells(const pc_job *job, const uint32_t *codes, size_t n, float *vals);

/* Write the table `out` from journals covering every shard 0..N-1 of one
 * job exactly once, each complete. Architectures: the order of the table
 * `like` (e.g. nb201.h5, so indices equal NB201's) or, with like NULL, all
 * 15625 cells in base-5 code order (index = space_code). Cells of a class
 * share its values; cells of classes not trained (--archs K) are NaN.
 * NB_EFORMAT for journals that disagree, miss a shard or are incomplete. */
nb_status pc_write_table(const char *out, const char *const *journals, int n_journals,
                         const char *like);
/* The same, but shards may be incomplete (a build still running; torn last
 * records are ignored): the classes not yet trained are NaN and the
 * attribute "precompute_incomplete" says how many classes are present. */
nb_status pc_write_table_partial(const char *out, const char *const *journals, int n_journals,
                                 const char *like);

#endif
