/*
** kwasi_misc.c -- arguments and environment, clocks, randomness, poll_oneoff,
** process control and the socket functions of wasi_snapshot_preview1.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasi/kwasi_int.h"

static uint32_t host_err(void) { return kwasi_errno_from_host(errno); }

/* ---------------------------------------------------------------- args and environment */

/* Writes 'n' strings as a pointer array at 'ptrs' and NUL-terminated bytes at 'buf'. */
static uint32_t put_strings(kwasi_mem *m, char **items, size_t n, size_t bytes, uint64_t ptrs, uint64_t buf) {
    if (!kwasi_in(m, ptrs, (uint64_t)n * 4) || !kwasi_in(m, buf, bytes)) return KWASI_EFAULT;
    uint64_t at = buf;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(items[i]) + 1;
        kwasi_st32(m, ptrs + i * 4, (uint32_t)at);
        memcpy(m->data + at, items[i], l);
        at += l;
    }
    return KWASI_ESUCCESS;
}

/* args_get(argv**, argv_buf*) -> errno */
uint32_t kwasi_args_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    return put_strings(m, ctx->config.args.items, ctx->config.args.len, ctx->args_bytes, (uint32_t)a[0],
                       (uint32_t)a[1]);
}

/* args_sizes_get(argc*, argv_buf_size*) -> errno */
uint32_t kwasi_args_sizes_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    KWASI_PUT32(m, (uint32_t)a[0], (uint32_t)ctx->config.args.len);
    KWASI_PUT32(m, (uint32_t)a[1], (uint32_t)ctx->args_bytes);
    return KWASI_ESUCCESS;
}

/* environ_get(environ**, environ_buf*) -> errno */
uint32_t kwasi_environ_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    return put_strings(m, ctx->config.env.items, ctx->config.env.len, ctx->env_bytes, (uint32_t)a[0],
                       (uint32_t)a[1]);
}

/* environ_sizes_get(count*, buf_size*) -> errno */
uint32_t kwasi_environ_sizes_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    KWASI_PUT32(m, (uint32_t)a[0], (uint32_t)ctx->config.env.len);
    KWASI_PUT32(m, (uint32_t)a[1], (uint32_t)ctx->env_bytes);
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- clocks and random */

/* clockid: realtime 0, monotonic 1, process_cputime_id 2, thread_cputime_id 3 */
static bool host_clock(uint64_t id, clockid_t *out) {
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ns(const struct timespec *t) {
    return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

/* clock_res_get(id, resolution*) -> errno */
uint32_t kwasi_clock_res_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)ctx;
    clockid_t c;
    struct timespec t;
    if (!host_clock((uint32_t)a[0], &c)) return KWASI_EINVAL;
    if (clock_getres(c, &t) != 0) return host_err();
    KWASI_PUT64(m, (uint32_t)a[1], ns(&t));
    return KWASI_ESUCCESS;
}

/* clock_time_get(id, precision, time*) -> errno */
uint32_t kwasi_clock_time_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)ctx;
    clockid_t c;
    struct timespec t;
    if (!host_clock((uint32_t)a[0], &c)) return KWASI_EINVAL;
    if (clock_gettime(c, &t) != 0) return host_err();
    KWASI_PUT64(m, (uint32_t)a[2], ns(&t));
    return KWASI_ESUCCESS;
}

/* random_get(buf, len) -> errno */
uint32_t kwasi_random_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)ctx;
    uint64_t p = (uint32_t)a[0], len = (uint32_t)a[1];
    if (!kwasi_in(m, p, len)) return KWASI_EFAULT;
    while (len > 0) {
        ssize_t n = getrandom(m->data + p, (size_t)len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return host_err();
        }
        p += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- poll_oneoff */

/*
** poll_oneoff(in, out, nsubscriptions, nevents*) -> errno.
** subscription (48 bytes): userdata u64 @0, tag u8 @8 (0 clock, 1 fd_read,
** 2 fd_write); clock: id u32 @16, timeout u64 @24, precision u64 @32, flags
** u16 @40 (1 = absolute); fd: fd u32 @16. event (32 bytes): userdata u64 @0,
** error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24 (1 = hangup).
*/
#define MAX_SUBS 4096

static void put_event(kwasi_mem *m, uint64_t p, uint64_t userdata, uint16_t error, uint8_t type,
                      uint64_t nbytes, uint16_t flags) {
    memset(m->data + p, 0, 32);
    kwasi_st64(m, p, userdata);
    kwasi_st16(m, p + 8, error);
    kwasi_st8(m, p + 10, type);
    kwasi_st64(m, p + 16, nbytes);
    kwasi_st16(m, p + 24, flags);
}

static uint64_t readable_bytes(const kwasi_fd *e) {
    if (e->kind == KWASI_FD_BUFFER) return e->buf.len - e->pos;
    if (e->kind != KWASI_FD_HOST) return 0;
    if (e->filetype == KWASI_FT_REG) {
        struct stat st;
        off_t pos = lseek(e->host, 0, SEEK_CUR);
        if (fstat(e->host, &st) == 0 && pos >= 0 && st.st_size > pos) return (uint64_t)(st.st_size - pos);
        return 0;
    }
    int n = 0;
    if (ioctl(e->host, FIONREAD, &n) == 0 && n > 0) return (uint64_t)n;
    return 0;
}

uint32_t kwasi_poll_oneoff(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t in = (uint32_t)a[0], out = (uint32_t)a[1], n = (uint32_t)a[2], np = (uint32_t)a[3];
    if (n == 0) return KWASI_EINVAL;
    if (n > MAX_SUBS) return KWASI_ENOTSUP;
    if (!kwasi_in(m, in, n * 48) || !kwasi_in(m, out, n * 32) || !kwasi_in(m, np, 4)) return KWASI_EFAULT;
    struct pollfd *pfd = kb_calloc((size_t)n, sizeof *pfd);
    uint64_t *deadline = kb_calloc((size_t)n, sizeof *deadline);
    clockid_t *clk = kb_calloc((size_t)n, sizeof *clk);
    bool *isclk = kb_calloc((size_t)n, sizeof *isclk);
    if (pfd == NULL || deadline == NULL || clk == NULL || isclk == NULL) {
        kb_free(pfd);
        kb_free(deadline);
        kb_free(clk);
        kb_free(isclk);
        return KWASI_ENOMEM;
    }
    uint32_t events = 0, nfds = 0;
    bool have_clock = false;
    uint64_t soonest_sub = 0;
    /* Pass 1: immediate events (bad fds, in-memory streams) and clock deadlines. */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t s = in + i * 48;
        uint64_t ud = kwasi_ld64(m, s);
        uint8_t tag = m->data[s + 8];
        pfd[i].fd = -1;
        if (tag == 0) {
            clockid_t c;
            struct timespec now;
            if (!host_clock(kwasi_ld32(m, s + 16), &c) || clock_gettime(c, &now) != 0) {
                put_event(m, out + events++ * 32, ud, KWASI_EINVAL, tag, 0, 0);
                continue;
            }
            uint64_t t = kwasi_ld64(m, s + 24);
            uint16_t fl;
            memcpy(&fl, m->data + s + 40, 2);
            deadline[i] = (fl & 1) ? t : (ns(&now) + t < ns(&now) ? UINT64_MAX : ns(&now) + t);
            clk[i] = c;
            isclk[i] = true;
            if (!have_clock || deadline[i] < deadline[soonest_sub]) soonest_sub = i;
            have_clock = true;
        } else if (tag == 1 || tag == 2) {
            kwasi_fd *e = kwasi_fd_get(ctx, kwasi_ld32(m, s + 16));
            if (e == NULL) put_event(m, out + events++ * 32, ud, KWASI_EBADF, tag, 0, 0);
            else if (e->kind != KWASI_FD_HOST)
                put_event(m, out + events++ * 32, ud, 0, tag, tag == 1 ? readable_bytes(e) : 0, 0);
            else {
                pfd[i].fd = e->host;
                pfd[i].events = tag == 1 ? POLLIN : POLLOUT;
                nfds++;
            }
        } else {
            put_event(m, out + events++ * 32, ud, KWASI_EINVAL, tag, 0, 0);
        }
    }
    for (;;) {
        if (kwasi_take_interrupt(ctx)) { /* the call traps: no events */
            kb_free(pfd);
            kb_free(deadline);
            kb_free(clk);
            kb_free(isclk);
            return KWASI_EINTR;
        }
        int timeout = -1;
        if (events > 0) timeout = 0;
        else if (have_clock) {
            struct timespec now;
            clock_gettime(clk[soonest_sub], &now);
            uint64_t t = ns(&now), d = deadline[soonest_sub];
            uint64_t ms = d > t ? (d - t + 999999) / 1000000 : 0;
            timeout = ms > INT32_MAX ? INT32_MAX : (int)ms;
            if (nfds == 0 && d > t) {
                /* A plain sleep: to the exact deadline on the right clock, one
                   slice at a time so that an interrupt is seen. */
                uint64_t slice = (uint64_t)KWASI_WAIT_SLICE_MS * 1000000ull;
                uint64_t until = d - t > slice ? t + slice : d;
                struct timespec ts = {(time_t)(until / 1000000000ull), (long)(until % 1000000000ull)};
                while (clock_nanosleep(clk[soonest_sub], TIMER_ABSTIME, &ts, NULL) == EINTR) {}
                timeout = 0;
            }
        }
        if (timeout < 0 || timeout > KWASI_WAIT_SLICE_MS) timeout = KWASI_WAIT_SLICE_MS;
        int rc = 0;
        if (nfds > 0) {
            /* Poll every host fd at once: pollfd entries with fd -1 are ignored. */
            rc = poll(pfd, (nfds_t)n, timeout);
            if (rc < 0 && errno != EINTR) {
                uint32_t r = host_err();
                kb_free(pfd);
                kb_free(deadline);
                kb_free(clk);
                kb_free(isclk);
                return r;
            }
        }
        for (uint64_t i = 0; i < n && rc > 0; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0) continue;
            uint64_t s = in + i * 48;
            uint8_t tag = m->data[s + 8];
            kwasi_fd *e = kwasi_fd_get(ctx, kwasi_ld32(m, s + 16));
            uint16_t err = (pfd[i].revents & (POLLERR | POLLNVAL)) ? KWASI_EIO : 0;
            uint16_t fl = (pfd[i].revents & POLLHUP) ? 1 : 0;
            put_event(m, out + events++ * 32, kwasi_ld64(m, s), err, tag,
                      tag == 1 && e ? readable_bytes(e) : 0, fl);
        }
        if (have_clock) {
            for (uint64_t i = 0; i < n; i++) {
                uint64_t s = in + i * 48;
                if (!isclk[i]) continue;
                struct timespec now;
                clock_gettime(clk[i], &now);
                if (ns(&now) >= deadline[i]) put_event(m, out + events++ * 32, kwasi_ld64(m, s), 0, 0, 0, 0);
            }
        }
        if (events > 0 || (!have_clock && nfds == 0)) break;
    }
    kb_free(pfd);
    kb_free(deadline);
    kb_free(clk);
    kb_free(isclk);
    kwasi_st32(m, np, events);
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- process */

/* proc_exit(code): unwinds the call with KB_ERR_EXIT; the store stays usable. */
uint32_t kwasi_proc_exit(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    int32_t code = (int32_t)(uint32_t)a[0];
    kb_error *err = kb_error_new(KB_ERR_EXIT, "the guest exited with code %d", code);
    err->exit_code = code;
    kb_error_free(ctx->pending);
    ctx->pending = err;
    return KWASI_ESUCCESS;
}

/* proc_raise(signal): signals are not delivered to a sandboxed guest. */
uint32_t kwasi_proc_raise(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)ctx;
    (void)m;
    (void)a;
    return KWASI_ENOSYS;
}

/* sched_yield() -> errno */
uint32_t kwasi_sched_yield(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)ctx;
    (void)m;
    (void)a;
    sched_yield();
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- sockets (preopened only) */

static uint32_t socket_fd(kwasi_ctx *ctx, uint64_t fd, kwasi_fd **out) {
    kwasi_fd *e = kwasi_fd_get(ctx, fd);
    if (e == NULL) return KWASI_EBADF;
    if (e->kind != KWASI_FD_HOST || (e->filetype != KWASI_FT_STREAM && e->filetype != KWASI_FT_DGRAM))
        return KWASI_ENOTSOCK;
    *out = e;
    return KWASI_ESUCCESS;
}

/* Host iovecs over checked guest iovecs (at most 64: a short transfer is allowed). */
static uint32_t socket_iovs(kwasi_mem *m, uint64_t iovs, uint64_t n, struct iovec *v, size_t *cnt) {
    if (n > UINT32_MAX / 8 || !kwasi_in(m, iovs, n * 8)) return KWASI_EFAULT;
    *cnt = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = kwasi_ld32(m, iovs + i * 8), l = kwasi_ld32(m, iovs + i * 8 + 4);
        if (!kwasi_in(m, p, l)) return KWASI_EFAULT;
        if (*cnt < 64) {
            v[*cnt].iov_base = m->data + p;
            v[*cnt].iov_len = (size_t)l;
            (*cnt)++;
        }
    }
    return KWASI_ESUCCESS;
}

/* sock_accept(fd, fdflags, fd*) -> errno */
uint32_t kwasi_sock_accept(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_fd *e;
    uint32_t r = socket_fd(ctx, a[0], &e);
    if (r) return r;
    uint64_t outp = (uint32_t)a[2];
    if (!kwasi_in(m, outp, 4)) return KWASI_EFAULT;
    if ((uint16_t)a[1] & ~KWASI_FDF_NONBLOCK) return KWASI_EINVAL;
    /* (a[1] holds the flags of the accepted socket; the listener's decide blocking) */
    if (!(e->fdflags & KWASI_FDF_NONBLOCK) && kwasi_wait_fd(ctx, e->host, POLLIN) != KWASI_ESUCCESS)
        return KWASI_EINTR; /* interrupted: the call traps */
    int fd = accept4(e->host, NULL, NULL, SOCK_CLOEXEC | (((uint16_t)a[1] & KWASI_FDF_NONBLOCK) ? SOCK_NONBLOCK : 0));
    if (fd < 0) return host_err();
    int64_t slot = kwasi_fd_alloc(ctx);
    if (slot < 0) {
        close(fd);
        return KWASI_EMFILE;
    }
    kwasi_fd *n = &ctx->fds[slot];
    n->kind = KWASI_FD_HOST;
    n->host = fd;
    n->own = true;
    n->filetype = KWASI_FT_STREAM;
    n->fdflags = (uint16_t)a[1];
    n->rights_base = n->rights_inh = KWASI_RIGHTS_ALL;
    kwasi_st32(m, outp, (uint32_t)slot);
    return KWASI_ESUCCESS;
}

/* sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen*, ro_flags*) -> errno */
uint32_t kwasi_sock_recv(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_fd *e;
    uint32_t r = socket_fd(ctx, a[0], &e);
    if (r) return r;
    uint64_t lenp = (uint32_t)a[4], flp = (uint32_t)a[5];
    if (!kwasi_in(m, lenp, 4) || !kwasi_in(m, flp, 2)) return KWASI_EFAULT;
    uint32_t ri = (uint16_t)a[3];
    if (ri & ~3u) return KWASI_EINVAL;
    struct iovec v[64];
    size_t cnt;
    if ((r = socket_iovs(m, (uint32_t)a[1], (uint32_t)a[2], v, &cnt)) != KWASI_ESUCCESS) return r;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = cnt;
    if (!(e->fdflags & KWASI_FDF_NONBLOCK) && kwasi_wait_fd(ctx, e->host, POLLIN) != KWASI_ESUCCESS)
        return KWASI_EINTR; /* interrupted: the call traps */
    int flags = ((ri & 1) ? MSG_PEEK : 0) | ((ri & 2) ? MSG_WAITALL : 0);
    ssize_t n = recvmsg(e->host, &msg, flags);
    if (n < 0) return host_err();
    kwasi_st32(m, lenp, (uint32_t)n);
    kwasi_st16(m, flp, (msg.msg_flags & MSG_TRUNC) ? 1 : 0);
    return KWASI_ESUCCESS;
}

/* sock_send(fd, si_data, si_data_len, si_flags, so_datalen*) -> errno */
uint32_t kwasi_sock_send(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_fd *e;
    uint32_t r = socket_fd(ctx, a[0], &e);
    if (r) return r;
    uint64_t lenp = (uint32_t)a[4];
    if (!kwasi_in(m, lenp, 4)) return KWASI_EFAULT;
    if ((uint16_t)a[3] != 0) return KWASI_EINVAL; /* no siflags are defined */
    struct iovec v[64];
    size_t cnt;
    if ((r = socket_iovs(m, (uint32_t)a[1], (uint32_t)a[2], v, &cnt)) != KWASI_ESUCCESS) return r;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = cnt;
    ssize_t n = sendmsg(e->host, &msg, MSG_NOSIGNAL); /* a closed peer is EPIPE, never SIGPIPE */
    if (n < 0) return host_err();
    kwasi_st32(m, lenp, (uint32_t)n);
    return KWASI_ESUCCESS;
}

/* sock_shutdown(fd, how) -> errno; how: 1 rd, 2 wr, 3 both */
uint32_t kwasi_sock_shutdown(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = socket_fd(ctx, a[0], &e);
    if (r) return r;
    int how;
    switch ((uint8_t)a[1]) {
    case 1: how = SHUT_RD; break;
    case 2: how = SHUT_WR; break;
    case 3: how = SHUT_RDWR; break;
    default: return KWASI_EINVAL;
    }
    return shutdown(e->host, how) == 0 ? KWASI_ESUCCESS : host_err();
}
