/*
** test_bench_cache.c -- code/: compile vs cache-hit load of a large generated
** module (several MB of internal code), and proof that a hit's code is the
** page cache's copy of the entry (a MAP_SHARED file mapping in
** /proc/self/smaps), not a private copy.
**
** Prints the figures (KEEL_BENCH_FUNCS=N changes the module size; default
** 3000 functions, ~9 MB of code; KEEL_BENCH_KEEP=1 keeps the entry and the
** wasm for profiling). Targets: see check_ratio. Debug and sanitizer builds
** only require a hit to be faster, since instrumentation slows hashing and
** compiling unevenly.
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
#include <time.h>
#include <unistd.h>

#include "base/kb_buf.h"
#include "code/kcode.h"
#include "compile/kcomp.h"
#include "exec/kexec.h"
#include "rt/krt.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void put(kb_buf *b, uint8_t x) { assert_true(kb_buf_byte(b, x)); }

static void put_u(kb_buf *b, uint64_t v) {
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(v ? x | 0x80 : x));
    } while (v);
}

static void put_s(kb_buf *b, int64_t v) {
    for (;;) {
        uint8_t x = v & 0x7f;
        v >>= 7;
        if ((v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40))) {
            put(b, x);
            return;
        }
        put(b, x | 0x80);
    }
}

static void put_section(kb_buf *out, uint8_t id, const kb_buf *body) {
    put(out, id);
    put_u(out, body->len);
    assert_true(kb_buf_append(out, body->data, body->len));
}

/* 'funcs' functions (param i32) (result i32), each adding 'reps' constants to
   its parameter; function 0 is exported as "f0". */
static kb_buf big_module(uint32_t funcs, uint32_t reps, uint32_t *sum0) {
    kb_buf out = {0}, sec = {0};
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    assert_true(kb_buf_append(&out, head, sizeof head));
    /* type section: one (i32) -> (i32) */
    put(&sec, 1); put(&sec, 0x60); put(&sec, 1); put(&sec, 0x7f); put(&sec, 1); put(&sec, 0x7f);
    put_section(&out, 1, &sec);
    sec.len = 0;
    put_u(&sec, funcs);
    for (uint32_t i = 0; i < funcs; i++) put(&sec, 0);
    put_section(&out, 3, &sec);
    sec.len = 0;
    put(&sec, 1); put(&sec, 2); put(&sec, 'f'); put(&sec, '0'); put(&sec, 0); put(&sec, 0);
    put_section(&out, 7, &sec);
    sec.len = 0;
    put_u(&sec, funcs);
    kb_buf body = {0};
    *sum0 = 0;
    for (uint32_t i = 0; i < funcs; i++) {
        body.len = 0;
        put(&body, 0); /* no locals */
        for (uint32_t r = 0; r < reps; r++) {
            int32_t k = (int32_t)((i * 31 + r * 7) % 1000) - 300;
            if (i == 0) *sum0 += (uint32_t)k;
            put(&body, 0x20); put(&body, 0);     /* local.get 0 */
            put(&body, 0x41); put_s(&body, k);   /* i32.const k */
            put(&body, 0x6a);                    /* i32.add */
            put(&body, 0x21); put(&body, 0);     /* local.set 0 */
        }
        put(&body, 0x20); put(&body, 0); put(&body, 0x0b);
        put_u(&sec, body.len);
        assert_true(kb_buf_append(&sec, body.data, body.len));
    }
    put_section(&out, 10, &sec);
    kb_buf_free(&sec);
    kb_buf_free(&body);
    return out;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The smaps entry of the mapping holding 'p': its path and its Anonymous kB
   (private copies; a file mapping's dirty page-cache pages count as
   Private_Dirty while the file is not yet written back, which is not a copy). */
static bool mapping_of(const void *p, char *path, size_t cap, long *anon) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL) return false;
    char line[1024];
    bool in = false, found = false;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char rest[900] = "";
        if (sscanf(line, "%lx-%lx %899[^\n]", &lo, &hi, rest) >= 2 && strchr(line, ':') != NULL &&
            line[0] != ' ' && strstr(line, "kB") == NULL) {
            if (found) break;
            in = a >= lo && a < hi;
            if (in) {
                found = true;
                const char *slash = strchr(rest, '/');
                snprintf(path, cap, "%s", slash ? slash : "");
            }
        } else if (in && strncmp(line, "Anonymous:", 10) == 0) {
            *anon = atol(line + 10);
        }
    }
    fclose(f);
    return found;
}

/*
** Issue 7's target: a hit at least 20x faster than compiling. A hit costs a
** BLAKE3 of the wasm (~5 GB/s with AVX-512, shared with a second thread when
** a core is free), one checksum pass over the code (memory speed), a
** comparison with the entry's wasm copy and a trusted decode: 0.7-1.0 ms
** against 22-35 ms of compiling this module (24-39x measured on the 2-core
** test machine). The target itself is measured by the benchmark suite
** (`bench/run.sh`: "compile time / cache-hit time", on a quiet machine);
** this test runs beside other tests in CI, where a neighbour can take the
** second core from the hash and not from the compile, so it asserts a floor
** that only a real regression (a hit that recompiles, validates or copies
** the code) would break, and prints the ratio.
*/
static void check_ratio(double ratio) {
#if defined(NDEBUG) && !SANITIZED
    assert_true(ratio >= 10.0);
#else
    assert_true(ratio >= 2.0);
#endif
}

static void test_bench_cache__hit_is_fast_and_shared(void **state) {
    (void)state;
    uint32_t funcs = getenv("KEEL_BENCH_FUNCS") ? (uint32_t)atoi(getenv("KEEL_BENCH_FUNCS")) : 3000;
    uint32_t sum0;
    kb_buf wasm = big_module(funcs, 120, &sum0);
    char dir[] = "/tmp/keel-bench-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    krt_engine *e = NULL;
    assert_null(krt_engine_new(NULL, NULL, &e));
    kcode_cache *c = kcode_cache_new(dir, 0);

    double best_compile = 1e9, best_hit = 1e9;
    size_t code_bytes = 0;
    for (int i = 0; i < 3; i++) {
        krt_module *m = NULL;
        double t0 = now();
        assert_null(krt_module_new_cached(e, NULL, wasm.data, wasm.len, &m));
        double t = now() - t0;
        if (t < best_compile) best_compile = t;
        code_bytes = kcomp_code_size(m->code);
        krt_module_free(m);
    }
    krt_module *m = NULL;
    assert_null(krt_module_new_cached(e, c, wasm.data, wasm.len, &m)); /* writes the entry */
    assert_int_equal(kcode_mem_origin(krt_module_code_mem(m)), KCODE_COMPILED);
    krt_module_free(m);
    enum { HITS = 15 }; /* ~1 ms each: cheap, and robust against a busy neighbour */
    for (int i = 0; i < HITS; i++) {
        double t0 = now();
        assert_null(krt_module_new_cached(e, c, wasm.data, wasm.len, &m));
        double t = now() - t0;
        if (t < best_hit) best_hit = t;
        assert_int_equal(kcode_mem_origin(krt_module_code_mem(m)), KCODE_CACHED);
        if (i < HITS - 1) krt_module_free(m);
    }

    /* The hit's code is the entry file mapped shared, not a private copy. */
    char path[900] = "";
    long dirty = -1;
    assert_true(mapping_of(m->code->words, path, sizeof path, &dirty));
    printf("code mapping: %s (Anonymous %ld kB)\n", path, dirty);
    assert_non_null(strstr(path, dir));
    assert_non_null(strstr(path, ".keelc"));
    assert_int_equal(dirty, 0);
    /* So is the module's wasm: the hit keeps the entry's copy once it equals
       the caller's bytes, instead of a private copy of its own. */
    char wasm_path[900] = "";
    long wasm_dirty = -1;
    assert_true(mapping_of(m->bin->bytes, wasm_path, sizeof wasm_path, &wasm_dirty));
    assert_string_equal(wasm_path, path);
    assert_int_equal(wasm_dirty, 0);

    /* And it runs. */
    krt_store *s = NULL;
    assert_null(krt_store_new(e, &s));
    krt_instance *inst = NULL;
    assert_null(krt_instantiate(s, m, NULL, 0, &inst));
    krt_extern ext;
    assert_true(krt_instance_export(inst, "f0", 2, &ext));
    uint64_t args[1] = {1000}, res[1] = {0};
    assert_null(kexec_call(s, ext.of.func, args, res));
    assert_int_equal((uint32_t)res[0], 1000u + sum0);
    krt_store_free(s);
    krt_module_free(m);

    double ratio = best_compile / best_hit;
    printf("bench_cache: %u functions, wasm %.2f MB, code %.2f MB: compile %.2f ms, cache hit %.2f ms, %.1fx\n",
           funcs, wasm.len / 1e6, code_bytes / 1e6, best_compile * 1e3, best_hit * 1e3, ratio);
    kcode_cache_free(c);
    krt_engine_free(e);
    if (getenv("KEEL_BENCH_KEEP")) { /* for profiling: keep the entry and the wasm */
        char wp[600];
        snprintf(wp, sizeof wp, "%s/module.wasm", dir);
        FILE *wf = fopen(wp, "wb");
        if (wf) {
            fwrite(wasm.data, 1, wasm.len, wf);
            fclose(wf);
        }
        printf("kept %s\n", dir);
        kb_buf_free(&wasm);
        return;
    }
    kb_buf_free(&wasm);
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[600];
    while (d && (de = readdir(d)) != NULL) {
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.') unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
    check_ratio(ratio);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_cache__hit_is_fast_and_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
