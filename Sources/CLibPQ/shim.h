#ifndef SESSION_SYNCD_CLIBPQ_SHIM_H
#define SESSION_SYNCD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdint.h>
#include <errno.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

/* Pipeline mode exists since libpq 14 (LIBPQ_HAS_PIPELINING). These wrappers let
 * PGListen compile against an older libpq and fall back to sequential statements:
 * ssd_has_pipelining() is 0 at compile time there, and Swift also checks
 * PQlibVersion() >= 140000 at run time. */
static inline int ssd_has_pipelining(void) {
#ifdef LIBPQ_HAS_PIPELINING
    return 1;
#else
    return 0;
#endif
}
static inline int ssd_enter_pipeline_mode(PGconn *conn) {
#ifdef LIBPQ_HAS_PIPELINING
    return PQenterPipelineMode(conn);
#else
    (void)conn; return 0;
#endif
}
static inline int ssd_exit_pipeline_mode(PGconn *conn) {
#ifdef LIBPQ_HAS_PIPELINING
    return PQexitPipelineMode(conn);
#else
    (void)conn; return 0;
#endif
}
static inline int ssd_pipeline_sync(PGconn *conn) {
#ifdef LIBPQ_HAS_PIPELINING
    return PQpipelineSync(conn);
#else
    (void)conn; return 0;
#endif
}
/* 1 if status is PGRES_PIPELINE_SYNC, 2 if PGRES_PIPELINE_ABORTED, else 0. */
static inline int ssd_pipeline_status_kind(ExecStatusType status) {
#ifdef LIBPQ_HAS_PIPELINING
    if (status == PGRES_PIPELINE_SYNC) return 1;
    if (status == PGRES_PIPELINE_ABORTED) return 2;
#endif
    (void)status; return 0;
}

/* A wakeup descriptor for poll(): an eventfd on Linux (read end == write end),
 * a non-blocking pipe elsewhere. Used to interrupt a poll() on the PQsocket
 * promptly (close, stop, task cancellation). Returns 0 on success. */
static inline int ssd_wakeup_create(int fds[2]) {
#ifdef __linux__
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return -1;
    fds[0] = fd; fds[1] = fd;
    return 0;
#else
    if (pipe(fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
#endif
}
static inline void ssd_wakeup_signal(int writeFD) {
#ifdef __linux__
    uint64_t one = 1;
    (void)!write(writeFD, &one, sizeof one);
#else
    char c = 1;
    (void)!write(writeFD, &c, 1);
#endif
}
static inline void ssd_wakeup_drain(int readFD) {
    uint64_t buf[8];
    while (read(readFD, buf, sizeof buf) > 0) { }
}
static inline void ssd_wakeup_close(int fds[2]) {
    close(fds[0]);
    if (fds[1] != fds[0]) close(fds[1]);
}
#endif
