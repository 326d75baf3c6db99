/*
** kwasi_path.c -- sandboxed path resolution and the path_* functions.
**
** WASI's capability model (wasi_snapshot_preview1, "path" arguments): a path
** is always relative to a directory fd the guest holds, and must never
** reach outside it. We never compare host path strings. Instead the path is
** walked one component at a time from the directory fd:
**  - "." is skipped; ".." pops a directory we opened ourselves, and fails
**    with NOTCAPABLE when it would leave the starting directory;
**  - each component is first tried with readlinkat: a symlink's target is
**    spliced into the rest of the path (an absolute target is NOTCAPABLE, the
**    41st expansion is LOOP), so links are resolved by the same rules;
**  - every other intermediate component is opened with
**    openat(O_DIRECTORY|O_NOFOLLOW): if it was swapped for a symlink after
**    readlinkat looked, O_NOFOLLOW makes the open fail instead of following.
** The last component is returned with the fd of its directory, and the
** operation uses the *at() call with AT_SYMLINK_NOFOLLOW/O_NOFOLLOW.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/kwasi_int.h"

#define MAX_LINKS 40
#define MAX_PATH 4096

#ifdef O_PATH
#define DIR_OPEN_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

void kwasi_resolved_done(kwasi_resolved *r) {
    if (r->own_dirfd && r->dirfd >= 0) close(r->dirfd);
    kb_free(r->name);
    memset(r, 0, sizeof *r);
    r->dirfd = -1;
}

/* Replaces 'rest' by 'target' + "/" + 'tail' ('tail' may be empty). */
static uint32_t splice_path(char **rest, const char *target, size_t tlen, const char *tail) {
    size_t taillen = strlen(tail);
    if (tlen + 1 + taillen >= MAX_PATH) return KWASI_ENAMETOOLONG;
    char *n = kb_malloc(tlen + 2 + taillen);
    if (n == NULL) return KWASI_ENOMEM;
    memcpy(n, target, tlen);
    size_t k = tlen;
    if (taillen) {
        n[k++] = '/';
        memcpy(n + k, tail, taillen);
        k += taillen;
    }
    n[k] = '\0';
    kb_free(*rest);
    *rest = n;
    return KWASI_ESUCCESS;
}

uint32_t kwasi_resolve(int base, const char *path, bool follow, kwasi_resolved *out) {
    memset(out, 0, sizeof *out);
    out->dirfd = -1;
    if (path[0] == '\0') return KWASI_ENOENT;
    if (path[0] == '/') return KWASI_ENOTCAPABLE; /* absolute: outside every capability */
    KB_VEC(int) stack = {0};                      /* directories opened below 'base' */
    char *rest = kb_strdup(path);
    char *name = NULL;
    bool trailing = false;
    uint32_t r = rest ? KWASI_ESUCCESS : KWASI_ENOMEM;
    int links = 0;
    size_t pos = 0;
    while (r == KWASI_ESUCCESS) {
        int cur = stack.len ? stack.items[stack.len - 1] : base;
        char *p = rest + pos;
        while (*p == '/') p++;
        if (*p == '\0') { /* empty remainder: the current directory itself */
            name = kb_strdup(".");
            if (name == NULL) r = KWASI_ENOMEM;
            break;
        }
        char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool last = true, slash = false;
        if (end) {
            const char *q = end;
            while (*q == '/') q++;
            if (*q) last = false;
            else slash = true;
        }
        char comp[256];
        if (n >= sizeof comp) {
            r = KWASI_ENAMETOOLONG;
            break;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        pos = (size_t)(p - rest) + n;
        if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
            if (comp[1] == '.') {
                if (stack.len == 0) { /* above the directory the guest holds */
                    r = KWASI_ENOTCAPABLE;
                    break;
                }
                close(stack.items[--stack.len]);
            }
            if (last) {
                name = kb_strdup(".");
                trailing = true;
                if (name == NULL) r = KWASI_ENOMEM;
                break;
            }
            continue;
        }
        if (!last || follow || slash) {
            char target[MAX_PATH];
            ssize_t tl = readlinkat(cur, comp, target, sizeof target);
            if (tl >= 0) {
                if (++links > MAX_LINKS) {
                    r = KWASI_ELOOP;
                    break;
                }
                if ((size_t)tl >= sizeof target) {
                    r = KWASI_ENAMETOOLONG;
                    break;
                }
                if (tl == 0) {
                    r = KWASI_ENOENT;
                    break;
                }
                if (target[0] == '/') { /* an absolute link leads outside the sandbox */
                    r = KWASI_ENOTCAPABLE;
                    break;
                }
                /* The rest after this component keeps its slashes (trailing one included). */
                char *tail = kb_strdup(rest + pos);
                if (tail == NULL) {
                    r = KWASI_ENOMEM;
                    break;
                }
                const char *t2 = tail;
                while (*t2 == '/' && t2[1] == '/') t2++;
                r = splice_path(&rest, target, (size_t)tl, *t2 == '/' ? t2 + 1 : t2);
                if (r == KWASI_ESUCCESS && slash && last) {
                    /* keep the trailing slash: the target must be a directory */
                    size_t l = strlen(rest);
                    char *n2 = kb_realloc(rest, l + 2);
                    if (n2 == NULL) r = KWASI_ENOMEM;
                    else {
                        rest = n2;
                        rest[l] = '/';
                        rest[l + 1] = '\0';
                    }
                }
                kb_free(tail);
                pos = 0;
                continue;
            }
            /* EINVAL: not a symlink; ENOENT: the open below reports it. */
        }
        if (last) {
            name = kb_strdup(comp);
            trailing = slash;
            if (name == NULL) r = KWASI_ENOMEM;
            break;
        }
        int fd = openat(cur, comp, DIR_OPEN_FLAGS);
        if (fd < 0) {
            /* ELOOP here means a symlink appeared after readlinkat: refuse it. */
            r = kwasi_errno_from_host(errno);
            break;
        }
        if (!kb_vec_push(&stack, fd)) {
            close(fd);
            r = KWASI_ENOMEM;
            break;
        }
    }
    kb_free(rest);
    if (r != KWASI_ESUCCESS) {
        for (size_t i = 0; i < stack.len; i++) close(stack.items[i]);
        kb_vec_free(&stack);
        kb_free(name);
        return r;
    }
    for (size_t i = 0; i + 1 < stack.len; i++) close(stack.items[i]);
    out->dirfd = stack.len ? stack.items[stack.len - 1] : base;
    out->own_dirfd = stack.len > 0;
    out->trailing_slash = trailing;
    out->name = name;
    kb_vec_free(&stack);
    return KWASI_ESUCCESS;
}

/* ---------------------------------------------------------------- helpers */

/* The directory entry for fd 'fd', or an errno. */
static uint32_t dir_entry(kwasi_ctx *ctx, uint64_t fd, kwasi_fd **out) {
    kwasi_fd *e = kwasi_fd_get(ctx, fd);
    if (e == NULL) return KWASI_EBADF;
    if (e->kind != KWASI_FD_HOST || e->filetype != KWASI_FT_DIR) return KWASI_ENOTDIR;
    *out = e;
    return KWASI_ESUCCESS;
}

/* Reads the guest path and resolves it below directory fd 'fd'. */
static uint32_t lookup(kwasi_ctx *ctx, kwasi_mem *m, uint64_t fd, uint64_t ptr, uint64_t len, bool follow,
                       bool writes, kwasi_resolved *out) {
    kwasi_fd *e;
    char *path;
    out->dirfd = -1;
    out->name = NULL;
    out->own_dirfd = false;
    uint32_t r = dir_entry(ctx, fd, &e);
    if (r) return r;
    if (writes && e->read_only) return KWASI_ENOTCAPABLE;
    if ((r = kwasi_guest_path(m, ptr, len, &path)) != KWASI_ESUCCESS) return r;
    r = kwasi_resolve(e->host, path, follow, out);
    kb_free(path);
    return r;
}

static uint32_t host_err(void) { return kwasi_errno_from_host(errno); }

/* ---------------------------------------------------------------- path_* */

/* path_create_directory(fd, path, path_len) -> errno */
uint32_t kwasi_path_create_directory(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_resolved res;
    uint32_t r = lookup(ctx, m, a[0], a[1], a[2], false, true, &res);
    if (r == KWASI_ESUCCESS && mkdirat(res.dirfd, res.name, 0777) != 0) r = host_err();
    kwasi_resolved_done(&res);
    return r;
}

void kwasi_put_filestat(kwasi_mem *m, uint64_t p, const struct stat *st) {
    memset(m->data + p, 0, 64);
    kwasi_st64(m, p + 0, (uint64_t)st->st_dev);
    kwasi_st64(m, p + 8, (uint64_t)st->st_ino);
    kwasi_st8(m, p + 16, kwasi_filetype(st->st_mode));
    kwasi_st64(m, p + 24, (uint64_t)st->st_nlink);
    kwasi_st64(m, p + 32, (uint64_t)st->st_size);
    kwasi_st64(m, p + 40, (uint64_t)st->st_atim.tv_sec * 1000000000ull + (uint64_t)st->st_atim.tv_nsec);
    kwasi_st64(m, p + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec);
    kwasi_st64(m, p + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000ull + (uint64_t)st->st_ctim.tv_nsec);
}

/* path_filestat_get(fd, lookupflags, path, path_len, filestat*) -> errno */
uint32_t kwasi_path_filestat_get(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    if (!kwasi_in(m, (uint32_t)a[4], 64)) return KWASI_EFAULT;
    kwasi_resolved res;
    uint32_t r = lookup(ctx, m, a[0], a[2], a[3], a[1] & KWASI_LOOKUP_FOLLOW, false, &res);
    struct stat st;
    if (r == KWASI_ESUCCESS) {
        if (fstatat(res.dirfd, res.name, &st, AT_SYMLINK_NOFOLLOW) != 0) r = host_err();
        else if (res.trailing_slash && !S_ISDIR(st.st_mode)) r = KWASI_ENOTDIR;
        else kwasi_put_filestat(m, (uint32_t)a[4], &st);
    }
    kwasi_resolved_done(&res);
    return r;
}

uint32_t kwasi_times(uint64_t atim, uint64_t mtim, uint64_t fst, struct timespec ts[2]) {
    if (((fst & KWASI_FST_ATIM) && (fst & KWASI_FST_ATIM_NOW)) ||
        ((fst & KWASI_FST_MTIM) && (fst & KWASI_FST_MTIM_NOW)) || (fst & ~15ull))
        return KWASI_EINVAL;
    ts[0].tv_sec = (time_t)(atim / 1000000000ull);
    ts[0].tv_nsec = (long)(atim % 1000000000ull);
    ts[1].tv_sec = (time_t)(mtim / 1000000000ull);
    ts[1].tv_nsec = (long)(mtim % 1000000000ull);
    if (fst & KWASI_FST_ATIM_NOW) ts[0].tv_nsec = UTIME_NOW;
    else if (!(fst & KWASI_FST_ATIM)) ts[0].tv_nsec = UTIME_OMIT;
    if (fst & KWASI_FST_MTIM_NOW) ts[1].tv_nsec = UTIME_NOW;
    else if (!(fst & KWASI_FST_MTIM)) ts[1].tv_nsec = UTIME_OMIT;
    return KWASI_ESUCCESS;
}

/* path_filestat_set_times(fd, lookupflags, path, path_len, atim, mtim, fstflags) -> errno */
uint32_t kwasi_path_filestat_set_times(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    struct timespec ts[2];
    uint32_t r = kwasi_times(a[4], a[5], (uint16_t)a[6], ts);
    if (r) return r;
    kwasi_resolved res;
    r = lookup(ctx, m, a[0], a[2], a[3], a[1] & KWASI_LOOKUP_FOLLOW, true, &res);
    if (r == KWASI_ESUCCESS && utimensat(res.dirfd, res.name, ts, AT_SYMLINK_NOFOLLOW) != 0) r = host_err();
    kwasi_resolved_done(&res);
    return r;
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) -> errno */
uint32_t kwasi_path_link(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_resolved from, to;
    uint32_t r = lookup(ctx, m, a[0], a[2], a[3], a[1] & KWASI_LOOKUP_FOLLOW, true, &from);
    if (r) {
        kwasi_resolved_done(&from);
        return r;
    }
    r = lookup(ctx, m, a[4], a[5], a[6], false, true, &to);
    if (r == KWASI_ESUCCESS && linkat(from.dirfd, from.name, to.dirfd, to.name, 0) != 0) r = host_err();
    kwasi_resolved_done(&from);
    kwasi_resolved_done(&to);
    return r;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inh, fdflags, fd*) -> errno */
uint32_t kwasi_path_open(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t oflags = (uint16_t)a[4], rights = a[5], fdflags = (uint16_t)a[7];
    uint64_t outp = (uint32_t)a[8];
    if (!kwasi_in(m, outp, 4)) return KWASI_EFAULT;
    if (oflags & ~15ull) return KWASI_EINVAL;
    bool want_write = (rights & KWASI_RIGHT_FD_WRITE) != 0;
    bool want_read = (rights & (KWASI_RIGHT_FD_READ | (1ull << 14) /* readdir */)) != 0;
    bool modifies = want_write || (oflags & (KWASI_O_CREAT | KWASI_O_TRUNC)) ||
                    (fdflags & KWASI_FDF_APPEND);
    kwasi_fd *dir;
    uint32_t r = dir_entry(ctx, a[0], &dir);
    if (r) return r;
    bool read_only = dir->read_only;
    kwasi_resolved res;
    r = lookup(ctx, m, a[0], a[2], a[3], a[1] & KWASI_LOOKUP_FOLLOW, modifies, &res);
    if (r) {
        kwasi_resolved_done(&res);
        return r;
    }
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    if (want_write) flags |= want_read ? O_RDWR : O_WRONLY;
    else flags |= O_RDONLY;
    if (oflags & KWASI_O_CREAT) flags |= O_CREAT;
    if (oflags & KWASI_O_EXCL) flags |= O_EXCL;
    if (oflags & KWASI_O_TRUNC) flags |= O_TRUNC;
    if ((oflags & KWASI_O_DIRECTORY) || res.trailing_slash) flags |= O_DIRECTORY;
    if (fdflags & KWASI_FDF_APPEND) flags |= O_APPEND;
    if (fdflags & KWASI_FDF_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & KWASI_FDF_SYNC) flags |= O_SYNC;
    if (fdflags & KWASI_FDF_DSYNC) flags |= O_DSYNC;
    if (fdflags & KWASI_FDF_RSYNC) flags |= O_RSYNC;
    int fd = openat(res.dirfd, res.name, flags, 0666);
    if (fd < 0) {
        r = host_err();
        kwasi_resolved_done(&res);
        return r;
    }
    kwasi_resolved_done(&res);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        r = host_err();
        close(fd);
        return r;
    }
    int64_t slot = kwasi_fd_alloc(ctx);
    if (slot < 0) {
        close(fd);
        return KWASI_EMFILE;
    }
    kwasi_fd *e = &ctx->fds[slot];
    e->kind = KWASI_FD_HOST;
    e->host = fd;
    e->own = true;
    e->read_only = read_only;
    e->filetype = kwasi_filetype(st.st_mode);
    e->fdflags = (uint16_t)fdflags;
    e->rights_base = rights;
    e->rights_inh = a[6];
    kwasi_st32(m, outp, (uint32_t)slot);
    return KWASI_ESUCCESS;
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused*) -> errno */
uint32_t kwasi_path_readlink(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    uint64_t buf = (uint32_t)a[3], blen = (uint32_t)a[4], usedp = (uint32_t)a[5];
    if (!kwasi_in(m, buf, blen) || !kwasi_in(m, usedp, 4)) return KWASI_EFAULT;
    kwasi_resolved res;
    uint32_t r = lookup(ctx, m, a[0], a[1], a[2], false, false, &res);
    if (r == KWASI_ESUCCESS) {
        char target[MAX_PATH];
        ssize_t n = readlinkat(res.dirfd, res.name, target, sizeof target);
        if (n < 0) r = host_err();
        else {
            size_t k = (size_t)n < blen ? (size_t)n : (size_t)blen; /* truncated, as readlink(2) */
            memcpy(m->data + buf, target, k);
            kwasi_st32(m, usedp, (uint32_t)k);
        }
    }
    kwasi_resolved_done(&res);
    return r;
}

/* path_remove_directory(fd, path, path_len) -> errno */
uint32_t kwasi_path_remove_directory(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_resolved res;
    uint32_t r = lookup(ctx, m, a[0], a[1], a[2], false, true, &res);
    if (r == KWASI_ESUCCESS) {
        if (strcmp(res.name, ".") == 0) r = KWASI_EINVAL; /* rmdir(".") */
        else if (unlinkat(res.dirfd, res.name, AT_REMOVEDIR) != 0) r = host_err();
    }
    kwasi_resolved_done(&res);
    return r;
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) -> errno */
uint32_t kwasi_path_rename(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_resolved from, to;
    uint32_t r = lookup(ctx, m, a[0], a[1], a[2], false, true, &from);
    if (r) {
        kwasi_resolved_done(&from);
        return r;
    }
    r = lookup(ctx, m, a[3], a[4], a[5], false, true, &to);
    if (r == KWASI_ESUCCESS) {
        if (strcmp(from.name, ".") == 0 || strcmp(to.name, ".") == 0) r = KWASI_EBUSY;
        else if (renameat(from.dirfd, from.name, to.dirfd, to.name) != 0) r = host_err();
    }
    kwasi_resolved_done(&from);
    kwasi_resolved_done(&to);
    return r;
}

/* path_symlink(old_path, old_len, fd, new_path, new_len) -> errno */
uint32_t kwasi_path_symlink(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    char *target;
    uint32_t r = kwasi_guest_path(m, a[0], a[1], &target);
    if (r) return r;
    /* An absolute target names the host's file system, never the guest's. */
    if (target[0] == '/') {
        kb_free(target);
        return KWASI_ENOTCAPABLE;
    }
    kwasi_resolved res;
    r = lookup(ctx, m, a[2], a[3], a[4], false, true, &res);
    if (r == KWASI_ESUCCESS && symlinkat(target, res.dirfd, res.name) != 0) r = host_err();
    kwasi_resolved_done(&res);
    kb_free(target);
    return r;
}

/* path_unlink_file(fd, path, path_len) -> errno */
uint32_t kwasi_path_unlink_file(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a) {
    kwasi_resolved res;
    uint32_t r = lookup(ctx, m, a[0], a[1], a[2], false, true, &res);
    if (r == KWASI_ESUCCESS) {
        struct stat st;
        if (res.trailing_slash) {
            /* "file/" names a directory: a file there is ENOTDIR, a directory EISDIR */
            r = fstatat(res.dirfd, res.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? host_err()
                : S_ISDIR(st.st_mode)                                       ? KWASI_EISDIR
                                                                            : KWASI_ENOTDIR;
        } else if (unlinkat(res.dirfd, res.name, 0) != 0) {
            r = host_err();
        }
    }
    kwasi_resolved_done(&res);
    return r;
}
