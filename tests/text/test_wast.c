/*
** test_wast.c -- the WAST script parser (kwast.h), and a sweep over the
** official test suite: every .wast file must parse as a script and every
** text module outside assert_malformed must convert; quoted modules in
** assert_malformed must be rejected by ktext_wat_to_wasm.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "text/kwast.h"
#include "text_helpers.h"

static ktext_script *parse_ok(const char *src) {
    ktext_script *s = NULL;
    kb_error *e = ktext_wast_parse(src, strlen(src), &s);
    if (e) fail_msg("script error: %s", e->message);
    return s;
}

static void test_commands(void **state) {
    (void)state;
    ktext_script *s = parse_ok(
        "(module $M (func (export \"f\") (param i32) (result i32) local.get 0))\n"
        "(register \"m\" $M)\n"
        "(assert_return (invoke $M \"f\" (i32.const -1)) (i32.const 0xffffffff))\n"
        "(invoke \"f\" (i32.const 0))\n"
        "(assert_return (get \"g\") (f32.const nan:canonical))\n"
        "(assert_trap (invoke \"f\") \"unreachable\")\n"
        "(assert_exhaustion (invoke \"f\") \"call stack exhausted\")\n"
        "(assert_exception (invoke \"f\"))\n"
        "(assert_invalid (module (func (result i32))) \"type mismatch\")\n"
        "(assert_malformed (module quote \"(func\" \" bad)\") \"unknown operator\")\n"
        "(assert_malformed (module binary \"\\00asm\" \"\\02\\00\\00\\00\") \"unknown binary version\")\n"
        "(assert_unlinkable (module (import \"x\" \"y\" (func))) \"unknown import\")\n"
        "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
        "(module definition $D (memory 1))\n"
        "(module instance $I $D)\n"
        "(thread $T (invoke \"f\"))\n");
    assert_int_equal(s->count, 16);
    const ktext_command *c = s->commands;
    assert_int_equal(c[0].kind, KTEXT_CMD_MODULE);
    assert_int_equal(c[0].line, 1);
    assert_string_equal(c[0].module.id, "M");
    assert_int_equal(c[0].module.form, KTEXT_MODSRC_BINARY);
    assert_true(c[0].module.from_text);
    assert_memory_equal(c[0].module.bytes, "\0asm\1\0\0\0", 8);
    assert_int_equal(c[1].kind, KTEXT_CMD_REGISTER);
    assert_string_equal(c[1].name, "m");
    assert_string_equal(c[1].ref_id, "M");
    assert_int_equal(c[2].kind, KTEXT_CMD_ASSERT_RETURN);
    assert_int_equal(c[2].line, 3);
    assert_int_equal(c[2].action.kind, KTEXT_ACT_INVOKE);
    assert_string_equal(c[2].action.module, "M");
    assert_string_equal(c[2].action.name, "f");
    assert_int_equal(c[2].action.arg_count, 1);
    assert_int_equal(c[2].action.args[0].kind, KTEXT_VAL_I32);
    assert_int_equal(c[2].action.args[0].u.i32, 0xFFFFFFFFu);
    assert_int_equal(c[2].result_count, 1);
    assert_int_equal(c[3].kind, KTEXT_CMD_ACTION);
    assert_null(c[3].action.module);
    assert_int_equal(c[4].action.kind, KTEXT_ACT_GET);
    assert_int_equal(c[4].results[0].kind, KTEXT_VAL_F32);
    assert_int_equal(c[4].results[0].nan, KTEXT_NAN_CANONICAL);
    assert_int_equal(c[5].kind, KTEXT_CMD_ASSERT_TRAP);
    assert_string_equal(c[5].message, "unreachable");
    assert_int_equal(c[6].kind, KTEXT_CMD_ASSERT_EXHAUSTION);
    assert_int_equal(c[7].kind, KTEXT_CMD_ASSERT_EXCEPTION);
    assert_int_equal(c[8].kind, KTEXT_CMD_ASSERT_INVALID);
    assert_int_equal(c[8].module.form, KTEXT_MODSRC_BINARY);
    assert_int_equal(c[9].kind, KTEXT_CMD_ASSERT_MALFORMED);
    assert_int_equal(c[9].module.form, KTEXT_MODSRC_QUOTE);
    assert_int_equal(c[9].module.len, 10);
    assert_memory_equal(c[9].module.bytes, "(func bad)", 10);
    assert_int_equal(c[10].module.form, KTEXT_MODSRC_BINARY);
    assert_false(c[10].module.from_text);
    assert_int_equal(c[10].module.len, 8);
    assert_int_equal(c[11].kind, KTEXT_CMD_ASSERT_UNLINKABLE);
    assert_int_equal(c[12].kind, KTEXT_CMD_ASSERT_TRAP);
    assert_int_equal(c[12].module.form, KTEXT_MODSRC_BINARY);
    assert_int_equal(c[12].action.kind, 0);
    assert_int_equal(c[13].kind, KTEXT_CMD_MODULE_DEFINITION);
    assert_string_equal(c[13].module.id, "D");
    assert_int_equal(c[14].kind, KTEXT_CMD_MODULE_INSTANCE);
    assert_string_equal(c[14].module.id, "I");
    assert_string_equal(c[14].ref_id, "D");
    assert_int_equal(c[15].kind, KTEXT_CMD_UNSUPPORTED);
    assert_string_equal(c[15].name, "thread");
    ktext_script_free(s);
}

static void test_values(void **state) {
    (void)state;
    ktext_script *s = parse_ok(
        "(assert_return (invoke \"f\" (i64.const -1) (f64.const -0x1p-1074) (ref.null func) (ref.extern 7) (ref.host 3))"
        " (v128.const f32x4 nan:arithmetic 1 nan:canonical -0)"
        " (either (i32.const 1) (v128.const i16x8 0 1 2 3 4 5 6 -1))"
        " (ref.func) (ref.extern) (ref.null) (ref.any) (ref.eq) (ref.i31) (ref.struct) (ref.array) (ref.exn)"
        " (f64.const nan:arithmetic) (ref.null $t))");
    const ktext_command *c = &s->commands[0];
    assert_int_equal(c->action.arg_count, 5);
    assert_true(c->action.args[0].u.i64 == UINT64_MAX);
    assert_true(c->action.args[1].u.f64 == 0x8000000000000001ull);
    assert_int_equal(c->action.args[2].kind, KTEXT_VAL_REF_NULL);
    assert_int_equal(c->action.args[2].heap, 0x70);
    assert_int_equal(c->action.args[3].kind, KTEXT_VAL_REF_EXTERN);
    assert_true(c->action.args[3].has_payload);
    assert_int_equal(c->action.args[3].u.ref, 7);
    assert_int_equal(c->action.args[4].kind, KTEXT_VAL_REF_HOST);
    assert_int_equal(c->result_count, 13);
    const ktext_value *r = c->results;
    assert_int_equal(r[0].kind, KTEXT_VAL_V128);
    assert_int_equal(r[0].shape, KTEXT_SHAPE_F32X4);
    assert_int_equal(r[0].lane_nan[0], KTEXT_NAN_ARITHMETIC);
    assert_int_equal(r[0].lane_nan[1], KTEXT_NAN_NONE);
    assert_int_equal(r[0].lane_nan[2], KTEXT_NAN_CANONICAL);
    assert_memory_equal(r[0].u.v128 + 4, "\x00\x00\x80\x3f", 4);
    assert_memory_equal(r[0].u.v128 + 12, "\x00\x00\x00\x80", 4);
    assert_int_equal(r[1].kind, KTEXT_VAL_EITHER);
    assert_int_equal(r[1].alt_count, 2);
    assert_int_equal(r[1].alts[1].shape, KTEXT_SHAPE_I16X8);
    assert_int_equal(r[1].alts[1].u.v128[14], 0xFF);
    assert_int_equal(r[2].kind, KTEXT_VAL_REF_FUNC);
    assert_int_equal(r[3].kind, KTEXT_VAL_REF_EXTERN);
    assert_false(r[3].has_payload);
    assert_int_equal(r[4].kind, KTEXT_VAL_REF_NULL);
    assert_int_equal(r[4].heap, 0);
    assert_int_equal(r[5].kind, KTEXT_VAL_REF_ANY);
    assert_int_equal(r[10].kind, KTEXT_VAL_REF_EXN);
    assert_int_equal(r[11].nan, KTEXT_NAN_ARITHMETIC);
    assert_int_equal(r[12].kind, KTEXT_VAL_REF_NULL);
    ktext_script_free(s);
}

static void test_deferred_errors(void **state) {
    (void)state;
    /* a text module that does not convert is stored, not a script error */
    ktext_script *s = parse_ok("(assert_malformed (module (func (i32.const 0x))) \"unknown operator\")\n"
                               "(module (func))");
    assert_int_equal(s->count, 2);
    assert_int_equal(s->commands[0].module.form, KTEXT_MODSRC_MALFORMED);
    assert_non_null(strstr(s->commands[0].module.error, "unknown operator"));
    assert_int_equal(s->commands[1].module.form, KTEXT_MODSRC_BINARY);
    ktext_script_free(s);
    /* quote text is only converted by the runner */
    s = parse_ok("(assert_malformed (module quote \"(func (i32.const 0x))\") \"unknown operator\")");
    kb_buf out = {0};
    kb_error *e = ktext_wat_to_wasm((const char *)s->commands[0].module.bytes, s->commands[0].module.len, &out);
    assert_non_null(e);
    assert_int_equal(e->kind, KB_ERR_MALFORMED);
    kb_error_free(e);
    ktext_script_free(s);
    /* script syntax errors fail the parse */
    const char *bad[] = {"(assert_return (invoke \"f\" (i32.const)))", "(register)", "(bogus", "\"x\"",
                         "(assert_return (invoke \"f\") (i32.const 1)", "(invoke \"\\ff\" ", "(module"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ktext_script *t = NULL;
        e = ktext_wast_parse(bad[i], strlen(bad[i]), &t);
        if (e == NULL) {
            ktext_script_free(t);
            fail_msg("accepted: %s", bad[i]);
        }
        assert_int_equal(e->kind, KB_ERR_MALFORMED);
        kb_error_free(e);
    }
    ktext_script_free(NULL);
}

/* Regression: deeply nested (either ...) results must not overflow the stack. */
static void test_either_depth(void **state) {
    (void)state;
    size_t n = 50000;
    char *src = malloc(n * 9 + 64);
    assert_non_null(src);
    size_t k = (size_t)sprintf(src, "(assert_return (invoke \"f\") ");
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(src + k, "(either ");
    for (size_t i = 0; i < n; i++) src[k++] = ')';
    src[k++] = ')';
    ktext_script *s = NULL;
    kb_error *e = ktext_wast_parse(src, k, &s);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "nesting too deep"));
    kb_error_free(e);
    free(src);
}

/* A script may consist of bare module fields (one implicit module). */
static void test_bare_fields(void **state) {
    (void)state;
    ktext_script *s = parse_ok("(func (export \"f\")) (memory 1)");
    assert_int_equal(s->count, 1);
    assert_int_equal(s->commands[0].kind, KTEXT_CMD_MODULE);
    assert_int_equal(s->commands[0].module.form, KTEXT_MODSRC_BINARY);
    ktext_script_free(s);
}

/* ---------------------------------------------------- testsuite sweep */

typedef struct sweep {
    size_t files, file_failures;
    size_t modules, module_failures;
    size_t quotes_malformed, quotes_rejected;
    size_t quotes_other, quotes_other_failed;
} sweep;

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return s;
}

static void sweep_file(const char *path, sweep *sw) {
    size_t len;
    char *src = read_file(path, &len);
    if (src == NULL) return;
    sw->files++;
    ktext_script *s = NULL;
    kb_error *e = ktext_wast_parse(src, len, &s);
    if (e) {
        print_error("SCRIPT FAILED %s: %s\n", path, e->message);
        sw->file_failures++;
        kb_error_free(e);
        free(src);
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        const ktext_command *c = &s->commands[i];
        bool malformed = c->kind == KTEXT_CMD_ASSERT_MALFORMED || c->kind == KTEXT_CMD_ASSERT_MALFORMED_CUSTOM;
        if (c->module.form == KTEXT_MODSRC_MALFORMED || (c->module.form == KTEXT_MODSRC_BINARY && c->module.from_text)) {
            sw->modules++;
            /* assert_invalid_custom: the text reports what the proposals check at validation */
            bool invalid_custom = c->kind == KTEXT_CMD_ASSERT_INVALID_CUSTOM && c->module.error_invalid;
            if (c->module.form == KTEXT_MODSRC_MALFORMED && !malformed && !invalid_custom) {
                print_error("MODULE FAILED %s:%u: %s\n", path, c->line, c->module.error);
                sw->module_failures++;
            }
        }
        if (c->module.form == KTEXT_MODSRC_QUOTE) {
            kb_buf out = {0};
            kb_error *qe = ktext_wat_to_wasm((const char *)c->module.bytes, c->module.len, &out);
            if (c->kind == KTEXT_CMD_ASSERT_MALFORMED) {
                sw->quotes_malformed++;
                if (qe) sw->quotes_rejected++;
                else print_message("note: quote accepted at %s:%u (expected '%s')\n", path, c->line, c->message);
            } else if (!malformed) {
                sw->quotes_other++;
                if (qe) {
                    sw->quotes_other_failed++;
                    print_error("QUOTE FAILED %s:%u: %s\n", path, c->line, qe->message);
                }
            }
            kb_error_free(qe);
            kb_buf_free(&out);
        }
    }
    ktext_script_free(s);
    free(src);
}

static void sweep_dir(const char *dir, sweep *sw) {
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) sweep_dir(path, sw);
        else if (strlen(names[i]) > 5 && strcmp(names[i] + strlen(names[i]) - 5, ".wast") == 0) sweep_file(path, sw);
        free(names[i]);
    }
    free(names);
}

static void test_testsuite(void **state) {
    (void)state;
    char dir[4096] = "";
    const char *env = getenv("KEEL_TESTSUITE");
    const char *srcdir = getenv("KEEL_SOURCE_DIR");
    if (env && *env) snprintf(dir, sizeof dir, "%s", env);
    else snprintf(dir, sizeof dir, "%s/../shared/testsuite", srcdir ? srcdir : ".");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        print_message("[ SKIPPED  ] spec testsuite not found at %s (set KEEL_TESTSUITE)\n", dir);
        skip();
    }
    sweep sw = {0};
    sweep_dir(dir, &sw);
    print_message("testsuite %s: %zu files (%zu failed), %zu text modules (%zu failed outside assert_malformed), "
                  "%zu/%zu malformed quotes rejected, %zu/%zu other quotes converted\n",
                  dir, sw.files, sw.file_failures, sw.modules, sw.module_failures, sw.quotes_rejected,
                  sw.quotes_malformed, sw.quotes_other - sw.quotes_other_failed, sw.quotes_other);
    assert_true(sw.files > 0);
    assert_int_equal(sw.file_failures, 0);
    assert_int_equal(sw.module_failures, 0);
    assert_int_equal(sw.quotes_other_failed, 0);
    /* a few malformed quotes are accepted on purpose (conflicting proposal tests) */
    assert_true(sw.quotes_rejected + 10 >= sw.quotes_malformed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_deferred_errors),
        cmocka_unit_test(test_either_depth),
        cmocka_unit_test(test_bare_fields),
        cmocka_unit_test(test_testsuite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
