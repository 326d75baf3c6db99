/* args_env.c -- echoes its arguments and the environment variables whose
   name starts with KEEL_T_ (sorted), so a native run inside a full host
   environment prints the same as the sandboxed run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
    char *vars[64];
    int n = 0;
    for (char **e = environ; *e && n < 64; e++)
        if (strncmp(*e, "KEEL_T_", 7) == 0) vars[n++] = *e;
    qsort(vars, (size_t)n, sizeof vars[0], cmp);
    for (int i = 0; i < n; i++) printf("env %s\n", vars[i]);
    const char *g = getenv("KEEL_T_GREETING");
    printf("getenv=%s\n", g ? g : "(null)");
    printf("missing=%s\n", getenv("KEEL_T_MISSING") ? "set" : "(null)");
    return 0;
}
