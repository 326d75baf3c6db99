/*
** vectors_runner.c -- the C runner of the language-neutral test vectors in
** tests/vectors/ (format: tests/vectors/README.md). Built as
** build/bin/keel-vectors and registered as ctest 'vectors.c'.
**
** usage: keel-vectors DIR [NAME...]
** Runs every DIR/NAME.json with its DIR/NAME.wat (or only the NAMEs given),
** prints one line per case and exits non-zero if any step failed. Uses only
** the public ABI (keel.h) through the tool's small helpers.
*/
#include "kcli_invoke.h"
#include "kcli_json.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 64

/* ------------------------------------------------------------ values */

static bool type_of(const char *name, uint32_t *type, keel_valkind *kind) {
    static const struct { const char *name; uint32_t type; keel_valkind kind; } types[] = {
        {"i32", KCLI_T_I32, KEEL_I32},          {"i64", KCLI_T_I64, KEEL_I64},
        {"f32", KCLI_T_F32, KEEL_F32},          {"f64", KCLI_T_F64, KEEL_F64},
        {"funcref", KCLI_T_REF, KEEL_FUNCREF},  {"externref", KCLI_T_REF, KEEL_EXTERNREF}};
    for (size_t i = 0; name && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(name, types[i].name) == 0) {
            if (type) *type = types[i].type;
            if (kind) *kind = types[i].kind;
            return true;
        }
    }
    return false;
}

static bool parse_bits(const char *s, uint64_t *out) {
    char *end = NULL;
    if (!s || strncmp(s, "0x", 2) != 0) return false;
    errno = 0;
    *out = strtoull(s + 2, &end, 16);
    return !errno && end && !*end && end != s + 2;
}

/*
** Reads {"type": T, "value": V} / {"type": T, "bits": B} /
** {"type": T, "nan": "canonical"|"arithmetic"} into a pattern (an argument
** uses only its 'val').
*/
static bool read_value(const kcli_json *j, kcli_pattern *out, char *why, size_t size) {
    memset(out, 0, sizeof *out);
    uint32_t type;
    const char *tname = kcli_json_str(kcli_json_get(j, "type"));
    if (!type_of(tname, &type, NULL)) {
        snprintf(why, size, "unknown value type '%s'", tname ? tname : "(none)");
        return false;
    }
    const kcli_json *value = kcli_json_get(j, "value");
    const char *bits = kcli_json_str(kcli_json_get(j, "bits"));
    const char *nan = kcli_json_str(kcli_json_get(j, "nan"));
    out->val.type = type;
    if (type == KCLI_T_REF) {
        bool func = strcmp(tname, "funcref") == 0;
        out->val.heap = func ? KCLI_HEAP_FUNC : KCLI_HEAP_EXTERN;
        if (!value || value->type == KCLI_JSON_NULL) {
            out->pat = KCLI_PAT_REF_NULL;
            out->val.ref = KCLI_REF_NULL;
            return true;
        }
        const char *s = kcli_json_str(value);
        if (s && strcmp(s, "nonnull") == 0) {
            out->pat = func ? KCLI_PAT_REF_FUNC : KCLI_PAT_REF_EXTERN;
            out->val.ref = func ? KCLI_REF_FUNC : KCLI_REF_EXTERN;
            return true;
        }
        kcli_value n;
        if (!func && s && kcli_parse_number(KCLI_T_I64, s, &n)) {
            out->val.ref = KCLI_REF_EXTERN;
            out->val.lo = n.lo;
            return true;
        }
        snprintf(why, size, "bad %s value", tname);
        return false;
    }
    if (nan) {
        out->pat = KCLI_PAT_NAN;
        out->nan = strcmp(nan, "canonical") == 0 ? KCLI_NAN_CANONICAL : KCLI_NAN_ARITHMETIC;
        return true;
    }
    if (bits) {
        if (!parse_bits(bits, &out->val.lo)) {
            snprintf(why, size, "bad bits '%s'", bits);
            return false;
        }
        return true;
    }
    const char *s = kcli_json_str(value);
    if (!s || !kcli_parse_number(type, s, &out->val)) {
        snprintf(why, size, "bad %s value '%s'", tname, s ? s : "(none)");
        return false;
    }
    return true;
}

static bool hex_bytes(const char *hex, uint8_t *out, size_t max, size_t *len) {
    size_t n = hex ? strlen(hex) : 1;
    if (n % 2 || n / 2 > max) return false;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return false;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return true;
}

/* ----------------------------------------------------- host functions */

enum { BEHAVIOR_ADD, BEHAVIOR_ECHO, BEHAVIOR_TRAP };

static keel_error *host_cb(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                           keel_val *results, size_t nresults) {
    int behavior = (int)(intptr_t)env;
    if (behavior == BEHAVIOR_TRAP) return keel_error_new_trap("host trap");
    if (behavior == BEHAVIOR_ECHO) {
        for (size_t i = 0; i < nresults && i < nargs; i++) {
            results[i] = args[i];
            /* Results are owned by Keel: retain the references we hand back. */
            if (results[i].kind == KEEL_EXTERNREF && results[i].of.externref)
                keel_externref_retain(results[i].of.externref);
            if (results[i].kind == KEEL_FUNCREF && results[i].of.funcref)
                keel_func_retain(results[i].of.funcref);
        }
        return NULL;
    }
    /* add: every argument summed into the one result of the same type. */
    if (nresults != 1) return keel_error_new_trap("add: needs one result");
    keel_val r;
    memset(&r, 0, sizeof r);
    r.kind = results[0].kind;
    for (size_t i = 0; i < nargs; i++) {
        switch (r.kind) {
        case KEEL_I32: r.of.i32 = (int32_t)((uint32_t)r.of.i32 + (uint32_t)args[i].of.i32); break;
        case KEEL_I64: r.of.i64 = (int64_t)((uint64_t)r.of.i64 + (uint64_t)args[i].of.i64); break;
        case KEEL_F32: r.of.f32 = r.of.f32 + args[i].of.f32; break;
        case KEEL_F64: r.of.f64 = r.of.f64 + args[i].of.f64; break;
        default: return keel_error_new_trap("add: unsupported type");
        }
    }
    results[0] = r;
    return NULL;
}

static keel_error *define_import(keel_linker *linker, keel_store *store, const kcli_json *imp,
                                 char *why, size_t size) {
    const char *mod = kcli_json_str(kcli_json_get(imp, "module"));
    const char *name = kcli_json_str(kcli_json_get(imp, "name"));
    const char *beh = kcli_json_str(kcli_json_get(imp, "behavior"));
    const kcli_json *params = kcli_json_get(imp, "params");
    const kcli_json *results = kcli_json_get(imp, "results");
    keel_valkind pk[MAX_VALUES], rk[MAX_VALUES];
    int behavior;
    if (!mod || !name || !beh || !params || !results || params->count > MAX_VALUES ||
        results->count > MAX_VALUES) {
        snprintf(why, size, "import needs module, name, params, results, behavior");
        return keel_error_new_host(NULL, NULL, why);
    }
    if (!strcmp(beh, "add")) behavior = BEHAVIOR_ADD;
    else if (!strcmp(beh, "echo")) behavior = BEHAVIOR_ECHO;
    else if (!strcmp(beh, "trap")) behavior = BEHAVIOR_TRAP;
    else return keel_error_new_host(NULL, NULL, "unknown behavior");
    for (size_t i = 0; i < params->count; i++)
        if (!type_of(kcli_json_str(&params->items[i]), NULL, &pk[i]))
            return keel_error_new_host(NULL, NULL, "bad param type");
    for (size_t i = 0; i < results->count; i++)
        if (!type_of(kcli_json_str(&results->items[i]), NULL, &rk[i]))
            return keel_error_new_host(NULL, NULL, "bad result type");
    keel_functype *type = NULL;
    keel_func *func = NULL;
    keel_error *err = keel_functype_new_kinds(pk, params->count, rk, results->count, &type);
    if (!err)
        err = keel_func_new(store, type, host_cb, (void *)(intptr_t)behavior, NULL, &func);
    if (!err) err = keel_linker_define_func(linker, mod, strlen(mod), name, strlen(name), func);
    keel_func_release(func);
    keel_functype_free(type);
    return err;
}

/* --------------------------------------------------------------- steps */

typedef struct vcase {
    const char *name;
    int failures;
    keel_store *store;
    keel_instance *inst;
    kcli_ctx ctx;
} vcase;

/*
** Reports a failed step. Step functions return int (always 0, unused) only
** so that "return fail(...)" is valid ISO C.
*/
static int fail(vcase *c, size_t step, const char *fmt, ...) {
    va_list ap;
    printf("    %s step %zu: ", c->name, step);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    c->failures++;
    return 0;
}

static int step_invoke(vcase *c, size_t si, const kcli_json *st) {
    const char *name = kcli_json_str(kcli_json_get(st, "invoke"));
    const kcli_json *args = kcli_json_get(st, "args");
    const kcli_json *expect = kcli_json_get(st, "expect");
    const char *trap = kcli_json_str(kcli_json_get(st, "trap"));
    kcli_value argv[MAX_VALUES], res[MAX_VALUES];
    kcli_pattern pat;
    char why[256];
    size_t nargs = args ? args->count : 0, nres = 0;
    if (!name) return fail(c, si, "'invoke' must be a string");
    if ((args && args->type != KCLI_JSON_ARRAY) || (expect && expect->type != KCLI_JSON_ARRAY))
        return fail(c, si, "'args' and 'expect' must be arrays");
    if (nargs > MAX_VALUES) return fail(c, si, "too many args");
    for (size_t i = 0; i < nargs; i++) {
        if (!read_value(&args->items[i], &pat, why, sizeof why)) return fail(c, si, "%s", why);
        argv[i] = pat.val;
    }
    keel_func *func = NULL;
    keel_error *err = keel_instance_export_func(c->inst, name, strlen(name), &func);
    if (err || !func) {
        keel_error_free(err);
        return fail(c, si, "no exported function '%s'", name);
    }
    err = kcli_call(&c->ctx, func, argv, nargs, res, MAX_VALUES, &nres);
    keel_func_release(func);
    if (trap) {
        if (!err) return fail(c, si, "%s: expected trap '%s', got a result", name, trap);
        if (keel_error_kind(err) != KEEL_ERROR_TRAP ||
            !strstr(keel_error_message(err), trap))
            fail(c, si, "%s: expected trap '%s', got %s: %s", name, trap,
                 keel_error_kind_name(keel_error_kind(err)), keel_error_message(err));
        keel_error_free(err);
        return 0;
    }
    if (err) {
        fail(c, si, "%s: %s: %s", name, keel_error_kind_name(keel_error_kind(err)),
             keel_error_message(err));
        keel_error_free(err);
        return 0;
    }
    size_t nexp = expect ? expect->count : 0;
    if (nexp != nres) return fail(c, si, "%s: expected %zu results, got %zu", name, nexp, nres);
    for (size_t i = 0; i < nexp; i++) {
        if (!read_value(&expect->items[i], &pat, why, sizeof why)) return fail(c, si, "%s", why);
        if (!kcli_value_matches(&res[i], &pat)) {
            char e[256], g[256];
            kcli_format_pattern(&pat, e, sizeof e);
            kcli_format_value(&res[i], g, sizeof g);
            fail(c, si, "%s: result %zu: expected %s, got %s", name, i, e, g);
        }
    }
    return 0;
}

static keel_memory *get_memory(vcase *c, const kcli_json *spec) {
    const char *name = kcli_json_str(kcli_json_get(spec, "export"));
    keel_memory *mem = NULL;
    if (!name) name = "memory";
    keel_error_free(keel_instance_export_memory(c->inst, name, strlen(name), &mem));
    return mem;
}

static int step_memory(vcase *c, size_t si, const kcli_json *spec, bool write) {
    uint8_t want[4096], got[4096];
    size_t n;
    const kcli_json *off = kcli_json_get(spec, "offset");
    if (!off || off->type != KCLI_JSON_NUMBER ||
        !hex_bytes(kcli_json_str(kcli_json_get(spec, "hex")), want, sizeof want, &n))
        return fail(c, si, "memory step needs offset and hex");
    keel_memory *mem = get_memory(c, spec);
    if (!mem) return fail(c, si, "no exported memory");
    uint64_t offset = strtoull(off->str, NULL, 10);
    keel_error *err = write ? keel_memory_write(mem, offset, want, n)
                            : keel_memory_read(mem, offset, got, n);
    keel_memory_release(mem);
    if (err) {
        fail(c, si, "memory %s: %s", write ? "write" : "read", keel_error_message(err));
        keel_error_free(err);
        return 0;
    }
    if (!write && memcmp(want, got, n) != 0) fail(c, si, "memory at %llu differs",
                                                  (unsigned long long)offset);
    return 0;
}

static int step_global(vcase *c, size_t si, const kcli_json *st, bool set) {
    const char *name = kcli_json_str(kcli_json_get(st, set ? "global_set" : "global_get"));
    const char *want_err = kcli_json_str(kcli_json_get(st, "error"));
    keel_global *g = NULL;
    kcli_pattern pat;
    char why[256];
    if (!name) return fail(c, si, "the global's name must be a string");
    keel_error *err = keel_instance_export_global(c->inst, name, strlen(name), &g);
    if (err || !g) {
        keel_error_free(err);
        return fail(c, si, "no exported global '%s'", name);
    }
    if (!read_value(kcli_json_get(st, set ? "value" : "expect"), &pat, why, sizeof why)) {
        keel_global_release(g);
        return fail(c, si, "%s", why);
    }
    keel_val kv;
    if (set) {
        keel_externtype *t = NULL;
        err = keel_global_type(g, &t);
        if (!err) {
            err = kcli_to_keel(&c->ctx, &pat.val,
                               keel_valtype_kind(keel_externtype_valtype(t)), &kv);
            keel_externtype_free(t);
        }
        if (!err) {
            err = keel_global_set(g, &kv);
            kcli_keel_release_arg(&kv);
        }
        if (want_err) {
            if (!err) fail(c, si, "global_set %s: expected error '%s'", name, want_err);
        } else if (err) {
            fail(c, si, "global_set %s: %s", name, keel_error_message(err));
        }
    } else {
        err = keel_global_get(g, &kv);
        if (err) {
            fail(c, si, "global_get %s: %s", name, keel_error_message(err));
        } else {
            kcli_value v;
            kcli_from_keel(&c->ctx, &kv, &v);
            if (!kcli_value_matches(&v, &pat)) {
                char e[256], gs[256];
                kcli_format_pattern(&pat, e, sizeof e);
                kcli_format_value(&v, gs, sizeof gs);
                fail(c, si, "global %s: expected %s, got %s", name, e, gs);
            }
        }
    }
    keel_error_free(err);
    keel_global_release(g);
    return 0;
}

static int run_step(vcase *c, size_t si, const kcli_json *st) {
    const kcli_json *spec;
    if (kcli_json_get(st, "invoke")) return step_invoke(c, si, st);
    if ((spec = kcli_json_get(st, "memory"))) return step_memory(c, si, spec, false);
    if ((spec = kcli_json_get(st, "memory_write"))) return step_memory(c, si, spec, true);
    if (kcli_json_get(st, "global_get")) return step_global(c, si, st, false);
    if (kcli_json_get(st, "global_set")) return step_global(c, si, st, true);
    if ((spec = kcli_json_get(st, "memory_size"))) {
        keel_memory *mem = get_memory(c, spec);
        const kcli_json *pages = kcli_json_get(spec, "pages");
        if (!mem || !pages || pages->type != KCLI_JSON_NUMBER) {
            keel_memory_release(mem);
            return fail(c, si, "memory_size needs a memory and pages");
        }
        uint64_t got = keel_memory_pages(mem), want = strtoull(pages->str, NULL, 10);
        keel_memory_release(mem);
        if (got != want) fail(c, si, "memory pages: expected %llu, got %llu",
                              (unsigned long long)want, (unsigned long long)got);
        return 0;
    }
    if ((spec = kcli_json_get(st, "table_size"))) {
        const char *name = kcli_json_str(kcli_json_get(spec, "export"));
        const kcli_json *size = kcli_json_get(spec, "size");
        keel_table *t = NULL;
        if (!name) name = "table";
        keel_error_free(keel_instance_export_table(c->inst, name, strlen(name), &t));
        if (!t || !size || size->type != KCLI_JSON_NUMBER) {
            keel_table_release(t);
            return fail(c, si, "table_size needs a table and size");
        }
        uint64_t got = keel_table_size(t), want = strtoull(size->str, NULL, 10);
        keel_table_release(t);
        if (got != want) fail(c, si, "table size: expected %llu, got %llu",
                              (unsigned long long)want, (unsigned long long)got);
        return 0;
    }
    fail(c, si, "unknown step kind");
    return 0;
}

/* ---------------------------------------------------------------- cases */

static int run_case(const char *dir, const char *name) {
    char path[4096], msg[512];
    size_t jlen, wlen;
    vcase c;
    memset(&c, 0, sizeof c);
    c.name = name;
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    char *jsrc = kcli_read_file(path, &jlen, msg, sizeof msg);
    snprintf(path, sizeof path, "%s/%s.wat", dir, name);
    char *wat = kcli_read_file(path, &wlen, msg, sizeof msg);
    kcli_json *doc = jsrc ? kcli_json_parse(jsrc, jlen, msg, sizeof msg) : NULL;
    keel_engine *engine = NULL;
    keel_linker *linker = NULL;
    keel_module *module = NULL;
    keel_error *err = NULL;
    if (!doc || !wat) {
        printf("FAIL %s: %s\n", name, msg);
        c.failures++;
        kcli_json_free(doc);
        doc = NULL; /* the result line is printed */
        goto done;
    }
    const char *link_error = kcli_json_str(kcli_json_get(doc, "link_error"));
    const char *inst_trap = kcli_json_str(kcli_json_get(doc, "instantiate_trap"));
    const kcli_json *imports = kcli_json_get(doc, "imports");
    const kcli_json *steps = kcli_json_get(doc, "steps");
    err = keel_engine_new(NULL, &engine);
    if (!err) err = keel_store_new(engine, &c.store);
    if (!err) err = keel_linker_new(engine, &linker);
    kcli_ctx_init(&c.ctx, engine, c.store);
    for (size_t i = 0; !err && imports && i < imports->count; i++)
        err = define_import(linker, c.store, &imports->items[i], msg, sizeof msg);
    if (!err) err = keel_module_new_wat(engine, wat, wlen, &module);
    if (err) {
        fail(&c, 0, "setup: %s: %s", keel_error_kind_name(keel_error_kind(err)),
             keel_error_message(err));
        goto done;
    }
    err = keel_linker_instantiate(linker, c.store, module, &c.inst);
    if (link_error || inst_trap) {
        keel_errkind want = link_error ? KEEL_ERROR_UNLINKABLE : KEEL_ERROR_TRAP;
        const char *text = link_error ? link_error : inst_trap;
        if (!err)
            fail(&c, 0, "expected instantiation to fail with '%s'", text);
        else if (keel_error_kind(err) != want || !strstr(keel_error_message(err), text))
            fail(&c, 0, "expected %s '%s', got %s: %s", keel_error_kind_name(want), text,
                 keel_error_kind_name(keel_error_kind(err)), keel_error_message(err));
        goto done;
    }
    if (err) {
        fail(&c, 0, "instantiate: %s: %s", keel_error_kind_name(keel_error_kind(err)),
             keel_error_message(err));
        goto done;
    }
    for (size_t i = 0; steps && i < steps->count; i++) run_step(&c, i + 1, &steps->items[i]);
done:
    if (doc) printf("%s %s\n", c.failures ? "FAIL" : "PASS", name);
    keel_error_free(err);
    kcli_ctx_free(&c.ctx);
    keel_instance_release(c.inst);
    keel_module_release(module);
    keel_linker_free(linker);
    keel_store_release(c.store);
    keel_engine_release(engine);
    kcli_json_free(doc);
    free(jsrc);
    free(wat);
    fflush(stdout);
    return c.failures;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: keel-vectors DIR [NAME...]\n");
        return 2;
    }
    const char *dir = argv[1];
    char **names = NULL;
    size_t count = 0;
    if (argc > 2) {
        names = argv + 2;
        count = (size_t)(argc - 2);
    } else {
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "keel-vectors: cannot open %s: %s\n", dir, strerror(errno));
            return 2;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
            char **more = realloc(names, (count + 1) * sizeof *names);
            if (!more) break;
            names = more;
            names[count++] = strndup(e->d_name, n - 5);
        }
        closedir(d);
        if (count) qsort(names, count, sizeof *names, cmp_str);
    }
    size_t failed_cases = 0;
    for (size_t i = 0; i < count; i++)
        if (run_case(dir, names[i])) failed_cases++;
    printf("%zu cases, %zu passed, %zu failed\n", count, count - failed_cases, failed_cases);
    if (argc <= 2) {
        for (size_t i = 0; i < count; i++) free(names[i]);
        free(names);
    }
    return failed_cases ? 1 : 0;
}
