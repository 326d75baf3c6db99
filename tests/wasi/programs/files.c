/* files.c -- file system work inside the directory given as argv[1] (a
   preopened directory under WASI, a fresh temporary one natively): create,
   write, read, seek, truncate, pread/pwrite, append, stat, directory
   listing, rename, link, symlink/readlink, unlink, mkdir, rmdir, utimes.
   Prints only results that do not depend on the host (no inode numbers,
   no absolute times, no paths). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "errname.h"

static char base[512];

static const char *p(const char *rel) {
    static char buf[4][1024];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, rel);
    return buf[k];
}

#define CHECK(what, expr) \
    do { errno = 0; int ok_ = (expr); printf("%-28s %s\n", what, ok_ ? "ok" : errname(errno)); } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *rel) {
    DIR *d = opendir(p(rel));
    if (d == NULL) {
        printf("opendir %s: %s\n", rel, errname(errno));
        return;
    }
    char *names[128];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 128) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%c %s", t, e->d_name);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("ls %s: %d entries\n", rel, n);
    for (int i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
}

static long fsize(const char *rel) {
    struct stat st;
    if (stat(p(rel), &st) != 0) return -1;
    return (long)st.st_size;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    snprintf(base, sizeof base, "%s", argv[1]);

    /* create, write, read back */
    FILE *f = fopen(p("a.txt"), "w");
    printf("fopen w: %s\n", f ? "ok" : errname(errno));
    if (!f) return 1;
    for (int i = 0; i < 100; i++) fprintf(f, "line %03d %s\n", i, i % 7 ? "plain" : "seventh");
    fclose(f);
    printf("size a.txt: %ld\n", fsize("a.txt"));
    f = fopen(p("a.txt"), "r");
    char line[128];
    int count = 0, sevenths = 0;
    while (fgets(line, sizeof line, f)) {
        count++;
        if (strstr(line, "seventh")) sevenths++;
    }
    printf("read lines=%d sevenths=%d\n", count, sevenths);

    /* seek and tell */
    fseek(f, 18 * 10, SEEK_SET);
    printf("tell after seek: %ld\n", ftell(f));
    printf("line at 180: %s", fgets(line, sizeof line, f) ? line : "(eof)\n");
    fseek(f, -18, SEEK_END);
    printf("last line: %s", fgets(line, sizeof line, f) ? line : "(eof)\n");
    fclose(f);

    /* low-level I/O: pwrite/pread, lseek, truncate */
    int fd = open(p("b.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("open b.bin: %s\n", fd >= 0 ? "ok" : errname(errno));
    char data[256];
    for (int i = 0; i < 256; i++) data[i] = (char)i;
    printf("write: %zd\n", write(fd, data, sizeof data));
    printf("pwrite: %zd\n", pwrite(fd, "XYZ", 3, 10));
    char got[8] = {0};
    ssize_t got_n = pread(fd, got, 4, 9);
    printf("pread: %zd [%c%c%c] byte9=%d\n", got_n, got[1], got[2], got[3], got[0]);
    printf("lseek cur: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end: %ld\n", (long)lseek(fd, 0, SEEK_END));
    CHECK("ftruncate 100", ftruncate(fd, 100) == 0);
    struct stat st;
    fstat(fd, &st);
    printf("fstat size: %ld regular=%d\n", (long)st.st_size, S_ISREG(st.st_mode));
    CHECK("ftruncate grow 300", ftruncate(fd, 300) == 0);
    memset(got, 1, sizeof got);
    got_n = pread(fd, got, 4, 250);
    printf("pread hole: %zd zero=%d\n", got_n, got[0] == 0 && got[3] == 0);
    lseek(fd, 0, SEEK_END);
    printf("read at eof: %zd\n", read(fd, got, 4));
    CHECK("lseek negative fails", lseek(fd, -1000, SEEK_SET) < 0);
    close(fd);
    CHECK("truncate by path", truncate(p("b.bin"), 5) == 0);
    printf("size b.bin: %ld\n", fsize("b.bin"));

    /* append mode */
    fd = open(p("log.txt"), O_WRONLY | O_CREAT | O_APPEND, 0644);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    close(fd);
    f = fopen(p("log.txt"), "a");
    fputs("three\n", f);
    fclose(f);
    f = fopen(p("log.txt"), "r");
    size_t n = fread(line, 1, sizeof line - 1, f);
    line[n] = 0;
    fclose(f);
    printf("append result: %s", line);

    /* exclusive create */
    fd = open(p("a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    printf("O_EXCL on existing: %s\n", fd < 0 ? errname(errno) : "opened?!");
    fd = open(p("nope/x.txt"), O_RDONLY);
    printf("open in missing dir: %s\n", fd < 0 ? errname(errno) : "opened?!");
    fd = open(p("a.txt/x"), O_RDONLY);
    printf("open below a file: %s\n", fd < 0 ? errname(errno) : "opened?!");

    /* directories */
    CHECK("mkdir d", mkdir(p("d"), 0755) == 0);
    CHECK("mkdir d again", mkdir(p("d"), 0755) == 0);
    CHECK("mkdir d/e", mkdir(p("d/e"), 0755) == 0);
    f = fopen(p("d/e/deep.txt"), "w");
    fputs("deep\n", f);
    fclose(f);
    CHECK("stat d is dir", stat(p("d"), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK("rmdir non-empty", rmdir(p("d/e")) == 0);
    list("");
    list("d/e");

    /* rename, link, unlink */
    CHECK("rename a->c", rename(p("a.txt"), p("c.txt")) == 0);
    CHECK("stat old name", stat(p("a.txt"), &st) == 0);
    CHECK("rename into dir", rename(p("c.txt"), p("d/c.txt")) == 0);
    CHECK("rename dir", rename(p("d/e"), p("d/f")) == 0);
    printf("size d/c.txt: %ld\n", fsize("d/c.txt"));
    CHECK("link", link(p("d/c.txt"), p("hard.txt")) == 0);
    CHECK("stat nlink 2", stat(p("hard.txt"), &st) == 0 && st.st_nlink == 2);
    CHECK("unlink hard", unlink(p("hard.txt")) == 0);
    CHECK("unlink again", unlink(p("hard.txt")) == 0);
    CHECK("unlink a dir", unlink(p("d")) == 0);
    CHECK("rmdir a file", rmdir(p("log.txt")) == 0);

    /* symlinks inside the directory */
    CHECK("symlink", symlink("d/c.txt", p("sl")) == 0);
    char target[64];
    ssize_t tl = readlink(p("sl"), target, sizeof target - 1);
    if (tl >= 0) target[tl] = 0;
    printf("readlink: %s\n", tl >= 0 ? target : errname(errno));
    CHECK("lstat is link", lstat(p("sl"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK("stat follows", stat(p("sl"), &st) == 0 && S_ISREG(st.st_mode));
    f = fopen(p("sl"), "r");
    printf("read via link: %s\n", f && fgets(line, sizeof line, f) ? "ok" : "failed");
    if (f) fclose(f);
    CHECK("symlink to dir", symlink("d/f", p("dl")) == 0);
    printf("size via dir link: %ld\n", fsize("dl/deep.txt"));
    CHECK("unlink link", unlink(p("sl")) == 0);
    CHECK("target still there", stat(p("d/c.txt"), &st) == 0);

    /* times */
    struct timeval tv[2] = {{1000000000, 0}, {1234567890, 0}};
    CHECK("utimes", utimes(p("log.txt"), tv) == 0);
    CHECK("mtime set", stat(p("log.txt"), &st) == 0 && st.st_mtime == 1234567890);

    /* cleanup */
    CHECK("unlink d/f/deep.txt", unlink(p("d/f/deep.txt")) == 0);
    CHECK("rmdir d/f", rmdir(p("d/f")) == 0);
    CHECK("unlink d/c.txt", unlink(p("d/c.txt")) == 0);
    CHECK("rmdir d", rmdir(p("d")) == 0);
    CHECK("unlink dl", unlink(p("dl")) == 0);
    CHECK("unlink b.bin", unlink(p("b.bin")) == 0);
    CHECK("unlink log.txt", unlink(p("log.txt")) == 0);
    list("");
    return 0;
}
