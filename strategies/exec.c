/* strategies/exec.c - external strategies: a strat_vtable whose create /
 * ask / tell / destroy speak newline-delimited JSON to a child process
 * (strategies/EXEC_PROTOCOL.md, version STRAT_EXEC_PROTOCOL).
 *
 * One child serves every run of a series: it starts at the first create of
 * the series (hello carries the environment), each run is a run id with its
 * own seed, and strat_exec_run ends it (EOF on its stdin) after the series.
 * The calls of all threads go through one mutex, so the child sees one
 * message at a time; the messages of different runs interleave in an order
 * that depends on the threads, but a child whose per-run state depends only
 * on that run's seed and messages answers the same whatever the order, so
 * the results are bit-identical for any thread count (run ids are handles,
 * not seeds). Only ask is answered; create, tell and destroy are not, which
 * halves the round trips.
 * (About 700 lines: the child process, the protocol's messages and the
 * vtable adapter share the per-child state and its one mutex; the JSON
 * reader and writer are in strategies/exec_json.c.)
 *
 * The child's stdin and stdout are one end of a Unix socket pair (sent with
 * MSG_NOSIGNAL: a dead child is an error, never a SIGPIPE); its stderr goes
 * to an unlinked temporary file whose tail every error message quotes. A
 * failure (the child exits, is killed, hangs past the timeout, writes a
 * line that is not a protocol message, answers an invalid architecture or
 * fidelity, reports an error) is recorded once, the child is killed, and
 * every later call of the series fails fast: ask returns an invalid code,
 * which ends the run, and strat_exec_run returns the recorded failure in
 * place of the loop's generic message. */
#include "strategies/exec_json.h"
#include "strategies/strat.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define LINE_MAX_BYTES (1u << 20) /* a longer reply is junk */
#define ARCHS_MAX (1u << 20)      /* hello lists every architecture of spaces up to this size */

struct strat_exec {
    strat_vtable vt;   /* handed out; vt.name = name */
    char name[32];
    char *command;
    double timeout;
    int slot;
    pthread_mutex_t mu;
    /* the child of the current series */
    int started;
    pid_t pid;
    int fd;      /* our end of the socket pair */
    int err_fd;  /* the child's stderr (unlinked temporary file) */
    char *rbuf;  /* bytes read, not yet consumed */
    size_t rlen, rcap;
    uint64_t next_run;
    xj_buf out;  /* scratch for one message */
    /* the first failure of the series */
    int broken;
    nb_status err;
    char errmsg[2048];
};

typedef struct {
    strat_exec *ex;
    const space_def *space;
    uint64_t id;
    int fidelity;     /* env->search_fidelity: the default of an ask */
    int n_objectives; /* env->n_objectives: the length of tell's vector */
} exec_run;

/* ---- failures ---- */

/* The last lines of the child's stderr (up to ~600 bytes) into buf. */
static void stderr_tail(const strat_exec *ex, char *buf, size_t n)
{
    buf[0] = '\0';
    struct stat stt;
    if (ex->err_fd < 0 || fstat(ex->err_fd, &stt) != 0 || stt.st_size == 0) return;
    char raw[600];
    off_t from = stt.st_size > (off_t)sizeof raw - 1 ? stt.st_size - (off_t)sizeof raw + 1 : 0;
    ssize_t got = pread(ex->err_fd, raw, sizeof raw - 1, from);
    if (got <= 0) return;
    raw[got] = '\0';
    while (got > 0 && (raw[got - 1] == '\n' || raw[got - 1] == ' ')) raw[--got] = '\0';
    const char *p = raw;
    if (from > 0 && strchr(p, '\n')) p = strchr(p, '\n') + 1; /* whole lines only */
    snprintf(buf, n, "; child stderr (last lines):\n%s", p);
}

static void kill_child(strat_exec *ex)
{
    if (ex->started && ex->pid > 0) kill(-ex->pid, SIGKILL);
}

/* Records the series' first failure (ex->mu held), kills the child. */
__attribute__((format(printf, 4, 5))) static void fail_child(strat_exec *ex, nb_status st,
                                                             uint64_t run, const char *fmt, ...)
{
    if (ex->broken) return;
    ex->broken = 1;
    ex->err = st;
    char what[1024], tail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    stderr_tail(ex, tail, sizeof tail);
    if (run == UINT64_MAX)
        snprintf(ex->errmsg, sizeof ex->errmsg, "strategy child '%s' (`%s`): %s%s", ex->name,
                 ex->command, what, tail);
    else
        snprintf(ex->errmsg, sizeof ex->errmsg, "strategy child '%s' (`%s`), run id %llu: %s%s",
                 ex->name, ex->command, (unsigned long long)run, what, tail);
    kill_child(ex);
}

/* "exited with status 3" / "was killed by signal 9" / "closed its stdout" */
static void child_state(strat_exec *ex, char *buf, size_t n)
{
    int status;
    pid_t w = 0;
    for (int i = 0; i < 50 && w == 0; i++) { /* up to 0.5 s for it to finish exiting */
        w = waitpid(ex->pid, &status, WNOHANG);
        if (w == 0) nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    if (w == ex->pid && WIFEXITED(status)) {
        snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
        ex->pid = -1;
    } else if (w == ex->pid && WIFSIGNALED(status)) {
        snprintf(buf, n, "was killed by signal %d", WTERMSIG(status));
        ex->pid = -1;
    } else {
        snprintf(buf, n, "closed its stdout");
    }
}

/* ---- I/O with a timeout ---- */

static int remaining_ms(double deadline)
{
    double left = deadline - nb_now();
    return left <= 0 ? 0 : left > 2e9 / 1000 ? 2000000000 : (int)(left * 1000) + 1;
}

/* Sends ex->out whole. */
static int send_line(strat_exec *ex, uint64_t run, const char *what)
{
    double deadline = nb_now() + ex->timeout;
    size_t off = 0;
    while (off < ex->out.n) {
        struct pollfd pf = {ex->fd, POLLOUT, 0};
        int pr = poll(&pf, 1, remaining_ms(deadline));
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) {
            fail_child(ex, NB_ETOOL, run, "did not read its %s message within %g s; hint: "
                       "--strategy-timeout raises the limit", what, ex->timeout);
            return -1;
        }
        ssize_t w = send(ex->fd, ex->out.s + off, ex->out.n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (w <= 0) {
            char st[64];
            child_state(ex, st, sizeof st);
            fail_child(ex, NB_ETOOL, run, "%s before reading its %s message", st, what);
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* Reads one line (without its newline) into *line, valid until the next read. */
static int read_line(strat_exec *ex, uint64_t run, const char *what, char **line)
{
    double deadline = nb_now() + ex->timeout;
    for (;;) {
        char *nl = ex->rlen ? memchr(ex->rbuf, '\n', ex->rlen) : NULL;
        if (nl) {
            *nl = '\0';
            *line = ex->rbuf;
            return 0;
        }
        if (ex->rlen >= LINE_MAX_BYTES) {
            fail_child(ex, NB_EFORMAT, run, "answered %s with a line over %u bytes; hint: print "
                       "debugging output to stderr, never stdout", what, LINE_MAX_BYTES);
            return -1;
        }
        struct pollfd pf = {ex->fd, POLLIN, 0};
        int pr = poll(&pf, 1, remaining_ms(deadline));
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) {
            fail_child(ex, NB_ETOOL, run, "no answer to %s within %g s (hung?); hint: "
                       "--strategy-timeout raises the limit", what, ex->timeout);
            return -1;
        }
        if (ex->rcap - ex->rlen < 4096) {
            ex->rcap = ex->rcap ? 2 * ex->rcap : 65536;
            ex->rbuf = nb_xrealloc_array(ex->rbuf, ex->rcap, 1);
        }
        ssize_t got = recv(ex->fd, ex->rbuf + ex->rlen, ex->rcap - ex->rlen - 1, MSG_DONTWAIT);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (got <= 0) {
            char st[64];
            child_state(ex, st, sizeof st);
            fail_child(ex, NB_ETOOL, run, "%s instead of answering %s", st, what);
            return -1;
        }
        ex->rlen += (size_t)got;
    }
}

/* Drops the line read_line returned. */
static void consume_line(strat_exec *ex)
{
    char *end = ex->rbuf + strlen(ex->rbuf) + 1;
    size_t used = (size_t)(end - ex->rbuf);
    memmove(ex->rbuf, end, ex->rlen - used);
    ex->rlen -= used;
}

/* Reads and parses one reply; an {"type":"error"} reply is recorded as the failure. */
static int read_reply(strat_exec *ex, uint64_t run, const char *what, xj_obj *o)
{
    char *line, why[128];
    if (read_line(ex, run, what, &line)) return -1;
    int bad = xj_parse(line, o, why, sizeof why);
    if (bad) {
        char shown[120];
        snprintf(shown, sizeof shown, "%s", line);
        fail_child(ex, NB_EFORMAT, run, "answered %s with '%s%s', not a protocol message (%s); "
                   "hint: print debugging output to stderr, never stdout", what, shown,
                   strlen(line) >= sizeof shown ? "..." : "", why);
    }
    consume_line(ex);
    if (bad) return -1;
    const xj_val *type = xj_get(o, "type");
    if (type && type->type == XJ_STR && !strcmp(type->str, "error")) {
        const xj_val *m = xj_get(o, "message");
        fail_child(ex, NB_EINVAL, run, "reported an error in answer to %s: %s", what,
                   m && m->type == XJ_STR ? m->str : "(no message)");
        return -1;
    }
    return 0;
}

/* ---- starting and ending the child ---- */

static void env_json(xj_buf *b, const strat_env *env)
{
    const space_def *sp = env->space;
    char s[SPACE_STR_MAX];
    xj_raw(b, "{\"space\":");
    xj_string(b, sp->name);
    xj_raw(b, ",\"n_decisions\":");
    xj_int(b, sp->n_decisions);
    xj_raw(b, ",\"n_choices\":[");
    for (int d = 0; d < sp->n_decisions; d++) {
        if (d) xj_raw(b, ",");
        xj_int(b, sp->n_choices[d]);
    }
    xj_raw(b, "],\"size\":");
    xj_u64(b, sp->size);
    xj_raw(b, ",\"fidelities\":[");
    for (int i = 0; i < env->n_fidelities; i++) {
        if (i) xj_raw(b, ",");
        xj_int(b, env->fidelities[i]);
    }
    xj_raw(b, "],\"search_fidelity\":");
    xj_int(b, env->search_fidelity);
    xj_raw(b, ",\"workers\":");
    xj_int(b, env->workers);
    xj_raw(b, ",\"n_objectives\":");
    xj_int(b, env->n_objectives);
    xj_raw(b, ",\"latency_max\":");
    xj_num(b, env->latency_max);
    xj_raw(b, ",\"lat_ref\":");
    xj_num(b, env->lat_ref);
    xj_raw(b, ",\"population\":");
    xj_int(b, env->population);
    xj_raw(b, ",\"curve_fidelity\":");
    xj_int(b, env->curve_fidelity);
    xj_raw(b, ",\"epochs\":[");
    for (int i = 0; i < env->n_epochs; i++) {
        if (i) xj_raw(b, ",");
        xj_int(b, env->epochs[i]);
    }
    xj_raw(b, "],\"curve_archs\":[");
    for (size_t i = 0; i < env->n_curve_archs; i++) {
        space_arch a = sp->arch(env->curve_archs[i]);
        sp->format(&a, s, sizeof s);
        if (i) xj_raw(b, ",");
        xj_string(b, s);
    }
    xj_raw(b, "]");
    if (sp->size <= ARCHS_MAX) { /* every architecture in index order, and its decisions */
        xj_raw(b, ",\"archs\":[");
        for (uint32_t i = 0; i < sp->size; i++) {
            space_arch a = sp->arch(i);
            sp->format(&a, s, sizeof s);
            if (i) xj_raw(b, ",");
            xj_string(b, s);
        }
        xj_raw(b, "],\"decisions\":[");
        for (uint32_t i = 0; i < sp->size; i++) {
            space_arch a = sp->arch(i);
            xj_raw(b, i ? ",[" : "[");
            for (int d = 0; d < sp->n_decisions; d++) {
                if (d) xj_raw(b, ",");
                xj_int(b, a.op[d]);
            }
            xj_raw(b, "]");
        }
        xj_raw(b, "]");
    }
    xj_raw(b, "}");
}

/* Spawns the child and exchanges hello (ex->mu held). */
static int start_child(strat_exec *ex, const strat_env *env)
{
    int sv[2] = {-1, -1};
    char tmpl[] = "/tmp/nastab-exec-stderr-XXXXXX";
    ex->fd = ex->err_fd = -1;
    ex->rlen = 0;
    ex->next_run = 0;
    ex->started = 1;
    ex->pid = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        fail_child(ex, NB_ETOOL, UINT64_MAX, "cannot create a socket pair: %s", strerror(errno));
        return -1;
    }
    ex->fd = sv[0];
    ex->err_fd = mkstemp(tmpl);
    if (ex->err_fd >= 0) {
        unlink(tmpl);
        fcntl(ex->err_fd, F_SETFD, FD_CLOEXEC);
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
    if (ex->err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, ex->err_fd, 2);
    posix_spawnattr_setpgroup(&at, 0); /* its own group: killed whole, with its children */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    char *argv[] = {"sh", "-c", ex->command, NULL};
    int rc = posix_spawn(&ex->pid, "/bin/sh", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(sv[1]);
    if (rc != 0) {
        ex->pid = -1;
        fail_child(ex, NB_ETOOL, UINT64_MAX, "cannot start /bin/sh: %s", strerror(rc));
        return -1;
    }
    xj_clear(&ex->out);
    xj_raw(&ex->out, "{\"type\":\"hello\",\"protocol\":");
    xj_int(&ex->out, STRAT_EXEC_PROTOCOL);
    xj_raw(&ex->out, ",\"nastab\":");
    xj_string(&ex->out, nb_version());
    xj_raw(&ex->out, ",\"name\":");
    xj_string(&ex->out, ex->name);
    xj_raw(&ex->out, ",\"env\":");
    env_json(&ex->out, env);
    xj_raw(&ex->out, "}\n");
    xj_obj o;
    if (send_line(ex, UINT64_MAX, "hello") || read_reply(ex, UINT64_MAX, "hello", &o)) return -1;
    const xj_val *type = xj_get(&o, "type"), *ver = xj_get(&o, "protocol");
    if (!type || type->type != XJ_STR || strcmp(type->str, "hello") || !ver || ver->type != XJ_NUM) {
        fail_child(ex, NB_EFORMAT, UINT64_MAX, "answered hello without {\"type\":\"hello\", "
                   "\"protocol\":N}");
        return -1;
    }
    if (ver->num != STRAT_EXEC_PROTOCOL) {
        fail_child(ex, NB_EVERSION, UINT64_MAX, "speaks external-strategy protocol %g, this "
                   "nastab speaks %d; hint: update the child's nastab package (python/)",
                   ver->num, STRAT_EXEC_PROTOCOL);
        return -1;
    }
    return 0;
}

/* Ends the series' child: EOF on its stdin, then up to the timeout for it to
 * exit with status 0 (ex->mu not needed: no run is in flight). */
static void end_child(strat_exec *ex)
{
    if (!ex->started) return;
    if (ex->fd >= 0) shutdown(ex->fd, SHUT_WR);
    if (ex->pid > 0) {
        double deadline = nb_now() + ex->timeout;
        int status = 0;
        pid_t w;
        while ((w = waitpid(ex->pid, &status, WNOHANG)) == 0 && nb_now() < deadline)
            nanosleep(&(struct timespec){0, 2000000}, NULL);
        if (w == 0) {
            fail_child(ex, NB_ETOOL, UINT64_MAX, "did not exit within %g s of the end of its "
                       "input; hint: leave the protocol loop on EOF", ex->timeout);
            kill(-ex->pid, SIGKILL);
            waitpid(ex->pid, &status, 0);
        } else if (w == ex->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            if (WIFEXITED(status))
                fail_child(ex, NB_ETOOL, UINT64_MAX, "exited with status %d at the end",
                           WEXITSTATUS(status));
            else
                fail_child(ex, NB_ETOOL, UINT64_MAX, "was killed by signal %d at the end",
                           WTERMSIG(status));
        }
        ex->pid = -1;
    }
    if (ex->fd >= 0) close(ex->fd);
    if (ex->err_fd >= 0) close(ex->err_fd);
    ex->fd = ex->err_fd = -1;
    ex->started = 0;
}

/* ---- the vtable ---- */

static void *exec_create_of(strat_exec *ex, const strat_env *env, nb_rng *rng)
{
    exec_run *s = nb_xcalloc_array(1, sizeof *s);
    s->ex = ex;
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->n_objectives = env->n_objectives;
    /* 53 bits: exact in every JSON reader */
    uint64_t seed = nb_rng_u64(rng) >> 11;
    pthread_mutex_lock(&ex->mu);
    if (!ex->broken && (ex->started || start_child(ex, env) == 0)) {
        s->id = ex->next_run++;
        xj_clear(&ex->out);
        xj_raw(&ex->out, "{\"type\":\"create\",\"run\":");
        xj_u64(&ex->out, s->id);
        xj_raw(&ex->out, ",\"seed\":");
        xj_u64(&ex->out, seed);
        xj_raw(&ex->out, "}\n");
        send_line(ex, s->id, "create");
    }
    pthread_mutex_unlock(&ex->mu);
    return s;
}

/* An ask reply into out; 0, or -1 with the failure recorded. */
static int take_ask(exec_run *s, const xj_obj *o, strat_ask *out)
{
    strat_exec *ex = s->ex;
    const xj_val *w = xj_get(o, "wait"), *a = xj_get(o, "arch"), *f = xj_get(o, "fidelity"),
                 *e = xj_get(o, "epoch"), *fe = xj_get(o, "from_epoch"), *tag = xj_get(o, "tag");
    if (w && w->type == XJ_BOOL && w->num) return STRAT_ASK_WAIT;
    if (!a || a->type != XJ_STR) {
        fail_child(ex, NB_EFORMAT, s->id, "answered ask without \"arch\" (a string) or "
                   "\"wait\": true");
        return -1;
    }
    if (s->space->parse(a->str, &out->arch) != NB_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s", nb_errmsg());
        fail_child(ex, NB_EINVAL, s->id, "asked for '%s', not a %s architecture (%s); hint: "
                   "architectures cross as official strings, e.g. env.archs[i]", a->str,
                   s->space->name, why);
        return -1;
    }
    const xj_val *ints[4] = {f, e, fe, tag};
    const char *names[4] = {"fidelity", "epoch", "from_epoch", "tag"};
    double v[4] = {s->fidelity, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        if (!ints[i] || ints[i]->type == XJ_NULL) continue;
        if (ints[i]->type != XJ_NUM || ints[i]->num != floor(ints[i]->num) || ints[i]->num < 0 ||
            ints[i]->num > (i == 3 ? 4294967295.0 : 1e6)) {
            fail_child(ex, NB_EINVAL, s->id, "asked for %s with \"%s\" not a non-negative "
                       "integer", a->str, names[i]);
            return -1;
        }
        v[i] = ints[i]->num;
    }
    out->fidelity = (int)v[0];
    out->epoch = (int)v[1];
    out->from_epoch = (int)v[2];
    out->tag = (uint32_t)v[3];
    return STRAT_ASK_OK;
}

static int exec_ask(void *state, nb_rng *rng, strat_ask *out)
{
    exec_run *s = state;
    strat_exec *ex = s->ex;
    int rc = -1;
    pthread_mutex_lock(&ex->mu);
    if (!ex->broken) {
        xj_clear(&ex->out);
        xj_raw(&ex->out, "{\"type\":\"ask\",\"run\":");
        xj_u64(&ex->out, s->id);
        xj_raw(&ex->out, "}\n");
        xj_obj o;
        if (send_line(ex, s->id, "ask") == 0 && read_reply(ex, s->id, "ask", &o) == 0)
            rc = take_ask(s, &o, out);
    }
    pthread_mutex_unlock(&ex->mu);
    return rc;
}

static void exec_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    exec_run *s = state;
    strat_exec *ex = s->ex;
    char a[SPACE_STR_MAX];
    s->space->format(&asked->arch, a, sizeof a);
    pthread_mutex_lock(&ex->mu);
    if (!ex->broken) {
        xj_buf *b = &ex->out;
        xj_clear(b);
        xj_raw(b, "{\"type\":\"tell\",\"run\":");
        xj_u64(b, s->id);
        xj_raw(b, ",\"arch\":");
        xj_string(b, a);
        xj_raw(b, ",\"fidelity\":");
        xj_int(b, asked->fidelity);
        xj_raw(b, ",\"epoch\":");
        xj_int(b, asked->epoch);
        xj_raw(b, ",\"from_epoch\":");
        xj_int(b, asked->from_epoch);
        xj_raw(b, ",\"tag\":");
        xj_u64(b, asked->tag);
        xj_raw(b, ",\"objectives\":[");
        for (int i = 0; i < s->n_objectives; i++) { /* NaN score, +inf latency: null */
            if (i) xj_raw(b, ",");
            xj_num(b, obj[i]);
        }
        xj_raw(b, "]}\n");
        send_line(ex, s->id, "tell");
    }
    pthread_mutex_unlock(&ex->mu);
}

static void exec_destroy(void *state)
{
    exec_run *s = state;
    strat_exec *ex = s->ex;
    pthread_mutex_lock(&ex->mu);
    if (!ex->broken) {
        xj_clear(&ex->out);
        xj_raw(&ex->out, "{\"type\":\"destroy\",\"run\":");
        xj_u64(&ex->out, s->id);
        xj_raw(&ex->out, "}\n");
        send_line(ex, s->id, "destroy");
    }
    pthread_mutex_unlock(&ex->mu);
    free(s);
}

/* create has no context argument: each open handle takes a slot whose
 * create function finds it (as strategies/plugin.c does for plugins). */
#define MAX_EXEC 8
static _Atomic(strat_exec *) slots[MAX_EXEC];
#define EXEC_CREATE(k)                                                                  \
    static void *exec_create_##k(const strat_env *env, nb_rng *rng)                     \
    {                                                                                   \
        return exec_create_of(atomic_load(&slots[k]), env, rng);                        \
    }
EXEC_CREATE(0) EXEC_CREATE(1) EXEC_CREATE(2) EXEC_CREATE(3)
EXEC_CREATE(4) EXEC_CREATE(5) EXEC_CREATE(6) EXEC_CREATE(7)
static void *(*const exec_creates[MAX_EXEC])(const strat_env *, nb_rng *) = {
    exec_create_0, exec_create_1, exec_create_2, exec_create_3,
    exec_create_4, exec_create_5, exec_create_6, exec_create_7};
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;

static int plain_name(const char *s)
{
    if (!s || !*s || strlen(s) >= 32) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* "exec-" + the basename of the command's last word not starting with '-',
 * without its extension, kept to [A-Za-z0-9_.-]: "python3 ex/rea.py" -> "exec-rea". */
static void default_name(const char *cmd, char *out, size_t n)
{
    const char *best = NULL, *p = cmd;
    size_t best_len = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t') p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (p > w && *w != '-') best = w, best_len = (size_t)(p - w);
    }
    char word[64] = "";
    if (best) {
        const char *b = best;
        for (size_t i = 0; i < best_len; i++)
            if (best[i] == '/') b = best + i + 1;
        size_t len = (size_t)(best + best_len - b);
        const char *dot = memchr(b, '.', len);
        if (dot && dot > b) len = (size_t)(dot - b);
        size_t k = 0;
        for (size_t i = 0; i < len && k < 20; i++) {
            char c = b[i];
            word[k++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '_' || c == '-') ? c : '_';
        }
        word[k] = '\0';
    }
    snprintf(out, n, "exec-%s", word[0] ? word : "strategy");
}

nb_status strat_exec_open(const strat_exec_config *cfg, strat_exec **out)
{
    *out = NULL;
    if (!cfg || !cfg->command || !*cfg->command)
        return nb_fail(NB_EINVAL, "--strategy-exec: empty command; hint: "
                       "--strategy-exec 'python3 my_strategy.py'");
    if (!(cfg->timeout >= 0) || isinf(cfg->timeout))
        return nb_fail(NB_EINVAL, "--strategy-timeout: %g seconds; must be positive", cfg->timeout);
    char name[32];
    if (cfg->name) {
        if (!plain_name(cfg->name))
            return nb_fail(NB_EINVAL, "--strategy-name: '%s' must be 1-31 characters of "
                           "[A-Za-z0-9_.-]", cfg->name);
        snprintf(name, sizeof name, "%s", cfg->name);
    } else {
        default_name(cfg->command, name, sizeof name);
    }
    if (strat_find(name))
        return nb_fail(NB_EINVAL, "external strategy name '%s' is a built-in strategy's; hint: "
                       "--strategy-name NAME gives it another", name);
    pthread_mutex_lock(&slots_mu);
    int slot = -1;
    for (int k = 0; k < MAX_EXEC && slot < 0; k++)
        if (!atomic_load(&slots[k])) slot = k;
    if (slot < 0) {
        pthread_mutex_unlock(&slots_mu);
        return nb_fail(NB_EINVAL, "--strategy-exec: %d external strategies are open already",
                       MAX_EXEC);
    }
    strat_exec *ex = nb_xcalloc_array(1, sizeof *ex);
    snprintf(ex->name, sizeof ex->name, "%s", name);
    ex->command = nb_xstrdup(cfg->command);
    ex->timeout = cfg->timeout > 0 ? cfg->timeout : STRAT_EXEC_TIMEOUT;
    ex->slot = slot;
    ex->fd = ex->err_fd = -1;
    ex->pid = -1;
    pthread_mutex_init(&ex->mu, NULL);
    ex->vt = (strat_vtable){ex->name, "external strategy (child process, EXEC_PROTOCOL.md)",
                            exec_creates[slot], exec_ask, exec_tell, exec_destroy, 0};
    atomic_store(&slots[slot], ex);
    pthread_mutex_unlock(&slots_mu);
    *out = ex;
    return NB_OK;
}

const strat_vtable *strat_exec_vtable(const strat_exec *ex) { return &ex->vt; }
const char *strat_exec_command(const strat_exec *ex) { return ex->command; }

nb_status strat_exec_run(strat_exec *ex, const strat_run_config *cfg, res_series *out)
{
    strat_run_config c = *cfg;
    c.vtable = &ex->vt;
    ex->broken = 0;
    ex->err = NB_OK;
    ex->errmsg[0] = '\0';
    nb_status st = strat_run(&c, out);
    end_child(ex);
    if (ex->broken) { /* the child's failure, not the loop's account of it */
        res_series_free(out);
        return nb_fail(ex->err, "%s", ex->errmsg);
    }
    if (st != NB_OK) return st;
    snprintf(out->external, sizeof out->external, "%s", ex->command);
    out->external_protocol = STRAT_EXEC_PROTOCOL;
    return NB_OK;
}

void strat_exec_close(strat_exec *ex)
{
    if (!ex) return;
    end_child(ex);
    pthread_mutex_lock(&slots_mu);
    atomic_store(&slots[ex->slot], NULL);
    pthread_mutex_unlock(&slots_mu);
    pthread_mutex_destroy(&ex->mu);
    xj_free(&ex->out);
    free(ex->rbuf);
    free(ex->command);
    free(ex);
}
