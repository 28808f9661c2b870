/* precompute/pc.h - full-training mode as a library: train every unique
 * architecture of a preset's search space (NB201's cells, or the NATS-Bench
 * size space's networks: each preset names its space) with the C engine and store the results as a nastab table (the
 * schema of the imported NB201 table, tables/SCHEMA.md), resumably.
 *
 * What it does: presets (network width and depth, image size, data subset,
 * epochs, seeds, cost model; precompute/preset.c) on NB201's training
 * protocol (nn_protocol_nb201); the isomorphism classes to train
 * (space_canon of the preset's space; the cells whose network description
 * does not connect input to output, NB201's 341 disconnected cells, whose
 * networks output a constant, form ONE class here instead of five);
 * shards (class number % N);
 * an append-only journal of fixed-size CRC-checked records, one per trained
 * class, fsynced per record, so `kill -9` loses at most the class in flight
 * (precompute/journal.c); the table written from one or more journals
 * through tab_writer, atomically (precompute/table.c), with seed means and
 * the cost columns from the preset's cost model (precompute/cost.c); the
 * sample `tables validate` retrains and its pairs of live and table values
 * (precompute/validate.c).
 * What it does not do: parse the command line, print, or wait for other
 * processes (bench/cmd_build.c), search, measure latency.
 *
 * Determinism: the HDF5 file depends only on the journals' metric values
 * (bit-identical for any thread count, shard split or process count: the
 * engine's guarantee, nn/nn.h) and on constants; measured wall times stay in
 * the journal (and in pc_table_info's fit). The cost columns
 * train_time_per_epoch and eval_time are derived from FLOPs through the
 * preset's cost model (an attribute records the formula), so strategies can
 * charge simulated time.
 *
 * Usage:
 *     const pc_preset *p = pc_preset_find("tiny");
 *     pc_classes cl;
 *     pc_classes_init(&cl, p->space, 0);                // all 6462 classes
 *     pc_job job = {p, "fashion-mnist", dir, 0, 0, 1, 1, 0, NULL}; // shard 0/1, 1 thread
 *     if (pc_train_shard(&job, &cl, "out.h5.journal", NULL, NULL) != NB_OK) fail(nb_errmsg());
 *     const char *j[] = {"out.h5.journal"};
 *     pc_table_info info;
 *     if (pc_write_table("out.h5", j, 1, NULL, &info) != NB_OK) fail(nb_errmsg());
 *     pc_classes_free(&cl);
 *
 * Failures are nb_status with one message (nb_errmsg) naming the file and
 * field; allocation failures abort (nb_xcalloc_array). Nothing prints:
 * pc_train_shard reports progress through its callback.
 */
#ifndef NASTAB_PRECOMPUTE_H
#define NASTAB_PRECOMPUTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"
#include "tables/tab.h"

#define PC_MAX_SEEDS 4
#define PC_MAX_EPOCHS 64
/* Values per (seed, epoch) in a journal record, in this order. */
enum {
    PC_TRAIN_ACC, PC_TRAIN_LOSS, PC_VALID_ACC, PC_VALID_LOSS, PC_TEST_ACC, PC_TEST_LOSS,
    PC_TRAIN_SEC, /* measured wall seconds of the training epoch (journal only) */
    PC_EVAL_SEC,  /* measured wall seconds of the valid + test passes (journal only) */
    PC_NV
};

/* ==== presets (precompute/preset.c) */
typedef struct {
    const char *name;        /* "tiny" */
    const char *description; /* one line for --help */
    const space_def *space;  /* the space whose architectures it trains (static): NB201 or sss */
    /* C, N: NB201's TinyNetwork width and cells per stage (the sss network
     * takes its widths from the architecture and ignores them: its presets
     * say 8 and 1) */
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

/* The presets, NULL-terminated (static; do not free). */
const pc_preset *const *pc_presets(void);
/* Lookup by name; NULL with NB_ENOTFOUND's message listing the known names. */
const pc_preset *pc_preset_find(const char *name);
/* The canonical text of every field that changes a number, e.g.
 * "preset=tiny C=4 N=1 ... seeds=777" (stored as precompute_config). */
void pc_preset_text(const pc_preset *p, char *buf, size_t n);
/* Fingerprint: CRC-32 of pc_preset_text; the journal refuses to resume
 * across a change. */
uint32_t pc_preset_crc(const pc_preset *p);
/* The preset's training protocol for one seed: nn_protocol_nb201 at the
 * preset's batch, lr, epochs, augmentation, downsample and subsets. */
nn_protocol pc_preset_protocol(const pc_preset *p, uint64_t seed);

/* ==== classes and shards (precompute/classes.c) */
typedef struct {
    const space_def *space; /* whose indices ("codes") these are (static) */
    size_t n;               /* classes selected */
    uint32_t *rep;          /* (n) representative (smallest) index per class, owned */
    int32_t *class_of;      /* (space->size) index -> selected class number, -1 not selected; owned */
} pc_classes;
/* Classes of `space` in ascending order of their smallest index: the
 * classes of space_canon, with every architecture whose network
 * description (space->network) has no path from the cell's input to its
 * output merged into one. archs_k == 0: every class (NB201: 6462, its 6466
 * canonical classes with the 5 disconnected ones merged; sss: 32768, every
 * architecture its own class); archs_k = K: K classes, in ascending order:
 * for a space with a canonical form (NB201) spread evenly over that list
 * (class j*total/K), for tests and timing; for a space without one (sss,
 * `tables build --sample K`) a seeded uniform sample: the first K of a
 * Fisher-Yates shuffle of the list on the stream (PC_SAMPLE_SEED, 0,
 * NB_PURPOSE_DATA), so a larger K extends a smaller one's sample. Aborts on
 * OOM. */
#define PC_SAMPLE_SEED 0x5353u /* "SS" */
void pc_classes_init(pc_classes *c, const space_def *space, size_t archs_k);
void pc_classes_free(pc_classes *c);
/* Number of classes of shard k/N (classes with number % N == k). */
size_t pc_shard_size(const pc_classes *cl, int shard_k, int shard_n);

/* ==== a job: what one process trains */
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

/* ==== the journal (precompute/journal.c)
 * File (native byte order, little-endian x86-64; format version 1):
 *   header   pc_journal_header (184 bytes) ending in a CRC-32 of the bytes before it
 *   records  each record_bytes = 4 (class code: its representative's index
 *            in the preset's space) + 4 * n_seeds * n_epochs * PC_NV
 *            (floats, layout [seed][epoch][value]) + 4 (CRC-32 of the code
 *            and the floats)
 * A record is written with one write() and fsynced; on reopening, a torn or
 * CRC-failing LAST record is cut off (the class in flight when the process
 * died), a bad record before the last one is corruption (NB_EFORMAT). */
typedef struct {
    char magic[8]; /* "NASTABJ1" */
    uint32_t version;
    uint32_t preset_crc;
    char preset[32];
    char dataset[32];
    uint32_t archs_k, shard_k, shard_n, n_seeds, n_epochs, n_classes, record_bytes;
    /* data actually used (filled when training starts) */
    uint32_t n_train, n_valid, n_test, in_ch, h, w, classes;
    char git_sha[44]; /* of the build that started the journal; informational */
    uint32_t crc;     /* CRC-32 of the bytes above */
} pc_journal_header;

/* The job fields of the header (magic, version, preset, dataset, archs,
 * shard, sizes); data fields, git_sha and crc zero. */
void pc_journal_header_init(pc_journal_header *h, const pc_job *job, const pc_classes *cl);
/* Set git_sha to this build's and crc over the bytes before it. */
void pc_journal_header_seal(pc_journal_header *h);
/* Floats per record: n_seeds * n_epochs * PC_NV. */
size_t pc_journal_record_floats(const pc_journal_header *h);

/* Check a header read from `path` (magic, version, its CRC) and its job
 * fields against want's; NB_EFORMAT / NB_EVERSION naming the field, the
 * found and the expected value, with the hint to remove the journal. */
nb_status pc_journal_header_check(const char *path, const pc_journal_header *got,
                                  const pc_journal_header *want);

/* A journal read into memory. */
typedef struct {
    pc_journal_header h;
    size_t n;            /* complete records */
    uint32_t *codes;     /* (n) class representative codes, owned */
    float *vals;         /* (n, pc_journal_record_floats) owned */
    long long good_end;  /* byte offset after the last good record */
    long long dropped;   /* bytes after good_end (a torn or CRC-failing last record), 0 = none */
    size_t skipped;      /* CRC-failing records before the last: left out of codes/vals, kept in the file */
} pc_journal_data;
/* Read `path`. want == NULL: any valid journal (magic, version, header CRC,
 * consistent sizes); else also the job fields of want must match
 * (NB_EFORMAT naming the field, found and expected values, with the hint to
 * remove the journal). A torn last record is left out (out->dropped says how
 * many bytes); a bad record before the last is skipped (out->skipped counts
 * them, nb_log names each): its class is left out, so a resumed build trains it
 * again. NB_EIO when the
 * file cannot be read. out is owned by the caller: pc_journal_data_free
 * (also after a failure). */
nb_status pc_journal_read(const char *path, const pc_journal_header *want, pc_journal_data *out);
void pc_journal_data_free(pc_journal_data *j); /* accepts an all-zero j */
/* Number of complete records in a journal of this job (0 when absent or
 * being created), for coordination between processes; NB_EFORMAT when it
 * belongs to another job. */
nb_status pc_journal_count(const pc_job *job, const char *journal, size_t *count);

/* A journal open for appending (an exclusive flock held until close). */
typedef struct pc_journal pc_journal;
/* Open or create `path` for the sealed header `want` (job and data fields),
 * resuming: *have gets the records already there; a torn last record is cut
 * off the file (have->dropped > 0 says so). NB_EIO when the file cannot be
 * opened, is locked by another process or cannot be cut; NB_EFORMAT when it
 * belongs to another job or other data. *have is owned by the caller
 * (pc_journal_data_free), also after a failure. */
nb_status pc_journal_open(const char *path, const pc_journal_header *want, pc_journal **out,
                          pc_journal_data *have);
/* Append one record (one write, then fsync). vals: pc_journal_record_floats
 * floats. NB_EIO on a failed write. */
nb_status pc_journal_append(pc_journal *j, uint32_t code, const float *vals);
void pc_journal_close(pc_journal *j); /* accepts NULL */

/* ==== training (precompute/train.c) */
/* What pc_train_shard reports, in this order: DROPPED (resuming cut a torn
 * last record: dropped bytes), START (the data is loaded: header, todo,
 * have), then per class CLASS (one trained and journalled: cls, code, have,
 * valid and test accuracy of the last seed's last epoch, sec, eta) or MET
 * (cls is in the partner journal: training stops), then DONE (have,
 * trained, sec). Fields not listed for a kind are 0 / NULL. */
typedef enum { PC_EV_DROPPED, PC_EV_START, PC_EV_CLASS, PC_EV_MET, PC_EV_DONE } pc_event_kind;
typedef struct {
    pc_event_kind kind;
    const pc_job *job;
    const char *journal;            /* the journal being written */
    const pc_journal_header *h;     /* START: the job's header with the data's shape */
    long long dropped;              /* DROPPED: bytes cut off */
    size_t todo, have;              /* classes of the shard; in the journal now */
    size_t trained;                 /* DONE: classes trained by this call */
    size_t cls;                     /* CLASS, MET: class number */
    uint32_t code;                  /* CLASS: its representative (space index) */
    float valid, test;              /* CLASS: last seed's last-epoch accuracies (percent) */
    double sec, eta;                /* CLASS: seconds for the class, estimate for the rest;
                                     * DONE: seconds in all */
} pc_event;
typedef void (*pc_progress_fn)(void *ctx, const pc_event *ev);

/* Train the job's shard into `journal`, resuming from what it holds (see
 * pc_journal_open). progress (may be NULL) hears the events above. With
 * job->partner, a second process can work through the same shard from the
 * other end (--reverse) and both stop where they meet. Data errors as
 * nn_protocol_data. */
nb_status pc_train_shard(const pc_job *job, const pc_classes *cl, const char *journal,
                         pc_progress_fn progress, void *ctx);
/* Retrain cells codes[0..n) (indices of the preset's space) with the job's
 * preset and data (for tables validate): vals (n, n_seeds, epochs, PC_NV),
 * caller-allocated. Data errors as nn_protocol_data. */
nb_status pc_train_cells(const pc_job *job, const uint32_t *codes, size_t n, float *vals);

/* ==== the table (precompute/table.c, precompute/cost.c) */
/* Least-squares fit of the measured wall seconds per image in the journals
 * against MFLOPs (to compare with and calibrate a preset's cost model). */
typedef struct {
    int ok;             /* 0: fewer than 2 records or constant FLOPs; no fit */
    double total_sec;   /* training and evaluation seconds in all records */
    double train_a, train_b; /* train seconds per image = a + b * MFLOPs */
    double eval_a, eval_b;   /* evaluation seconds per image (valid + test) */
} pc_cost_fit;

typedef struct {
    const pc_preset *preset; /* of the journals (static) */
    size_t cells;            /* architectures in the table */
    size_t classes;          /* classes of the job */
    size_t present;          /* classes found in the journals */
    char checksum[17];       /* the table's content checksum, hex */
    pc_cost_fit fit;         /* of the measured times in the journals */
} pc_table_info;

/* ==== seed agreement (precompute/agree.c) */
/* Spearman's rho between the first two seeds' final-epoch values of metric
 * (PC_VALID_ACC, PC_TEST_ACC) over the records recs[0..n_recs) (journal
 * layout [seed][epoch][PC_NV]; NULL records and non-finite values skipped;
 * *n_used = the records used; Spearman as core/rankcorr.c's nb_spearman). NaN
 * with fewer than 2 seeds or 3 records, or when either seed is constant. */
double pc_seed_agreement(const float *const *recs, size_t n_recs, size_t n_seeds, size_t n_epochs,
                         int metric, size_t *n_used);

/* Simulated seconds of the cost model: a training epoch of n_train images
 * and an evaluation of n_valid images of a network of `mflops` per image. */
double pc_cost_train_time(const pc_preset *p, double n_train, double mflops);
double pc_cost_eval_time(const pc_preset *p, double n_valid, double mflops);

/* Fit the measured wall times of the records of js[0..n_journals) (one job,
 * codes of `space`) for networks of shape cfg. Never fails (out->ok = 0: no
 * fit). */
void pc_cost_fit_journals(const pc_journal_data *js, int n_journals, const space_def *space,
                          const nn_config *cfg, pc_cost_fit *out);

/* Seed statistics of one metric for one cell: v is a journal record
 * ([seed][epoch][PC_NV], NULL for a class not trained: all NaN), m the
 * PC_* value index. Fills per_seed (S, E) [seed][epoch], mean (E) over seeds
 * per epoch, final_seed (S) the last epoch per seed and *final_mean the
 * seed mean of the last epoch: the columns strategies read. */
void pc_seed_stats(const float *v, size_t S, size_t E, int m, float *per_seed, float *mean,
                   float *final_seed, float *final_mean);

/* Write the table `out` from journals covering every shard 0..N-1 of one
 * job exactly once, each complete. Architectures: the order of the table
 * `like` (e.g. nb201.h5, so indices equal NB201's; it must hold the
 * preset's space) or, with like NULL, all architectures of the preset's
 * space in index order (NB201: 15625 cells, index = base-5 code). The
 * table's space is the preset's. Cells of a class share its values; cells
 * of classes not trained (--archs K) are NaN. NB_EFORMAT for journals that
 * disagree, miss a shard or are incomplete, or a `like` table of another
 * space; table errors as tab_writer_*. info (may be NULL) gets what was
 * written. */
nb_status pc_write_table(const char *out, const char *const *journals, int n_journals,
                         const char *like, pc_table_info *info);
/* The same, but shards may be incomplete (a build still running; torn last
 * records are ignored): the classes not yet trained are NaN and the
 * attribute "precompute_incomplete" says how many classes are present. */
nb_status pc_write_table_partial(const char *out, const char *const *journals, int n_journals,
                                 const char *like, pc_table_info *info);

/* ==== validation (precompute/validate.c): retrain a sample of a built
 * table and pair the live values with the table's. */
typedef struct {
    const pc_preset *preset;  /* the table's recorded preset (static) */
    const char *dataset;      /* the table's dataset (borrowed from the table) */
    size_t n_trained;         /* trained classes in the table: the candidates */
    size_t k;                 /* cells to retrain, min(asked, n_trained) */
    size_t *rows;             /* (k) their table rows, owned */
    uint32_t *codes;          /* (k) their space indices, owned */
} pc_sample;
/* Choose k cells of table t to retrain: one row per trained class (its
 * representative's row, the cell the build trained, with a final validation
 * accuracy), k of them by a partial Fisher-Yates shuffle on the RNG stream
 * (seed, 0, NB_PURPOSE_DATA). Fails with NB_EFORMAT when t was not built by
 * `nastab tables build` (no precompute_preset attribute) or its preset
 * changed (fingerprint), NB_ENOTFOUND for an unknown preset or a missing
 * column. *out owned by the caller: pc_sample_free (also after a failure). */
nb_status pc_sample_choose(tab_table *t, size_t k, uint64_t seed, pc_sample *out);
void pc_sample_free(pc_sample *s); /* accepts an all-zero s */
/* Pairs to compare: for seed slot s and metric q (0 = valid_acc, 1 =
 * test_acc) of the preset, live[i] the retrained final-epoch value of cell i
 * (vals as pc_train_cells writes them for s->codes) and table[i] the
 * table's (NaN where it has none); what gets e.g. "valid_acc s777". */
void pc_sample_pairs(tab_table *t, const pc_sample *s, const float *vals, int seed_slot, int q,
                     double *live, double *table, char *what, size_t what_n);

#endif
