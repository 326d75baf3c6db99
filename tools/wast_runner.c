/*
** wast_runner.c -- 'keel wast': finds the scripts, runs each one in a child
** process, and prints the per-file and overall results.
**
** Each file runs in a forked child with its own engine and store, so a bug
** that crashes (or hangs) the engine costs that file's remaining commands,
** never the run: the child streams one record per command through a pipe
** and the parent turns a death by signal into a reported failure. This is
** the runner's crash-free guarantee.
**
** Output (read by tests/spec/run_spec.py and CI):
**   PASS name.wast 123/123
**   FAIL name.wast 100/123
**     line 42: assert_return: expected i32:1, got i32:2
**   N passed, N failed            <- always the last line, alone
*/
#include "kcli.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 120 /* seconds per file; the whole suite takes ~2 minutes */

/* --------------------------------------------------------- child side */

static void report_raw(kcli_report *r, const char *text) {
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = write(r->fd, text, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text += n;
        len -= (size_t)n;
    }
}

void kcli_report_total(kcli_report *r, size_t total) {
    char buf[64];
    snprintf(buf, sizeof buf, "T %zu\n", total);
    report_raw(r, buf);
}

void kcli_report_begin(kcli_report *r, uint32_t line) {
    char buf[64];
    snprintf(buf, sizeof buf, "C %u\n", line);
    report_raw(r, buf);
}

void kcli_report_pass(kcli_report *r) {
    report_raw(r, "P\n");
}

void kcli_report_fail(kcli_report *r, uint32_t line, const char *fmt, ...) {
    char msg[1024], buf[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One record per line: newlines in messages become spaces. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    snprintf(buf, sizeof buf, "F %u %s\n", line, msg);
    report_raw(r, buf);
}

void kcli_report_note(kcli_report *r, uint32_t line, const char *fmt, ...) {
    char msg[1024], buf[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    snprintf(buf, sizeof buf, "N %u %s\n", line, msg);
    report_raw(r, buf);
}

/* -------------------------------------------------------- parent side */

typedef struct file_result {
    size_t total, passed, failed;
    bool total_known;
    uint32_t current_line; /* the command in flight */
    bool in_flight;
    KCLI_LINES shown;      /* failure (and verbose note) lines to print */
    size_t hidden;         /* failures not shown (over --max-failures) */
} file_result;

static void add_line(file_result *fr, const char *text, long max_failures, bool is_failure) {
    if (is_failure && max_failures > 0 && (long)(fr->failed) > max_failures) {
        fr->hidden++;
        return;
    }
    char *copy = strdup(text);
    if (!copy) return;
    char **items = realloc(fr->shown.items, (fr->shown.len + 1) * sizeof *items);
    if (!items) {
        free(copy);
        return;
    }
    fr->shown.items = items;
    fr->shown.items[fr->shown.len++] = copy;
}

/* Handles one record line from the child. */
static void parse_record(file_result *fr, char *rec, const kcli_opts *opts) {
    char text[1200];
    switch (rec[0]) {
    case 'T':
        fr->total = strtoull(rec + 2, NULL, 10);
        fr->total_known = true;
        break;
    case 'C':
        fr->current_line = (uint32_t)strtoul(rec + 2, NULL, 10);
        fr->in_flight = true;
        break;
    case 'P':
        fr->passed++;
        fr->in_flight = false;
        break;
    case 'F': {
        char *end;
        unsigned long line = strtoul(rec + 2, &end, 10);
        fr->failed++;
        fr->in_flight = false;
        if (line) snprintf(text, sizeof text, "line %lu: %s", line, *end ? end + 1 : "");
        else snprintf(text, sizeof text, "%s", *end ? end + 1 : ""); /* the file as a whole */
        add_line(fr, text, opts->max_failures, true);
        break;
    }
    case 'N':
        if (opts->verbose) {
            char *end;
            unsigned long line = strtoul(rec + 2, &end, 10);
            snprintf(text, sizeof text, "line %lu: note: %s", line, *end ? end + 1 : "");
            add_line(fr, text, 0, false);
        }
        break;
    default:
        break;
    }
}

static void run_child(const char *path, const kcli_opts *opts, int fd) {
    kcli_report r = {fd};
    signal(SIGPIPE, SIG_IGN);
    /* If the parent is killed (a CI timeout), do not leave a spinning child. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(4);
    alarm(opts->timeout > 0 ? (unsigned)opts->timeout : 0);
    int rc = kcli_wast_run_script(path, opts, &r);
    fflush(stdout);
    _exit(rc == 0 ? 0 : 3);
}

/* Reads the child's records from 'fd' line by line until end of file. */
static void read_records(int fd, file_result *fr, const kcli_opts *opts) {
    char buf[4096], rec[2048];
    size_t rlen = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                rec[rlen] = 0;
                parse_record(fr, rec, opts);
                rlen = 0;
            } else if (rlen + 1 < sizeof rec) {
                rec[rlen++] = buf[i];
            }
        }
    }
}

/*
** --no-fork: runs the script in this process (for a debugger, valgrind or
** LeakSanitizer), with the records going through a temporary file. A crash
** then ends the whole run.
*/
static void run_in_process(const char *path, const kcli_opts *opts, file_result *fr) {
    FILE *tmp = tmpfile();
    if (!tmp) {
        fr->failed = fr->total = 1;
        add_line(fr, "cannot create a temporary file", 0, true);
        return;
    }
    kcli_report r = {fileno(tmp)};
    kcli_wast_run_script(path, opts, &r);
    fflush(stdout);
    lseek(r.fd, 0, SEEK_SET);
    read_records(r.fd, fr, opts);
    fclose(tmp);
}

static void run_file(const char *path, const char *display, const kcli_opts *opts,
                     size_t *all_passed, size_t *all_failed) {
    file_result fr;
    memset(&fr, 0, sizeof fr);
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    pid_t pid = -1;
    if (opts->no_fork) {
        run_in_process(path, opts, &fr);
    } else if (pipe(fds) == 0) {
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            run_child(path, opts, fds[1]);
        }
        close(fds[1]);
        if (pid < 0) close(fds[0]);
    }
    if (!opts->no_fork && pid < 0) {
        fr.failed = 1;
        fr.total = 1;
        add_line(&fr, "cannot start a child process for this file", opts->max_failures, true);
    } else if (!opts->no_fork) {
        read_records(fds[0], &fr, opts);
        close(fds[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        char text[256];
        if (WIFSIGNALED(status)) {
            int sig = WTERMSIG(status);
            if (sig == SIGALRM)
                snprintf(text, sizeof text, "timed out after %lds", opts->timeout);
            else
                snprintf(text, sizeof text, "crashed with signal %d (%s)", sig, strsignal(sig));
            fr.failed++;
            if (fr.in_flight) {
                char t2[300];
                snprintf(t2, sizeof t2, "line %u: %s", fr.current_line, text);
                add_line(&fr, t2, 0, true);
            } else {
                add_line(&fr, text, 0, true);
            }
        } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && fr.failed == 0) {
            fr.failed++;
            snprintf(text, sizeof text, "runner exited with status %d", WEXITSTATUS(status));
            add_line(&fr, text, 0, true);
        }
    }
    /* Commands that never ran (after a crash) count as failed. */
    if (!fr.total_known || fr.total < fr.passed + fr.failed) fr.total = fr.passed + fr.failed;
    else fr.failed = fr.total - fr.passed;
    bool ok = fr.failed == 0;
    if (!ok || !opts->quiet) {
        printf("%s %s %zu/%zu\n", ok ? "PASS" : "FAIL", display, fr.passed, fr.total);
        for (size_t i = 0; i < fr.shown.len; i++) printf("    %s\n", fr.shown.items[i]);
        if (fr.hidden) printf("    ... %zu more failure%s\n", fr.hidden, fr.hidden == 1 ? "" : "s");
    }
    fflush(stdout);
    for (size_t i = 0; i < fr.shown.len; i++) free(fr.shown.items[i]);
    free(fr.shown.items);
    *all_passed += fr.passed;
    *all_failed += fr.total - fr.passed;
}

/* ----------------------------------------------------------- walking */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends every *.wast under 'dir' (recursively) to 'out', as malloc'd paths. */
static void collect(const char *dir, KCLI_LINES *out, int depth) {
    if (depth > 32) return;
    DIR *d = opendir(dir);
    if (!d) return;
    KCLI_LINES names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(need);
        char **items = realloc(names.items, (names.len + 1) * sizeof *items);
        if (!p || !items) {
            free(p);
            if (items) names.items = items;
            continue;
        }
        names.items = items;
        snprintf(p, need, "%s/%s", dir, e->d_name);
        names.items[names.len++] = p;
    }
    closedir(d);
    if (names.len) qsort(names.items, names.len, sizeof *names.items, cmp_str);
    for (size_t i = 0; i < names.len; i++) {
        struct stat st;
        char *p = names.items[i];
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect(p, out, depth + 1);
            free(p);
        } else if (kcli_has_suffix(p, ".wast")) {
            char **items = realloc(out->items, (out->len + 1) * sizeof *items);
            if (!items) {
                free(p);
                continue;
            }
            out->items = items;
            out->items[out->len++] = p;
        } else {
            free(p);
        }
    }
    free(names.items);
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int kcli_cmd_wast(int argc, char **argv, const kcli_opts *global) {
    kcli_opts opts = *global;
    if (opts.timeout == 0) opts.timeout = DEFAULT_TIMEOUT;
    KCLI_LINES paths = {0};
    size_t passed = 0, failed = 0;
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            opts.quiet = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opts.verbose = true;
        } else if (!strcmp(a, "--no-fork")) {
            opts.no_fork = true;
        } else if (!strcmp(a, "--max-failures") || !strcmp(a, "--timeout")) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (!end || *end || v < 0) {
                fprintf(stderr, "keel wast: %s needs a number\n", a);
                return 1;
            }
            if (a[2] == 'm') opts.max_failures = v;
            else opts.timeout = v;
            i++;
        } else {
            char **items = realloc(paths.items, (paths.len + 1) * sizeof *items);
            if (!items) return 1;
            paths.items = items;
            paths.items[paths.len++] = (char *)a;
        }
    }
    if (paths.len == 0) {
        fprintf(stderr, "usage: keel wast [--quiet] [--verbose] [--max-failures N] [--timeout S] PATH...\n");
        free(paths.items);
        return 1;
    }
    for (size_t i = 0; i < paths.len; i++) {
        const char *p = paths.items[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            printf("FAIL %s 0/1\n    cannot open: %s\n", p, strerror(errno));
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            run_file(p, base_name(p), &opts, &passed, &failed);
            continue;
        }
        KCLI_LINES files = {0};
        collect(p, &files, 0);
        size_t prefix = strlen(p);
        while (prefix > 0 && p[prefix - 1] == '/') prefix--;
        for (size_t j = 0; j < files.len; j++) {
            /* Names relative to the directory given: "proposals/x/y.wast". */
            const char *display = files.items[j] + prefix;
            while (*display == '/') display++;
            run_file(files.items[j], display, &opts, &passed, &failed);
            free(files.items[j]);
        }
        free(files.items);
    }
    free(paths.items);
    if (failed) rc = 1;
    printf("%zu passed, %zu failed\n", passed, failed);
    fflush(stdout);
    return rc;
}
