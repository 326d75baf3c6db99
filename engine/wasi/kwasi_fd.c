/*
** kwasi_fd.c -- the fd_* functions of wasi_snapshot_preview1.
**
** An fd is an index in the context's table (kwasi_int.h): a host fd, a null
** stream or an in-memory stream. Every guest iovec array and buffer is
** checked against the caller's memory before any byte moves, so a hostile
** pointer or length gives EFAULT and the host never touches memory outside
** the guest's (the checked iovecs then point straight into guest memory for
** readv/writev).
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/kwasi_int.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

static uint32_t host_err(void) { return kwasi_errno_from_host(errno); }

/* ---------------------------------------------------------------- read/write */

uint32_t kwasi_fd_rw(kwasi_ctx *ctx, kwasi_mem *m, kwasi_fd *e, uint64_t iovs, uint64_t n, bool write,
                     int64_t offset, uint64_t *done) {
    *done = 0;
    if (n > UINT32_MAX / 8 || !kwasi_in(m, iovs, n * 8)) return KWASI_EFAULT;
    /* Check every buffer first: a bad one fails the whole call, nothing moved. */
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = kwasi_ld32(m, iovs + i * 8), l = kwasi_ld32(m, iovs + i * 8 + 4);
        if (!kwasi_in(m, p, l)) return KWASI_EFAULT;
        total += l;
    }
    if (write && e->read_only && e->filetype != KWASI_FT_CHAR) return KWASI_ENOTCAPABLE;
    switch (e->kind) {
    case KWASI_FD_NULL:
        *done = write ? total : 0;
        return KWASI_ESUCCESS;
    case KWASI_FD_BUFFER:
        if (offset >= 0) return KWASI_ESPIPE;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t p = kwasi_ld32(m, iovs + i * 8), l = kwasi_ld32(m, iovs + i * 8 + 4);
            if (write) {
                if (e->sink == NULL) return KWASI_EBADF; /* stdin bytes are read-only */
                if (!kb_buf_append(e->sink, m->data + p, (size_t)l)) return *done ? KWASI_ESUCCESS : KWASI_ENOMEM;
            } else {
                size_t avail = e->buf.len - e->pos;
                if (l > avail) l = avail;
                if (l) memcpy(m->data + p, e->buf.data + e->pos, (size_t)l);
                e->pos += (size_t)l;
                if (avail == 0) break;
            }
            *done += l;
        }
        return KWASI_ESUCCESS;
    case KWASI_FD_HOST: {
        /* As POSIX on a directory fd (always opened for reading only). */
        if (e->filetype == KWASI_FT_DIR) return write ? KWASI_EBADF : KWASI_EISDIR;
        /* Pipes, terminals and sockets may block: wait interruptibly first. */
        if (offset < 0 && e->filetype != KWASI_FT_REG && e->filetype != KWASI_FT_BLOCK &&
            !(e->fdflags & KWASI_FDF_NONBLOCK) && total > 0) {
            uint32_t w = kwasi_wait_fd(ctx, e->host, write ? POLLOUT : POLLIN);
            if (w != KWASI_ESUCCESS) return w;
        }
        struct iovec small[16], *v = small;
        size_t cnt = n > IOV_MAX ? IOV_MAX : (size_t)n; /* a short transfer is allowed */
        if (cnt > 16 && (v = kb_malloc(cnt * sizeof *v)) == NULL) return KWASI_ENOMEM;
        for (size_t i = 0; i < cnt; i++) {
            v[i].iov_base = m->data + kwasi_ld32(m, iovs + i * 8);
            v[i].iov_len = kwasi_ld32(m, iovs + i * 8 + 4);
        }
        ssize_t r;
        if (offset >= 0)
            r = write ? pwritev(e->host, v, (int)cnt, offset) : preadv(e->host, v, (int)cnt, offset);
        else
            r = write ? writev(e->host, v, (int)cnt) : readv(e->host, v, (int)cnt);
        int saved = errno;
        if (v != small) kb_free(v);
        if (r < 0) return kwasi_errno_from_host(saved);
        *done = (uint64_t)r;
        return KWASI_ESUCCESS;
    }
    default: return KWASI_EBADF;
    }
}

static uint32_t rw(kwasi_ctx *ctx, kwasi_mem *m, uint64_t fd, uint64_t iovs, uint64_t n, bool write,
                   int64_t offset, uint64_t outp) {
    kwasi_fd *e = kwasi_fd_get(ctx, fd);
    if (e == NULL) return KWASI_EBADF;
    if (!kwasi_in(m, outp, 4)) return KWASI_EFAULT;
    if (offset >= 0 && e->kind == KWASI_FD_HOST && e->filetype != KWASI_FT_REG &&
        e->filetype != KWASI_FT_BLOCK)
        return e->filetype == KWASI_FT_DIR ? KWASI_EISDIR : KWASI_ESPIPE;
    uint64_t done;
    uint32_t r = kwasi_fd_rw(ctx, m, e, iovs, n, write, offset, &done);
    if (r == KWASI_ESUCCESS) kwasi_st32(m, outp, (uint32_t)done);
    return r;
}

/* fd_read(fd, iovs, iovs_len, nread*) -> errno */
uint32_t kwasi_fd_read(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    return rw(ctx, m, a[0], (uint32_t)a[1], (uint32_t)a[2], false, -1, (uint32_t)a[3]);
}

/* fd_write(fd, iovs, iovs_len, nwritten*) -> errno */
uint32_t kwasi_fd_write(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    return rw(ctx, m, a[0], (uint32_t)a[1], (uint32_t)a[2], true, -1, (uint32_t)a[3]);
}

/* fd_pread(fd, iovs, iovs_len, offset, nread*) -> errno */
uint32_t kwasi_fd_pread(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    if ((int64_t)a[3] < 0) return KWASI_EINVAL;
    return rw(ctx, m, a[0], (uint32_t)a[1], (uint32_t)a[2], false, (int64_t)a[3], (uint32_t)a[4]);
}

/* fd_pwrite(fd, iovs, iovs_len, offset, nwritten*) -> errno */
uint32_t kwasi_fd_pwrite(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    if ((int64_t)a[3] < 0) return KWASI_EINVAL;
    return rw(ctx, m, a[0], (uint32_t)a[1], (uint32_t)a[2], true, (int64_t)a[3], (uint32_t)a[4]);
}

/* ---------------------------------------------------------------- host-only helpers */

/* The host fd behind 'fd', or an errno (streams that are not host fds: 'nonhost'). */
static uint32_t host_fd(kwasi_ctx *ctx, uint64_t fd, uint32_t nonhost, kwasi_fd **out) {
    kwasi_fd *e = kwasi_fd_get(ctx, fd);
    if (e == NULL) return KWASI_EBADF;
    *out = e;
    if (e->kind != KWASI_FD_HOST) return nonhost;
    return KWASI_ESUCCESS;
}

/* fd_advise(fd, offset, len, advice) -> errno */
uint32_t kwasi_fd_advise(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_ESPIPE, &e);
    if (r) return r;
    static const int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    uint32_t adv = (uint8_t)a[3];
    if (adv >= 6 || (int64_t)a[1] < 0 || (int64_t)a[2] < 0) return KWASI_EINVAL;
    if (e->filetype == KWASI_FT_DIR) return KWASI_EBADF;
    int rc = posix_fadvise(e->host, (off_t)a[1], (off_t)a[2], advice[adv]);
    return rc == 0 ? KWASI_ESUCCESS : kwasi_errno_from_host(rc);
}

/* fd_allocate(fd, offset, len) -> errno */
uint32_t kwasi_fd_allocate(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_EBADF, &e);
    if (r) return r;
    if (e->read_only) return KWASI_ENOTCAPABLE;
    if ((int64_t)a[1] < 0 || (int64_t)a[2] <= 0) return KWASI_EINVAL;
    int rc = posix_fallocate(e->host, (off_t)a[1], (off_t)a[2]);
    return rc == 0 ? KWASI_ESUCCESS : kwasi_errno_from_host(rc);
}

/* fd_close(fd) -> errno */
uint32_t kwasi_fd_close(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    kwasi_fd_clear(e);
    return KWASI_ESUCCESS;
}

/* fd_datasync(fd) -> errno */
uint32_t kwasi_fd_datasync(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_EINVAL, &e);
    if (r) return r;
    return fdatasync(e->host) == 0 ? KWASI_ESUCCESS : host_err();
}

/* fd_sync(fd) -> errno */
uint32_t kwasi_fd_sync(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_EINVAL, &e);
    if (r) return r;
    return fsync(e->host) == 0 ? KWASI_ESUCCESS : host_err();
}

/* fd_fdstat_get(fd, fdstat*) -> errno; fdstat: filetype u8 @0, flags u16 @2, rights @8, @16 */
uint32_t kwasi_fd_fdstat_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t p = (uint32_t)a[1];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    if (!kwasi_in(m, p, 24)) return KWASI_EFAULT;
    uint16_t flags = e->fdflags;
    if (e->kind == KWASI_FD_HOST) {
        int fl = fcntl(e->host, F_GETFL);
        if (fl >= 0) {
            flags = 0;
            if (fl & O_APPEND) flags |= KWASI_FDF_APPEND;
            if (fl & O_NONBLOCK) flags |= KWASI_FDF_NONBLOCK;
            if ((fl & O_SYNC) == O_SYNC) flags |= KWASI_FDF_SYNC;
            else if (fl & O_DSYNC) flags |= KWASI_FDF_DSYNC;
        }
    }
    memset(m->data + p, 0, 24);
    kwasi_st8(m, p, e->filetype);
    kwasi_st16(m, p + 2, flags);
    kwasi_st64(m, p + 8, e->rights_base);
    kwasi_st64(m, p + 16, e->rights_inh);
    return KWASI_ESUCCESS;
}

/* fd_fdstat_set_flags(fd, fdflags) -> errno */
uint32_t kwasi_fd_fdstat_set_flags(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    uint32_t want = (uint16_t)a[1];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    if (want & ~31u) return KWASI_EINVAL;
    if (want & (KWASI_FDF_SYNC | KWASI_FDF_DSYNC | KWASI_FDF_RSYNC))
        return KWASI_ENOTSUP; /* Linux cannot change O_SYNC/O_DSYNC on an open fd */
    if (e->kind == KWASI_FD_HOST) {
        int fl = fcntl(e->host, F_GETFL);
        if (fl < 0) return host_err();
        fl &= ~(O_APPEND | O_NONBLOCK);
        if (want & KWASI_FDF_APPEND) fl |= O_APPEND;
        if (want & KWASI_FDF_NONBLOCK) fl |= O_NONBLOCK;
        if (fcntl(e->host, F_SETFL, fl) != 0) return host_err();
    }
    e->fdflags = (uint16_t)want;
    return KWASI_ESUCCESS;
}

/* fd_fdstat_set_rights(fd, base, inheriting) -> errno: rights can only shrink. */
uint32_t kwasi_fd_fdstat_set_rights(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    if ((a[1] & ~e->rights_base) || (a[2] & ~e->rights_inh)) return KWASI_ENOTCAPABLE;
    e->rights_base = a[1];
    e->rights_inh = a[2];
    return KWASI_ESUCCESS;
}

/* fd_filestat_get(fd, filestat*) -> errno */
uint32_t kwasi_fd_filestat_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t p = (uint32_t)a[1];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    if (!kwasi_in(m, p, 64)) return KWASI_EFAULT;
    if (e->kind != KWASI_FD_HOST) {
        memset(m->data + p, 0, 64);
        kwasi_st8(m, p + 16, KWASI_FT_CHAR);
        kwasi_st64(m, p + 24, 1);
        return KWASI_ESUCCESS;
    }
    struct stat st;
    if (fstat(e->host, &st) != 0) return host_err();
    kwasi_put_filestat(m, p, &st);
    return KWASI_ESUCCESS;
}

/* fd_filestat_set_size(fd, size) -> errno */
uint32_t kwasi_fd_filestat_set_size(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_EINVAL, &e);
    if (r) return r;
    if (e->read_only) return KWASI_ENOTCAPABLE;
    if ((int64_t)a[1] < 0) return KWASI_EINVAL;
    return ftruncate(e->host, (off_t)a[1]) == 0 ? KWASI_ESUCCESS : host_err();
}

/* fd_filestat_set_times(fd, atim, mtim, fstflags) -> errno */
uint32_t kwasi_fd_filestat_set_times(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_EINVAL, &e);
    if (r) return r;
    if (e->read_only) return KWASI_ENOTCAPABLE;
    struct timespec ts[2];
    if ((r = kwasi_times(a[1], a[2], (uint16_t)a[3], ts)) != KWASI_ESUCCESS) return r;
    return futimens(e->host, ts) == 0 ? KWASI_ESUCCESS : host_err();
}

/* fd_prestat_get(fd, prestat*) -> errno; prestat: tag u8 @0 (0 = dir), name_len u32 @4 */
uint32_t kwasi_fd_prestat_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t p = (uint32_t)a[1];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL || !e->preopen) return KWASI_EBADF; /* libc stops scanning at EBADF */
    if (!kwasi_in(m, p, 8)) return KWASI_EFAULT;
    memset(m->data + p, 0, 8);
    kwasi_st32(m, p + 4, (uint32_t)strlen(e->guest_path));
    return KWASI_ESUCCESS;
}

/* fd_prestat_dir_name(fd, path, path_len) -> errno */
uint32_t kwasi_fd_prestat_dir_name(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t p = (uint32_t)a[1], len = (uint32_t)a[2];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL || !e->preopen) return KWASI_EBADF;
    if (!kwasi_in(m, p, len)) return KWASI_EFAULT;
    size_t n = strlen(e->guest_path);
    if (len < n) return KWASI_ENAMETOOLONG;
    memcpy(m->data + p, e->guest_path, n);
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- directories */

static uint8_t dtype(int dirfd, const struct dirent *d) {
    switch (d->d_type) {
    case DT_REG: return KWASI_FT_REG;
    case DT_DIR: return KWASI_FT_DIR;
    case DT_LNK: return KWASI_FT_SYMLINK;
    case DT_CHR: return KWASI_FT_CHAR;
    case DT_BLK: return KWASI_FT_BLOCK;
    case DT_SOCK: return KWASI_FT_STREAM;
    default: {
        struct stat st;
        return fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? kwasi_filetype(st.st_mode)
                                                                         : KWASI_FT_UNKNOWN;
    }
    }
}

/*
** fd_readdir(fd, buf, buf_len, cookie, bufused*) -> errno. Each entry is a
** 24-byte dirent (d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8
** @20) then the name; the last entry may be cut at buf_len, which tells the
** guest to call again with a bigger buffer. Cookies are entry ordinals, so
** they stay valid across calls: each call reopens the directory and skips.
*/
uint32_t kwasi_fd_readdir(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t buf = (uint32_t)a[1], blen = (uint32_t)a[2], cookie = a[3], usedp = (uint32_t)a[4];
    kwasi_fd *e = kwasi_fd_get(ctx, a[0]);
    if (e == NULL) return KWASI_EBADF;
    if (e->kind != KWASI_FD_HOST || e->filetype != KWASI_FT_DIR) return KWASI_ENOTDIR;
    if (!kwasi_in(m, buf, blen) || !kwasi_in(m, usedp, 4)) return KWASI_EFAULT;
    int fd = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return host_err();
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        uint32_t r = host_err();
        close(fd);
        return r;
    }
    uint64_t used = 0, index = 0;
    struct dirent *d;
    errno = 0;
    while (used < blen && (d = readdir(dir)) != NULL) {
        if (index++ < cookie) continue;
        uint8_t ent[24];
        size_t nl = strlen(d->d_name);
        uint64_t next = index, ino = (uint64_t)d->d_ino;
        uint32_t nl32 = (uint32_t)nl;
        memset(ent, 0, sizeof ent);
        memcpy(ent, &next, 8);
        memcpy(ent + 8, &ino, 8);
        memcpy(ent + 16, &nl32, 4);
        ent[20] = dtype(fd, d);
        uint64_t k = blen - used < 24 ? blen - used : 24;
        memcpy(m->data + buf + used, ent, (size_t)k);
        used += k;
        k = blen - used < nl ? blen - used : nl;
        memcpy(m->data + buf + used, d->d_name, (size_t)k);
        used += k;
    }
    closedir(dir);
    kwasi_st32(m, usedp, (uint32_t)used);
    return KWASI_ESUCCESS;
}

/* fd_renumber(from, to) -> errno: 'to' is closed and becomes 'from'. */
uint32_t kwasi_fd_renumber(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    (void)m;
    kwasi_fd *from = kwasi_fd_get(ctx, a[0]), *to = kwasi_fd_get(ctx, a[1]);
    if (from == NULL || to == NULL) return KWASI_EBADF;
    if (from == to) return KWASI_ESUCCESS;
    kwasi_fd_clear(to);
    *to = *from;
    memset(from, 0, sizeof *from); /* moved, not closed */
    return KWASI_ESUCCESS;
}

/* fd_seek(fd, offset, whence, newoffset*) -> errno */
uint32_t kwasi_fd_seek(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t outp = (uint32_t)a[3];
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_ESPIPE, &e);
    if (r) return r;
    if (!kwasi_in(m, outp, 8)) return KWASI_EFAULT;
    int whence;
    switch ((uint8_t)a[2]) {
    case 0: whence = SEEK_SET; break;
    case 1: whence = SEEK_CUR; break;
    case 2: whence = SEEK_END; break;
    default: return KWASI_EINVAL;
    }
    if (e->filetype == KWASI_FT_DIR) return KWASI_EBADF;
    off_t o = lseek(e->host, (off_t)(int64_t)a[1], whence);
    if (o < 0) return host_err();
    kwasi_st64(m, outp, (uint64_t)o);
    return KWASI_ESUCCESS;
}

/* fd_tell(fd, offset*) -> errno */
uint32_t kwasi_fd_tell(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t outp = (uint32_t)a[1];
    kwasi_fd *e;
    uint32_t r = host_fd(ctx, a[0], KWASI_ESPIPE, &e);
    if (r) return r;
    if (!kwasi_in(m, outp, 8)) return KWASI_EFAULT;
    if (e->filetype == KWASI_FT_DIR) return KWASI_EBADF;
    off_t o = lseek(e->host, 0, SEEK_CUR);
    if (o < 0) return host_err();
    kwasi_st64(m, outp, (uint64_t)o);
    return KWASI_ESUCCESS;
}
