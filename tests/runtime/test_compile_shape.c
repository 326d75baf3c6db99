/*
** test_compile_shape.c -- compile/: the shape of the generated code (lazy
** local.get, in-place local.set, constant operands, fused compare+branch,
** results written in place, position independence, unsupported stubs).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/kb_buf.h"
#include "binary/kbin_module.h"
#include "compile/kcomp.h"
#include "text/ktext.h"

typedef struct compiled {
    kbin_module *m;
    kcomp_code *code;
} compiled;

static void compile_wat(compiled *c, const char *wat) {
    kb_buf b = {0};
    kb_error *err = ktext_wat_to_wasm(wat, strlen(wat), &b);
    if (err) fprintf(stderr, "wat: %s\n", err->message);
    assert_null(err);
    assert_null(kbin_decode(b.data, b.len, &c->m));
    kb_buf_free(&b);
    err = kcomp_compile(NULL, c->m, &c->code);
    if (err) fprintf(stderr, "compile: %s\n", err->message);
    assert_null(err);
}

static void compiled_free(compiled *c) {
    kcomp_code_free(c->code);
    kbin_module_free(c->m);
}

/* The ops of function 'fi' in order, as a space-separated string of names. */
static void ops_of(const compiled *c, uint32_t fi, char *out, size_t cap) {
    const kcomp_func *f = kcomp_func_entry(c->code, fi);
    assert_non_null(f);
    const uint32_t *code = kcomp_func_code(f);
    out[0] = 0;
    for (uint32_t pc = 0; pc < f->code_len;) {
        uint32_t kx = code[pc];
        assert_true(kx < KX_COUNT_);
        int words = kcomp_ops[kx].words;
        if (words < 0) words = 2 + (int)code[pc + 2] + 1;
        if (out[0]) strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, kcomp_ops[kx].name, cap - strlen(out) - 1);
        pc += 1u + (uint32_t)words;
    }
}

static void expect_ops(const char *wat, uint32_t fi, const char *want) {
    compiled c;
    compile_wat(&c, wat);
    char got[1024];
    ops_of(&c, fi, got, sizeof got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "want: %s\n got: %s\n", want, got);
        kcomp_dump(kcomp_func_entry(c.code, fi), stderr);
    }
    assert_string_equal(got, want);
    compiled_free(&c);
}

static void test_compile_shape__add_in_place(void **state) {
    (void)state;
    /* local.get emits nothing; the add writes the result slot directly. */
    expect_ops("(module (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))", 0,
               "i32.add return");
}

static void test_compile_shape__local_set_retarget(void **state) {
    (void)state;
    expect_ops("(module (func (param i32) (local i32)"
               " (local.set 1 (i32.mul (local.get 0) (local.get 0)))))",
               0, "i32.mul return");
}

static void test_compile_shape__const_operand(void **state) {
    (void)state;
    expect_ops("(module (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 5))))", 0,
               "i32.add_i return");
}

static void test_compile_shape__fused_branches(void **state) {
    (void)state;
    expect_ops("(module (func (param i32 i32)"
               " (loop (br_if 0 (i32.lt_s (local.get 0) (local.get 1))))))",
               0, "loop_check br_if.i32.lt_s return");
    expect_ops("(module (func (param i32) (result i32)"
               " (if (result i32) (i32.eq (local.get 0) (i32.const 3)) (then (i32.const 1)) (else (i32.const 2)))))",
               0, "br_if.i32.ne_i const32 br const32 return1");
}

static void test_compile_shape__swap_hazard(void **state) {
    (void)state;
    /* local.set 0 while a lazy read of local 0 is still on the stack:
       the read is materialised first. */
    compiled c;
    compile_wat(&c, "(module (func (param i32 i32) (result i32 i32)"
                    " local.get 0 local.get 1 local.set 0 local.get 0))");
    char got[256];
    ops_of(&c, 0, got, sizeof got);
    assert_string_equal(got, "copy copy copy copy copy return");
    compiled_free(&c);
}

static void test_compile_shape__unsupported_stub(void **state) {
    (void)state;
    compiled c;
    compile_wat(&c, "(module (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 0 0)))"
                    " (func (result i32) i32.const 1))");
    assert_int_equal(c.code->unsupported_funcs, 1);
    char got[256];
    ops_of(&c, 0, got, sizeof got);
    assert_string_equal(got, "unsupported");
    ops_of(&c, 1, got, sizeof got);
    assert_string_equal(got, "const32 return");
    compiled_free(&c);
}

static void test_compile_shape__position_independent(void **state) {
    (void)state;
    /* The code is plain words: a copy at another address is the same code. */
    compiled c;
    compile_wat(&c, "(module (func $f (param i32) (result i32)"
                    " (if (result i32) (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1))))"
                    "   (else (i32.const 0)))))");
    size_t size = kcomp_code_size(c.code);
    assert_true(size > 0);
    uint32_t *copy = malloc(size);
    memcpy(copy, c.code->words, size);
    assert_memory_equal(copy, c.code->words, size);
    const kcomp_func *f = (const kcomp_func *)(copy + c.code->func_offsets[0]);
    assert_int_equal(f->func_index, 0);
    assert_true(kcomp_wasm_offset(f, 0) != UINT32_MAX);
    free(copy);
    compiled_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_shape__add_in_place),
        cmocka_unit_test(test_compile_shape__local_set_retarget),
        cmocka_unit_test(test_compile_shape__const_operand),
        cmocka_unit_test(test_compile_shape__fused_branches),
        cmocka_unit_test(test_compile_shape__swap_hazard),
        cmocka_unit_test(test_compile_shape__unsupported_stub),
        cmocka_unit_test(test_compile_shape__position_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
