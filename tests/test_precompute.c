/* tests/test_precompute.c - the full-training mode's library (precompute/pc.h)
 * without training: the journal (write, reopen, a torn or CRC-failing tail
 * record dropped and reported, corruption before the tail refused, resume)
 * and the table writer's statistics from a journal of constructed values
 * (the per-seed columns, the seed means strategies read, every member cell
 * of a class given its values, untrained classes NaN). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "precompute/pc.h"
#include "tables/tab.h"
#include "test.h"

/* A job of preset P on fashion-mnist, 3 classes, shard 0/1, and its sealed
 * header with a made-up data shape (14x14x1, 10 classes). */
static void job_header(const char *preset, pc_job *job, pc_classes *cl, pc_journal_header *h)
{
    *job = (pc_job){pc_preset_find(preset), "fashion-mnist", "/nonexistent", 3, 0, 1, 1, 0, NULL};
    pc_classes_init(cl, job->preset->space, job->archs_k);
    pc_journal_header_init(h, job, cl);
    h->n_train = 500, h->n_valid = 250, h->n_test = 250;
    h->in_ch = 1, h->h = 14, h->w = 14, h->classes = 10;
    pc_journal_header_seal(h);
}

/* Known record values: class c, seed s, epoch e, value m (exact in float). */
static float known(size_t c, size_t s, size_t e, int m) { return (float)(10.0 * c + 3.0 * s + e + 0.25 * m); }

static void fill(float *v, size_t c, size_t S, size_t E)
{
    for (size_t s = 0; s < S; s++)
        for (size_t e = 0; e < E; e++)
            for (int m = 0; m < PC_NV; m++) v[(s * E + e) * PC_NV + (size_t)m] = known(c, s, e, m);
}

/* Write a journal of the first n_records classes; 0 on success. */
static int write_journal(const char *path, const pc_journal_header *h, const pc_classes *cl, size_t n_records)
{
    unlink(path);
    pc_journal *j = NULL;
    pc_journal_data have;
    nb_status st = pc_journal_open(path, h, &j, &have);
    CHECK_OK(st);
    CHECK_EQ_INT(have.n, 0);
    pc_journal_data_free(&have);
    if (st != NB_OK) return 1;
    float *v = nb_xcalloc_array(pc_journal_record_floats(h), sizeof *v);
    for (size_t c = 0; c < n_records && st == NB_OK; c++) {
        fill(v, c, h->n_seeds, h->n_epochs);
        CHECK_OK(st = pc_journal_append(j, cl->rep[c], v));
    }
    free(v);
    pc_journal_close(j);
    return st != NB_OK;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Overwrite the byte at offset `at` with its complement. */
static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(~c & 0xff, f);
    fclose(f);
}

static void append_junk(const char *path, size_t n)
{
    FILE *f = fopen(path, "ab");
    CHECK(f != NULL);
    for (size_t i = 0; f && i < n; i++) fputc((int)(i * 37 + 1) & 0xff, f);
    if (f) fclose(f);
}

TEST(precompute_journal_write_reopen_resume)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pc_j1.journal", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("tiny", &job, &cl, &h);
    const long long rb = h.record_bytes;
    CHECK_EQ_INT(rb, 4 + 4 * 1 * 1 * PC_NV + 4); /* tiny: 1 seed, 1 epoch */
    CHECK_EQ_INT(write_journal(path, &h, &cl, 2), 0);
    CHECK_EQ_INT(file_size(path), 184 + 2 * rb);

    pc_journal_data d;
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.dropped, 0);
    CHECK_EQ_INT(d.codes[1], cl.rep[1]);
    CHECK(d.vals[PC_NV + PC_TEST_ACC] == known(1, 0, 0, PC_TEST_ACC));
    size_t count = 0;
    CHECK_OK(pc_journal_count(&job, path, &count));
    CHECK_EQ_INT(count, 2);
    pc_journal_data_free(&d);

    /* half a record appended (a kill -9 during the write): dropped and reported */
    append_junk(path, 20);
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.dropped, 20);
    pc_journal_data_free(&d);

    /* reopening cuts it off and resumes after the last good record */
    pc_journal *j = NULL;
    CHECK_OK(pc_journal_open(path, &h, &j, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.dropped, 20);
    CHECK_EQ_INT(file_size(path), 184 + 2 * rb);
    pc_journal_data_free(&d);
    float v[PC_NV];
    fill(v, 2, 1, 1);
    if (j) CHECK_OK(pc_journal_append(j, cl.rep[2], v));
    pc_journal_close(j);
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 3);
    CHECK_EQ_INT(d.dropped, 0);
    CHECK_EQ_INT(d.codes[2], cl.rep[2]);
    CHECK(d.vals[2 * PC_NV + PC_VALID_LOSS] == known(2, 0, 0, PC_VALID_LOSS));
    pc_journal_data_free(&d);
    pc_classes_free(&cl);
}

TEST(precompute_journal_crc_and_header_checks)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pc_j2.journal", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("tiny", &job, &cl, &h);
    const long rb = (long)h.record_bytes;
    pc_journal_data d;

    /* a CRC-failing LAST record is the class in flight: dropped */
    CHECK_EQ_INT(write_journal(path, &h, &cl, 3), 0);
    flip_byte(path, 184 + 2 * rb + 9);
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.dropped, rb);
    pc_journal_data_free(&d);

    /* a CRC mismatch before the last record: that record is skipped (its
     * class retrained on resume), the records after it are kept */
    CHECK_EQ_INT(write_journal(path, &h, &cl, 3), 0);
    flip_byte(path, 184 + rb + 5);
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.skipped, 1);
    CHECK_EQ_INT(d.dropped, 0);
    if (d.n == 2) CHECK(d.codes[0] == cl.rep[0] && d.codes[1] == cl.rep[2]);
    pc_journal_data_free(&d);

    /* a damaged header, and a journal of another job */
    CHECK_EQ_INT(write_journal(path, &h, &cl, 1), 0);
    flip_byte(path, 20);
    CHECK_STATUS(pc_journal_read(path, NULL, &d), NB_EFORMAT);
    CHECK_ERRMSG("header CRC mismatch");
    pc_journal_data_free(&d);
    CHECK_EQ_INT(write_journal(path, &h, &cl, 1), 0);
    pc_journal_header other = h;
    other.archs_k = 4;
    CHECK_STATUS(pc_journal_read(path, &other, &d), NB_EFORMAT);
    CHECK_ERRMSG("journal --archs 3, expected 4");
    pc_journal_data_free(&d);
    pc_classes_free(&cl);
}

/* One corrupt record in the middle of a journal (issue 11 item 11): the
 * build stays resumable; reopening keeps the records after it, and the class
 * it held, trained again and appended, is read back with the others (3
 * classes, 3 records, the middle one corrupted). */
TEST(precompute_journal_corrupt_middle_record_resumes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pc_j3.journal", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("tiny", &job, &cl, &h);
    const long rb = (long)h.record_bytes;
    CHECK_EQ_INT((int)cl.n, 3); /* the job selects 3 classes: one record each */
    CHECK_EQ_INT(write_journal(path, &h, &cl, 3), 0);
    flip_byte(path, 184 + rb + 7); /* the middle record */
    pc_journal *j = NULL;
    pc_journal_data d;
    CHECK_OK(pc_journal_open(path, &h, &j, &d));
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_INT(d.skipped, 1);
    CHECK_EQ_INT(d.good_end, 184 + 3 * rb);
    pc_journal_data_free(&d);
    size_t count = 0;
    CHECK_OK(pc_journal_count(&job, path, &count));
    CHECK_EQ_INT(count, 2);
    float *v = nb_xcalloc_array(pc_journal_record_floats(&h), sizeof *v);
    v[PC_VALID_LOSS] = known(1, 0, 0, PC_VALID_LOSS);
    if (j) CHECK_OK(pc_journal_append(j, cl.rep[1], v));
    pc_journal_close(j);
    free(v);
    CHECK_OK(pc_journal_read(path, &h, &d));
    CHECK_EQ_INT(d.n, 3);
    CHECK_EQ_INT(d.skipped, 1);
    if (d.n == 3) CHECK(d.codes[0] == cl.rep[0] && d.codes[1] == cl.rep[2] && d.codes[2] == cl.rep[1]);
    pc_journal_data_free(&d);
    pc_classes_free(&cl);
}

TEST(precompute_seed_stats_by_hand)
{
    /* 2 seeds x 2 epochs of value PC_VALID_ACC; record [seed][epoch][PC_NV] */
    float v[2 * 2 * PC_NV] = {0};
    v[(0 * 2 + 0) * PC_NV + PC_VALID_ACC] = 50, v[(0 * 2 + 1) * PC_NV + PC_VALID_ACC] = 60;
    v[(1 * 2 + 0) * PC_NV + PC_VALID_ACC] = 54, v[(1 * 2 + 1) * PC_NV + PC_VALID_ACC] = 63;
    float per_seed[4], mean[2], final_seed[2], final_mean;
    pc_seed_stats(v, 2, 2, PC_VALID_ACC, per_seed, mean, final_seed, &final_mean);
    CHECK(per_seed[0] == 50 && per_seed[1] == 60 && per_seed[2] == 54 && per_seed[3] == 63);
    CHECK(mean[0] == 52 && mean[1] == 61.5f);
    CHECK(final_seed[0] == 60 && final_seed[1] == 63);
    CHECK(final_mean == 61.5f);
    pc_seed_stats(NULL, 2, 2, PC_VALID_ACC, per_seed, mean, final_seed, &final_mean);
    CHECK(isnan(per_seed[3]) && isnan(mean[1]) && isnan(final_seed[0]) && isnan(final_mean));
}

/* The mean of the seeds of class c at epoch e (0-based), by hand. */
static double seed_mean(size_t c, size_t S, size_t e, int m)
{
    double s = 0;
    for (size_t k = 0; k < S; k++) s += known(c, k, e, m);
    return s / (double)S;
}

TEST(precompute_write_table_statistics)
{
    char jpath[512], out[512];
    snprintf(jpath, sizeof jpath, "%s/pc_t.journal", test_tmpdir());
    snprintf(out, sizeof out, "%s/pc_t.h5", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("fmnist-small", &job, &cl, &h); /* 2 seeds (777, 888), 3 epochs */
    const size_t S = h.n_seeds, E = h.n_epochs;
    CHECK_EQ_INT(S, 2);
    CHECK_EQ_INT(E, 3);
    CHECK_EQ_INT(write_journal(jpath, &h, &cl, cl.n), 0);
    const char *js[] = {jpath};
    pc_table_info info;
    CHECK_OK(pc_write_table(out, js, 1, NULL, &info));
    CHECK_EQ_INT(info.cells, SPACE_NB201_SIZE);
    CHECK_EQ_INT(info.classes, 3);
    CHECK_EQ_INT(info.present, 3);
    tab_table *t = NULL;
    CHECK_OK(tab_open(out, &t));
    if (!t) return;
    int ds = tab_dataset_id(t, "fashion-mnist");
    CHECK(ds >= 0);
    const float *final = tab_metric_final(t, ds, 3, TAB_VALID_ACC);
    CHECK(final != NULL);
    size_t members[3] = {0}, untrained = 0, bad = 0;
    for (uint32_t code = 0; final && code < SPACE_NB201_SIZE; code++) {
        int32_t c = cl.class_of[code]; /* table index = code without --like */
        if (c < 0) {
            untrained++;
            bad += !isnan(final[code]);
            continue;
        }
        members[c]++;
        /* the column strategies read: the seed mean at the last epoch */
        bad += final[code] != (float)seed_mean((size_t)c, S, E - 1, PC_VALID_ACC);
        float x;
        bad += tab_metric(t, ds, 3, TAB_TEST_LOSS, 888, TAB_EPOCH_LAST, code, &x) != NB_OK ||
               x != known((size_t)c, 1, E - 1, PC_TEST_LOSS);
        bad += tab_metric(t, ds, 3, TAB_TRAIN_ACC, TAB_SEED_MEAN, 1, code, &x) != NB_OK ||
               x != (float)seed_mean((size_t)c, S, 0, PC_TRAIN_ACC);
        bad += tab_metric(t, ds, 3, TAB_VALID_ACC, 777, 2, code, &x) != NB_OK ||
               x != known((size_t)c, 0, 1, PC_VALID_ACC);
    }
    CHECK_EQ_INT(bad, 0);
    for (int c = 0; c < 3; c++) CHECK(members[c] >= 1); /* every member cell got its class's values */
    CHECK_EQ_INT(members[0] + members[1] + members[2] + untrained, SPACE_NB201_SIZE);
    float x;
    CHECK_EQ_INT(tab_metric(t, ds, 3, TAB_VALID_ACC, 777, TAB_EPOCH_LAST, cl.rep[1], &x), NB_OK);
    CHECK(x == known(1, 0, 2, PC_VALID_ACC)); /* 10 + 0 + 2 + 0.5 */
    CHECK(final && final[cl.rep[1]] == 14.0f); /* (12.5 + 15.5) / 2, by hand */
    tab_close(t);
    pc_classes_free(&cl);
}

TEST(precompute_write_table_refuses_incomplete_shards)
{
    char jpath[512], out[512];
    snprintf(jpath, sizeof jpath, "%s/pc_i.journal", test_tmpdir());
    snprintf(out, sizeof out, "%s/pc_i.h5", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("tiny", &job, &cl, &h);
    CHECK_EQ_INT(write_journal(jpath, &h, &cl, 2), 0);
    const char *js[] = {jpath};
    CHECK_STATUS(pc_write_table(out, js, 1, NULL, NULL), NB_EFORMAT);
    CHECK_ERRMSG("shard 0/1 is incomplete: 2 of 3 classes");
    CHECK(access(out, F_OK) != 0);
    pc_table_info info;
    CHECK_OK(pc_write_table_partial(out, js, 1, NULL, &info));
    CHECK_EQ_INT(info.present, 2);
    pc_classes_free(&cl);
}

/* The classes come from the space interface only: space_canon's classes,
 * with the cells whose network description leaves the output unreachable
 * merged. On NB201 that is its 6466 classes with the 5 classes of the 341
 * disconnected cells (space_is_disconnected) as one: 6462. */
TEST(precompute_classes_from_the_space)
{
    pc_classes cl;
    pc_classes_init(&cl, &space_nb201, 0);
    CHECK_EQ_INT(cl.n, 6462);
    CHECK(cl.space == &space_nb201);
    int32_t disc = -1;
    size_t n_disc = 0, bad = 0;
    for (uint32_t code = 0; code < space_nb201.size; code++) {
        space_arch a = space_from_code(code);
        int32_t c = cl.class_of[code];
        if (space_is_disconnected(&a)) {
            if (disc < 0) disc = c;
            bad += c != disc;
            n_disc++;
        } else {
            bad += c == disc || cl.rep[c] != space_canonical_code(code);
        }
    }
    CHECK_EQ_INT(n_disc, 341);
    CHECK_EQ_INT(bad, 0);
    pc_classes_free(&cl);
    CHECK(cl.class_of == NULL && cl.rep == NULL);
}

/* The size space: every architecture its own class (32768); --sample K is a
 * seeded uniform sample (pc_classes_init): K distinct architectures in
 * ascending order, the same every time, a larger K extending a smaller one,
 * and not the structured even spread (which would fix the last layers). */
TEST(precompute_sss_sample_is_seeded_and_uniform)
{
    pc_classes all, a, b, big;
    pc_classes_init(&all, &space_sss, 0);
    CHECK_EQ_INT(all.n, SPACE_SSS_SIZE);
    for (uint32_t i = 0; i < 100; i++) CHECK_EQ_INT(all.class_of[i * 300], (int32_t)(i * 300));
    pc_classes_free(&all);
    pc_classes_init(&a, &space_sss, 64);
    pc_classes_init(&b, &space_sss, 64);
    pc_classes_init(&big, &space_sss, 256);
    CHECK_EQ_INT(a.n, 64);
    size_t bad = 0, in_big = 0;
    int last_layer_seen[SPACE_SSS_WIDTHS] = {0};
    for (size_t j = 0; j < a.n; j++) {
        bad += a.rep[j] != b.rep[j];
        bad += j && a.rep[j] <= a.rep[j - 1];
        bad += a.class_of[a.rep[j]] != (int32_t)j;
        in_big += big.class_of[a.rep[j]] >= 0;
        space_arch x = space_sss.arch(a.rep[j]);
        last_layer_seen[x.op[SPACE_SSS_LAYERS - 1]] = 1;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(in_big, 64);
    int widths = 0;
    for (int w = 0; w < SPACE_SSS_WIDTHS; w++) widths += last_layer_seen[w];
    CHECK(widths >= 6); /* an even spread (j * 32768 / 64) would give 1 */
    /* pinned: the first two of the sample (PC_SAMPLE_SEED's stream) */
    char s0[SPACE_STR_MAX], s1[SPACE_STR_MAX];
    space_arch x0 = space_sss.arch(a.rep[0]), x1 = space_sss.arch(a.rep[1]);
    space_sss.format(&x0, s0, sizeof s0);
    space_sss.format(&x1, s1, sizeof s1);
    CHECK_STR(s0, "8:8:48:64:40");
    CHECK_STR(s1, "8:8:64:48:56");
    pc_classes_free(&a);
    pc_classes_free(&b);
    pc_classes_free(&big);
}

/* A sampled sss table from a journal: all 32768 rows, the sample present,
 * the rest NaN; written twice from the same journal: the same checksum. */
TEST(precompute_sss_table_from_sample)
{
    char jpath[512], out[512], out2[512];
    snprintf(jpath, sizeof jpath, "%s/pc_sss.journal", test_tmpdir());
    snprintf(out, sizeof out, "%s/pc_sss.h5", test_tmpdir());
    snprintf(out2, sizeof out2, "%s/pc_sss2.h5", test_tmpdir());
    pc_job job;
    pc_classes cl;
    pc_journal_header h;
    job_header("sss-tiny", &job, &cl, &h);
    CHECK(job.preset && job.preset->space == &space_sss);
    CHECK_EQ_INT(cl.n, 3);
    CHECK_EQ_INT(write_journal(jpath, &h, &cl, cl.n), 0);
    const char *js[] = {jpath};
    pc_table_info info, info2;
    CHECK_OK(pc_write_table(out, js, 1, NULL, &info));
    CHECK_OK(pc_write_table(out2, js, 1, NULL, &info2));
    CHECK_EQ_INT(info.cells, SPACE_SSS_SIZE);
    CHECK_EQ_INT(info.present, 3);
    CHECK_STR(info.checksum, info2.checksum);
    tab_table *t = NULL;
    CHECK_OK(tab_open(out, &t));
    if (!t) return;
    CHECK(tab_space(t) == &space_sss);
    int ds = tab_dataset_id(t, "fashion-mnist");
    const float *final = tab_metric_final(t, ds, 1, TAB_VALID_ACC);
    CHECK(final != NULL);
    size_t present = 0, bad = 0;
    for (uint32_t i = 0; final && i < SPACE_SSS_SIZE; i++) {
        int32_t c = cl.class_of[i];
        present += !isnan(final[i]);
        bad += c >= 0 ? final[i] != known((size_t)c, 0, 0, PC_VALID_ACC) : !isnan(final[i]);
    }
    CHECK_EQ_INT(present, 3);
    CHECK_EQ_INT(bad, 0);
    char s[SPACE_STR_MAX];
    space_arch a = space_sss.arch(cl.rep[2]);
    space_sss.format(&a, s, sizeof s);
    CHECK_EQ_INT(tab_index_of_str(t, s), (long)cl.rep[2]);
    CHECK(strstr(tab_attr(t, "arch_order"), "NATS-Bench size-space index order") != NULL);
    tab_close(t);
    pc_classes_free(&cl);
}
