/*
** driver.c -- the wasm side of the benchmark suite, through Keel's public C
** ABI only (keel.h, linked against libkeel.a). One process per measurement;
** every command prints one line of key=value pairs for bench/harness.py.
**
**   driver run FILE.wasm N          freestanding program: instantiate with no
**                                   imports, time the call run(N) -> i64
**                                   prints: checksum=U64 ns=WALL cpu_ns=CPU
**   driver wasi FILE.wasm ARG...    wasm32-wasi program through keel_wasi_run
**                                   (argv = FILE ARG...); the guest's stdout
**                                   ("CHECKSUM WALL_NS CPU_NS") goes to ours
**   driver compile FILE.wasm REPS   keel_module_new throughput: prints
**                                   wasm_bytes, code_bytes, funcs, ns (median
**                                   of REPS), rss_delta and heap_delta (memory
**                                   the first module holds while alive)
**   driver cache FILE.wasm REPS     compile vs code-cache hit (issue 7): the
**                                   medians of REPS keel_module_new calls
**                                   without a cache (compile_ns) and with a
**                                   warm cache in a fresh directory (hit_ns)
**   driver instantiate FILE.wasm N  ns per (store_new + instance_new + release)
**   driver h2w N                    ns per keel_func_call of add(i32,i32)->i32
**   driver w2h N                    ns per call from a wasm loop to a host import
**                                   (and base_ns: the same loop calling wasm)
**   driver version                  keel_version() and keel_abi_version()
**   driver wat2wasm IN.wat OUT.wasm the text format to binary, by Keel itself
**
** The ABI offers no query for the size of a module's compiled code, so the
** memory figure is measured from outside: resident set size (/proc/self/statm,
** counts mmap'ed code memory too) and glibc's mallinfo2 heap in use, each
** before and after the first keel_module_new, with the module kept alive.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mallinfo2 */
#endif
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <keel.h>

#ifdef BENCH_HAVE_WASI
#include <keel/wasi.h>
#endif

/* ---- helpers ------------------------------------------------------------ */

static uint64_t clock_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* CPU time of the whole process: what the programs' own main.c measures too. */
static uint64_t cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

static int fail(keel_error *err, const char *what) {
    fprintf(stderr, "driver: %s: %s error: %s\n", what, keel_error_kind_name(keel_error_kind(err)),
            keel_error_message(err));
    keel_error_free(err);
    return 1;
}

#define CHECK(call, what)                                                                                    \
    do {                                                                                                     \
        keel_error *err_ = (call);                                                                           \
        if (err_ != NULL) return fail(err_, what);                                                           \
    } while (0)

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    fclose(f);
    if (!buf) fprintf(stderr, "driver: %s: out of memory\n", path);
    *len = n;
    return buf;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t parse_count(const char *s) { return strtoull(s, NULL, 10); }

static keel_error *module_from_file(keel_engine *engine, const char *path, keel_module **out) {
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) return keel_error_new_host(NULL, NULL, "cannot read the module file");
    keel_error *err = keel_module_new(engine, bytes, len, out);
    free(bytes);
    return err;
}

/* ---- run: a freestanding program's run(N) -------------------------------- */

static int cmd_run(const char *path, uint32_t iterations) {
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_instance *instance;
    keel_func *run;
    keel_val arg, result;

    CHECK(keel_engine_new(NULL, &engine), "engine");
    CHECK(module_from_file(engine, path, &module), path);
    CHECK(keel_store_new(engine, &store), "store");
    CHECK(keel_instance_new(store, module, NULL, 0, &instance), "instantiate");
    CHECK(keel_instance_export_func(instance, "run", 3, &run), "export run");
    memset(&arg, 0, sizeof arg);
    arg.kind = KEEL_I32;
    arg.of.i32 = (int32_t)iterations;
    uint64_t c0 = cpu_ns(), t0 = now_ns();
    CHECK(keel_func_call(run, &arg, 1, &result, 1), "run");
    uint64_t t1 = now_ns(), c1 = cpu_ns();
    printf("checksum=%llu ns=%llu cpu_ns=%llu\n", (unsigned long long)(uint64_t)result.of.i64,
           (unsigned long long)(t1 - t0), (unsigned long long)(c1 - c0));
    keel_func_release(run);
    keel_instance_release(instance);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}

/* ---- wasi: a wasm32-wasi command ----------------------------------------- */

static int cmd_wasi(int argc, char **argv) {
#ifdef BENCH_HAVE_WASI
    keel_engine *engine;
    keel_module *module;
    keel_wasi_config *config;
    int32_t exit_code = -1;

    CHECK(keel_engine_new(NULL, &engine), "engine");
    CHECK(module_from_file(engine, argv[0], &module), argv[0]);
    CHECK(keel_wasi_config_new(&config), "wasi config");
    CHECK(keel_wasi_config_set_args(config, (const char *const *)argv, (size_t)argc), "wasi args");
    CHECK(keel_wasi_config_inherit_stdio(config, KEEL_WASI_STDOUT), "wasi stdout");
    CHECK(keel_wasi_config_inherit_stdio(config, KEEL_WASI_STDERR), "wasi stderr");
    fflush(stdout);
    CHECK(keel_wasi_run(engine, module, config, &exit_code), "wasi run");
    keel_wasi_config_free(config);
    keel_module_release(module);
    keel_engine_release(engine);
    if (exit_code != 0) fprintf(stderr, "driver: %s exited with %d\n", argv[0], exit_code);
    return exit_code != 0;
#else
    (void)argc;
    (void)argv;
    fprintf(stderr, "driver: this libkeel has no WASI (keel/wasi.h)\n");
    return 3;
#endif
}

/* ---- compile: throughput and memory -------------------------------------- */

/* Reads an unsigned LEB128 (spec 5.2.2); 0 on a malformed number. */
static uint32_t leb_u32(const uint8_t *p, size_t len, size_t *pos) {
    uint32_t v = 0;
    for (int shift = 0; shift < 35 && *pos < len; shift += 7) {
        uint8_t b = p[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    return 0;
}

/* Size of the code section (id 10, spec 5.5.13) and its function count. */
static void code_section(const uint8_t *p, size_t len, size_t *code_bytes, uint32_t *funcs) {
    size_t pos = 8;
    *code_bytes = 0;
    *funcs = 0;
    while (pos < len) {
        uint8_t id = p[pos++];
        uint32_t size = leb_u32(p, len, &pos);
        if (size > len - pos) return;
        if (id == 10) {
            size_t q = pos;
            *code_bytes = size;
            *funcs = leb_u32(p, len, &q);
            return;
        }
        pos += size;
    }
}

static long rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static long heap_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
#else
    return 0;
#endif
}

static int cmd_compile(const char *path, uint32_t reps) {
    keel_engine *engine;
    keel_module *first, *module;
    size_t len, code_bytes;
    uint32_t funcs;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) return 1;
    code_section(bytes, len, &code_bytes, &funcs);
    if (reps < 1) reps = 1;
    uint64_t *times = calloc(reps, sizeof *times);
    if (!times) return 1;

    CHECK(keel_engine_new(NULL, &engine), "engine");
    long rss0 = rss_bytes(), heap0 = heap_bytes();
    uint64_t t0 = now_ns();
    CHECK(keel_module_new(engine, bytes, len, &first), "compile");
    uint64_t first_ns = now_ns() - t0;
    long rss1 = rss_bytes(), heap1 = heap_bytes();
    keel_module_release(first);
    for (uint32_t i = 0; i < reps; i++) {
        t0 = now_ns();
        CHECK(keel_module_new(engine, bytes, len, &module), "compile");
        times[i] = now_ns() - t0;
        keel_module_release(module);
    }
    qsort(times, reps, sizeof *times, cmp_u64);
    printf("wasm_bytes=%zu code_bytes=%zu funcs=%u ns=%llu first_ns=%llu rss_delta=%ld heap_delta=%ld\n", len,
           code_bytes, funcs, (unsigned long long)times[reps / 2], (unsigned long long)first_ns, rss1 - rss0,
           heap1 - heap0);
    free(times);
    free(bytes);
    keel_engine_release(engine);
    return 0;
}

/* ---- cache: compile vs a hit of the file cache ----------------------------- */

static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *ent;
        char path[4096];
        while ((ent = readdir(d)) != NULL) {
            if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int cmd_cache(const char *path, uint32_t reps) {
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) return 1;
    if (reps < 1) reps = 1;
    uint64_t *compile = calloc(reps, sizeof *compile), *hit = calloc(reps, sizeof *hit);
    if (!compile || !hit) return 1;
    char dir[] = "/tmp/keel-bench-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    keel_config *config;
    keel_engine *plain, *cached;
    keel_module *module;
    CHECK(keel_config_new(&config), "config");
    CHECK(keel_config_set_cache_dir(config, dir), "cache dir");
    CHECK(keel_engine_new(NULL, &plain), "engine");
    CHECK(keel_engine_new(config, &cached), "engine");
    CHECK(keel_module_new(cached, bytes, len, &module), "compile"); /* writes the entry */
    keel_module_release(module);
    /* Alternating, so a busy neighbour disturbs both sides alike. */
    for (uint32_t i = 0; i < reps; i++) {
        uint64_t t0 = now_ns();
        CHECK(keel_module_new(plain, bytes, len, &module), "compile");
        compile[i] = now_ns() - t0;
        keel_module_release(module);
        t0 = now_ns();
        CHECK(keel_module_new(cached, bytes, len, &module), "cache hit");
        hit[i] = now_ns() - t0;
        keel_code *code;
        CHECK(keel_module_code(module, &code), "code");
        int was_hit = keel_code_origin(code) == KEEL_CODE_CACHED;
        keel_code_release(code);
        keel_module_release(module);
        if (!was_hit) {
            fprintf(stderr, "driver cache: the module was compiled again, not loaded from %s\n", dir);
            return 1;
        }
    }
    qsort(compile, reps, sizeof *compile, cmp_u64);
    qsort(hit, reps, sizeof *hit, cmp_u64);
    printf("wasm_bytes=%zu compile_ns=%llu hit_ns=%llu\n", len, (unsigned long long)compile[reps / 2],
           (unsigned long long)hit[reps / 2]);
    keel_engine_release(cached);
    keel_engine_release(plain);
    keel_config_free(config);
    remove_dir(dir);
    free(compile);
    free(hit);
    free(bytes);
    return 0;
}

/* ---- instantiate --------------------------------------------------------- */

static int cmd_instantiate(const char *path, uint64_t n) {
    keel_engine *engine;
    keel_module *module;
    CHECK(keel_engine_new(NULL, &engine), "engine");
    CHECK(module_from_file(engine, path, &module), path);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        keel_store *store;
        keel_instance *instance;
        CHECK(keel_store_new(engine, &store), "store");
        CHECK(keel_instance_new(store, module, NULL, 0, &instance), "instantiate");
        keel_instance_release(instance);
        keel_store_release(store);
    }
    uint64_t t1 = now_ns();
    printf("ns=%.1f count=%llu\n", (double)(t1 - t0) / (double)n, (unsigned long long)n);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}

/* ---- host -> wasm and wasm -> host calls ---------------------------------- */

static int cmd_h2w(uint64_t n) {
    static const char wat[] = "(module (func (export \"add\") (param i32 i32) (result i32)"
                              "  local.get 0 local.get 1 i32.add))";
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_instance *instance;
    keel_func *add;
    keel_val args[2], result;
    CHECK(keel_engine_new(NULL, &engine), "engine");
    CHECK(keel_module_new_wat(engine, wat, strlen(wat), &module), "module");
    CHECK(keel_store_new(engine, &store), "store");
    CHECK(keel_instance_new(store, module, NULL, 0, &instance), "instantiate");
    CHECK(keel_instance_export_func(instance, "add", 3, &add), "export add");
    memset(args, 0, sizeof args);
    args[0].kind = args[1].kind = KEEL_I32;
    int32_t acc = 0;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        args[0].of.i32 = acc;
        args[1].of.i32 = (int32_t)i;
        CHECK(keel_func_call(add, args, 2, &result, 1), "add");
        acc = result.of.i32;
    }
    uint64_t t1 = now_ns();
    int32_t expect = 0;
    for (uint64_t i = 0; i < n; i++) expect = (int32_t)((uint32_t)expect + (uint32_t)i);
    if (acc != expect) {
        fprintf(stderr, "driver: h2w: wrong sum %d, expected %d\n", acc, expect);
        return 1;
    }
    printf("ns=%.2f count=%llu\n", (double)(t1 - t0) / (double)n, (unsigned long long)n);
    keel_func_release(add);
    keel_instance_release(instance);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}

static keel_error *host_inc(void *env, keel_caller *caller, const keel_val *args, size_t nargs, keel_val *results,
                            size_t nresults) {
    (void)env;
    (void)caller;
    (void)nargs;
    (void)nresults;
    results[0].kind = KEEL_I32;
    results[0].of.i32 = args[0].of.i32 + 1;
    return NULL;
}

static int cmd_w2h(uint64_t n) {
    /* loop(n): x = 0; repeat n times: x = host.inc(x); return x. base(n) is
       the same loop calling a wasm function instead, so the difference is
       what crossing into the host costs. */
    static const char wat[] =
        "(module (import \"host\" \"inc\" (func $inc (param i32) (result i32)))"
        "  (func $winc (param i32) (result i32) local.get 0 i32.const 1 i32.add)"
        "  (func (export \"loop\") (param $n i32) (result i32) (local $x i32)"
        "    (block $done (loop $again"
        "      (br_if $done (i32.eqz (local.get $n)))"
        "      (local.set $x (call $inc (local.get $x)))"
        "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))"
        "      (br $again)))"
        "    local.get $x)"
        "  (func (export \"base\") (param $n i32) (result i32) (local $x i32)"
        "    (block $done (loop $again"
        "      (br_if $done (i32.eqz (local.get $n)))"
        "      (local.set $x (call $winc (local.get $x)))"
        "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))"
        "      (br $again)))"
        "    local.get $x))";
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_linker *linker;
    keel_functype *type;
    keel_func *inc, *loop, *base;
    keel_instance *instance;
    keel_valkind i32 = KEEL_I32;
    keel_val arg, result;
    CHECK(keel_engine_new(NULL, &engine), "engine");
    CHECK(keel_module_new_wat(engine, wat, strlen(wat), &module), "module");
    CHECK(keel_store_new(engine, &store), "store");
    CHECK(keel_functype_new_kinds(&i32, 1, &i32, 1, &type), "functype");
    CHECK(keel_func_new(store, type, host_inc, NULL, NULL, &inc), "host func");
    keel_functype_free(type);
    CHECK(keel_linker_new(engine, &linker), "linker");
    CHECK(keel_linker_define_func(linker, "host", 4, "inc", 3, inc), "define");
    CHECK(keel_linker_instantiate(linker, store, module, &instance), "instantiate");
    CHECK(keel_instance_export_func(instance, "loop", 4, &loop), "export loop");
    CHECK(keel_instance_export_func(instance, "base", 4, &base), "export base");
    memset(&arg, 0, sizeof arg);
    arg.kind = KEEL_I32;
    arg.of.i32 = (int32_t)n;
    uint64_t b0 = now_ns();
    CHECK(keel_func_call(base, &arg, 1, &result, 1), "base");
    uint64_t b1 = now_ns();
    uint64_t t0 = now_ns();
    CHECK(keel_func_call(loop, &arg, 1, &result, 1), "loop");
    uint64_t t1 = now_ns();
    if ((uint32_t)result.of.i32 != (uint32_t)n) {
        fprintf(stderr, "driver: w2h: %d host calls counted, expected %llu\n", result.of.i32,
                (unsigned long long)n);
        return 1;
    }
    printf("ns=%.2f base_ns=%.2f count=%llu\n", (double)(t1 - t0) / (double)n, (double)(b1 - b0) / (double)n,
           (unsigned long long)n);
    keel_func_release(base);
    keel_func_release(loop);
    keel_instance_release(instance);
    keel_linker_free(linker);
    keel_func_release(inc);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}

/* ---- wat2wasm -------------------------------------------------------------- */

static int cmd_wat2wasm(const char *in, const char *out) {
    size_t len, size;
    uint8_t *text = read_file(in, &len), *bytes;
    if (!text) return 1;
    CHECK(keel_wat_to_wasm((const char *)text, len, &bytes, &size), in);
    free(text);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
        perror(out);
        return 1;
    }
    keel_bytes_free(bytes);
    printf("wasm_bytes=%zu\n", size);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "run") && argc == 4) return cmd_run(argv[2], (uint32_t)parse_count(argv[3]));
    if (!strcmp(cmd, "wasi") && argc >= 3) return cmd_wasi(argc - 2, argv + 2);
    if (!strcmp(cmd, "compile") && argc == 4) return cmd_compile(argv[2], (uint32_t)parse_count(argv[3]));
    if (!strcmp(cmd, "cache") && argc == 4) return cmd_cache(argv[2], (uint32_t)parse_count(argv[3]));
    if (!strcmp(cmd, "instantiate") && argc == 4) return cmd_instantiate(argv[2], parse_count(argv[3]));
    if (!strcmp(cmd, "h2w") && argc == 3) return cmd_h2w(parse_count(argv[2]));
    if (!strcmp(cmd, "w2h") && argc == 3) return cmd_w2h(parse_count(argv[2]));
    if (!strcmp(cmd, "version") && argc == 2) {
        printf("version=%s abi=%u.%u\n", keel_version(), keel_abi_version() >> 16, keel_abi_version() & 0xFFFF);
        return 0;
    }
    if (!strcmp(cmd, "wat2wasm") && argc == 4) return cmd_wat2wasm(argv[2], argv[3]);
    fprintf(stderr, "usage: driver run|wasi|compile|cache|instantiate|h2w|w2h|wat2wasm|version ... (see bench/src/driver.c)\n");
    return 2;
}
