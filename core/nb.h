/* core/nb.h - the foundation every nastab module stands on.
 *
 * What it does: status codes with one thread-local error message, checked
 * allocation with overflow-checked sizes, the one RNG design (xoshiro256**
 * seeded through splitmix64, streams derived from (seed, run, purpose)),
 * strict number parsing, rank correlation (Spearman, Kendall tau-b),
 * logging to stderr, a progress bar that only draws when stderr is a
 * terminal, and atomic file replacement (write a temporary, fsync, rename).
 * What it does not do: anything that needs a library beyond libc (HDF5
 * files are read and written by the tables and results modules).
 *
 * Failures: recoverable ones return an nb_status (NB_OK = 0, negative codes)
 * with one message for nb_errmsg() naming the file, field or value and, where
 * it helps, a "hint:"; out-of-memory and programmer errors abort with
 * file:line (nb_x*, NB_ASSERT). Ownership: memory from nb_x* and the
 * temporary names of nb_file_* is the caller's to free; the other strings
 * returned (nb_errmsg, nb_status_name, nb_version) are borrowed.
 *
 * Usage:
 *     nb_rng rng;
 *     nb_rng_init(&rng, seed, run, NB_PURPOSE_SEARCH);
 *     double u = nb_rng_uniform(&rng);          // [0, 1)
 *     long n;
 *     if (nb_parse_long("--runs", arg, 1, 1000000, &n) != NB_OK) {
 *         fprintf(stderr, "nastab: %s\n", nb_errmsg());
 *         return 2;
 *     }
 *     float *x = nb_xcalloc_array(n, sizeof *x);  // aborts on OOM, prints file:line
 */
#ifndef NB_H
#define NB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- status codes: NB_OK = 0, failures negative. Enum only grows at the end. */
typedef enum {
    NB_OK = 0,
    NB_EINVAL = -1,    /* bad argument or malformed input string */
    NB_EIO = -2,       /* file could not be read or written */
    NB_EFORMAT = -3,   /* file is corrupt, truncated or of another format */
    NB_EVERSION = -4,  /* file format version mismatch */
    NB_ENOMEM = -5,    /* allocation failed (recoverable paths only) */
    NB_ENOTFOUND = -6, /* requested key (dataset, metric, arch, ...) absent */
    NB_EMISSING = -7,  /* value exists in the schema but is missing (masked) */
    NB_ETOOL = -8,     /* an external tool (gnuplot, ...) is missing or failed */
    NB_ERANGE = -9,    /* number out of range */
    NB_EINTERNAL = -10 /* library failure that should not happen (HDF5 etc.) */
} nb_status;

/* Record a formatted message for the calling thread and return `st`.
 * Typical use: `return nb_fail(NB_EINVAL, "--runs: '%s' is not an integer", s);` */
nb_status nb_fail(nb_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The calling thread's last message; borrowed, valid until the next nb_fail on
 * this thread. Never NULL ("" when none). */
const char *nb_errmsg(void);
/* Short name of a status, e.g. "invalid input". */
const char *nb_status_name(nb_status st);

/* ---- assertions that stay on in release builds */
#define NB_ASSERT(cond)                                                       \
    do {                                                                      \
        if (!(cond)) nb_assert_fail(#cond, __FILE__, __LINE__);               \
    } while (0)
_Noreturn void nb_assert_fail(const char *expr, const char *file, int line);

/* ---- checked allocation: abort with file:line on out-of-memory or size
 * overflow (a programmer/system error, not a recoverable input error). */
#define nb_xmalloc(n) nb_xmalloc_at((n), __FILE__, __LINE__)
#define nb_xcalloc_array(n, size) nb_xcalloc_at((n), (size), __FILE__, __LINE__)
#define nb_xrealloc_array(p, n, size) nb_xrealloc_at((p), (n), (size), __FILE__, __LINE__)
#define nb_xstrdup(s) nb_xstrdup_at((s), __FILE__, __LINE__)
void *nb_xmalloc_at(size_t n, const char *file, int line);
void *nb_xcalloc_at(size_t n, size_t size, const char *file, int line);
void *nb_xrealloc_at(void *p, size_t n, size_t size, const char *file, int line);
char *nb_xstrdup_at(const char *s, const char *file, int line);
/* 1 and *out = a*b when the product fits in size_t, else 0. */
int nb_mul_ok(size_t a, size_t b, size_t *out);

/* ---- RNG: xoshiro256** (Blackman & Vigna 2018), state seeded by splitmix64.
 * Streams are independent per (seed, run, purpose) so that results do not
 * depend on which thread runs which run. */
typedef struct {
    uint64_t s[4];
} nb_rng;
enum {
    NB_PURPOSE_SEARCH = 1, /* a strategy's own decisions */
    NB_PURPOSE_SEED = 2,   /* choice of table seed to query */
    NB_PURPOSE_INIT = 3,   /* weight initialisation */
    NB_PURPOSE_DATA = 4,   /* data order and augmentation */
    NB_PURPOSE_TEST = 5,   /* tests and benchmarks */
    NB_PURPOSE_SAMPLE = 6  /* a sample shared by every run and method (wsnas --rank-sample cells) */
};
uint64_t nb_splitmix64(uint64_t *state);
void nb_rng_init(nb_rng *r, uint64_t seed, uint64_t run, uint64_t purpose);
uint64_t nb_rng_u64(nb_rng *r);
double nb_rng_uniform(nb_rng *r);             /* [0, 1), 53 random bits */
uint64_t nb_rng_below(nb_rng *r, uint64_t n); /* unbiased in [0, n), n > 0 */
double nb_rng_normal(nb_rng *r);              /* N(0, 1), Box-Muller, no cached state */

/* ---- rank correlation (core/rankcorr.c; reports/ exports them as rep_*) */
/* Mid-ranks (ties averaged), 1 = smallest, NaN ranked last; ranks (n). */
void nb_rank_avg(const double *x, size_t n, double *ranks);
/* Spearman's rho: Pearson correlation of the mid-ranks of x and y. NaN when
 * n < 2 or one side is constant. */
double nb_spearman(const double *x, const double *y, size_t n);
/* Kendall's tau-b of (x[i], y[i]), pairs with a NaN skipped (Knight 1966,
 * O(n log n)). NaN when fewer than 2 pairs or one side is constant. */
double nb_kendall_tau_b(const double *x, const double *y, size_t n);

/* ---- strict number parsing: the whole string must be a number in range.
 * `what` names the option or field in the error message. */
nb_status nb_parse_long(const char *what, const char *s, long lo, long hi, long *out);
nb_status nb_parse_u64(const char *what, const char *s, uint64_t *out);
nb_status nb_parse_double(const char *what, const char *s, double lo, double hi, double *out);

/* ---- logging to stderr: "nastab: " prefix. nb_log_level: 0 quiet, 1 normal (default), 2 verbose. */
extern int nb_log_level;
void nb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nb_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- progress bar on stderr, drawn only when stderr is a terminal and
 * nb_log_level >= 1; at most ~10 redraws a second. Thread-safe updates. */
typedef struct nb_progress nb_progress;
nb_progress *nb_progress_start(const char *label, uint64_t total); /* NULL-safe API */
void nb_progress_add(nb_progress *p, uint64_t done);
void nb_progress_finish(nb_progress *p); /* frees; accepts NULL */

/* Monotonic wall clock in seconds. */
double nb_now(void);
/* CPU seconds used by this process, all threads (CLOCK_PROCESS_CPUTIME_ID):
 * unlike wall time it hardly moves when other processes share the cores. */
double nb_cpu_now(void);

/* Number of online CPUs (>= 1). */
int nb_cpu_count(void);

/* Version of the suite, and the git sha baked in at build (or "unknown"). */
const char *nb_version(void);
const char *nb_git_sha(void);


/* ---- atomic file replacement (core/file.c). A file is written under a
 * temporary name in its own directory ("<path>.tmp.<pid>"), then committed:
 * fsync, rename over path, fsync of the directory. Readers and crashes see
 * the old file or the new one, never a part. Every failure is NB_EIO with a
 * message naming path, the temporary and the OS error (strerror), and leaves
 * the old file as it was and no temporary behind (the directory's fsync is
 * not checked: some file systems refuse it, and the rename has happened).
 *
 *     char *tmp;  FILE *f;                         // a text file
 *     if ((st = nb_file_tmp_create(path, &tmp, &f)) != NB_OK) return st;
 *     fprintf(f, ...);
 *     st = nb_file_commit_stream(f, tmp, path);    // closes f
 *     free(tmp);
 *
 *     char *tmp = nb_file_tmpname(path);           // a library that creates
 *     hid_t h = H5Fcreate(tmp, H5F_ACC_TRUNC, ...); // the file itself
 *     ... fill, H5Fclose(h) ...; on failure: nb_file_discard(tmp)
 *     st = nb_file_commit(tmp, path);
 *     free(tmp);
 */
/* "<path>.tmp.<pid>": nb_xmalloc'd, caller frees. Creates nothing. */
char *nb_file_tmpname(const char *path);
/* Create (truncate) the temporary for path, mode 0644 less the umask, and
 * set *tmp to its name (nb_xmalloc'd, caller frees). With f non-NULL, *f is
 * a stream open for writing on it; with f NULL the empty file is closed
 * (for writers that open it themselves, such as H5Fcreate(H5F_ACC_TRUNC)).
 * Fails (NB_EIO, *tmp = NULL, nothing left behind) when the directory is
 * not writable; NB_EINVAL for an empty path. */
nb_status nb_file_tmp_create(const char *path, char **tmp, FILE **f);
/* Make the finished, closed temporary tmp the file path (see above). tmp
 * stays the caller's to free; the file it named is gone either way. */
nb_status nb_file_commit(const char *tmp, const char *path);
/* Close f (always), then nb_file_commit; a write error recorded in f or a
 * failing fclose is NB_EIO and removes tmp. */
nb_status nb_file_commit_stream(FILE *f, const char *tmp, const char *path);
/* Remove the temporary after a failure before the commit; NULL-safe, never
 * fails (an absent file is fine). */
void nb_file_discard(const char *tmp);

/* ---- the host, for outputs that record where they were made (core/host.c) */
typedef struct {
    char cpu[256];      /* CPU model: the first non-empty "model name", "Hardware" or "Model"
                         * value of /proc/cpuinfo, e.g. "Intel(R) Xeon(R) CPU @ 2.20GHz";
                         * "" when there is none (callers print their own "unknown") */
    int cores;          /* online CPUs, nb_cpu_count(), e.g. 2 */
    char compiler[128]; /* the compiler of this build, e.g. "gcc 12.2.0" */
    char date[32];      /* now, UTC, ISO 8601, e.g. "2024-05-01T12:00:00Z" */
} nb_host;
/* Fills *h; never fails (an unreadable /proc/cpuinfo gives cpu ""). */
void nb_host_get(nb_host *h);

/* ---- outputs that are inputs, and stale temporaries (core/file.c).
 * nb_same_file: 1 when a and b name the same existing file (same device and
 * inode: links, "./x" and "x" are the same file), 0 otherwise (either is
 * absent or unreadable).
 * nb_file_check_output: NB_EINVAL "refusing to write OUT: it is the input
 * LABEL PATH (same file)" when out is the same file as one of the n inputs
 * (an input with a NULL path is skipped), else NB_OK. Every command calls it
 * before it writes an output, with every file it reads:
 *
 *     nb_file_input in[] = {{"table", table_path}, {"meta file", meta}};
 *     if (nb_file_check_output(out, in, 2) != NB_OK) return cli_fail(cmd, 1);
 *
 * nb_file_clean_stale: remove every "<path>.tmp.<pid>" left beside path by a
 * process that is no longer alive (kill(pid, 0) says ESRCH); a live
 * process's temporary, this process's own and any other name are left
 * alone. nb_file_tmp_create calls it, so the next write of a file cleans up
 * after a writer killed in the middle. Returns how many it removed; never
 * fails (an unreadable directory removes nothing). */
int nb_same_file(const char *a, const char *b);
typedef struct {
    const char *label; /* "table", "meta file", "results file" */
    const char *path;
} nb_file_input;
nb_status nb_file_check_output(const char *out, const nb_file_input *in, size_t n);
int nb_file_clean_stale(const char *path);

/* ---- quoting input in messages (core/escape.c): s with every control
 * character (C0, DEL, C1) and every byte that is not part of valid UTF-8
 * written as \xHH, cut to fit buf of size n >= 4 (ending "..." when cut);
 * returns buf, always NUL-terminated; s NULL gives "(null)". For
 * every message that quotes a file name, a CSV field or an argument, so that
 * binary input never reaches the terminal raw:
 *
 *     char q[128];
 *     return nb_fail(NB_EINVAL, "%s:%ld: '%s' is not a number", csv, line,
 *                    nb_esc(field, q, sizeof q));
 */
char *nb_esc(const char *s, char *buf, size_t n);

#endif
