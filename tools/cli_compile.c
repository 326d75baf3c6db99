/*
** cli_compile.c -- 'keel compile' and the code cache options of 'keel run'
** (issue 7).
**
**   keel compile IN.wasm|IN.wat -o OUT.keelc
**       compiles once and writes the serialised module (keel_module_serialize):
**       header, wasm bytes, internal code, checksum. Written to OUT.tmp and
**       renamed, so OUT is never seen half-written.
**   keel run [--cache-dir DIR] FILE.wasm|FILE.wat|FILE.keelc ...
**       a .keelc file (recognised by its magic, whatever its name) is
**       deserialised instead of compiled; --cache-dir (or the environment
**       variable KEEL_CACHE_DIR) gives the engine a compiled-code file cache.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel.h"
#include "kcli.h"
#include "kcli_invoke.h"

/* The first bytes of a serialised module (engine/code/kcode.h KCODE_MAGIC). */
#define KEELC_MAGIC "KEELCODE"

int kcli_cache_options(int *argc, char ***argv, const char **cache_dir) {
    *cache_dir = getenv("KEEL_CACHE_DIR");
    if (*cache_dir && !**cache_dir) *cache_dir = NULL;
    int n = *argc, w = 0;
    char **a = *argv;
    for (int i = 0; i < n; i++) {
        if (!strcmp(a[i], "--invoke")) { /* everything after belongs to the call */
            while (i < n) a[w++] = a[i++];
            break;
        }
        if (!strcmp(a[i], "--cache-dir")) {
            if (i + 1 >= n) {
                fprintf(stderr, "keel run: --cache-dir needs a directory\n");
                return 1;
            }
            *cache_dir = a[++i];
            continue;
        }
        a[w++] = a[i];
    }
    *argc = w;
    return 0;
}

static keel_error *engine_with_cache(const char *cache_dir, keel_engine **engine) {
    keel_config *cfg = NULL;
    keel_error *err = keel_config_new(&cfg);
    if (!err && cache_dir) err = keel_config_set_cache_dir(cfg, cache_dir);
    if (!err) err = keel_engine_new(cfg, engine);
    keel_config_free(cfg);
    return err;
}

int kcli_load_module(const char *path, const char *cache_dir, keel_engine **engine, keel_module **module) {
    char msg[512];
    size_t len;
    char *data = kcli_read_file(path, &len, msg, sizeof msg);
    if (!data) {
        fprintf(stderr, "keel: %s\n", msg);
        return 1;
    }
    keel_error *err = engine_with_cache(cache_dir, engine);
    if (!err) {
        if (len >= 8 && memcmp(data, KEELC_MAGIC, 8) == 0)
            err = keel_module_deserialize(*engine, (const uint8_t *)data, len, module);
        else
            err = kcli_module_from_file(*engine, data, len, module);
    }
    free(data);
    if (err) {
        fprintf(stderr, "keel: %s: ", path);
        kcli_print_error(stderr, err);
        keel_error_free(err);
        return 1;
    }
    return 0;
}

int kcli_cmd_compile(int argc, char **argv, const kcli_opts *opts) {
    (void)opts;
    const char *in = NULL, *out = NULL, *cache_dir = NULL;
    if (kcli_cache_options(&argc, &argv, &cache_dir)) return 1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) break;
            out = argv[++i];
        } else if (!in) {
            in = argv[i];
        } else {
            in = NULL;
            break;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "usage: keel compile IN.wasm|IN.wat -o OUT.keelc\n");
        return 1;
    }
    keel_engine *engine = NULL;
    keel_module *module = NULL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int rc = kcli_load_module(in, cache_dir, &engine, &module);
    if (rc) goto done;
    keel_error *err = keel_module_serialize(module, &bytes, &size);
    if (err) {
        fprintf(stderr, "keel compile: ");
        kcli_print_error(stderr, err);
        keel_error_free(err);
        rc = 1;
        goto done;
    }
    size_t plen = strlen(out) + 5;
    char *tmp = malloc(plen);
    if (!tmp) {
        rc = 1;
        goto done;
    }
    snprintf(tmp, plen, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(bytes, 1, size, f) == size;
    if (f && fclose(f) != 0) ok = false;
    if (!ok || rename(tmp, out) != 0) {
        fprintf(stderr, "keel compile: cannot write %s\n", out);
        remove(tmp);
        rc = 1;
    }
    free(tmp);
done:
    keel_bytes_free(bytes);
    keel_module_release(module);
    keel_engine_release(engine);
    return rc;
}
