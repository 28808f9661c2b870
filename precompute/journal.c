/* precompute/journal.c - the append-only, CRC-checked journal of trained
 * classes (precompute/pc.h, where the file format is described): headers,
 * reading with torn-record recovery, and appending with write + fsync. */
#include "precompute/pc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PC_MAGIC "NASTABJ1"
#define PC_JOURNAL_VERSION 1u

_Static_assert(sizeof(pc_journal_header) == 184, "journal header layout");

size_t pc_journal_record_floats(const pc_journal_header *h)
{
    return (size_t)h->n_seeds * h->n_epochs * PC_NV;
}

void pc_journal_header_init(pc_journal_header *h, const pc_job *job, const pc_classes *cl)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, PC_MAGIC, 8);
    h->version = PC_JOURNAL_VERSION;
    h->preset_crc = pc_preset_crc(job->preset);
    snprintf(h->preset, sizeof h->preset, "%s", job->preset->name);
    snprintf(h->dataset, sizeof h->dataset, "%s", job->dataset);
    h->archs_k = (uint32_t)job->archs_k;
    h->shard_k = (uint32_t)job->shard_k;
    h->shard_n = (uint32_t)job->shard_n;
    h->n_seeds = (uint32_t)job->preset->n_seeds;
    h->n_epochs = (uint32_t)job->preset->epochs;
    h->n_classes = (uint32_t)cl->n;
    h->record_bytes = (uint32_t)(8 + 4 * pc_journal_record_floats(h));
}

static uint32_t header_crc(const pc_journal_header *h)
{
    return (uint32_t)crc32(0L, (const Bytef *)h, (uInt)offsetof(pc_journal_header, crc));
}

void pc_journal_header_seal(pc_journal_header *h)
{
    snprintf(h->git_sha, sizeof h->git_sha, "%s", nb_git_sha());
    h->crc = header_crc(h);
}

/* Compare the job fields of a header read from `path` with the expected. */
nb_status pc_journal_header_check(const char *path, const pc_journal_header *got, const pc_journal_header *want)
{
    const char *hint = "hint: it was started with other arguments or another preset definition; "
                       "rerun with the same arguments, or remove the journal to start over";
    if (memcmp(got->magic, PC_MAGIC, 8) != 0)
        return nb_fail(NB_EFORMAT, "%s: not a nastab precompute journal (bad magic)", path);
    if (got->version != PC_JOURNAL_VERSION)
        return nb_fail(NB_EVERSION, "%s: journal version %u, expected %u; %s", path, got->version,
                       PC_JOURNAL_VERSION, hint);
    if (header_crc(got) != got->crc)
        return nb_fail(NB_EFORMAT, "%s: journal header CRC mismatch (corrupt header)", path);
    if (strncmp(got->preset, want->preset, sizeof got->preset) != 0)
        return nb_fail(NB_EFORMAT, "%s: journal preset '%.32s', expected '%.32s'; %s", path,
                       got->preset, want->preset, hint);
    if (got->preset_crc != want->preset_crc)
        return nb_fail(NB_EFORMAT, "%s: journal preset fingerprint %08x, expected %08x (preset '%.32s' changed); %s",
                       path, got->preset_crc, want->preset_crc, want->preset, hint);
    if (strncmp(got->dataset, want->dataset, sizeof got->dataset) != 0)
        return nb_fail(NB_EFORMAT, "%s: journal dataset '%.32s', expected '%.32s'; %s", path,
                       got->dataset, want->dataset, hint);
#define PC_FIELD(f, name)                                                                          \
    if (got->f != want->f)                                                                         \
        return nb_fail(NB_EFORMAT, "%s: journal %s %u, expected %u; %s", path, name, got->f, want->f, hint);
    PC_FIELD(archs_k, "--archs")
    PC_FIELD(shard_k, "shard k")
    PC_FIELD(shard_n, "shard N")
    PC_FIELD(n_seeds, "seeds")
    PC_FIELD(n_epochs, "epochs")
    PC_FIELD(n_classes, "classes")
    PC_FIELD(record_bytes, "record size")
#undef PC_FIELD
    return NB_OK;
}

static nb_status read_full(int fd, void *buf, size_t n, off_t at, const char *path)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return nb_fail(NB_EIO, "%s: read failed at byte %lld: %s", path,
                                   (long long)(at + (off_t)got), r < 0 ? strerror(errno) : "end of file");
        got += (size_t)r;
    }
    return NB_OK;
}

static nb_status write_full(int fd, const void *buf, size_t n, const char *path)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return nb_fail(NB_EIO, "%s: write failed: %s", path, strerror(errno));
        done += (size_t)r;
    }
    if (fsync(fd) != 0) return nb_fail(NB_EIO, "%s: fsync failed: %s", path, strerror(errno));
    return NB_OK;
}

void pc_journal_data_free(pc_journal_data *j)
{
    free(j->codes);
    free(j->vals);
    memset(j, 0, sizeof *j);
}

/* Read a journal from fd. want == NULL: accept any valid header (merge). */
static nb_status read_fd(int fd, const char *path, const pc_journal_header *want, pc_journal_data *j)
{
    memset(j, 0, sizeof *j);
    struct stat sb;
    if (fstat(fd, &sb) != 0) return nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
    if ((size_t)sb.st_size < sizeof j->h)
        return nb_fail(NB_EFORMAT, "%s: %lld bytes, shorter than the journal header (%zu)", path,
                       (long long)sb.st_size, sizeof j->h);
    nb_status st = read_full(fd, &j->h, sizeof j->h, 0, path);
    if (st != NB_OK) return st;
    if (want) {
        if ((st = pc_journal_header_check(path, &j->h, want)) != NB_OK) return st;
    } else {
        if ((st = pc_journal_header_check(path, &j->h, &j->h)) != NB_OK) return st; /* magic, version, CRC */
    }
    size_t rb = j->h.record_bytes, nf = pc_journal_record_floats(&j->h);
    if (rb != 8 + 4 * nf || j->h.n_seeds < 1 || j->h.n_seeds > PC_MAX_SEEDS || j->h.n_epochs < 1 ||
        j->h.n_epochs > PC_MAX_EPOCHS)
        return nb_fail(NB_EFORMAT, "%s: journal header has inconsistent sizes (record %zu bytes, "
                       "%u seeds, %u epochs)", path, rb, j->h.n_seeds, j->h.n_epochs);
    size_t body = (size_t)sb.st_size - sizeof j->h, n = body / rb;
    j->codes = nb_xcalloc_array(n ? n : 1, sizeof *j->codes);
    j->vals = nb_xcalloc_array(n ? n * nf : 1, sizeof *j->vals);
    unsigned char *rec = nb_xmalloc(rb);
    size_t end = 0; /* record slots kept in the file: all but a torn last one */
    for (size_t i = 0; i < n; i++) {
        if ((st = read_full(fd, rec, rb, (off_t)(sizeof j->h + i * rb), path)) != NB_OK) {
            free(rec);
            return st;
        }
        uint32_t crc;
        memcpy(&crc, rec + rb - 4, 4);
        if ((uint32_t)crc32(0L, rec, (uInt)(rb - 4)) != crc) {
            if (i + 1 == n) break; /* torn last record: the class in flight */
            /* A damaged record before the last: its class counts as not
             * trained (a resumed build trains it again and appends it); the
             * record stays in the file and is skipped on every read. */
            nb_log("%s: record %zu of %zu fails its CRC (corrupt); skipped: its class is "
                   "trained again when the build resumes", path, i + 1, n);
            j->skipped++;
            end = i + 1;
            continue;
        }
        memcpy(&j->codes[j->n], rec, 4);
        memcpy(&j->vals[j->n * nf], rec + 4, 4 * nf);
        j->n++;
        end = i + 1;
    }
    free(rec);
    j->good_end = (long long)(sizeof j->h + end * rb);
    j->dropped = (long long)sb.st_size - j->good_end;
    return NB_OK;
}

nb_status pc_journal_read(const char *path, const pc_journal_header *want, pc_journal_data *out)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return nb_fail(NB_EIO, "%s: cannot open the journal: %s", path, strerror(errno));
    nb_status st = read_fd(fd, path, want, out);
    close(fd);
    return st;
}

nb_status pc_journal_count(const pc_job *job, const char *path, size_t *count)
{
    pc_classes cl;
    pc_classes_init(&cl, job->preset->space, job->archs_k);
    pc_journal_header want;
    pc_journal_header_init(&want, job, &cl);
    pc_classes_free(&cl);
    *count = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errno == ENOENT ? NB_OK : nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (size_t)sb.st_size < sizeof(pc_journal_header)) {
        close(fd); /* being created */
        return NB_OK;
    }
    pc_journal_data j;
    nb_status st = read_fd(fd, path, &want, &j);
    close(fd);
    if (st == NB_OK) *count = j.n;
    pc_journal_data_free(&j);
    return st;
}

/* ---- appending */
struct pc_journal {
    int fd;
    char *path;
    size_t rb;          /* record bytes */
    unsigned char *rec; /* (rb) */
};

void pc_journal_close(pc_journal *j)
{
    if (!j) return;
    if (j->fd >= 0) close(j->fd);
    free(j->path);
    free(j->rec);
    free(j);
}

/* The data fields of a journal that must match the data loaded now. */
static nb_status same_data(const char *path, const pc_journal_header *got, const pc_journal_header *want)
{
    if (got->n_train == want->n_train && got->n_valid == want->n_valid && got->n_test == want->n_test &&
        got->in_ch == want->in_ch && got->h == want->h && got->w == want->w && got->classes == want->classes)
        return NB_OK;
    return nb_fail(NB_EFORMAT, "%s: journal data shape (train %u, valid %u, test %u, %ux%ux%u, %u classes) "
                   "differs from the data loaded now (train %u, valid %u, test %u, %ux%ux%u, %u classes); "
                   "hint: use the same --data-dir, or remove the journal", path, got->n_train, got->n_valid,
                   got->n_test, got->in_ch, got->h, got->w, got->classes, want->n_train, want->n_valid,
                   want->n_test, want->in_ch, want->h, want->w, want->classes);
}

nb_status pc_journal_open(const char *path, const pc_journal_header *want, pc_journal **out,
                          pc_journal_data *have)
{
    memset(have, 0, sizeof *have);
    *out = NULL;
    nb_status st = NB_OK;
    pc_journal *j = nb_xcalloc_array(1, sizeof *j);
    j->fd = open(path, O_RDWR | O_CREAT, 0644);
    j->path = nb_xstrdup(path);
    j->rb = want->record_bytes;
    j->rec = nb_xmalloc(j->rb);
    if (j->fd < 0) {
        st = nb_fail(NB_EIO, "%s: cannot open the journal: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
        st = nb_fail(NB_EIO, "%s: journal is locked by another process (a build with the same "
                     "arguments is running)", path);
        goto fail;
    }
    struct stat sb;
    if (fstat(j->fd, &sb) != 0) {
        st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if ((size_t)sb.st_size < sizeof *want) { /* new, or the header write itself was torn */
        if (ftruncate(j->fd, 0) != 0 || (st = write_full(j->fd, want, sizeof *want, path)) != NB_OK) {
            if (st == NB_OK) st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
            goto fail;
        }
    }
    if ((st = read_fd(j->fd, path, want, have)) != NB_OK || (st = same_data(path, &have->h, want)) != NB_OK)
        goto fail;
    if (have->dropped && (ftruncate(j->fd, (off_t)have->good_end) != 0 || fsync(j->fd) != 0)) {
        st = nb_fail(NB_EIO, "%s: cannot cut the torn record: %s", path, strerror(errno));
        goto fail;
    }
    if (lseek(j->fd, (off_t)have->good_end, SEEK_SET) < 0) {
        st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    *out = j;
    return NB_OK;
fail:
    pc_journal_close(j);
    return st;
}

nb_status pc_journal_append(pc_journal *j, uint32_t code, const float *vals)
{
    memcpy(j->rec, &code, 4);
    memcpy(j->rec + 4, vals, j->rb - 8);
    uint32_t crc = (uint32_t)crc32(0L, j->rec, (uInt)(j->rb - 4));
    memcpy(j->rec + j->rb - 4, &crc, 4);
    return write_full(j->fd, j->rec, j->rb, j->path);
}
