/*
** kwasi_ctx.c -- the WASI configuration, the context and its fd table, the
** errno mapping, and the table of host functions with their signatures.
**
** Each function of wasi_snapshot_preview1 is one row of 'funcs' (ORDER
** FUNCS is alphabetical, as in the witx file): its name, its parameter
** types ('i' i32, 'I' i64), whether it returns an errno, and its handler. A
** single host callback unpacks the caller's memory and dispatches, so every
** handler sees a bounds-checked view of the memory of the instance that
** called it (WASI functions act on the caller's "memory" export; we use its
** memory 0, which is the same object for a WASI command).
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/kwasi_int.h"

/* ---------------------------------------------------------------- errno */

uint32_t kwasi_errno_from_host(int e) {
    switch (e) {
    case 0: return KWASI_ESUCCESS;
    case E2BIG: return KWASI_E2BIG;
    case EACCES: return KWASI_EACCES;
    case EADDRINUSE: return KWASI_EADDRINUSE;
    case EADDRNOTAVAIL: return KWASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return KWASI_EAFNOSUPPORT;
    case EAGAIN: return KWASI_EAGAIN;
    case EALREADY: return KWASI_EALREADY;
    case EBADF: return KWASI_EBADF;
    case EBADMSG: return KWASI_EBADMSG;
    case EBUSY: return KWASI_EBUSY;
    case ECANCELED: return KWASI_ECANCELED;
    case ECHILD: return KWASI_ECHILD;
    case ECONNABORTED: return KWASI_ECONNABORTED;
    case ECONNREFUSED: return KWASI_ECONNREFUSED;
    case ECONNRESET: return KWASI_ECONNRESET;
    case EDEADLK: return KWASI_EDEADLK;
    case EDESTADDRREQ: return KWASI_EDESTADDRREQ;
    case EDOM: return KWASI_EDOM;
    case EDQUOT: return KWASI_EDQUOT;
    case EEXIST: return KWASI_EEXIST;
    case EFAULT: return KWASI_EFAULT;
    case EFBIG: return KWASI_EFBIG;
    case EHOSTUNREACH: return KWASI_EHOSTUNREACH;
    case EIDRM: return KWASI_EIDRM;
    case EILSEQ: return KWASI_EILSEQ;
    case EINPROGRESS: return KWASI_EINPROGRESS;
    case EINTR: return KWASI_EINTR;
    case EINVAL: return KWASI_EINVAL;
    case EIO: return KWASI_EIO;
    case EISCONN: return KWASI_EISCONN;
    case EISDIR: return KWASI_EISDIR;
    case ELOOP: return KWASI_ELOOP;
    case EMFILE: return KWASI_EMFILE;
    case EMLINK: return KWASI_EMLINK;
    case EMSGSIZE: return KWASI_EMSGSIZE;
    case EMULTIHOP: return KWASI_EMULTIHOP;
    case ENAMETOOLONG: return KWASI_ENAMETOOLONG;
    case ENETDOWN: return KWASI_ENETDOWN;
    case ENETRESET: return KWASI_ENETRESET;
    case ENETUNREACH: return KWASI_ENETUNREACH;
    case ENFILE: return KWASI_ENFILE;
    case ENOBUFS: return KWASI_ENOBUFS;
    case ENODEV: return KWASI_ENODEV;
    case ENOENT: return KWASI_ENOENT;
    case ENOEXEC: return KWASI_ENOEXEC;
    case ENOLCK: return KWASI_ENOLCK;
    case ENOLINK: return KWASI_ENOLINK;
    case ENOMEM: return KWASI_ENOMEM;
    case ENOMSG: return KWASI_ENOMSG;
    case ENOPROTOOPT: return KWASI_ENOPROTOOPT;
    case ENOSPC: return KWASI_ENOSPC;
    case ENOSYS: return KWASI_ENOSYS;
    case ENOTCONN: return KWASI_ENOTCONN;
    case ENOTDIR: return KWASI_ENOTDIR;
    case ENOTEMPTY: return KWASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return KWASI_ENOTRECOVERABLE;
    case ENOTSOCK: return KWASI_ENOTSOCK;
    case ENOTSUP: return KWASI_ENOTSUP; /* == EOPNOTSUPP on Linux */
    case ENOTTY: return KWASI_ENOTTY;
    case ENXIO: return KWASI_ENXIO;
    case EOVERFLOW: return KWASI_EOVERFLOW;
    case EOWNERDEAD: return KWASI_EOWNERDEAD;
    case EPERM: return KWASI_EPERM;
    case EPIPE: return KWASI_EPIPE;
    case EPROTO: return KWASI_EPROTO;
    case EPROTONOSUPPORT: return KWASI_EPROTONOSUPPORT;
    case EPROTOTYPE: return KWASI_EPROTOTYPE;
    case ERANGE: return KWASI_ERANGE;
    case EROFS: return KWASI_EROFS;
    case ESPIPE: return KWASI_ESPIPE;
    case ESRCH: return KWASI_ESRCH;
    case ESTALE: return KWASI_ESTALE;
    case ETIMEDOUT: return KWASI_ETIMEDOUT;
    case ETXTBSY: return KWASI_ETXTBSY;
    case EXDEV: return KWASI_EXDEV;
    default: return KWASI_EIO;
    }
}

uint8_t kwasi_filetype(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return KWASI_FT_REG;
    case S_IFDIR: return KWASI_FT_DIR;
    case S_IFCHR: return KWASI_FT_CHAR;
    case S_IFBLK: return KWASI_FT_BLOCK;
    case S_IFLNK: return KWASI_FT_SYMLINK;
    case S_IFSOCK: return KWASI_FT_STREAM;
    default: return KWASI_FT_UNKNOWN;
    }
}

uint32_t kwasi_guest_path(const kwasi_mem *m, uint64_t ptr, uint64_t len, char **out) {
    *out = NULL;
    if (!kwasi_in(m, ptr, len)) return KWASI_EFAULT;
    if (len > 4096) return KWASI_ENAMETOOLONG;
    if (memchr(m->data + ptr, 0, (size_t)len) != NULL) return KWASI_EINVAL;
    char *s = kb_strndup((const char *)m->data + ptr, (size_t)len);
    if (s == NULL) return KWASI_ENOMEM;
    *out = s;
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- interrupts */

/* Bit 0 of krt_store.interrupt is the host's interrupt request
   (keel_store_interrupt stores 1; exec/ names it KEXEC_ATTN_INTERRUPT and
   consumes it the same way when a check sees it). */
#define INTERRUPT_BIT 1u

bool kwasi_take_interrupt(kwasi_ctx *ctx) {
    krt_store *s = ctx->store;
    if (s == NULL || (atomic_load_explicit(&s->interrupt, memory_order_relaxed) & INTERRUPT_BIT) == 0)
        return false;
    atomic_fetch_and_explicit(&s->interrupt, ~INTERRUPT_BIT, memory_order_relaxed);
    kb_error_free(ctx->pending);
    ctx->pending = kb_error_trap(KB_TRAP_INTERRUPTED);
    return true;
}

uint32_t kwasi_wait_fd(kwasi_ctx *ctx, int fd, short events) {
    for (;;) {
        if (kwasi_take_interrupt(ctx)) return KWASI_EINTR;
        struct pollfd p = {fd, events, 0};
        int rc = poll(&p, 1, KWASI_WAIT_SLICE_MS);
        /* Ready, hung up or failed: the operation itself reports what happened. */
        if (rc > 0 || (rc < 0 && errno != EINTR)) return KWASI_ESUCCESS;
    }
}

/* ---------------------------------------------------------------- config */

void kwasi_config_init(kwasi_config *c) { memset(c, 0, sizeof *c); }

void kwasi_config_clear(kwasi_config *c) {
    for (size_t i = 0; i < c->args.len; i++) kb_free(c->args.items[i]);
    for (size_t i = 0; i < c->env.len; i++) kb_free(c->env.items[i]);
    for (size_t i = 0; i < c->preopens.len; i++) {
        kb_free(c->preopens.items[i].host_path);
        kb_free(c->preopens.items[i].guest_path);
    }
    kb_vec_free(&c->args);
    kb_vec_free(&c->env);
    kb_vec_free(&c->preopens);
    kb_vec_free(&c->sockets);
    for (int i = 0; i < 3; i++) {
        kb_free(c->stdio[i].path);
        kb_free(c->stdio[i].bytes);
    }
    memset(c, 0, sizeof *c);
}

static kb_error *oom(void) { return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory in the WASI configuration"); }

kb_error *kwasi_config_push_arg(kwasi_config *c, const char *arg) {
    if (arg == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "WASI argument is NULL");
    char *s = kb_strdup(arg);
    if (s == NULL || !kb_vec_push(&c->args, s)) {
        kb_free(s);
        return oom();
    }
    return NULL;
}

kb_error *kwasi_config_push_env(kwasi_config *c, const char *name, const char *value) {
    if (name == NULL || value == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "WASI environment name or value is NULL");
    if (name[0] == '\0' || strchr(name, '=') != NULL)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "WASI environment name '%s' is empty or contains '='", name);
    size_t nl = strlen(name), vl = strlen(value);
    char *s = kb_malloc(nl + vl + 2);
    if (s == NULL) return oom();
    memcpy(s, name, nl);
    s[nl] = '=';
    memcpy(s + nl + 1, value, vl + 1);
    if (!kb_vec_push(&c->env, s)) {
        kb_free(s);
        return oom();
    }
    return NULL;
}

kb_error *kwasi_config_push_preopen(kwasi_config *c, const char *host_path, const char *guest_path,
                                    bool read_only) {
    if (host_path == NULL || host_path[0] == '\0')
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "preopened directory needs a host path");
    if (guest_path == NULL || guest_path[0] == '\0') guest_path = host_path;
    kwasi_preopen p = {kb_strdup(host_path), kb_strdup(guest_path), read_only};
    if (p.host_path == NULL || p.guest_path == NULL || !kb_vec_push(&c->preopens, p)) {
        kb_free(p.host_path);
        kb_free(p.guest_path);
        return oom();
    }
    return NULL;
}

kb_error *kwasi_config_set_stdio(kwasi_config *c, uint32_t which, uint32_t mode, const char *path,
                                 const uint8_t *bytes, size_t len) {
    if (which > 2) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "standard stream %u does not exist", which);
    if (mode > KWASI_STDIO_BUFFER) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "unknown stream mode %u", mode);
    /* (KWASI_STDIO_FD goes through kwasi_config_set_stdio_fd.) */
    if (mode == KWASI_STDIO_FILE && (path == NULL || path[0] == '\0'))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "a file stream needs a path");
    if (bytes == NULL && len != 0) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "stdin bytes are NULL");
    kwasi_stdio n = {mode, NULL, NULL, 0, -1};
    if (mode == KWASI_STDIO_FILE && (n.path = kb_strdup(path)) == NULL) return oom();
    if (mode == KWASI_STDIO_BUFFER && which == 0 && len != 0) {
        if ((n.bytes = kb_malloc(len)) == NULL) return oom();
        memcpy(n.bytes, bytes, len);
        n.len = len;
    }
    kb_free(c->stdio[which].path);
    kb_free(c->stdio[which].bytes);
    c->stdio[which] = n;
    return NULL;
}

kb_error *kwasi_config_set_stdio_fd(kwasi_config *c, uint32_t which, int fd) {
    if (which > 2) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "standard stream %u does not exist", which);
    if (fd < 0) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "host fd %d is negative", fd);
    kb_free(c->stdio[which].path);
    kb_free(c->stdio[which].bytes);
    kwasi_stdio n = {KWASI_STDIO_FD, NULL, NULL, 0, fd};
    c->stdio[which] = n;
    return NULL;
}

kb_error *kwasi_config_copy(kwasi_config *dst, const kwasi_config *src) {
    kb_error *err = NULL;
    kwasi_config_init(dst);
    for (size_t i = 0; i < src->args.len && !err; i++) err = kwasi_config_push_arg(dst, src->args.items[i]);
    for (size_t i = 0; i < src->env.len && !err; i++) {
        char *s = kb_strdup(src->env.items[i]);
        if (s == NULL || !kb_vec_push(&dst->env, s)) {
            kb_free(s);
            err = oom();
        }
    }
    for (size_t i = 0; i < src->preopens.len && !err; i++)
        err = kwasi_config_push_preopen(dst, src->preopens.items[i].host_path, src->preopens.items[i].guest_path,
                                        src->preopens.items[i].read_only);
    for (size_t i = 0; i < src->sockets.len && !err; i++)
        if (!kb_vec_push(&dst->sockets, src->sockets.items[i])) err = oom();
    for (uint32_t i = 0; i < 3 && !err; i++) {
        if (src->stdio[i].mode == KWASI_STDIO_FD) err = kwasi_config_set_stdio_fd(dst, i, src->stdio[i].fd);
        else err = kwasi_config_set_stdio(dst, i, src->stdio[i].mode, src->stdio[i].path, src->stdio[i].bytes,
                                          src->stdio[i].len);
    }
    if (err) kwasi_config_clear(dst);
    return err;
}

/* ---------------------------------------------------------------- fd table */

kwasi_fd *kwasi_fd_get(kwasi_ctx *ctx, uint64_t fd) {
    if (fd >= ctx->fd_count || ctx->fds[fd].kind == KWASI_FD_FREE) return NULL;
    return &ctx->fds[fd];
}

int64_t kwasi_fd_alloc(kwasi_ctx *ctx) {
    for (uint32_t i = 0; i < ctx->fd_count; i++)
        if (ctx->fds[i].kind == KWASI_FD_FREE) return i;
    if (ctx->fd_count >= 65536) return -1; /* a guest opening without closing stops here */
    uint32_t n = ctx->fd_count ? ctx->fd_count * 2 : 8;
    kwasi_fd *f = kb_realloc(ctx->fds, n * sizeof *f);
    if (f == NULL) return -1;
    memset(f + ctx->fd_count, 0, (n - ctx->fd_count) * sizeof *f);
    ctx->fds = f;
    int64_t r = ctx->fd_count;
    ctx->fd_count = n;
    return r;
}

void kwasi_fd_clear(kwasi_fd *e) {
    if (e->kind == KWASI_FD_HOST && e->own && e->host >= 0) close(e->host);
    kb_free(e->guest_path);
    kb_buf_free(&e->buf);
    memset(e, 0, sizeof *e);
}

/* ---------------------------------------------------------------- context */

static kb_error *setup_stdio(kwasi_ctx *ctx, uint32_t i) {
    const kwasi_stdio *s = &ctx->config.stdio[i];
    kwasi_fd *e = &ctx->fds[i];
    e->filetype = KWASI_FT_CHAR;
    e->rights_base = KWASI_RIGHTS_ALL;
    switch (s->mode) {
    case KWASI_STDIO_INHERIT:
        e->kind = KWASI_FD_HOST;
        e->host = (int)i;
        e->own = false;
        {
            struct stat st;
            if (fstat(e->host, &st) == 0) e->filetype = kwasi_filetype(st.st_mode);
        }
        /* wasi-libc's isatty() is "a character device without seek/tell
           rights": a terminal must look like one so that stdout is line
           buffered in interactive use. */
        if (isatty(e->host)) e->rights_base &= ~(KWASI_RIGHT_FD_SEEK | KWASI_RIGHT_FD_TELL);
        return NULL;
    case KWASI_STDIO_FILE: {
        int flags = i == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
        int fd = open(s->path, flags | O_CLOEXEC, 0644);
        if (fd < 0) return kb_error_new(KB_ERR_IO, "cannot open '%s' for WASI %s: %s", s->path,
                                        i == 0 ? "stdin" : i == 1 ? "stdout" : "stderr", strerror(errno));
        e->kind = KWASI_FD_HOST;
        e->host = fd;
        e->own = true;
        e->filetype = KWASI_FT_REG;
        return NULL;
    }
    case KWASI_STDIO_FD: {
        /* Our own duplicate: the caller may close its fd once the context exists. */
        int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) return kb_error_new(KB_ERR_IO, "cannot use host fd %d for WASI %s: %s", s->fd,
                                        i == 0 ? "stdin" : i == 1 ? "stdout" : "stderr", strerror(errno));
        e->kind = KWASI_FD_HOST;
        e->host = fd;
        e->own = true;
        struct stat st;
        if (fstat(fd, &st) == 0) e->filetype = kwasi_filetype(st.st_mode);
        return NULL;
    }
    case KWASI_STDIO_BUFFER:
        e->kind = KWASI_FD_BUFFER;
        if (i == 0 && s->len && !kb_buf_append(&e->buf, s->bytes, s->len)) return oom();
        if (i != 0) e->sink = &ctx->capture[i];
        return NULL;
    default:
        e->kind = KWASI_FD_NULL;
        return NULL;
    }
}

static void ctx_free(kwasi_ctx *ctx) {
    for (uint32_t i = 0; i < ctx->fd_count; i++) kwasi_fd_clear(&ctx->fds[i]);
    kb_free(ctx->fds);
    for (int i = 0; i < 3; i++) kb_buf_free(&ctx->capture[i]);
    kwasi_config_clear(&ctx->config);
    kb_error_free(ctx->pending);
    kb_free(ctx);
}

kb_error *kwasi_ctx_new(const kwasi_config *config, kwasi_ctx **out) {
    *out = NULL;
    kwasi_ctx *ctx = kb_calloc(1, sizeof *ctx);
    if (ctx == NULL) return oom();
    atomic_init(&ctx->refs, 1);
    kb_error *err = kwasi_config_copy(&ctx->config, config);
    if (err) {
        kb_free(ctx);
        return err;
    }
    const kwasi_config *c = &ctx->config;
    for (size_t i = 0; i < c->args.len; i++) ctx->args_bytes += strlen(c->args.items[i]) + 1;
    for (size_t i = 0; i < c->env.len; i++) ctx->env_bytes += strlen(c->env.items[i]) + 1;
    for (uint32_t i = 0; i < 3 && err == NULL; i++) {
        if (kwasi_fd_alloc(ctx) != i) err = oom();
        else err = setup_stdio(ctx, i);
    }
    for (size_t i = 0; i < c->preopens.len && err == NULL; i++) {
        const kwasi_preopen *p = &c->preopens.items[i];
        int fd = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            err = kb_error_new(KB_ERR_IO, "cannot preopen directory '%s': %s", p->host_path, strerror(errno));
            break;
        }
        int64_t slot = kwasi_fd_alloc(ctx);
        char *gp = kb_strdup(p->guest_path);
        if (slot < 0 || gp == NULL) {
            close(fd);
            kb_free(gp);
            err = oom();
            break;
        }
        kwasi_fd *e = &ctx->fds[slot];
        e->kind = KWASI_FD_HOST;
        e->host = fd;
        e->own = true;
        e->filetype = KWASI_FT_DIR;
        e->preopen = true;
        e->read_only = p->read_only;
        e->guest_path = gp;
        e->rights_base = p->read_only ? KWASI_RIGHTS_ALL & ~KWASI_RIGHTS_WRITE_MASK : KWASI_RIGHTS_ALL;
        /* Inheriting rights stay complete: wasi-libc masks what it asks for
           with them, which would silently open a file for writing read-only.
           path_open refuses writes below a read-only preopen instead. */
        e->rights_inh = KWASI_RIGHTS_ALL;
    }
    for (size_t i = 0; i < c->sockets.len && err == NULL; i++) {
        int64_t slot = kwasi_fd_alloc(ctx);
        if (slot < 0) {
            err = oom();
            break;
        }
        kwasi_fd *e = &ctx->fds[slot];
        e->kind = KWASI_FD_HOST;
        e->host = c->sockets.items[i];
        e->own = false;
        e->filetype = KWASI_FT_STREAM;
        e->rights_base = e->rights_inh = KWASI_RIGHTS_ALL;
    }
    if (err) {
        ctx_free(ctx);
        return err;
    }
    *out = ctx;
    return NULL;
}

void kwasi_ctx_retain(kwasi_ctx *ctx) { atomic_fetch_add(&ctx->refs, 1); }

void kwasi_ctx_release(kwasi_ctx *ctx) {
    if (ctx != NULL && atomic_fetch_sub(&ctx->refs, 1) == 1) ctx_free(ctx);
}

const uint8_t *kwasi_ctx_captured(const kwasi_ctx *ctx, uint32_t which, size_t *len) {
    *len = 0;
    if (ctx == NULL || (which != 1 && which != 2)) return NULL;
    if (ctx->config.stdio[which].mode != KWASI_STDIO_BUFFER) return NULL;
    /* The capture buffer belongs to the context: it keeps what was written
       even after the guest closed or renumbered the stream. */
    const kb_buf *b = &ctx->capture[which];
    *len = b->len;
    return b->data ? b->data : (const uint8_t *)"";
}

/* ---------------------------------------------------------------- functions */

typedef struct kwasi_func_def {
    const char *name;
    const char *params;      /* 'i' i32, 'I' i64 */
    bool has_result;         /* returns an i32 errno */
    kwasi_handler fn;
} kwasi_func_def;

/* ORDER FUNCS: witx order (alphabetical). */
static const kwasi_func_def funcs[] = {
    {"args_get", "ii", true, kwasi_args_get},
    {"args_sizes_get", "ii", true, kwasi_args_sizes_get},
    {"environ_get", "ii", true, kwasi_environ_get},
    {"environ_sizes_get", "ii", true, kwasi_environ_sizes_get},
    {"clock_res_get", "ii", true, kwasi_clock_res_get},
    {"clock_time_get", "iIi", true, kwasi_clock_time_get},
    {"fd_advise", "iIIi", true, kwasi_fd_advise},
    {"fd_allocate", "iII", true, kwasi_fd_allocate},
    {"fd_close", "i", true, kwasi_fd_close},
    {"fd_datasync", "i", true, kwasi_fd_datasync},
    {"fd_fdstat_get", "ii", true, kwasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", true, kwasi_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", true, kwasi_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", true, kwasi_fd_filestat_get},
    {"fd_filestat_set_size", "iI", true, kwasi_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", true, kwasi_fd_filestat_set_times},
    {"fd_pread", "iiiIi", true, kwasi_fd_pread},
    {"fd_prestat_get", "ii", true, kwasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii", true, kwasi_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi", true, kwasi_fd_pwrite},
    {"fd_read", "iiii", true, kwasi_fd_read},
    {"fd_readdir", "iiiIi", true, kwasi_fd_readdir},
    {"fd_renumber", "ii", true, kwasi_fd_renumber},
    {"fd_seek", "iIii", true, kwasi_fd_seek},
    {"fd_sync", "i", true, kwasi_fd_sync},
    {"fd_tell", "ii", true, kwasi_fd_tell},
    {"fd_write", "iiii", true, kwasi_fd_write},
    {"path_create_directory", "iii", true, kwasi_path_create_directory},
    {"path_filestat_get", "iiiii", true, kwasi_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", true, kwasi_path_filestat_set_times},
    {"path_link", "iiiiiii", true, kwasi_path_link},
    {"path_open", "iiiiiIIii", true, kwasi_path_open},
    {"path_readlink", "iiiiii", true, kwasi_path_readlink},
    {"path_remove_directory", "iii", true, kwasi_path_remove_directory},
    {"path_rename", "iiiiii", true, kwasi_path_rename},
    {"path_symlink", "iiiii", true, kwasi_path_symlink},
    {"path_unlink_file", "iii", true, kwasi_path_unlink_file},
    {"poll_oneoff", "iiii", true, kwasi_poll_oneoff},
    {"proc_exit", "i", false, kwasi_proc_exit},
    {"proc_raise", "i", true, kwasi_proc_raise},
    {"sched_yield", "", true, kwasi_sched_yield},
    {"random_get", "ii", true, kwasi_random_get},
    {"sock_accept", "iii", true, kwasi_sock_accept},
    {"sock_recv", "iiiiii", true, kwasi_sock_recv},
    {"sock_send", "iiiii", true, kwasi_sock_send},
    {"sock_shutdown", "ii", true, kwasi_sock_shutdown},
};

#define FUNC_COUNT (sizeof funcs / sizeof funcs[0])

size_t kwasi_func_count(void) { return FUNC_COUNT; }

const char *kwasi_func_name(size_t i) { return i < FUNC_COUNT ? funcs[i].name : NULL; }

typedef struct kwasi_binding {
    kwasi_ctx *ctx;
    const kwasi_func_def *def;
} kwasi_binding;

static void binding_free(void *p) {
    kwasi_binding *b = p;
    kwasi_ctx_release(b->ctx);
    kb_free(b);
}

/* krt_host_callback shared by every function. */
static kb_error *call(void *env, krt_store *store, krt_instance *caller, const uint64_t *args,
                      uint64_t *results) {
    kwasi_binding *b = env;
    kwasi_ctx *ctx = b->ctx;
    /* Called from the host, or by a module without a memory: every pointer is
       out of bounds (EFAULT), which is what a zero-sized memory gives. */
    kwasi_mem m = {NULL, 0};
    static uint8_t none[1];
    m.data = none;
    if (caller != NULL && caller->module != NULL && caller->module->bin != NULL &&
        caller->memories != NULL && caller->module->bin->memory_count > 0 && caller->memories[0] != NULL) {
        m.data = caller->memories[0]->data;
        m.size = caller->memories[0]->size;
    }
    ctx->store = store;
    uint32_t r = b->def->fn(ctx, &m, args);
    ctx->store = NULL;
    if (ctx->pending != NULL) {
        kb_error *err = ctx->pending;
        ctx->pending = NULL;
        return err;
    }
    if (b->def->has_result) results[0] = r;
    return NULL;
}

kb_error *kwasi_func_new(kwasi_ctx *ctx, krt_store *s, size_t i, krt_func **out) {
    *out = NULL;
    if (i >= FUNC_COUNT) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "no WASI function %zu", i);
    const kwasi_func_def *d = &funcs[i];
    kbin_valtype vts[12];
    uint32_t np = (uint32_t)strlen(d->params);
    for (uint32_t k = 0; k < np; k++) vts[k] = kbin_vt(d->params[k] == 'I' ? KVT_I64 : KVT_I32);
    if (d->has_result) vts[np] = kbin_vt(KVT_I32);
    kbin_type t;
    memset(&t, 0, sizeof t);
    t.comp = KCT_FUNC;
    t.final = true;
    t.super = KBIN_NO_INDEX;
    t.rec_size = 1;
    t.param_count = np;
    t.result_count = d->has_result ? 1 : 0;
    t.params = vts;
    kwasi_binding *b = kb_malloc(sizeof *b);
    if (b == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating WASI function %s", d->name);
    b->ctx = ctx;
    b->def = d;
    kb_error *err = krt_func_new_host(s, &t, call, b, binding_free, out);
    if (err) {
        kb_free(b);
        return err;
    }
    kwasi_ctx_retain(ctx);
    return NULL;
}
