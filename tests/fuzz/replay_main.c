/*
** replay_main.c -- runs a libFuzzer target over saved inputs without libFuzzer.
** Every input that ever crashed a target is kept under
** tests/fuzz/regressions/<target>/ and replayed by ctest in ordinary builds
** (gcc, ASan), so a fixed crash stays fixed.
** Usage: replay_<target> FILE_OR_DIR...
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(len > 0 ? (size_t)len : 1);
    size_t got = data ? fread(data, 1, (size_t)(len > 0 ? len : 0), f) : 0;
    fclose(f);
    if (data == NULL) return 1;
    LLVMFuzzerTestOneInput(data, got);
    free(data);
    return 0;
}

static int replay(const char *path, int *count) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s does not exist\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    DIR *dir = opendir(path);
    if (dir == NULL) return 1;
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        failures += replay(child, count);
    }
    closedir(dir);
    return failures;
}

int main(int argc, char **argv) {
    int failures = 0, count = 0;
    for (int i = 1; i < argc; i++) failures += replay(argv[i], &count);
    printf("replayed %d inputs: %d passed, %d failed\n", count, count - failures, failures);
    return failures ? 1 : 0;
}
