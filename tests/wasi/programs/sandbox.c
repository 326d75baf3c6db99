/* sandbox.c -- tries to escape the preopened directory /box in every way we
   know; each attempt must fail with the errno shown in sandbox.expected.
   The test driver lays out, on the host:
     T/outside.txt, T/box/inside.txt, T/box/sub/, T/ro/file.txt and links
     box/abs_link -> T/outside.txt (absolute)   box/up_link -> ..
     box/up_file -> ../outside.txt              box/sub/up2 -> ../../outside.txt
     box/loop_a -> loop_b, box/loop_b -> loop_a box/self -> self
     box/dir_link -> sub                        box/ok_link -> sub/../inside.txt
     box/chain -> sub/up2
   and preopens T/box as /box (read-write) and T/ro as /ro (read-only).
   Built for wasm32-wasi only: natively there is no sandbox to test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"

static void try_open(const char *path, int flags) {
    errno = 0;
    int fd = open(path, flags, 0644);
    if (fd >= 0) {
        char buf[64] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
        printf("open %-28s OPENED [%s]\n", path, n >= 0 ? buf : "");
        close(fd);
    } else {
        printf("open %-28s %s\n", path, errname(errno));
    }
}

#define TRY(what, expr) \
    do { errno = 0; int r_ = (expr); printf("%-33s %s\n", what, r_ == 0 ? "SUCCEEDED" : errname(errno)); } while (0)

int main(void) {
    struct stat st;
    /* Reachable: inside the sandbox, also through links that stay inside. */
    try_open("/box/inside.txt", O_RDONLY);
    try_open("/box/sub/../inside.txt", O_RDONLY);
    try_open("/box/./sub/./../inside.txt", O_RDONLY);
    try_open("/box/ok_link", O_RDONLY);
    try_open("/box/dir_link/../inside.txt", O_RDONLY);
    /* '..' above the preopen */
    try_open("/box/../outside.txt", O_RDONLY);
    try_open("/box/sub/../../outside.txt", O_RDONLY);
    try_open("/box/sub/../../box/inside.txt", O_RDONLY);
    try_open("/box/..", O_RDONLY);
    /* absolute paths outside every preopen */
    try_open("/etc/passwd", O_RDONLY);
    try_open("/outside.txt", O_RDONLY);
    /* symlinks that lead outside */
    try_open("/box/abs_link", O_RDONLY);
    try_open("/box/up_file", O_RDONLY);
    try_open("/box/up_link/outside.txt", O_RDONLY);
    try_open("/box/sub/up2", O_RDONLY);
    try_open("/box/chain", O_RDONLY);
    try_open("/box/dir_link/up2", O_RDONLY);
    /* symlink loops */
    try_open("/box/loop_a", O_RDONLY);
    try_open("/box/self", O_RDONLY);
    try_open("/box/loop_a/x", O_RDONLY);
    /* creating or changing things outside */
    try_open("/box/../created.txt", O_WRONLY | O_CREAT);
    try_open("/box/up_link/created.txt", O_WRONLY | O_CREAT);
    TRY("mkdir /box/../newdir", mkdir("/box/../newdir", 0755));
    TRY("mkdir /box/up_link/newdir", mkdir("/box/up_link/newdir", 0755));
    TRY("rename inside -> ../stolen", rename("/box/inside.txt", "/box/../stolen.txt"));
    TRY("rename ../outside -> inside", rename("/box/../outside.txt", "/box/got.txt"));
    TRY("unlink /box/../outside.txt", unlink("/box/../outside.txt"));
    TRY("unlink /box/up_link/outside.txt", unlink("/box/up_link/outside.txt"));
    TRY("rmdir /box/..", rmdir("/box/.."));
    TRY("link ../outside -> inside", link("/box/../outside.txt", "/box/hard.txt"));
    TRY("link abs_link -> inside (follow)", linkat(AT_FDCWD, "/box/abs_link", AT_FDCWD, "/box/h2", AT_SYMLINK_FOLLOW));
    TRY("symlink absolute target", symlink("/etc/passwd", "/box/new_abs"));
    TRY("stat /box/../outside.txt", stat("/box/../outside.txt", &st));
    TRY("stat /box/abs_link (follow)", stat("/box/abs_link", &st));
    TRY("lstat /box/abs_link", lstat("/box/abs_link", &st));
    TRY("stat /box/loop_a", stat("/box/loop_a", &st));
    char buf[128];
    ssize_t n = readlink("/box/up_file", buf, sizeof buf - 1);
    if (n >= 0) buf[n] = 0;
    printf("%-33s %s\n", "readlink /box/up_file", n >= 0 ? buf : errname(errno));
    DIR *d = opendir("/box/..");
    printf("%-33s %s\n", "opendir /box/..", d ? "OPENED" : errname(errno));
    if (d) closedir(d);
    d = opendir("/box/up_link");
    printf("%-33s %s\n", "opendir /box/up_link", d ? "OPENED" : errname(errno));
    if (d) closedir(d);
    /* a read-only preopen */
    try_open("/ro/file.txt", O_RDONLY);
    try_open("/ro/file.txt", O_WRONLY);
    try_open("/ro/file.txt", O_RDWR | O_APPEND);
    try_open("/ro/new.txt", O_WRONLY | O_CREAT);
    try_open("/ro/file.txt", O_RDONLY | O_TRUNC);
    TRY("mkdir /ro/d", mkdir("/ro/d", 0755));
    TRY("unlink /ro/file.txt", unlink("/ro/file.txt"));
    TRY("rename /ro/file.txt -> /box/x", rename("/ro/file.txt", "/box/x.txt"));
    TRY("symlink in /ro", symlink("file.txt", "/ro/l"));
    TRY("stat /ro/file.txt", stat("/ro/file.txt", &st));
    return 0;
}
