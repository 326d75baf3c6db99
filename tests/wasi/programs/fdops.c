/* fdops.c -- the fd-level calls libc programs use less often: readv/writev,
   posix_fadvise, posix_fallocate, fsync/fdatasync, fcntl flags, futimens,
   poll on a file, isatty, and the errors of operations on the wrong kind
   of fd. Works in the directory given as argv[1]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

/* posix_fadvise/posix_fallocate return the error number instead of setting errno. */
#define SHOWRC(what, expr) \
    do { int r_ = (expr); printf("%-24s %s\n", what, errname(r_)); } while (0)
#define SHOW(what, expr) \
    do { errno = 0; long r_ = (long)(expr); printf("%-24s %ld %s\n", what, r_, r_ < 0 ? errname(errno) : ""); } while (0)

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[512], dpath[512];
    snprintf(path, sizeof path, "%s/v.bin", argv[1]);
    snprintf(dpath, sizeof dpath, "%s/sub", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    printf("open: %s\n", fd >= 0 ? "ok" : errname(errno));
    struct iovec w[3] = {{"alpha ", 6}, {"", 0}, {"beta\n", 5}};
    SHOW("writev", writev(fd, w, 3));
    SHOW("lseek set 0", lseek(fd, 0, SEEK_SET));
    char a[4] = {0}, b[16] = {0};
    struct iovec r[2] = {{a, 3}, {b, sizeof b - 1}};
    SHOW("readv", readv(fd, r, 2));
    printf("readv parts: [%s] [%s]", a, b);
    SHOW("lseek cur", lseek(fd, 0, SEEK_CUR));
    SHOW("lseek end -5", lseek(fd, -5, SEEK_END));
    SHOW("preadv", preadv(fd, r, 2, 6));
    SHOW("pwritev", pwritev(fd, w, 3, 100));
    struct stat st;
    fstat(fd, &st);
    printf("size after pwritev: %ld\n", (long)st.st_size);
    SHOWRC("posix_fadvise", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    SHOWRC("posix_fadvise bad", posix_fadvise(fd, 0, 0, 999));
    SHOWRC("posix_fallocate", posix_fallocate(fd, 0, 4096));
    fstat(fd, &st);
    printf("size after fallocate: %ld\n", (long)st.st_size);
    SHOW("fsync", fsync(fd));
    SHOW("fdatasync", fdatasync(fd));
    int fl = fcntl(fd, F_GETFL);
    printf("accmode rdwr: %d append: %d\n", (fl & O_ACCMODE) == O_RDWR, (fl & O_APPEND) != 0);
    SHOW("F_SETFL append", fcntl(fd, F_SETFL, fl | O_APPEND));
    fl = fcntl(fd, F_GETFL);
    printf("append now: %d\n", (fl & O_APPEND) != 0);
    SHOW("write appends", write(fd, "Z", 1));
    SHOW("at end", lseek(fd, 0, SEEK_CUR));
    struct timespec ts[2] = {{1500000000, 0}, {1600000000, 500}};
    SHOW("futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("mtime: %ld\n", (long)st.st_mtime);
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    SHOW("poll file", poll(&p, 1, 0));
    printf("poll revents in/out: %d %d\n", (p.revents & POLLIN) != 0, (p.revents & POLLOUT) != 0);
    printf("isatty file: %d\n", isatty(fd));
    SHOW("close", close(fd));
    SHOW("close again", close(fd));
    SHOW("write closed", write(fd, "x", 1));
    SHOW("mkdir", mkdir(dpath, 0700));
    int d = open(dpath, O_RDONLY | O_DIRECTORY);
    printf("open dir: %s\n", d >= 0 ? "ok" : errname(errno));
    SHOW("read dir", read(d, a, 1));
    SHOW("write dir", write(d, "x", 1));
    SHOW("O_DIRECTORY on file", open(path, O_RDONLY | O_DIRECTORY));
    SHOW("ftruncate dir", ftruncate(d, 0));
    close(d);
    int ro = open(path, O_RDONLY);
    SHOW("write read-only fd", write(ro, "x", 1));
    SHOW("ftruncate ro fd", ftruncate(ro, 0));
    close(ro);
    int wo = open(path, O_WRONLY);
    SHOW("read write-only fd", read(wo, a, 1));
    close(wo);
    SHOW("unlink", unlink(path));
    SHOW("rmdir", rmdir(dpath));
    return 0;
}
