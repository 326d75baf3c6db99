/*
** test_exec_wast.c -- spec-suite execution assertions through the whole
** runtime path: rt/ (decode, validate, compile, link, instantiate) then
** exec/. Imports come from registered instances or a 'spectest' stand-in.
** Commands that are not about execution (assert_invalid, assert_malformed,
** assert_unlinkable, ...) are skipped here; tools/ runs full scripts.
** The suite is read from $KEEL_TESTSUITE or /work/shared/testsuite.
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

#include "exec/kexec.h"
#include "rt/krt.h"
#include "text/kwast.h"

#include "test_wast_values.h"

typedef struct stats { int pass, fail, skip; } stats;

typedef struct reg {
    char *name;
    krt_instance *inst;
} reg;

typedef struct script_state {
    krt_engine *engine;
    krt_store *s;
    krt_instance *cur;
    krt_instance *named[64];
    char *names[64];
    int named_count;
    reg regs[64];
    int reg_count;
    krt_module **mods;      /* every module made, freed after the store */
    size_t mod_count;
} script_state;

static kb_error *spectest_fn(void *env, krt_store *s, krt_instance *caller, const uint64_t *args,
                             uint64_t *results) {
    return NULL;
}

static kb_error *spectest_import(script_state *st, const kbin_module *m, const kbin_import *im, krt_extern *out) {
    kb_error *err = NULL;
    out->kind = im->kind;
    switch (im->kind) {
    case KEXT_FUNC:
        return krt_func_new_host(st->s, &m->types[im->desc.func_type], spectest_fn, NULL, NULL, &out->of.func);
    case KEXT_GLOBAL: {
        uint64_t v[2] = {666, 0};
        float f = 666.6f;
        double d = 666.6;
        if (im->desc.global.type.kind == KVT_F32) { uint32_t b; memcpy(&b, &f, 4); v[0] = b; }
        if (im->desc.global.type.kind == KVT_F64) memcpy(&v[0], &d, 8);
        return krt_global_new(st->s, im->desc.global.type, im->desc.global.mutable_, v, &out->of.global);
    }
    case KEXT_TABLE: {
        kbin_limits l = im->desc.table.limits;
        l.min = 10; l.max = 20; l.has_max = true;
        return krt_table_new(st->s, im->desc.table.elem, &l, NULL, &out->of.table);
    }
    case KEXT_MEMORY: {
        kbin_limits l = im->desc.memory;
        l.min = 1; l.max = 2; l.has_max = true;
        return krt_memory_new(st->s, &l, &out->of.memory);
    }
    default:
        err = kb_error_new(KB_ERR_UNLINKABLE, "no spectest import");
    }
    return err;
}

static kb_error *instantiate(script_state *st, const uint8_t *bytes, size_t len, krt_instance **out) {
    krt_module *mod = NULL;
    kb_error *err = krt_module_new(st->engine, bytes, len, &mod);
    if (err) return err;
    st->mods = realloc(st->mods, (st->mod_count + 1) * sizeof *st->mods);
    st->mods[st->mod_count++] = mod;
    const kbin_module *m = mod->bin;
    krt_extern *imports = calloc(m->import_count + 1, sizeof *imports);
    for (uint32_t i = 0; i < m->import_count && !err; i++) {
        const kbin_import *im = &m->imports[i];
        if (strcmp(im->module, "spectest") == 0) {
            err = spectest_import(st, m, im, &imports[i]);
            continue;
        }
        bool found = false;
        for (int r = st->reg_count; r-- > 0;)
            if (strcmp(st->regs[r].name, im->module) == 0) {
                found = krt_instance_export(st->regs[r].inst, im->name, im->name_len, &imports[i]);
                break;
            }
        if (!found) err = kb_error_new(KB_ERR_UNLINKABLE, "unknown import %s.%s", im->module, im->name);
    }
    if (!err) err = krt_instantiate(st->s, mod, imports, m->import_count, out);
    free(imports);
    /* The store keeps using the module's code: modules live until the store is freed. */
    return err;
}

static krt_instance *lookup(script_state *st, const char *id) {
    if (id == NULL) return st->cur;
    for (int i = st->named_count; i-- > 0;)
        if (strcmp(st->names[i], id) == 0) return st->named[i];
    return NULL;
}

static void run_file(const char *dir, const char *file, stats *total) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (f == NULL) { total->skip++; return; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *src = malloc((size_t)n + 1);
    size_t got = fread(src, 1, (size_t)n, f);
    fclose(f);
    ktext_script *sc = NULL;
    kb_error *err = ktext_wast_parse(src, got, &sc);
    free(src);
    if (err) {
        fprintf(stderr, "%s: parse: %s\n", file, err->message);
        kb_error_free(err);
        total->fail++;
        return;
    }
    script_state st;
    memset(&st, 0, sizeof st);
    stats local = {0, 0, 0};
    if ((err = krt_engine_new(NULL, NULL, &st.engine)) != NULL || (err = krt_store_new(st.engine, &st.s)) != NULL) {
        fprintf(stderr, "%s: %s\n", file, err->message);
        kb_error_free(err);
        total->fail++;
        ktext_script_free(sc);
        return;
    }
    for (size_t ci = 0; ci < sc->count; ci++) {
        ktext_command *c = &sc->commands[ci];
        if (c->kind == KTEXT_CMD_MODULE) {
            st.cur = NULL;
            if (c->module.form != KTEXT_MODSRC_BINARY) continue;
            krt_instance *inst = NULL;
            err = instantiate(&st, c->module.bytes, c->module.len, &inst);
            if (err && err->kind == KB_ERR_UNSUPPORTED) {
                local.skip++;
                kb_error_free(err);
                continue;
            }
            if (err) {
                fprintf(stderr, "%s:%u: module failed: %s\n", file, c->line, err->message);
                kb_error_free(err);
                local.fail++;
                continue;
            }
            st.cur = inst;
            if (c->module.id && st.named_count < 64) {
                st.names[st.named_count] = c->module.id;
                st.named[st.named_count++] = inst;
            }
            continue;
        }
        if (c->kind == KTEXT_CMD_REGISTER) {
            krt_instance *inst = lookup(&st, c->ref_id);
            if (inst && st.reg_count < 64) {
                st.regs[st.reg_count].name = c->name;
                st.regs[st.reg_count++].inst = inst;
            }
            continue;
        }
        if (c->kind != KTEXT_CMD_ASSERT_RETURN && c->kind != KTEXT_CMD_ACTION &&
            c->kind != KTEXT_CMD_ASSERT_TRAP && c->kind != KTEXT_CMD_ASSERT_EXHAUSTION &&
            c->kind != KTEXT_CMD_ASSERT_EXCEPTION)
            continue;
        if (c->kind == KTEXT_CMD_ASSERT_TRAP && c->action.kind == 0 && c->module.form == KTEXT_MODSRC_BINARY) {
            /* A module whose instantiation traps (its side effects persist). */
            krt_instance *inst = NULL;
            err = instantiate(&st, c->module.bytes, c->module.len, &inst);
            if (err && err->kind == KB_ERR_TRAP) {
                local.pass++;
            } else {
                local.fail++;
                fprintf(stderr, "%s:%u: FAIL module: %s (expected trap %s)\n", file, c->line,
                        err ? err->message : "no trap", c->message ? c->message : "");
            }
            kb_error_free(err);
            continue;
        }
        krt_instance *inst = lookup(&st, c->action.module);
        if (c->action.kind == 0 || inst == NULL) { local.skip++; continue; }
        krt_extern ex;
        if (!krt_instance_export(inst, c->action.name, c->action.name_len, &ex)) { local.skip++; continue; }
        uint64_t res[64] = {0};
        if (c->action.kind == KTEXT_ACT_GET) {
            if (ex.kind != KEXT_GLOBAL) { local.skip++; continue; }
            err = NULL;
            res[0] = ex.of.global->value[0];
            res[1] = ex.of.global->value[1];
        } else {
            if (ex.kind != KEXT_FUNC) { local.skip++; continue; }
            uint64_t args[64];
            bool ok = c->action.arg_count < 64;
            for (size_t i = 0; ok && i < c->action.arg_count; i++) ok = wast_to_slot(st.s, &c->action.args[i], &args[i]);
            if (!ok) { local.skip++; continue; }
            err = kexec_call(st.s, ex.of.func, args, res);
        }
        if (err && err->kind == KB_ERR_UNSUPPORTED) { local.skip++; kb_error_free(err); continue; }
        bool pass = false;
        const char *why = err ? err->message : "";
        if (c->kind == KTEXT_CMD_ASSERT_RETURN || c->kind == KTEXT_CMD_ACTION) {
            if (!err && c->kind == KTEXT_CMD_ACTION) {
                pass = true;
            } else if (!err) {
                pass = true;
                int skipped = 0;
                for (size_t i = 0; pass && i < c->result_count; i++) {
                    int r = wast_matches(&c->results[i], res[i]);
                    if (r < 0) skipped = 1;
                    else if (r == 0) pass = false;
                }
                if (skipped) { local.skip++; continue; }
                why = "wrong result";
            }
        } else if (c->kind == KTEXT_CMD_ASSERT_EXCEPTION) {
            pass = err && err->kind == KB_ERR_EXCEPTION;
            if (!err) why = "no exception";
        } else {
            pass = err && err->kind == KB_ERR_TRAP &&
                   (c->kind == KTEXT_CMD_ASSERT_EXHAUSTION ? err->trap == KB_TRAP_STACK_EXHAUSTED
                    : c->message == NULL || strncmp(err->message, c->message, strlen(err->message)) == 0 ||
                      strncmp(err->message, c->message, strlen(c->message)) == 0 ||
                      strstr(c->message, err->message) != NULL);
            if (!err) why = "no trap";
        }
        if (pass) {
            local.pass++;
        } else {
            local.fail++;
            fprintf(stderr, "%s:%u: FAIL %s: %s (expected %s)", file, c->line, c->action.name, why,
                    c->message ? c->message : "");
            if (!err && c->result_count) fprintf(stderr, " got 0x%llx", (unsigned long long)res[0]);
            fputc('\n', stderr);
        }
        kb_error_free(err);
    }
    krt_store_free(st.s);
    for (size_t i = 0; i < st.mod_count; i++) krt_module_free(st.mods[i]);
    free(st.mods);
    krt_engine_free(st.engine);
    ktext_script_free(sc);
    fprintf(stderr, "%-28s pass %5d fail %3d skip %3d\n", file, local.pass, local.fail, local.skip);
    total->pass += local.pass;
    total->fail += local.fail;
    total->skip += local.skip;
}

/*
** Files outside the interpreter's scope (SIMD, GC heap, custom descriptors)
** or needing script commands this runner does not implement.
*/
static const char *const excluded[] = {
    "simd", "relaxed", "array", "struct", "i31", "br_on_cast", "ref_cast", "ref_test", "type-",
    "binary", "gc", "extern", "custom-descriptors", "ref_eq", "instance", NULL,
};

static bool wanted(const char *name) {
    size_t n = strlen(name);
    if (n < 5 || strcmp(name + n - 5, ".wast") != 0) return false;
    for (int i = 0; excluded[i]; i++)
        if (strstr(name, excluded[i])) return false;
    return true;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every wanted file of 'sub' (relative to the suite), in name order. */
static void run_dir(const char *dir, const char *sub, stats *st) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (d == NULL) return;
    char *names[1024];
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && count < 1024;) {
        if (!wanted(e->d_name)) continue;
        size_t len = strlen(sub) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        snprintf(names[count], len, "%s%s%s", sub, *sub ? "/" : "", e->d_name);
        count++;
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp_str);
    for (int i = 0; i < count; i++) {
        run_file(dir, names[i], st);
        free(names[i]);
    }
}

static void test_exec_wast__suite(void **state) {
    (void)state;
    const char *dir = getenv("KEEL_TESTSUITE");
    if (dir == NULL) dir = "/work/shared/testsuite";
    stats st = {0, 0, 0};
    const char *list = getenv("KEEL_WAST_FILES"); /* a space-separated override */
    if (list != NULL) {
        char *copy = strdup(list), *save = NULL;
        for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) run_file(dir, f, &st);
        free(copy);
    } else {
        static const char *const subs[] = {"", "legacy", "proposals/threads", "proposals/wide-arithmetic",
                                           "proposals/custom-page-sizes"};
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) run_dir(dir, subs[i], &st);
    }
    fprintf(stderr, "TOTAL pass %d fail %d skip %d\n", st.pass, st.fail, st.skip);
    assert_int_equal(st.fail, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_wast__suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
