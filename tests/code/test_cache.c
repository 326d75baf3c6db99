/*
** test_cache.c -- code/: the compiled-code file cache and code images
** (SEEDS.md 1): cold and warm runs, damaged entries of every kind (flipped
** byte, truncation, zeroing, another module's entry, another build id or
** format version with a valid checksum) are rejected and recompiled and never
** run, LRU eviction, an unusable directory, several processes filling one
** directory at once, and images serialised and deserialised.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/kb_buf.h"
#include "code/kcode.h"
#include "compile/kcomp.h"
#include "exec/kexec.h"
#include "rt/krt.h"
#include "text/ktext.h"

/* ---------------------------------------------------------------- helpers */

static char tmpdir[256];

static void make_tmpdir(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/keel-code-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

static void rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *de;
    char p[512];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* A module whose export "f" computes x*(x+1)/2 + k by a loop, plus filler
   functions so the code is more than one function. */
static kb_buf module_k(int k) {
    char wat[2048];
    snprintf(wat, sizeof wat,
             "(module (memory 1)"
             " (func $f (export \"f\") (param i32) (result i32) (local i32)"
             "  (block (loop (br_if 1 (i32.eqz (local.get 0)))"
             "   (local.set 1 (i32.add (local.get 1) (local.get 0)))"
             "   (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))"
             "  (i32.add (local.get 1) (i32.const %d)))"
             " (func $g (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))"
             " (func $h (result i64) (i64.const 77)))",
             k);
    kb_buf b = {0};
    kb_error *err = ktext_wat_to_wasm(wat, strlen(wat), &b);
    assert_null(err);
    return b;
}

static uint32_t expected(int k, uint32_t x) { return x * (x + 1) / 2 + (uint32_t)k; }

/* Instantiates 'm' in a fresh store and calls f(x). */
static uint32_t call_f(krt_engine *e, krt_module *m, uint32_t x) {
    krt_store *s = NULL;
    assert_null(krt_store_new(e, &s));
    krt_instance *inst = NULL;
    assert_null(krt_instantiate(s, m, NULL, 0, &inst));
    krt_extern ext;
    assert_true(krt_instance_export(inst, "f", 1, &ext));
    uint64_t args[1] = {x}, res[1] = {0};
    kb_error *err = kexec_call(s, ext.of.func, args, res);
    assert_null(err);
    krt_store_free(s);
    return (uint32_t)res[0];
}

/* Compiles through the cache and returns the code's origin (KCODE_*), checking f. */
static uint32_t load_and_run(krt_engine *e, kcode_cache *c, int k) {
    kb_buf b = module_k(k);
    krt_module *m = NULL;
    kb_error *err = krt_module_new_cached(e, c, b.data, b.len, &m);
    if (err) fprintf(stderr, "module: %s\n", err->message);
    assert_null(err);
    uint32_t origin = kcode_mem_origin(krt_module_code_mem(m));
    assert_int_equal(call_f(e, m, 10), expected(k, 10));
    assert_int_equal(call_f(e, m, 1000), expected(k, 1000));
    krt_module_free(m);
    kb_buf_free(&b);
    return origin;
}

static void entry_path(kcode_cache *c, krt_engine *e, int k, char *out, size_t cap) {
    kb_buf b = module_k(k);
    uint8_t h[32];
    kcode_blake3(b.data, b.len, h);
    assert_true(kcode_cache_entry_path(c, h, krt_engine_code_features(e), out, cap));
    kb_buf_free(&b);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Replaces a file the way a damaging process might: new content, same name. */
static void write_file(const char *path, const uint8_t *p, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

/* Re-seals an image's checksum after a deliberate header change. */
static void reseal(uint8_t *img, size_t len) {
    uint64_t sum = kcode_image_sum(img);
    memcpy(img + len - 8, &sum, 8);
}

/* ---------------------------------------------------------------- tests */

static void test_cache__cold_then_warm(void **state) {
    (void)state;
    make_tmpdir();
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new(tmpdir, 0);
    assert_non_null(c);
    assert_int_equal(load_and_run(e, c, 5), KCODE_COMPILED);
    assert_int_equal(load_and_run(e, c, 5), KCODE_CACHED);
    /* Another engine of the same build (fresh type registry) hits too. */
    krt_engine *e2 = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e2));
    assert_int_equal(load_and_run(e2, c, 5), KCODE_CACHED);
    /* Other features: another key, a miss. */
    krt_features f = {true, true, true, true, true, true, true, true, true, true, false};
    krt_engine *e3 = NULL;
    assert_null(krt_engine_new(&f, NULL, &e3));
    assert_int_equal(load_and_run(e3, c, 5), KCODE_COMPILED);
    kcode_cache_stats st;
    kcode_cache_get_stats(c, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.stores, 2);
    kcode_cache_free(c);
    krt_engine_free(e);
    krt_engine_free(e2);
    krt_engine_free(e3);
    rm_tree(tmpdir);
}

enum { DMG_FLIP, DMG_TRUNCATE, DMG_ZERO, DMG_SWAP, DMG_BUILD_ID, DMG_VERSION, DMG_EMPTY, DMG_KINDS };

static void test_cache__damage_is_detected(void **state) {
    (void)state;
    make_tmpdir();
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new(tmpdir, 0);
    char path[512], other[512];
    entry_path(c, e, 7, path, sizeof path);
    entry_path(c, e, 8, other, sizeof other);
    assert_int_equal(load_and_run(e, c, 8), KCODE_COMPILED); /* another module's entry */
    int seeds = getenv("KEEL_DAMAGE_SEEDS") ? atoi(getenv("KEEL_DAMAGE_SEEDS")) : 300, wasm_flips = 0;
    for (int seed = 0; seed < seeds; seed++) {
        srand((unsigned)seed * 2654435761u);
        uint32_t o = load_and_run(e, c, 7);
        assert_true(o == KCODE_COMPILED || o == KCODE_CACHED);
        size_t len;
        uint8_t *img = read_file(path, &len);
        int kind = seed % DMG_KINDS;
        bool in_wasm = false;
        switch (kind) {
        case DMG_FLIP: {
            size_t at = (size_t)rand() % len;
            const kcode_header *h = (const kcode_header *)img;
            in_wasm = at >= h->wasm_off && at < h->wasm_off + h->wasm_len;
            img[at] ^= (uint8_t)(1 + rand() % 255);
            write_file(path, img, len);
            break;
        }
        case DMG_TRUNCATE: write_file(path, img, (size_t)rand() % len); break;
        case DMG_ZERO: memset(img, 0, len); write_file(path, img, len); break;
        case DMG_SWAP: {
            size_t olen;
            uint8_t *o2 = read_file(other, &olen);
            write_file(path, o2, olen);
            free(o2);
            break;
        }
        case DMG_BUILD_ID: img[16 + (size_t)rand() % 32] ^= 0x40; reseal(img, len); write_file(path, img, len); break;
        case DMG_VERSION: img[8] = (uint8_t)(img[8] + 1); reseal(img, len); write_file(path, img, len); break;
        case DMG_EMPTY: write_file(path, img, 0); break;
        }
        free(img);
        if (in_wasm) {
            /* The embedded wasm copy is not read by a hit (kcode.h "Who covers
               what"): still a hit, with the right answer from the caller's bytes... */
            assert_int_equal(load_and_run(e, c, 7), KCODE_CACHED);
            /* ... while deserialising the entry re-hashes the copy and refuses it. */
            kcode_mem *dm = NULL;
            kb_error *derr = kcode_mem_from_file(path, &dm);
            assert_non_null(derr);
            assert_null(dm);
            assert_non_null(strstr(derr->message, "embedded wasm"));
            kb_error_free(derr);
            unlink(path);
            wasm_flips++;
        }
        /* The damaged entry is rejected: compiled again (never run), right answer. */
        assert_int_equal(load_and_run(e, c, 7), KCODE_COMPILED);
        /* ... and rewritten whole. */
        assert_int_equal(load_and_run(e, c, 7), KCODE_CACHED);
    }
    kcode_cache_stats st;
    kcode_cache_get_stats(c, &st);
    assert_true(st.rejected >= (uint64_t)(seeds - wasm_flips));
    kcode_cache_free(c);
    krt_engine_free(e);
    rm_tree(tmpdir);
}

/* Reads byte 'i' of the module's data through its export "f". */
static const char data_text[] = "KEEL-DATA-0123456789";

static kb_buf data_module(void) {
    char wat[512];
    snprintf(wat, sizeof wat,
             "(module (memory 1) (data (i32.const 0) \"%s\")"
             " (func (export \"f\") (param i32) (result i32) (i32.load8_u (local.get 0))))",
             data_text);
    kb_buf b = {0};
    assert_null(ktext_wat_to_wasm(wat, strlen(wat), &b));
    return b;
}

static void test_cache__hit_never_uses_a_damaged_wasm_copy(void **state) {
    (void)state;
    make_tmpdir();
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new(tmpdir, 0);
    kb_buf b = data_module();
    krt_module *m = NULL;
    assert_null(krt_module_new_cached(e, c, b.data, b.len, &m)); /* writes the entry */
    krt_module_free(m);
    /* Damage the data segment's bytes inside the entry's embedded wasm copy. */
    uint8_t h[32];
    char path[512];
    kcode_blake3(b.data, b.len, h);
    assert_true(kcode_cache_entry_path(c, h, krt_engine_code_features(e), path, sizeof path));
    size_t len;
    uint8_t *img = read_file(path, &len);
    uint8_t *at = NULL;
    for (size_t i = 0; at == NULL && i + strlen(data_text) <= len; i++)
        if (memcmp(img + i, data_text, strlen(data_text)) == 0) at = img + i;
    assert_non_null(at);
    memset(at, 'X', strlen(data_text));
    write_file(path, img, len);
    free(img);
    /* A hit (the checksum does not cover the copy), running the caller's bytes. */
    assert_null(krt_module_new_cached(e, c, b.data, b.len, &m));
    kcode_mem *mem = krt_module_code_mem(m);
    assert_int_equal(kcode_mem_origin(mem), KCODE_CACHED);
    for (uint32_t i = 0; i < strlen(data_text); i++) assert_int_equal(call_f(e, m, i), (uint8_t)data_text[i]);
    /* Anything that would read the copy re-hashes it first and refuses it. */
    size_t wlen = 1;
    assert_null(kcode_mem_wasm(mem, &wlen));
    assert_int_equal(wlen, 0);
    krt_module *m2 = NULL;
    kb_error *err = krt_module_from_code(e, mem, &m2);
    assert_non_null(err);
    assert_null(m2);
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    kb_error_free(err);
    kcode_mem *copy = NULL;
    err = kcode_mem_from_bytes(kcode_mem_image(mem), kcode_mem_size(mem), &copy);
    assert_non_null(err);
    assert_non_null(strstr(err->message, "embedded wasm"));
    kb_error_free(err);
    krt_module_free(m);
    kb_buf_free(&b);
    kcode_cache_free(c);
    krt_engine_free(e);
    rm_tree(tmpdir);
}

static void test_cache__image_check_names_the_problem(void **state) {
    (void)state;
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kb_buf b = module_k(3);
    krt_module *m = NULL;
    assert_null(krt_module_new(e, b.data, b.len, &m));
    kcode_mem *mem = krt_module_code_mem(m);
    assert_int_equal(kcode_mem_origin(mem), KCODE_COMPILED);
    size_t len = kcode_mem_size(mem);
    uint8_t *img = malloc(len);
    memcpy(img, kcode_mem_image(mem), len);
    assert_null(kcode_image_check(img, len, NULL, UINT32_MAX));
    struct { size_t at; const char *says; } cases[] = {
        {0, "magic"}, {8, "version"}, {20, "another engine build"}, {len - 1, "checksum"}, {len / 2, "checksum"},
        {sizeof(kcode_header) + 3, "embedded wasm"}, {60, "checksum"} /* the header's wasm hash */};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        img[cases[i].at] ^= 1;
        kb_error *err = kcode_image_check(img, len, NULL, UINT32_MAX);
        assert_non_null(err);
        assert_int_equal(err->kind, KB_ERR_MALFORMED);
        if (strstr(err->message, cases[i].says) == NULL) fprintf(stderr, "%s\n", err->message);
        assert_non_null(strstr(err->message, cases[i].says));
        kb_error_free(err);
        img[cases[i].at] ^= 1;
    }
    kb_error *err = kcode_image_check(img, len - 8, NULL, UINT32_MAX);
    assert_non_null(err);
    kb_error_free(err);
    free(img);
    krt_module_free(m);
    kb_buf_free(&b);
    krt_engine_free(e);
}

static void test_cache__serialize_roundtrip(void **state) {
    (void)state;
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kb_buf b = module_k(11);
    krt_module *m = NULL;
    assert_null(krt_module_new(e, b.data, b.len, &m));
    kcode_mem *mem = krt_module_code_mem(m);
    size_t len = kcode_mem_size(mem);
    uint8_t *img = malloc(len);
    memcpy(img, kcode_mem_image(mem), len);
    krt_module_free(m); /* the image bytes outlive the module */
    kcode_mem *copy = NULL;
    assert_null(kcode_mem_from_bytes(img, len, &copy));
    memset(img, 0xAA, len); /* the copy is private */
    krt_module *m2 = NULL;
    assert_null(krt_module_from_code(e, copy, &m2));
    kcode_mem_release(copy); /* the module keeps its own reference */
    assert_int_equal(kcode_mem_origin(krt_module_code_mem(m2)), KCODE_DESERIALIZED);
    assert_int_equal(call_f(e, m2, 20), expected(11, 20));
    krt_module_free(m2);
    /* Damaged bytes are refused. */
    kcode_mem *bad = NULL;
    kb_error *err = kcode_mem_from_bytes(img, len, &bad);
    assert_non_null(err);
    assert_null(bad);
    kb_error_free(err);
    free(img);
    kb_buf_free(&b);
    krt_engine_free(e);
}

static void test_cache__lru_eviction(void **state) {
    (void)state;
    make_tmpdir();
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *probe = kcode_cache_new(tmpdir, 0);
    assert_int_equal(load_and_run(e, probe, 100), KCODE_COMPILED);
    char p0[512];
    entry_path(probe, e, 100, p0, sizeof p0);
    struct stat st;
    assert_int_equal(stat(p0, &st), 0);
    kcode_cache_free(probe);
    /* Room for about three entries. */
    kcode_cache *c = kcode_cache_new(tmpdir, (uint64_t)st.st_size * 3 + st.st_size / 2);
    for (int k = 101; k < 106; k++) {
        assert_int_equal(load_and_run(e, c, k), KCODE_COMPILED);
        /* Keep entry 101 young: hits touch it. */
        if (k > 101) assert_int_equal(load_and_run(e, c, 101), KCODE_CACHED);
        usleep(20000);
    }
    kcode_cache_stats s;
    kcode_cache_get_stats(c, &s);
    assert_true(s.evictions >= 2);
    assert_int_equal(load_and_run(e, c, 101), KCODE_CACHED); /* recently used: kept */
    assert_int_equal(load_and_run(e, c, 105), KCODE_CACHED); /* newest: kept */
    assert_int_equal(load_and_run(e, c, 100), KCODE_COMPILED); /* oldest: evicted */
    kcode_cache_free(c);
    krt_engine_free(e);
    rm_tree(tmpdir);
}

static void test_cache__unusable_dir_is_no_cache(void **state) {
    (void)state;
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new("/proc/keel-no-such-dir/cache", 0);
    assert_non_null(c);
    for (int i = 0; i < 3; i++) assert_int_equal(load_and_run(e, c, 1), KCODE_COMPILED);
    kcode_cache_stats s;
    kcode_cache_get_stats(c, &s);
    assert_int_equal(s.store_failures, 1); /* then writing is off: one warning */
    assert_int_equal(s.hits, 0);
    kcode_cache_free(c);
    krt_engine_free(e);
}

/* A hit's mapping survives its entry being replaced (renamed over) and unlinked. */
static void test_cache__mapped_entry_survives_replacement(void **state) {
    (void)state;
    make_tmpdir();
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new(tmpdir, 0);
    assert_int_equal(load_and_run(e, c, 21), KCODE_COMPILED);
    kb_buf b = module_k(21);
    krt_module *m = NULL;
    assert_null(krt_module_new_cached(e, c, b.data, b.len, &m));
    assert_int_equal(kcode_mem_origin(krt_module_code_mem(m)), KCODE_CACHED);
    char path[512], tmp[600];
    entry_path(c, e, 21, path, sizeof path);
    /* What writers and eviction do: rename a new file over the name, unlink it. */
    snprintf(tmp, sizeof tmp, "%s.new", path);
    uint8_t junk[4096];
    memset(junk, 0x5A, sizeof junk);
    write_file(tmp, junk, sizeof junk);
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(call_f(e, m, 30), expected(21, 30));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(call_f(e, m, 31), expected(21, 31));
    krt_module_free(m);
    kb_buf_free(&b);
    assert_int_equal(load_and_run(e, c, 21), KCODE_COMPILED);
    kcode_cache_free(c);
    krt_engine_free(e);
    rm_tree(tmpdir);
}

/* Several processes fill one directory at once for many rounds. */
static void test_cache__processes_share_a_directory(void **state) {
    (void)state;
    make_tmpdir();
    enum { PROCS = 3, ROUNDS = 12, MODULES = 4 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int bad = 0;
            krt_engine *e = NULL;
            if (krt_engine_new(NULL, NULL, &e) != NULL) _exit(2);
            for (int r = 0; r < ROUNDS; r++) {
                /* A fresh cache object per round: every round writes again. */
                kcode_cache *c = kcode_cache_new(tmpdir, 0);
                for (int k = 0; k < MODULES; k++) {
                    int mod = (k + p + r) % MODULES + 200;
                    kb_buf b = module_k(mod);
                    krt_module *m = NULL;
                    if (krt_module_new_cached(e, c, b.data, b.len, &m) != NULL) _exit(3);
                    if (call_f(e, m, 50) != expected(mod, 50)) bad++;
                    /* Force a rewrite of the same entry now and then. */
                    if (r % 3 == p % 3) kcode_cache_store(c, krt_module_code_mem(m));
                    krt_module_free(m);
                    kb_buf_free(&b);
                }
                kcode_cache_free(c);
            }
            krt_engine_free(e);
            _exit(bad ? 1 : 0);
        }
        pids[p] = pid;
    }
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    /* Every entry left behind is complete and valid; no temporary files remain. */
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    struct dirent *de;
    int entries = 0;
    char p[512];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == 0 || de->d_name[1] == '.')) continue;
        assert_non_null(strstr(de->d_name, ".keelc"));
        snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
        kcode_mem *m = NULL;
        kb_error *err = kcode_mem_from_file(p, &m);
        assert_null(err);
        kcode_mem_release(m);
        entries++;
    }
    closedir(d);
    assert_int_equal(entries, MODULES);
    rm_tree(tmpdir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache__cold_then_warm),
        cmocka_unit_test(test_cache__damage_is_detected),
        cmocka_unit_test(test_cache__hit_never_uses_a_damaged_wasm_copy),
        cmocka_unit_test(test_cache__image_check_names_the_problem),
        cmocka_unit_test(test_cache__serialize_roundtrip),
        cmocka_unit_test(test_cache__lru_eviction),
        cmocka_unit_test(test_cache__unusable_dir_is_no_cache),
        cmocka_unit_test(test_cache__mapped_entry_survives_replacement),
        cmocka_unit_test(test_cache__processes_share_a_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
