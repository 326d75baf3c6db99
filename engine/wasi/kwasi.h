/*
** kwasi.h -- WASI preview 1 ("wasi_snapshot_preview1") as an ordinary host
** module over rt/.
**
** A 'kwasi_config' collects what a program sees (arguments, environment,
** preopened directories, standard streams); 'kwasi_ctx_new' turns it into a
** running context: an fd table whose first three entries are the standard
** streams, then one entry per preopened directory. 'kwasi_func_new' creates
** the host functions of the module one by one, for capi/ to define in a
** linker. The context is reference counted: every host function holds one
** reference (dropped by the store's finalizer) and the creator holds one.
**
** Sandbox (capability model of WASI): a guest reaches the host file system
** only through a preopened directory's fd. Paths are resolved component by
** component with openat(O_NOFOLLOW|O_DIRECTORY) and readlinkat from that fd
** (kwasi_path.c); '..' above the preopen, absolute paths and symlinks that
** lead outside fail with ERRNO_NOTCAPABLE, symlink loops with ERRNO_LOOP.
** No host path string is ever compared with another.
*/
#ifndef KWASI_H
#define KWASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_buf.h"
#include "base/kb_error.h"
#include "rt/krt.h"

/* The import module name of every function. */
#define KWASI_MODULE "wasi_snapshot_preview1"

/* ---------------------------------------------------------------- errno
   wasi_snapshot_preview1 'errno' values (witx typenames). ORDER ERRNO. */
enum {
    KWASI_ESUCCESS = 0, KWASI_E2BIG = 1, KWASI_EACCES = 2, KWASI_EADDRINUSE = 3,
    KWASI_EADDRNOTAVAIL = 4, KWASI_EAFNOSUPPORT = 5, KWASI_EAGAIN = 6, KWASI_EALREADY = 7,
    KWASI_EBADF = 8, KWASI_EBADMSG = 9, KWASI_EBUSY = 10, KWASI_ECANCELED = 11,
    KWASI_ECHILD = 12, KWASI_ECONNABORTED = 13, KWASI_ECONNREFUSED = 14, KWASI_ECONNRESET = 15,
    KWASI_EDEADLK = 16, KWASI_EDESTADDRREQ = 17, KWASI_EDOM = 18, KWASI_EDQUOT = 19,
    KWASI_EEXIST = 20, KWASI_EFAULT = 21, KWASI_EFBIG = 22, KWASI_EHOSTUNREACH = 23,
    KWASI_EIDRM = 24, KWASI_EILSEQ = 25, KWASI_EINPROGRESS = 26, KWASI_EINTR = 27,
    KWASI_EINVAL = 28, KWASI_EIO = 29, KWASI_EISCONN = 30, KWASI_EISDIR = 31,
    KWASI_ELOOP = 32, KWASI_EMFILE = 33, KWASI_EMLINK = 34, KWASI_EMSGSIZE = 35,
    KWASI_EMULTIHOP = 36, KWASI_ENAMETOOLONG = 37, KWASI_ENETDOWN = 38, KWASI_ENETRESET = 39,
    KWASI_ENETUNREACH = 40, KWASI_ENFILE = 41, KWASI_ENOBUFS = 42, KWASI_ENODEV = 43,
    KWASI_ENOENT = 44, KWASI_ENOEXEC = 45, KWASI_ENOLCK = 46, KWASI_ENOLINK = 47,
    KWASI_ENOMEM = 48, KWASI_ENOMSG = 49, KWASI_ENOPROTOOPT = 50, KWASI_ENOSPC = 51,
    KWASI_ENOSYS = 52, KWASI_ENOTCONN = 53, KWASI_ENOTDIR = 54, KWASI_ENOTEMPTY = 55,
    KWASI_ENOTRECOVERABLE = 56, KWASI_ENOTSOCK = 57, KWASI_ENOTSUP = 58, KWASI_ENOTTY = 59,
    KWASI_ENXIO = 60, KWASI_EOVERFLOW = 61, KWASI_EOWNERDEAD = 62, KWASI_EPERM = 63,
    KWASI_EPIPE = 64, KWASI_EPROTO = 65, KWASI_EPROTONOSUPPORT = 66, KWASI_EPROTOTYPE = 67,
    KWASI_ERANGE = 68, KWASI_EROFS = 69, KWASI_ESPIPE = 70, KWASI_ESRCH = 71,
    KWASI_ESTALE = 72, KWASI_ETIMEDOUT = 73, KWASI_ETXTBSY = 74, KWASI_EXDEV = 75,
    KWASI_ENOTCAPABLE = 76
};

/* The WASI errno for a host errno value (EIO for values WASI has no name for). */
uint32_t kwasi_errno_from_host(int host_errno);

/* ---------------------------------------------------------------- config */

/* How a standard stream is connected. */
enum {
    KWASI_STDIO_NULL = 0,    /* reads give end of file, writes are discarded (the default) */
    KWASI_STDIO_INHERIT = 1, /* the host process's own stream */
    KWASI_STDIO_FILE = 2,    /* a host file: stdin reads it, stdout/stderr truncate and write it */
    KWASI_STDIO_BUFFER = 3,  /* stdin: reads the given bytes; stdout/stderr: captured in memory */
    KWASI_STDIO_FD = 4       /* a host fd (a pipe, a socket, a file), duplicated when the context is made */
};

typedef struct kwasi_preopen {
    char *host_path;         /* owned */
    char *guest_path;        /* owned: what fd_prestat_dir_name reports */
    bool read_only;
} kwasi_preopen;

typedef struct kwasi_stdio {
    uint32_t mode;           /* KWASI_STDIO_* */
    char *path;              /* owned, KWASI_STDIO_FILE */
    uint8_t *bytes;          /* owned, stdin KWASI_STDIO_BUFFER */
    size_t len;
    int fd;                  /* KWASI_STDIO_FD: borrowed host fd */
} kwasi_stdio;

typedef struct kwasi_config {
    KB_VEC(char *) args;     /* owned strings */
    KB_VEC(char *) env;      /* owned "NAME=VALUE" strings */
    KB_VEC(kwasi_preopen) preopens;
    KB_VEC(int) sockets;     /* borrowed host socket fds, preopened after the directories */
    kwasi_stdio stdio[3];
} kwasi_config;

/* Initialises an empty config (no args, no env, streams KWASI_STDIO_NULL). */
void kwasi_config_init(kwasi_config *c);
/* Frees what the config owns; the struct itself is the caller's. */
void kwasi_config_clear(kwasi_config *c);
/* Deep copy. Errors: KB_ERR_OUT_OF_MEMORY. */
kb_error *kwasi_config_copy(kwasi_config *dst, const kwasi_config *src);
/* Appends an argument / a "NAME=VALUE" pair / a preopen (strings copied).
   Errors: KB_ERR_INVALID_ARGUMENT (empty name, '=' in name, NUL), KB_ERR_OUT_OF_MEMORY. */
kb_error *kwasi_config_push_arg(kwasi_config *c, const char *arg);
kb_error *kwasi_config_push_env(kwasi_config *c, const char *name, const char *value);
kb_error *kwasi_config_push_preopen(kwasi_config *c, const char *host_path, const char *guest_path,
                                    bool read_only);
/* Sets stream 'which' (0, 1, 2); 'path' for FILE, 'bytes' for a stdin BUFFER (copied). */
kb_error *kwasi_config_set_stdio(kwasi_config *c, uint32_t which, uint32_t mode, const char *path,
                                 const uint8_t *bytes, size_t len);
/* Connects stream 'which' to host fd 'fd' (KWASI_STDIO_FD). Errors: KB_ERR_INVALID_ARGUMENT. */
kb_error *kwasi_config_set_stdio_fd(kwasi_config *c, uint32_t which, int fd);

/* ---------------------------------------------------------------- context */

typedef struct kwasi_ctx kwasi_ctx;

/*
** Creates a context: opens every preopened directory (O_DIRECTORY) and the
** FILE streams. Errors: KB_ERR_IO naming the path that could not be opened,
** KB_ERR_OUT_OF_MEMORY. Does not take ownership of 'config' (copied).
** Gives the caller one reference to *out.
*/
kb_error *kwasi_ctx_new(const kwasi_config *config, kwasi_ctx **out);
void kwasi_ctx_retain(kwasi_ctx *ctx);
/* Drops a reference; the last one closes every fd and frees the buffers. NULL: no-op. */
void kwasi_ctx_release(kwasi_ctx *ctx);
/* Captured bytes of stream 1 or 2 (KWASI_STDIO_BUFFER), valid until the next
   guest write; NULL with *len 0 when the stream is not captured. */
const uint8_t *kwasi_ctx_captured(const kwasi_ctx *ctx, uint32_t which, size_t *len);

/* Number of functions of the module. */
size_t kwasi_func_count(void);
/* Name of function 'i' (< kwasi_func_count()). */
const char *kwasi_func_name(size_t i);
/*
** Creates host function 'i' in store 's', bound to 'ctx' (which it retains
** until the store is freed). Errors: as krt_func_new_host.
** Gives the store ownership of *out.
*/
kb_error *kwasi_func_new(kwasi_ctx *ctx, krt_store *s, size_t i, krt_func **out);

#endif
