/*
 * bench/trigger_cost.c: the web app's UPDATE with and without session-syncd's NOTIFY
 * trigger, measured in alternating short windows on the same connections (bench/daemon-lag
 * builds and runs it; bench/trigger_cost_report.py turns its output into figures).
 *
 * W writer threads, each with its own connection, rewrite sessions as web.py's DBStore
 * does on every request:  UPDATE sessions SET data = $2, atime = now() WHERE session_id = $1
 * (autocommit: one statement, one commit). Each writer owns the sessions i with i % W == w,
 * picked at random, so two writers never wait on the same row. --kind changed sends a
 * pickle different from the row's current one (the trigger's WHEN is true: one NOTIFY per
 * UPDATE); --kind unchanged sends the row's current pickle again (WHEN is false: no NOTIFY).
 *
 * The run: warm-up (both configurations), then P pairs of windows; in each pair one window
 * with the trigger and one without it, in an order that is random per pair but balanced
 * (P/2 pairs start with the trigger). Between windows every writer is parked (no statement
 * in flight), the control connection drops the UPDATE trigger or creates it again from
 * pg_get_triggerdef(), then the writers run a settle period (not recorded: plans are
 * revalidated after the DDL) and a measured period. A listener connection LISTENs on the
 * channel all the time, as the daemon's connection would, and counts what arrives.
 *
 * Output: <out>.windows  window pair config measured_s updates all_updates notifications
 *         <out>.lat      window latency_us      (one line per measured UPDATE)
 * Connection: libpq's PG* environment variables. Prints nothing about timings.
 */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { IDLE, SETTLE, MEASURE, STOP };

static int writers = 1, pairs = 8, kind_changed = 1;
static double rate = 0, window_s = 2.5, settle_s = 0.3, warmup_s = 3;
static unsigned long seed = 1;
static const char *out = "trigger_cost", *trigger = "session_syncd_update", *channel = "session_syncd";

static int nsessions, npayloads;
static char **sids, **originals, **payloads;

static _Atomic int phase = IDLE, cur_window = -1, listener_stop = 0;
static _Atomic long notifications = 0;

typedef struct { int window; float us; } rec_t;
typedef struct {
    int id;
    PGconn *conn;
    _Atomic int parked;
    _Atomic long all_updates;
    rec_t *recs;
    size_t nrecs, caprecs;
    const char **current;  /* per owned session: the pickle the row holds now */
    int *owned, nowned;
    pthread_t thread;
} writer_t;
static writer_t *ws;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
static void sleep_s(double s) {
    if (s <= 0) return;
    struct timespec t = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}
static void die(const char *what, PGconn *c) {
    fprintf(stderr, "trigger_cost: %s: %s\n", what, c ? PQerrorMessage(c) : "");
    exit(1);
}
/* xorshift64*, one state per thread */
static uint64_t rnd(uint64_t *s) {
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}
static double rnd01(uint64_t *s) { return (rnd(s) >> 11) * (1.0 / 9007199254740992.0); }

static PGconn *connect_db(void) {
    PGconn *c = PQconnectdb("");
    if (PQstatus(c) != CONNECTION_OK) die("connect", c);
    return c;
}
static PGresult *exec_ok(PGconn *c, const char *sql, ExecStatusType want) {
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != want) {
        fprintf(stderr, "trigger_cost: %s\n", sql);
        die("query failed", c);
    }
    return r;
}
static char *xstrdup(const char *s) { char *d = strdup(s); if (!d) exit(1); return d; }

static void *writer_main(void *arg) {
    writer_t *w = arg;
    uint64_t rs = seed * 0x9E3779B97F4A7C15ULL + (uint64_t)w->id * 7919 + 1;
    double next = 0, per_writer_rate = rate / writers;
    for (;;) {
        atomic_store(&w->parked, 0);
        int ph = atomic_load(&phase);
        if (ph == STOP) break;
        if (ph == IDLE) {
            atomic_store(&w->parked, 1);
            sleep_s(0.0002);
            next = 0;
            continue;
        }
        if (per_writer_rate > 0) {  /* paced: Poisson arrivals, as pgbench --rate */
            double t = now_s();
            if (next == 0) next = t - log(1 - rnd01(&rs)) / per_writer_rate;
            if (t < next) { sleep_s(fmin(next - t, 0.002)); continue; }
            next += -log(1 - rnd01(&rs)) / per_writer_rate;
        }
        int k = (int)(rnd(&rs) % (uint64_t)w->nowned);
        const char *value = w->current[k];
        if (kind_changed) {  /* by content: an earlier run may have left one of the payloads in the row */
            do value = payloads[rnd(&rs) % (uint64_t)npayloads]; while (strcmp(value, w->current[k]) == 0);
        }
        const char *params[2] = {sids[w->owned[k]], value};
        int win = atomic_load(&cur_window);
        double t0 = now_s();
        PGresult *r = PQexecPrepared(w->conn, "u", 2, params, NULL, NULL, 0);
        double t1 = now_s();
        if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdTuples(r), "1") != 0) die("UPDATE", w->conn);
        PQclear(r);
        w->current[k] = value;
        atomic_fetch_add(&w->all_updates, 1);
        if (ph == MEASURE && win >= 0) {  /* warm-up windows are -1 */
            if (w->nrecs == w->caprecs) {
                w->caprecs = w->caprecs ? w->caprecs * 2 : 65536;
                w->recs = realloc(w->recs, w->caprecs * sizeof(rec_t));
                if (!w->recs) exit(1);
            }
            w->recs[w->nrecs++] = (rec_t){win, (float)((t1 - t0) * 1e6)};
        }
    }
    return NULL;
}

static void *listener_main(void *arg) {
    PGconn *c = arg;
    while (!atomic_load(&listener_stop)) {
        struct pollfd p = {PQsocket(c), POLLIN, 0};
        if (poll(&p, 1, 50) > 0 && !PQconsumeInput(c)) die("listener", c);
        PGnotify *n;
        while ((n = PQnotifies(c)) != NULL) { atomic_fetch_add(&notifications, 1); PQfreemem(n); }
    }
    return NULL;
}

static void park_all(void) {
    atomic_store(&phase, IDLE);
    for (int i = 0; i < writers; i++)
        while (!atomic_load(&ws[i].parked)) sleep_s(0.0002);
}
static long all_updates(void) {
    long s = 0;
    for (int i = 0; i < writers; i++) s += atomic_load(&ws[i].all_updates);
    return s;
}

static int trigger_on = 1;  /* installed when we start */
static void set_trigger(PGconn *ctl, const char *def, int on) {
    char sql[512];
    if (on == trigger_on) return;
    trigger_on = on;
    if (on) PQclear(exec_ok(ctl, def, PGRES_COMMAND_OK));
    else {
        snprintf(sql, sizeof sql, "DROP TRIGGER %s ON sessions", trigger);
        PQclear(exec_ok(ctl, sql, PGRES_COMMAND_OK));
    }
}

/* One window: writers parked on entry and on return. */
static void run_window(PGconn *ctl, const char *def, int on, int window, double seconds, FILE *wf, int pair) {
    set_trigger(ctl, def, on);
    long n0 = atomic_load(&notifications), a0 = all_updates();
    atomic_store(&cur_window, window);
    atomic_store(&phase, SETTLE);
    sleep_s(settle_s);
    double t0 = now_s();
    atomic_store(&phase, MEASURE);
    sleep_s(seconds);
    double t1 = now_s();
    park_all();
    sleep_s(0.1);  /* notifications of the last commits reach the listener */
    long n1 = atomic_load(&notifications), a1 = all_updates();
    if (wf) {
        size_t measured = 0;
        for (int i = 0; i < writers; i++)
            for (size_t j = ws[i].nrecs; j-- > 0 && ws[i].recs[j].window == window;) measured++;
        fprintf(wf, "%d\t%d\t%s\t%.6f\t%zu\t%ld\t%ld\n", window, pair, on ? "with" : "without", t1 - t0,
                measured, a1 - a0, n1 - n0);
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--writers")) writers = atoi(v);
        else if (!strcmp(k, "--rate")) rate = atof(v);
        else if (!strcmp(k, "--kind")) kind_changed = !strcmp(v, "changed");
        else if (!strcmp(k, "--pairs")) pairs = atoi(v);
        else if (!strcmp(k, "--window")) window_s = atof(v);
        else if (!strcmp(k, "--settle")) settle_s = atof(v);
        else if (!strcmp(k, "--warmup")) warmup_s = atof(v);
        else if (!strcmp(k, "--seed")) seed = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--out")) out = v;
        else if (!strcmp(k, "--trigger")) trigger = v;
        else if (!strcmp(k, "--channel")) channel = v;
        else { fprintf(stderr, "trigger_cost: unknown option %s\n", k); return 2; }
    }
    if (writers < 1 || pairs < 1 || window_s <= 0) { fprintf(stderr, "trigger_cost: bad options\n"); return 2; }

    PGconn *ctl = connect_db();
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'sessions'::regclass AND tgname = '%s'", trigger);
    PGresult *r = exec_ok(ctl, sql, PGRES_TUPLES_OK);
    if (PQntuples(r) != 1) { fprintf(stderr, "trigger_cost: trigger %s on sessions not found\n", trigger); return 1; }
    char *def = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);

    r = exec_ok(ctl, "SELECT rtrim(session_id), data FROM sessions ORDER BY session_id", PGRES_TUPLES_OK);
    nsessions = PQntuples(r);
    sids = malloc(nsessions * sizeof *sids);
    originals = malloc(nsessions * sizeof *originals);
    for (int i = 0; i < nsessions; i++) { sids[i] = xstrdup(PQgetvalue(r, i, 0)); originals[i] = xstrdup(PQgetvalue(r, i, 1)); }
    PQclear(r);
    r = exec_ok(ctl, "SELECT data FROM bench_payloads ORDER BY n", PGRES_TUPLES_OK);
    npayloads = PQntuples(r);
    payloads = malloc(npayloads * sizeof *payloads);
    for (int i = 0; i < npayloads; i++) payloads[i] = xstrdup(PQgetvalue(r, i, 0));
    PQclear(r);
    if (nsessions < writers || npayloads < 2) { fprintf(stderr, "trigger_cost: too few sessions or payloads\n"); return 1; }

    PGconn *lc = connect_db();
    snprintf(sql, sizeof sql, "LISTEN %s", channel);
    PQclear(exec_ok(lc, sql, PGRES_COMMAND_OK));
    pthread_t lt;
    pthread_create(&lt, NULL, listener_main, lc);

    ws = calloc(writers, sizeof *ws);
    for (int i = 0; i < writers; i++) {
        writer_t *w = &ws[i];
        w->id = i;
        w->conn = connect_db();
        PGresult *p = PQprepare(w->conn, "u", "UPDATE sessions SET data = $2, atime = now() WHERE session_id = $1", 2, NULL);
        if (PQresultStatus(p) != PGRES_COMMAND_OK) die("prepare", w->conn);
        PQclear(p);
        w->owned = malloc((nsessions / writers + 1) * sizeof(int));
        w->current = malloc((nsessions / writers + 1) * sizeof(char *));
        for (int s = i; s < nsessions; s += writers) { w->owned[w->nowned] = s; w->current[w->nowned++] = originals[s]; }
        atomic_store(&w->parked, 1);
        pthread_create(&w->thread, NULL, writer_main, w);
    }

    /* Warm-up: both configurations, not recorded (window -1). */
    run_window(ctl, def, 1, -1, warmup_s / 2, NULL, -1);
    run_window(ctl, def, 0, -1, warmup_s / 2, NULL, -1);

    /* Balanced random order: half the pairs start with the trigger. */
    int *first_on = malloc(pairs * sizeof(int));
    for (int p = 0; p < pairs; p++) first_on[p] = p < (pairs + 1) / 2;
    uint64_t os = seed * 0x2545F4914F6CDD1DULL + 12345;
    for (int p = pairs - 1; p > 0; p--) {
        int j = (int)(rnd(&os) % (uint64_t)(p + 1)), t = first_on[p];
        first_on[p] = first_on[j]; first_on[j] = t;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.windows", out);
    FILE *wf = fopen(path, "w");
    if (!wf) { perror(path); return 1; }
    int window = 0;
    for (int p = 0; p < pairs; p++) {
        run_window(ctl, def, first_on[p], window++, window_s, wf, p);
        run_window(ctl, def, !first_on[p], window++, window_s, wf, p);
    }
    fclose(wf);

    atomic_store(&phase, STOP);
    for (int i = 0; i < writers; i++) pthread_join(ws[i].thread, NULL);
    atomic_store(&listener_stop, 1);
    pthread_join(lt, NULL);
    set_trigger(ctl, def, 1);  /* leave the trigger installed */

    snprintf(path, sizeof path, "%s.lat", out);
    FILE *lf = fopen(path, "w");
    if (!lf) { perror(path); return 1; }
    for (int i = 0; i < writers; i++)
        for (size_t j = 0; j < ws[i].nrecs; j++) fprintf(lf, "%d\t%.1f\n", ws[i].recs[j].window, ws[i].recs[j].us);
    fclose(lf);
    for (int i = 0; i < writers; i++) PQfinish(ws[i].conn);
    PQfinish(lc);
    PQfinish(ctl);
    return 0;
}
