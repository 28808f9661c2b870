/* bench/cmd_build.c - `nastab tables build` and `nastab tables merge`: the
 * command line of the full-training mode (precompute/pc.h): arguments,
 * shards and mpirun ranks, journal names, waiting for the other ranks, and
 * the summary lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "precompute/pc.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static void build_help(void)
{
    printf("usage: nastab tables build --dataset D --preset P -o FILE [--space nb201|sss]\n"
           "                           [--shard k/N] [--threads T] [--data-dir DIR] [--archs K]\n"
           "                           [--sample K] [--like nb201.h5]\n"
           "\n"
           "Trains every unique NB201 cell with the C engine and writes a table of the\n"
           "imported NB201 table's schema (metrics per seed and epoch, params, FLOPs, costs):\n"
           "dataset named D, fidelity = the preset's epochs. Isomorphic cells\n"
           "(space_canonical_code) are trained once and their values given to every cell of\n"
           "the class; the 341 disconnected cells (constant output) form one class: 6462\n"
           "classes. Resumable: every trained class is appended to FILE.journal (CRC per\n"
           "record, fsync); after kill -9 rerun the same command and at most the class in\n"
           "flight is lost. The table is written from the journal at the end (atomic rename)\n"
           "and does not depend on --threads, --shard or the number of processes.\n"
           "The NATS-Bench size space (--space sss, presets sss-*): every architecture is its\n"
           "own class (32768); --sample K trains a seeded uniform sample of K of them (the same K\n"
           "architectures on every machine; a larger K extends a smaller one's sample) and the\n"
           "table holds all 32768 rows, the others missing (NaN): searches on it must be\n"
           "restricted (`nastab run --restrict-to-curves`) or they refuse.\n"
           "\n"
           "  --dataset D      fashion-mnist, cifar10 or cifar100 (required)\n"
           "  --preset P       training preset (required), one of:\n");
    for (const pc_preset *const *p = pc_presets(); *p; p++)
        printf("                     %-13s %s\n", (*p)->name, (*p)->description);
    printf("  -o FILE          output table (required)\n"
           "  --space S        search space: the preset's (default); nb201 (tiny, fmnist-small)\n"
           "                   or sss (sss-tiny, sss-fmnist)\n"
           "  --shard k/N      train only the classes with number %% N == k into\n"
           "                   FILE.shard-k-of-N.journal (no table; join the N journals with\n"
           "                   nastab tables merge FILE J0 .. J(N-1))\n"
           "  --threads T      engine threads, 0 = all cores (default 1); results do not change\n"
           "  --data-dir DIR   dataset folder (default: fashion-mnist %s,\n"
           "                   cifar10 data/cifar10, cifar100 data/cifar100)\n"
           "  --archs K        train only K classes spread evenly over the list (tests, timing);\n"
           "                   the other cells are NaN (missing) in the table\n"
           "  --sample K       sss: train a seeded uniform sample of K architectures (stream\n"
           "                   (0x5353, 0, data) of the project RNG, pc_classes_init); the others\n"
           "                   are NaN (missing). On nb201 the same as --archs K\n"
           "  --reverse        train the classes in descending order into FILE[.shard-k-of-N].rev.journal:\n"
           "                   a second process on the same shard, started later, works from\n"
           "                   the other end; both stop where they meet (merge takes both)\n"
           "  --like FILE      store the cells in the order of this table (e.g. nb201.h5, so\n"
           "                   indices equal NB201's); default: all cells of the space in its index\n"
           "                   order (NB201: 15625 in base-5 code order; sss: 32768 in NATS's order)\n"
           "\n"
           "Under mpirun -np K (OpenMPI: OMPI_COMM_WORLD_RANK/SIZE; no MPI library needed) rank r\n"
           "trains shard r/K into FILE.shard-r-of-K.journal and rank 0 waits for all shards and\n"
           "writes FILE: the same file, bit for bit, as one process gives.\n",
           FMNIST_DIR);
}

static int parse_shard(const char *s, int *k, int *n)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    long kk, nn;
    char a[32];
    if (!slash || (size_t)(slash - s) >= sizeof a)
        return cli_usage_error("tables build", "--shard: '%s' is not k/N (e.g. 0/4)", s ? s : "");
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = 0;
    if (nb_parse_long("--shard N", slash + 1, 1, 100000, &nn) != NB_OK ||
        nb_parse_long("--shard k", a, 0, nn - 1, &kk) != NB_OK) {
        cli_fail("tables build", 1);
        return 2;
    }
    *k = (int)kk;
    *n = (int)nn;
    return 0;
}

/* OpenMPI's environment (mpirun sets it for every rank); 0/1 without mpirun. */
static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    long x;
    if (!v || nb_parse_long(name, v, 0, 1000000, &x) != NB_OK) return dflt;
    return (int)x;
}

static char *journal_name(const char *out, int k, int n, int reverse)
{
    size_t l = strlen(out) + 64;
    char *s = nb_xmalloc(l);
    const char *r = reverse ? ".rev" : "";
    if (n <= 1)
        snprintf(s, l, "%s%s.journal", out, r);
    else
        snprintf(s, l, "%s.shard-%d-of-%d%s.journal", out, k, n, r);
    return s;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* pc_train_shard's progress as lines on stdout. */
static void print_progress(void *ctx, const pc_event *ev)
{
    const pc_job *job = ev->job;
    const pc_journal_header *h = ev->h;
    (void)ctx;
    switch (ev->kind) {
    case PC_EV_DROPPED:
        printf("journal %s: dropped a torn last record (%lld bytes)\n", ev->journal, ev->dropped);
        return;
    case PC_EV_START:
        printf("preset %s on %s (%ux%ux%u, train %u, valid %u, test %u): shard %d/%d has %zu classes, "
               "%zu in the journal, %d threads, OpenBLAS %s\n",
               job->preset->name, job->dataset, h->in_ch, h->h, h->w, h->n_train, h->n_valid, h->n_test,
               job->shard_k, job->shard_n, ev->todo, ev->have, job->threads, nn_blas_corename());
        break;
    case PC_EV_CLASS: {
        char s[SPACE_STR_MAX];
        const space_def *sp = job->preset->space;
        space_arch a = sp->arch(ev->code);
        sp->format(&a, s, sizeof s);
        printf("[%zu/%zu] class %zu %s valid %.2f test %.2f (%.2fs; eta %.0fs)\n", ev->have, ev->todo,
               ev->cls, s, ev->valid, ev->test, ev->sec, ev->eta);
        break;
    }
    case PC_EV_MET:
        printf("class %zu is in %s: met the other direction; stopping\n", ev->cls, job->partner);
        return;
    case PC_EV_DONE:
        printf("shard %d/%d done: %zu classes in this journal (%zu trained now in %.1fs)\n", job->shard_k,
               job->shard_n, ev->have, ev->trained, ev->sec);
        return;
    }
    fflush(stdout);
}

/* The table's summary: the fit of the measured times and what was written. */
static void print_table_info(const char *out, const pc_table_info *in)
{
    const pc_preset *p = in->preset;
    const pc_cost_fit *f = &in->fit;
    if (f->ok)
        printf("measured (journal): %.1f s of training and evaluation in all; per image: train %.3g + %.3g * MFLOPs s, "
               "eval %.3g + %.3g * MFLOPs s (cost model of the preset: train %.3g + %.3g, eval %.3g + %.3g)\n",
               f->total_sec, f->train_a, f->train_b, f->eval_a, f->eval_b, p->cost_train_a, p->cost_train_b,
               p->cost_eval_a, p->cost_eval_b);
    printf("wrote %s: %zu cells, %zu classes, checksum %s\n", out, in->cells, in->classes, in->checksum);
}

int cmd_build(int argc, char **argv)
{
    const char *space = NULL, *dataset = NULL, *preset_s = NULL, *out = NULL, *shard_s = NULL,
               *threads_s = NULL, *dir = NULL, *archs_s = NULL, *like = NULL, *sample_s = NULL;
    int n_pos, help, reverse = 0;
    const char *pos[1];
    cli_opt opts[] = {
        {"--reverse", NULL, NULL, &reverse},
        {"--space", NULL, &space, NULL},       {"--dataset", NULL, &dataset, NULL},
        {"--preset", NULL, &preset_s, NULL},   {"--output", "-o", &out, NULL},
        {"--shard", NULL, &shard_s, NULL},     {"--threads", NULL, &threads_s, NULL},
        {"--data-dir", NULL, &dir, NULL},      {"--archs", NULL, &archs_s, NULL},
        {"--like", NULL, &like, NULL},         {"--sample", NULL, &sample_s, NULL},
    };
    const char *cmd = "tables build";
    if (cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help)) return 2;
    if (help) {
        build_help();
        return 0;
    }
    if (!dataset) return cli_usage_error(cmd, "missing --dataset");
    if (strcmp(dataset, "fashion-mnist") && strcmp(dataset, "cifar10") && strcmp(dataset, "cifar100"))
        return cli_usage_error(cmd, "--dataset: unknown '%s'; expected fashion-mnist, cifar10 or cifar100", dataset);
    if (!preset_s) return cli_usage_error(cmd, "missing --preset P");
    const pc_preset *p = pc_preset_find(preset_s);
    if (!p) return cli_usage_error(cmd, "%s", nb_errmsg());
    if (space && strcmp(space, p->space->name))
        return cli_usage_error(cmd, "--space: '%s' is not the space of preset %s; it trains %s", space,
                               p->name, p->space->name);
    if (!out) return cli_usage_error(cmd, "missing -o FILE");
    long threads = 1, archs_k = 0;
    if (threads_s && nb_parse_long("--threads", threads_s, 0, 256, &threads) != NB_OK) return cli_fail(cmd, 1);
    if (archs_s && sample_s) return cli_usage_error(cmd, "give --archs K or --sample K, not both");
    if (archs_s && nb_parse_long("--archs", archs_s, 1, (long)p->space->size, &archs_k) != NB_OK) return cli_fail(cmd, 1);
    if (sample_s && nb_parse_long("--sample", sample_s, 1, (long)p->space->size, &archs_k) != NB_OK) return cli_fail(cmd, 1);
    if (threads == 0) threads = nb_cpu_count();
    int shard_k = 0, shard_n = 1;
    if (shard_s && parse_shard(shard_s, &shard_k, &shard_n)) return 2;
    int rank = env_int("OMPI_COMM_WORLD_RANK", 0), size = env_int("OMPI_COMM_WORLD_SIZE", 1);
    if (size > 1) {
        if (shard_s) return cli_usage_error(cmd, "--shard cannot be combined with mpirun (%d ranks): the ranks are the shards", size);
        if (reverse) return cli_usage_error(cmd, "--reverse cannot be combined with mpirun (%d ranks)", size);
        if (rank >= size) return cli_usage_error(cmd, "OMPI_COMM_WORLD_RANK %d >= OMPI_COMM_WORLD_SIZE %d", rank, size);
        shard_k = rank;
        shard_n = size;
    }
    if (!dir) dir = !strcmp(dataset, "fashion-mnist") ? FMNIST_DIR : !strcmp(dataset, "cifar10") ? "data/cifar10" : "data/cifar100";

    char *jpath = journal_name(out, shard_k, shard_n, reverse);
    char *ppath = journal_name(out, shard_k, shard_n, !reverse);
    pc_job job = {p, dataset, dir, (size_t)archs_k, shard_k, shard_n, (int)threads, reverse, ppath};
    pc_classes cl;
    pc_classes_init(&cl, p->space, job.archs_k);
    char **all = NULL;
    int n_all = 0;
    int rc = 1;
    if (pc_train_shard(&job, &cl, jpath, print_progress, NULL) != NB_OK) {
        fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
        goto done;
    }
    if (shard_s) { /* a shard alone: journal only */
        printf("shard journal %s done; join the journals of all %d shards (and any .rev ones) with: "
               "nastab tables merge %s %s.shard-*-of-%d*.journal\n", jpath, shard_n, out, out, shard_n);
        rc = 0;
        goto done;
    }
    if (size > 1 && rank != 0) { /* rank 0 writes the table */
        rc = 0;
        goto done;
    }
    all = nb_xcalloc_array(2 * (size_t)shard_n, sizeof *all);
    for (int k = 0; k < shard_n; k++) all[n_all++] = journal_name(out, k, shard_n, 0);
    if (shard_n == 1 && file_exists(ppath)) all[n_all++] = nb_xstrdup(reverse ? jpath : ppath);
    /* rank 0 under mpirun: wait for the other ranks' journals (mpirun stops
     * every rank when one fails, so this cannot wait for a dead rank) */
    job.partner = NULL;
    for (int k = 1; k < shard_n; k++) {
        job.shard_k = k;
        size_t want = pc_shard_size(&cl, k, shard_n), have = 0;
        int said = 0;
        for (;;) {
            if (pc_journal_count(&job, all[k], &have) != NB_OK) {
                fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
                goto done;
            }
            if (have >= want) break;
            if (!said++) printf("rank 0: waiting for %s (%zu of %zu classes)\n", all[k], have, want);
            fflush(stdout);
            sleep(1);
        }
    }
    pc_table_info info;
    if (pc_write_table(out, (const char *const *)all, n_all, like, &info) != NB_OK) {
        fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
        goto done;
    }
    print_table_info(out, &info);
    rc = 0;
done:
    for (int k = 0; k < n_all; k++) free(all[k]);
    free(all);
    free(jpath);
    free(ppath);
    pc_classes_free(&cl);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    const char *like = NULL;
    int n_pos, help, partial = 0;
    enum { MAX_J = 1024 };
    const char *pos[MAX_J + 1];
    cli_opt opts[] = {{"--like", NULL, &like, NULL}, {"--allow-incomplete", NULL, NULL, &partial}};
    const char *cmd = "tables merge";
    if (cli_parse(cmd, argc, argv, opts, 2, pos, MAX_J + 1, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab tables merge OUT JOURNAL... [--like nb201.h5] [--allow-incomplete]\n"
               "\n"
               "Writes the table OUT from the journals of every shard k/N (0..N-1, each\n"
               "complete) of one `nastab tables build --shard k/N` job (or from the single\n"
               "journal of an unsharded build). The result is the same file, bit for bit, as\n"
               "an unsharded build gives.\n"
               "  --like FILE         store the cells in the order of this table (as build --like)\n"
               "  --allow-incomplete  accept unfinished shards (a build in progress): classes\n"
               "                      not trained yet are NaN; attribute precompute_incomplete\n");
        return 0;
    }
    if (n_pos < 2) return cli_usage_error(cmd, "expected OUT and at least one JOURNAL");
    pc_table_info info;
    if ((partial ? pc_write_table_partial : pc_write_table)(pos[0], pos + 1, n_pos - 1, like, &info) != NB_OK)
        return cli_fail(cmd, 0);
    print_table_info(pos[0], &info);
    return 0;
}
