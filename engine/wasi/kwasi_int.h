/*
** kwasi_int.h -- wasi/-private: the fd table, guest memory access and the
** function signatures shared by the kwasi_*.c files.
*/
#ifndef KWASI_INT_H
#define KWASI_INT_H

#include <stdatomic.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "wasi/kwasi.h"

/* filetype (witx) */
enum {
    KWASI_FT_UNKNOWN = 0, KWASI_FT_BLOCK = 1, KWASI_FT_CHAR = 2, KWASI_FT_DIR = 3,
    KWASI_FT_REG = 4, KWASI_FT_DGRAM = 5, KWASI_FT_STREAM = 6, KWASI_FT_SYMLINK = 7
};
/* fdflags, oflags, lookupflags, fstflags (witx) */
enum { KWASI_FDF_APPEND = 1, KWASI_FDF_DSYNC = 2, KWASI_FDF_NONBLOCK = 4, KWASI_FDF_RSYNC = 8, KWASI_FDF_SYNC = 16 };
enum { KWASI_O_CREAT = 1, KWASI_O_DIRECTORY = 2, KWASI_O_EXCL = 4, KWASI_O_TRUNC = 8 };
enum { KWASI_LOOKUP_FOLLOW = 1 };
enum { KWASI_FST_ATIM = 1, KWASI_FST_ATIM_NOW = 2, KWASI_FST_MTIM = 4, KWASI_FST_MTIM_NOW = 8 };
/* rights (witx): the ones this implementation checks. */
#define KWASI_RIGHT_FD_READ (1ull << 1)
#define KWASI_RIGHT_FD_WRITE (1ull << 6)
#define KWASI_RIGHTS_ALL ((1ull << 30) - 1)
#define KWASI_RIGHT_FD_SEEK (1ull << 2)
#define KWASI_RIGHT_FD_TELL (1ull << 5)
/* Rights that change something (witx bit numbers), withheld from read-only preopens. */
#define KWASI_RIGHTS_WRITE_MASK                                                              \
    ((1ull << 0) /* fd_datasync */ | KWASI_RIGHT_FD_WRITE | (1ull << 8) /* fd_allocate */ | \
     (1ull << 9) /* path_create_directory */ | (1ull << 10) /* path_create_file */ |        \
     (1ull << 11) | (1ull << 12) /* path_link_source/target */ |                             \
     (1ull << 16) | (1ull << 17) /* path_rename_source/target */ |                           \
     (1ull << 19) | (1ull << 20) /* path_filestat_set_size/times */ |                        \
     (1ull << 22) | (1ull << 23) /* fd_filestat_set_size/times */ |                          \
     (1ull << 24) /* path_symlink */ | (1ull << 25) /* path_remove_directory */ |            \
     (1ull << 26) /* path_unlink_file */)

/* What an fd-table entry is. */
enum {
    KWASI_FD_FREE = 0,
    KWASI_FD_HOST = 1,       /* a host fd: file, directory, inherited stream, socket */
    KWASI_FD_NULL = 2,       /* /dev/null-like standard stream */
    KWASI_FD_BUFFER = 3      /* in-memory stream: stdin bytes or captured output */
};

typedef struct kwasi_fd {
    uint8_t kind;            /* KWASI_FD_* */
    uint8_t filetype;        /* KWASI_FT_* */
    bool own;                /* close 'host' when the entry goes */
    bool read_only;          /* from a read-only preopen: no writes, no creation */
    bool preopen;            /* reported by fd_prestat_get */
    uint16_t fdflags;        /* KWASI_FDF_* as last set */
    int host;                /* KWASI_FD_HOST */
    char *guest_path;        /* preopen name, owned */
    kb_buf buf;              /* KWASI_FD_BUFFER stdin: the bytes to read */
    size_t pos;              /* KWASI_FD_BUFFER stdin: read position */
    kb_buf *sink;            /* KWASI_FD_BUFFER stdout/stderr: the context's capture buffer
                                (outlives the fd: a guest closing fd 1 loses nothing) */
    uint64_t rights_base, rights_inh;
} kwasi_fd;

struct kwasi_ctx {
    atomic_size_t refs;
    kwasi_config config;     /* own copy */
    kwasi_fd *fds;
    uint32_t fd_count;       /* entries allocated */
    size_t args_bytes, env_bytes;
    kb_buf capture[3];       /* captured stdout/stderr (index 1, 2) */
    /* proc_exit, interrupts: the error the host function returns after the handler. */
    kb_error *pending;
    krt_store *store;        /* the store of the running call (set for each call) */
};

/* Guest memory of the calling instance (bounds are checked on every access). */
typedef struct kwasi_mem {
    uint8_t *data;
    uint64_t size;
} kwasi_mem;

/* True when [ptr, ptr+len) lies inside the memory (no overflow). */
static inline bool kwasi_in(const kwasi_mem *m, uint64_t ptr, uint64_t len) {
    return ptr <= m->size && len <= m->size - ptr;
}
static inline uint32_t kwasi_ld32(const kwasi_mem *m, uint64_t p) {
    uint32_t v;
    memcpy(&v, m->data + p, 4); /* little-endian host (as the engine assumes) */
    return v;
}
static inline void kwasi_st8(kwasi_mem *m, uint64_t p, uint8_t v) { m->data[p] = v; }
static inline void kwasi_st16(kwasi_mem *m, uint64_t p, uint16_t v) { memcpy(m->data + p, &v, 2); }
static inline void kwasi_st32(kwasi_mem *m, uint64_t p, uint32_t v) { memcpy(m->data + p, &v, 4); }
static inline void kwasi_st64(kwasi_mem *m, uint64_t p, uint64_t v) { memcpy(m->data + p, &v, 8); }
static inline uint64_t kwasi_ld64(const kwasi_mem *m, uint64_t p) {
    uint64_t v;
    memcpy(&v, m->data + p, 8);
    return v;
}

/* Stores a u32/u64 result, or returns EFAULT from the enclosing function. */
#define KWASI_PUT32(m, p, v) do { if (!kwasi_in((m), (p), 4)) return KWASI_EFAULT; kwasi_st32((m), (p), (v)); } while (0)
#define KWASI_PUT64(m, p, v) do { if (!kwasi_in((m), (p), 8)) return KWASI_EFAULT; kwasi_st64((m), (p), (v)); } while (0)

/* A handler: arguments in slot layout, returns the errno. */
typedef uint32_t (*kwasi_handler)(kwasi_ctx *ctx, kwasi_mem *m, const uint64_t *a);

/*
** Blocking waits (poll_oneoff, reads and writes on pipes, terminals and
** sockets) wake up every KWASI_WAIT_SLICE_MS to look at the store's
** interrupt request, so keel_store_interrupt stops a guest blocked in WASI
** as it stops one spinning in a loop.
*/
#define KWASI_WAIT_SLICE_MS 50
/* When an interrupt is pending: consumes it, makes the call trap
   ("interrupted") through ctx->pending, and returns true. */
bool kwasi_take_interrupt(kwasi_ctx *ctx);
/* Waits until host fd 'fd' is ready for 'events' (POLLIN/POLLOUT) or has an
   error; EINTR (with ctx->pending set) when interrupted. */
uint32_t kwasi_wait_fd(kwasi_ctx *ctx, int fd, short events);

/* The fd entry for 'fd', or NULL when it is not open. */
kwasi_fd *kwasi_fd_get(kwasi_ctx *ctx, uint64_t fd);
/* A free slot (growing the table); -1 when memory or the fd space runs out. */
int64_t kwasi_fd_alloc(kwasi_ctx *ctx);
/* Closes what the entry owns and marks it free. */
void kwasi_fd_clear(kwasi_fd *e);
/* The WASI filetype of a host st_mode. */
uint8_t kwasi_filetype(unsigned mode);

/*
** Copies a guest path (not NUL-terminated in memory) into a NUL-terminated
** host string. Errors: EFAULT (out of bounds), EINVAL (embedded NUL),
** ENAMETOOLONG, ENOMEM. Free with kb_free.
*/
uint32_t kwasi_guest_path(const kwasi_mem *m, uint64_t ptr, uint64_t len, char **out);

/* ---------------------------------------------------------------- kwasi_path.c */

/* The result of resolving a path below a directory fd. */
typedef struct kwasi_resolved {
    int dirfd;               /* the directory holding the last component */
    bool own_dirfd;          /* close dirfd with kwasi_resolved_done */
    bool trailing_slash;     /* the path ended in '/': the target must be a directory */
    char *name;              /* last component ("." for the directory itself), owned */
} kwasi_resolved;

/*
** Resolves 'path' below directory fd 'base' inside the sandbox. Intermediate
** symlinks are always followed (inside the sandbox), the last one only when
** 'follow'. Returns a WASI errno (NOTCAPABLE for escapes, LOOP for loops).
*/
uint32_t kwasi_resolve(int base, const char *path, bool follow, kwasi_resolved *out);
void kwasi_resolved_done(kwasi_resolved *r);

/* Handlers of path_* (kwasi_path.c), fd_* (kwasi_fd.c), the rest (kwasi_misc.c). */
uint32_t kwasi_path_create_directory(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_filestat_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_filestat_set_times(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_link(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_open(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_readlink(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_remove_directory(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_rename(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_symlink(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_path_unlink_file(kwasi_ctx *, kwasi_mem *, const uint64_t *);

uint32_t kwasi_fd_advise(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_allocate(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_close(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_datasync(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_fdstat_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_fdstat_set_flags(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_fdstat_set_rights(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_filestat_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_filestat_set_size(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_filestat_set_times(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_pread(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_prestat_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_prestat_dir_name(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_pwrite(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_read(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_readdir(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_renumber(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_seek(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_sync(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_tell(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_fd_write(kwasi_ctx *, kwasi_mem *, const uint64_t *);
/* Two timespecs for utimensat/futimens from WASI times and fstflags; EINVAL for bad flags. */
struct timespec;
uint32_t kwasi_times(uint64_t atim, uint64_t mtim, uint64_t fst, struct timespec ts[2]);
/* Writes a filestat (64 bytes) for a host stat at guest address 'p' (bounds checked by the caller). */
struct stat;
void kwasi_put_filestat(kwasi_mem *m, uint64_t p, const struct stat *st);
/* Reads from / writes to an fd entry through guest iovecs (shared with sockets). */
uint32_t kwasi_fd_rw(kwasi_ctx *ctx, kwasi_mem *m, kwasi_fd *e, uint64_t iovs, uint64_t n,
                     bool write, int64_t offset, uint64_t *done);

uint32_t kwasi_args_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_args_sizes_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_environ_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_environ_sizes_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_clock_res_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_clock_time_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_poll_oneoff(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_proc_exit(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_proc_raise(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_sched_yield(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_random_get(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_sock_accept(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_sock_recv(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_sock_send(kwasi_ctx *, kwasi_mem *, const uint64_t *);
uint32_t kwasi_sock_shutdown(kwasi_ctx *, kwasi_mem *, const uint64_t *);

#endif
