/*
** test_valid.c -- the validator (engine/valid/kval_module.c, kval_code.c):
** module-level rules and instruction typing, each with the spec test
** suite's wording for the error.
*/
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../binary/wasm_builder.h"
#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "binary/kbin_reader.h"
#include "valid/kval.h"

static kval_registry *reg;

static int setup(void **state) {
    (void)state;
    reg = kval_registry_new();
    return reg ? 0 : -1;
}
static int teardown(void **state) {
    (void)state;
    kval_registry_free(reg);
    return 0;
}

static kb_error *check_with(const wb *w, uint32_t features) {
    kbin_module *m = NULL;
    kb_error *err = kbin_decode_ex(w->b, w->n, features, &m);
    if (err == NULL) err = kval_module(reg, m);
    if (err == NULL) assert_true(m->validated);
    kbin_module_free(m);
    return err;
}

/* The immediate of 'a' and 'b' (records of the same instruction) are equal. */
static bool same_imm(const kbin_instr *a, const kbin_instr *b) {
    switch (kbin_ops[a->op].imm) {
    case KIMM_NONE: case KIMM_ZERO_BYTE: return true;
    case KIMM_INDEX: return a->imm.index == b->imm.index;
    case KIMM_INDEX2: return a->imm.idx2.a == b->imm.idx2.a && a->imm.idx2.b == b->imm.idx2.b;
    case KIMM_BLOCK:
        return a->imm.block.kind == b->imm.block.kind && a->imm.block.index == b->imm.block.index &&
               a->imm.block.val.kind == b->imm.block.val.kind;
    case KIMM_I32: return a->imm.i32 == b->imm.i32;
    case KIMM_I64: return a->imm.i64 == b->imm.i64;
    case KIMM_F32: return a->imm.f32 == b->imm.f32;
    case KIMM_F64: return a->imm.f64 == b->imm.f64;
    case KIMM_MEMARG:
        return a->imm.mem.align == b->imm.mem.align && a->imm.mem.memory == b->imm.mem.memory &&
               a->imm.mem.offset == b->imm.mem.offset;
    default: return true; /* shapes the fast path never takes: both from kbin_read_instr */
    }
}

/*
** What kval_code_instrs and kval_code_loop_consts must give for the body of
** function 'fi' of 'm': its instructions as kbin_read_instr decodes them, and
** the constants inside loops at depth < 64 (compile/'s pre-scan's rule).
*/
static void check_records(const kbin_module *m, uint32_t fi, kval_code *vc) {
    const kbin_func *f = &m->funcs[fi];
    size_t n, nc;
    const uint32_t *consts;
    const kbin_instr *rec = kval_code_instrs(vc, &n);
    bool noted = kval_code_loop_consts(vc, &consts, &nc);
    kbin_reader r = kbin_reader_make(m->bytes, f->body.offset, (size_t)f->body.offset + f->body.len);
    uint32_t depth = 0, in_loop = 0, ci = 0;
    uint64_t loop_bits = 0;
    size_t i = 0;
    bool rare = false;
    for (; r.pos < r.end; i++) {
        kbin_instr in;
        assert_null(kbin_read_instr(&r, &in));
        if (i >= n) fail_msg("function %u: %zu records, more instructions", fi, n);
        if (rec[i].op != in.op || rec[i].offset != in.offset || !same_imm(&rec[i], &in))
            fail_msg("function %u: record %zu is %s at %u, kbin_read_instr: %s at %u", fi, i,
                     kbin_op_name(rec[i].op), rec[i].offset, kbin_op_name(in.op), in.offset);
        switch (in.op) {
        case KOP_BLOCK: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE: case KOP_LOOP:
            if (depth < 64 && in.op == KOP_LOOP) loop_bits |= 1ull << depth, in_loop++;
            depth++;
            break;
        case KOP_END: case KOP_DELEGATE:
            if (depth > 0 && --depth < 64 && (loop_bits >> depth & 1)) loop_bits &= ~(1ull << depth), in_loop--;
            break;
        case KOP_I32_CONST: case KOP_I64_CONST: case KOP_F32_CONST: case KOP_F64_CONST:
            if (in_loop && noted) {
                if (ci >= nc || consts[ci] != i) fail_msg("function %u: constant %zu in a loop not noted", fi, i);
                ci++;
            }
            break;
        default: break;
        }
        rare = rare || in.op == KOP_TRY || (in.op == KOP_IF && in.imm.block.kind == KBT_TYPE) ||
               kbin_ops[in.op].prefix == 0xFB || kbin_ops[in.op].prefix == 0xFD;
    }
    if (i != n) fail_msg("function %u: %zu records, %zu instructions", fi, n, i);
    if (noted && ci != nc) fail_msg("function %u: %zu constants noted, %u in loops", fi, nc, ci);
    /* An 'if' with a type index on the fast path would be missed: never is. */
    if (noted && rare) fail_msg("function %u: noted although it holds an instruction the note does not cover", fi);
}

/*
** kval_module in steps (kval_module_begin, kval_code_func per body,
** kval_module_end), as compile/ runs it, checking each accepted body's
** records on the way.
*/
static kb_error *check_steps_with(const wb *w, uint32_t features) {
    kbin_module *m = NULL;
    kval_code *vc = NULL;
    kb_error *err = kbin_decode_ex(w->b, w->n, features, &m);
    if (err == NULL && (err = kval_module_begin(reg, m, &vc)) == NULL) {
        for (uint32_t i = m->imported_funcs; i < m->func_count && err == NULL; i++)
            if ((err = kval_code_func(vc, i)) == NULL) check_records(m, i, vc);
        err = kval_module_end(m, vc, err);
        if (err == NULL) assert_true(m->validated);
    }
    kbin_module_free(m);
    return err;
}

static void same_answer(const char *what, kb_error *a, kb_error *b) {
    if ((a == NULL) != (b == NULL))
        fail_msg("%s: %s / %s", what, a ? a->message : "accepts", b ? b->message : "accepts");
    if (a != NULL && (a->kind != b->kind || strcmp(a->message, b->message) != 0 || a->offset != b->offset))
        fail_msg("%s: %s at %lld / %s at %lld", what, a->message, (long long)a->offset, b->message,
                 (long long)b->offset);
}

/*
** Every module is checked four times: decoded plainly, and with the body
** scan left to the validator (KBIN_FEATURE_DEFER_BODIES, what rt/ uses),
** each by kval_module and in steps. All must give the same answer: same
** kind, message and offset.
*/
static kb_error *check(const wb *w) {
    kb_error *plain = check_with(w, KBIN_FEATURES_DEFAULT);
    kb_error *deferred = check_with(w, KBIN_FEATURE_DEFER_BODIES);
    if ((plain == NULL) != (deferred == NULL))
        fail_msg("plain decode %s, deferred %s", plain ? plain->message : "accepts",
                 deferred ? deferred->message : "accepts");
    if (plain != NULL) {
        if (plain->kind != deferred->kind || strcmp(plain->message, deferred->message) != 0 ||
            plain->offset != deferred->offset)
            fail_msg("plain decode: %s at %lld, deferred: %s at %lld", plain->message, (long long)plain->offset,
                     deferred->message, (long long)deferred->offset);
        kb_error_free(deferred);
    }
    kb_error *steps = check_steps_with(w, KBIN_FEATURES_DEFAULT);
    same_answer("kval_module / in steps", plain, steps);
    kb_error_free(steps);
    steps = check_steps_with(w, KBIN_FEATURE_DEFER_BODIES);
    same_answer("kval_module / in steps, deferred body scan", plain, steps);
    kb_error_free(steps);
    return plain;
}

static void expect_ok(const wb *w) {
    kb_error *err = check(w);
    if (err) fail_msg("unexpected error: %s (offset %lld)", err->message, (long long)err->offset);
}

static void expect_err(const wb *w, uint32_t kind, const char *msg) {
    kb_error *err = check(w);
    if (err == NULL) fail_msg("accepted, expected '%s'", msg);
    if (err->kind != kind || strstr(err->message, msg) == NULL)
        fail_msg("got %s '%s', want '%s'", kb_error_kind_name(err->kind), err->message, msg);
    kb_error_free(err);
}

/*
** Builds: type section 'types', a function section declaring function 0 of
** type 0, the framed sections 'pre' (tables, memories, globals, exports,
** elems...), then the code section with 'body' (locals included).
*/
static void func_module(wb *w, const uint8_t *types, size_t tn, const wb *pre, const uint8_t *body, size_t bn) {
    wb_module(w);
    wb_section(w, 1, types, tn);
    WB_SEC(w, 3, 0x01, 0x00);
    if (pre) wb_bytes(w, pre->b, pre->n);
    wb_code1(w, body, bn);
}

/* Type sections used below. */
#define T_V 0x01, 0x60, 0x00, 0x00             /* 0: [] -> [] */
#define T_I 0x01, 0x60, 0x00, 0x01, 0x7F       /* 0: [] -> [i32] */

/* FN(expect, pre, types..., BODY(...)) is too much macro: use helpers. */
static void body_ok(const uint8_t *types, size_t tn, const wb *pre, const uint8_t *body, size_t bn) {
    wb w;
    func_module(&w, types, tn, pre, body, bn);
    expect_ok(&w);
}
static void body_invalid(const uint8_t *types, size_t tn, const wb *pre, const uint8_t *body, size_t bn,
                         const char *msg) {
    wb w;
    func_module(&w, types, tn, pre, body, bn);
    expect_err(&w, KB_ERR_INVALID, msg);
}
#define TYPES(...) WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__)
#define BODY(...) WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__)

/* ---------------------------------------------------------------- basics */

/*
** KBIN_FEATURE_DEFER_BODIES keeps the plain decoder's precedence: an encoding
** error in any body beats a validation error in an earlier function, and a
** later section's decoding error; bulk-memory instructions still need the
** data count section (check() compares both decodings of each).
*/
static void test_valid_deferred_scan_precedence(void **state) {
    (void)state;
    /* Function 0: type error; function 1: illegal opcode 0xFF. */
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, T_I);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 10, 0x02, 0x04, 0x00, 0x42, 0x00, 0x0B, 0x03, 0x00, 0xFF, 0x0B);
    expect_err(&w, KB_ERR_MALFORMED, "illegal opcode");
    /* An illegal opcode in the body, then a malformed data segment kind. */
    wb_module(&w);
    WB_SEC(&w, 1, T_V);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 5, 0x01, 0x00, 0x01);
    WB_SEC(&w, 10, 0x01, 0x03, 0x00, 0xFF, 0x0B);
    WB_SEC(&w, 11, 0x01, 0x07, 0x00);
    expect_err(&w, KB_ERR_MALFORMED, "illegal opcode");
    /* A body running past its entry: the reference decoder's wording. */
    wb_module(&w);
    WB_SEC(&w, 1, T_V);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 10, 0x01, 0x02, 0x00, 0x01, 0x0B);
    expect_err(&w, KB_ERR_MALFORMED, "section size mismatch");
    /* data.drop 0 with a data section but no data count section. */
    wb_module(&w);
    WB_SEC(&w, 1, T_V);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 5, 0x01, 0x00, 0x01);
    WB_SEC(&w, 10, 0x01, 0x05, 0x00, 0xFC, 0x09, 0x00, 0x0B);
    WB_SEC(&w, 11, 0x01, 0x01, 0x00);
    expect_err(&w, KB_ERR_MALFORMED, "data count section required");
    /* 'else' outside an 'if' at the function's level. */
    wb_module(&w);
    WB_SEC(&w, 1, T_V);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 10, 0x01, 0x03, 0x00, 0x05, 0x0B);
    expect_err(&w, KB_ERR_MALFORMED, "END opcode expected");
    /* The function section declares two functions, the code section has one
       whose body is malformed. */
    wb_module(&w);
    WB_SEC(&w, 1, T_V);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 10, 0x01, 0x03, 0x00, 0xFF, 0x0B);
    expect_err(&w, KB_ERR_MALFORMED, "illegal opcode");
}

static void test_valid_basic_typing(void **state) {
    (void)state;
    body_ok(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x01, 0x1A, 0x0B));
    body_ok(TYPES(T_I), NULL, BODY(0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B));
    body_invalid(TYPES(T_I), NULL, BODY(0x00, 0x42, 0x00, 0x0B), "type mismatch");
    body_invalid(TYPES(T_I), NULL, BODY(0x00, 0x0B), "type mismatch");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x00, 0x0B), "type mismatch"); /* leftover value */
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x6A, 0x1A, 0x0B), "type mismatch");
    /* Unreachable code is polymorphic. */
    body_ok(TYPES(T_I), NULL, BODY(0x00, 0x00, 0x6A, 0x0B));
    body_ok(TYPES(T_V), NULL, BODY(0x00, 0x00, 0x1B, 0x1A, 0x0B));
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B), "type mismatch");
    /* Multi-value block with parameters: type 1 = [i32] -> [i32 i32]. */
    body_ok(TYPES(0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x02, 0x7F, 0x7F),
            NULL, BODY(0x00, 0x41, 0x05, 0x02, 0x01, 0x41, 0x06, 0x0B, 0x1A, 0x1A, 0x0B));
    /* if without else must have matching params and results. */
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x0B, 0x1A, 0x0B),
                 "type mismatch");
    body_ok(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x05, 0x41, 0x02, 0x0B, 0x1A, 0x0B));
    /* Untyped select rejects references; typed select needs exactly one type. */
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1B, 0x1A, 0x0B), "type mismatch");
    body_ok(TYPES(T_V), NULL, BODY(0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1C, 0x01, 0x70, 0x1A, 0x0B));
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x1C, 0x02, 0x7F, 0x7F, 0x1A, 0x0B),
                 "invalid result arity");
}

static void test_valid_unknown_indices(void **state) {
    (void)state;
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x20, 0x05, 0x1A, 0x0B), "unknown local");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x10, 0x09, 0x0B), "unknown function");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x23, 0x00, 0x1A, 0x0B), "unknown global");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x00, 0x25, 0x00, 0x1A, 0x0B), "unknown table");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B), "unknown memory 0");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x02, 0x07, 0x0B, 0x0B), "unknown type");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x0C, 0x01, 0x0B), "unknown label");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0x08, 0x00, 0x0B), "unknown tag 0");
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0xFC, 0x0D, 0x00, 0x0B), "unknown elem segment 0");
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x00, 0x01);
    WB_SEC(&pre, 12, 0x00);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0xFC, 0x09, 0x00, 0x0B), "unknown data segment 0");
}

/* ---------------------------------------------------------------- locals */

static void test_valid_local_init(void **state) {
    (void)state;
    /* type 0: [] -> [], type 1: (struct); local 0: (ref 1) */
    const uint8_t types[] = {0x02, 0x60, 0x00, 0x00, 0x5F, 0x00};
    body_invalid(types, sizeof types, NULL, BODY(0x01, 0x01, 0x64, 0x01, 0x20, 0x00, 0x1A, 0x0B),
                 "uninitialized local");
    body_ok(types, sizeof types, NULL,
            BODY(0x01, 0x01, 0x64, 0x01, 0xFB, 0x00, 0x01, 0x21, 0x00, 0x20, 0x00, 0x1A, 0x0B));
    /* Set inside a block is forgotten at its end (spec 3.0). */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x01, 0x01, 0x64, 0x01, 0x02, 0x40, 0xFB, 0x00, 0x01, 0x21, 0x00, 0x0B, 0x20, 0x00, 0x1A, 0x0B),
                 "uninitialized local");
    /* ...but visible inside it. */
    body_ok(types, sizeof types, NULL,
            BODY(0x01, 0x01, 0x64, 0x01, 0x02, 0x40, 0xFB, 0x00, 0x01, 0x22, 0x00, 0x1A, 0x20, 0x00, 0x1A, 0x0B, 0x0B));
    /* Nullable references default to null. */
    body_ok(types, sizeof types, NULL, BODY(0x01, 0x01, 0x63, 0x01, 0x20, 0x00, 0x1A, 0x0B));
}

/* ---------------------------------------------------------------- module level */

static void test_valid_func_refs(void **state) {
    (void)state;
    body_invalid(TYPES(T_V), NULL, BODY(0x00, 0xD2, 0x00, 0x1A, 0x0B), "undeclared function reference");
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 9, 0x01, 0x03, 0x00, 0x01, 0x00); /* declarative elem func 0 */
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0xD2, 0x00, 0x1A, 0x0B));
    pre.n = 0;
    WB_SEC(&pre, 7, 0x01, 0x01, 'f', 0x00, 0x00); /* an export declares it too */
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0xD2, 0x00, 0x1A, 0x0B));
}

static void test_valid_const_exprs(void **state) {
    (void)state;
    wb pre;
    /* Extended constants are fine. */
    pre.n = 0;
    WB_SEC(&pre, 6, 0x01, 0x7F, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x0B));
    pre.n = 0;
    WB_SEC(&pre, 6, 0x01, 0x7F, 0x00, 0x41, 0x01, 0x67, 0x0B); /* i32.clz */
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "constant expression required");
    pre.n = 0; /* global.get of a mutable global */
    WB_SEC(&pre, 6, 0x02, 0x7F, 0x01, 0x41, 0x01, 0x0B, 0x7F, 0x00, 0x23, 0x00, 0x0B);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "constant expression required");
    pre.n = 0; /* earlier immutable global: fine in 3.0 */
    WB_SEC(&pre, 6, 0x02, 0x7F, 0x00, 0x41, 0x01, 0x0B, 0x7F, 0x00, 0x23, 0x00, 0x0B);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x0B));
    pre.n = 0; /* a later global */
    WB_SEC(&pre, 6, 0x02, 0x7F, 0x00, 0x23, 0x01, 0x0B, 0x7F, 0x00, 0x41, 0x01, 0x0B);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "unknown global");
    pre.n = 0; /* wrong type */
    WB_SEC(&pre, 6, 0x01, 0x7E, 0x00, 0x41, 0x01, 0x0B);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "type mismatch");
    pre.n = 0; /* global.set of an immutable global */
    WB_SEC(&pre, 6, 0x01, 0x7F, 0x00, 0x41, 0x01, 0x0B);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0x24, 0x00, 0x0B), "immutable global");
}

static void test_valid_module_rules(void **state) {
    (void)state;
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 7, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a', 0x00, 0x00);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "duplicate export name");
    pre.n = 0;
    WB_SEC(&pre, 7, 0x01, 0x01, 'a', 0x03, 0x00);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "unknown global 0");
    pre.n = 0;
    WB_SEC(&pre, 8, 0x00);
    body_invalid(TYPES(T_I), &pre, BODY(0x00, 0x41, 0x00, 0x0B), "start function");
    pre.n = 0;
    WB_SEC(&pre, 8, 0x05);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "unknown function");
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x01, 0x02, 0x01);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "size minimum must not be greater than maximum");
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x00, 0x81, 0x80, 0x04);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "memory size must be at most 65536 pages (4GiB)");
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x02, 0x01);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "shared memory must have maximum");
    pre.n = 0; /* multiple memories are fine (3.0) */
    WB_SEC(&pre, 5, 0x02, 0x00, 0x01, 0x04, 0x01);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x42, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1A, 0x0B));
    /* Multiple memories only when the single-memory feature flag is off. */
    {
        wb m2;
        wb_module(&m2);
        WB_SEC(&m2, 5, 0x02, 0x00, 0x01, 0x00, 0x01);
        kbin_module *mod = NULL;
        assert_null(kbin_decode_ex(m2.b, m2.n, KBIN_FEATURE_SINGLE_MEMORY, &mod));
        kb_error *e = kval_module(reg, mod);
        assert_non_null(e);
        assert_non_null(strstr(e->message, "multiple memories"));
        kb_error_free(e);
        kbin_module_free(mod);
    }
    /* Tag types have no results. */
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x01, 0x7F);
    WB_SEC(&w, 13, 0x01, 0x00, 0x00);
    expect_err(&w, KB_ERR_INVALID, "non-empty tag result type");
    /* A table without initialiser needs a nullable element type. */
    pre.n = 0;
    WB_SEC(&pre, 4, 0x01, 0x64, 0x70, 0x00, 0x01);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "type mismatch");
    pre.n = 0;
    WB_SEC(&pre, 4, 0x01, 0x40, 0x00, 0x64, 0x70, 0x00, 0x01, 0xD2, 0x00, 0x0B);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x0B));
    /* Element segment type must match its table. */
    pre.n = 0;
    WB_SEC(&pre, 4, 0x01, 0x6F, 0x00, 0x01);
    WB_SEC(&pre, 9, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x00);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x0B), "type mismatch");
}

/* ---------------------------------------------------------------- memory */

static void test_valid_memory(void **state) {
    (void)state;
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x00, 0x01);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B));
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0x28, 0x03, 0x00, 0x1A, 0x0B),
                 "alignment must not be larger than natural");
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1A, 0x0B),
                 "offset out of range");
    /* Atomics need exactly natural alignment. */
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0xFE, 0x10, 0x01, 0x00, 0x1A, 0x0B), "alignment");
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0xFE, 0x10, 0x02, 0x00, 0x1A, 0x0B));
    /* SIMD lanes. */
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xFD, 0x15, 0x10, 0x1A, 0x0B),
                 "invalid lane index");
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0xFD, 0x15, 0x0F, 0x1A, 0x0B));
    /* memory64: addresses are i64. */
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x04, 0x01);
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B), "type mismatch");
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x42, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x3F, 0x00, 0x1A, 0x0B));
    /* memory.copy between i64 and i32 memories: the length is i32. */
    pre.n = 0;
    WB_SEC(&pre, 5, 0x02, 0x04, 0x01, 0x00, 0x01);
    body_ok(TYPES(T_V), &pre, BODY(0x00, 0x42, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0A, 0x00, 0x01, 0x0B));
    body_invalid(TYPES(T_V), &pre, BODY(0x00, 0x42, 0x00, 0x41, 0x00, 0x42, 0x00, 0xFC, 0x0A, 0x00, 0x01, 0x0B),
                 "type mismatch");
}

/* ---------------------------------------------------------------- control */

static void test_valid_branches(void **state) {
    (void)state;
    /* br_table to labels of different arity. */
    body_invalid(TYPES(T_V), NULL,
                 BODY(0x00, 0x02, 0x40, 0x02, 0x7F, 0x41, 0x00, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x1A, 0x0B, 0x0B),
                 "type mismatch");
    body_ok(TYPES(T_V), NULL,
            BODY(0x00, 0x02, 0x40, 0x02, 0x40, 0x41, 0x00, 0x0E, 0x02, 0x00, 0x01, 0x01, 0x0B, 0x0B, 0x0B));
    /* br to a loop carries its parameters (none). */
    body_ok(TYPES(T_V), NULL, BODY(0x00, 0x03, 0x40, 0x0C, 0x00, 0x0B, 0x0B));
    /* return_call: callee results must match the caller's. type 1 = [] -> [i64], function 0 has [] -> [i32] */
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x02, 0x60, 0x00, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7E);
    WB_SEC(&w, 3, 0x02, 0x00, 0x01);
    WB_SEC(&w, 10, 0x02, 0x04, 0x00, 0x12, 0x01, 0x0B, 0x04, 0x00, 0x42, 0x00, 0x0B);
    expect_err(&w, KB_ERR_INVALID, "type mismatch");
    wb_module(&w);
    WB_SEC(&w, 1, 0x02, 0x60, 0x00, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7E);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 10, 0x02, 0x04, 0x00, 0x12, 0x01, 0x0B, 0x04, 0x00, 0x41, 0x00, 0x0B);
    expect_ok(&w);
    /* br_on_null / br_on_non_null / call_ref: type 1 = (func) */
    body_ok(TYPES(0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00), NULL,
            BODY(0x00, 0x02, 0x40, 0xD0, 0x01, 0xD5, 0x00, 0x14, 0x01, 0x0B, 0x0B));
    body_ok(TYPES(0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00), NULL,
            BODY(0x00, 0x02, 0x64, 0x01, 0xD0, 0x01, 0xD6, 0x00, 0x00, 0x0B, 0x1A, 0x0B));
    body_invalid(TYPES(0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00), NULL,
                 BODY(0x00, 0x02, 0x40, 0xD0, 0x01, 0xD6, 0x00, 0x0B, 0x0B), "type mismatch");
}

static void test_valid_deep_nesting(void **state) {
    (void)state;
    /* 20000 nested blocks: validated with an explicit stack. */
    enum { DEPTH = 20000 };
    uint8_t *body = malloc(DEPTH * 3 + 4);
    size_t n = 0;
    body[n++] = 0x00;
    for (int i = 0; i < DEPTH; i++) {
        body[n++] = 0x02;
        body[n++] = 0x40;
    }
    for (int i = 0; i < DEPTH; i++) body[n++] = 0x0B;
    body[n++] = 0x0B;
    body_ok(TYPES(T_V), NULL, body, n);
    free(body);
}

/* ---------------------------------------------------------------- fast path */

/*
** kval_fast.c checks the common instructions straight from their bytes when
** at least a few more bytes follow, and leaves anything unusual to the
** general rules. PADDED(...) puts 16 nops after the code so that its
** instructions go through the fast path; every answer (and error wording)
** must be the general rules' one.
*/
#define NOPS16 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
#define PADDED(...) BODY(__VA_ARGS__, NOPS16, 0x0B)

/*
** The note for compile/'s pre-scan (kval_code_loop_consts): constants in
** loops at every depth up to past the 64 the note counts, through the fast
** path and the general rules (check_records compares with the rule).
*/
static void test_valid_loop_consts(void **state) {
    (void)state;
    enum { DEPTH = 70 };
    uint8_t *body = malloc(DEPTH * 17 + 64);
    size_t n = 0;
    body[n++] = 0x00;
    body[n++] = 0x41, body[n++] = 0x05, body[n++] = 0x1A; /* i32.const 5 drop: outside loops */
    for (int i = 0; i < DEPTH; i++) {
        body[n++] = i % 3 == 2 ? 0x02 : 0x03, body[n++] = 0x40;          /* block or loop */
        body[n++] = 0x41, body[n++] = (uint8_t)(i & 0x3F), body[n++] = 0x1A; /* i32.const i drop */
        if (i % 5 == 0) {                                                 /* f64.const 1 drop */
            body[n++] = 0x44;
            for (int k = 0; k < 7; k++) body[n++] = 0;
            body[n++] = 0x3F, body[n++] = 0x1A;
        }
    }
    for (int i = 0; i < DEPTH; i++) body[n++] = 0x0B;
    body[n++] = 0x42, body[n++] = 0x7F, body[n++] = 0x1A; /* i64.const -1 drop: outside again */
    for (int i = 0; i < 16; i++) body[n++] = 0x01;
    body[n++] = 0x0B;
    body_ok(TYPES(T_V), NULL, body, n);
    /* Unreachable code and an 'if' with results inside a loop. */
    body_ok(TYPES(T_V), NULL,
            PADDED(0x00, 0x03, 0x40, 0x41, 0x01, 0x04, 0x7F, 0x41, 0x02, 0x05, 0x41, 0x03, 0x0B, 0x1A, 0x0C, 0x00, 0x41,
                   0x04, 0x1A, 0x0B));
    free(body);
}

static void test_valid_fast_path(void **state) {
    (void)state;
    /* Locals: local 0 i32, local 1 i64 (one group each). */
#define L2 0x02, 0x01, 0x7F, 0x01, 0x7E
    body_ok(TYPES(T_V), NULL, PADDED(L2, 0x41, 0x05, 0x21, 0x00, 0x42, 0x07, 0x22, 0x01, 0x1A, 0x20, 0x00, 0x1A));
    body_invalid(TYPES(T_V), NULL, PADDED(L2, 0x42, 0x05, 0x21, 0x00), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(L2, 0x41, 0x05, 0x22, 0x01, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(L2, 0x21, 0x00), "type mismatch"); /* nothing to pop */
    body_invalid(TYPES(T_V), NULL, PADDED(L2, 0x20, 0x02, 0x1A), "unknown local 2");
    /* Numeric operators, constants of every length, the 0xFC truncations. */
    body_ok(TYPES(T_V), NULL,
            PADDED(0x00, 0x41, 0xFF, 0xFF, 0x03, 0x41, 0x80, 0x80, 0x80, 0x80, 0x04, 0x6A, 0x45, 0x1A, 0x42, 0x7F,
                   0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F, 0x7E, 0x50, 0x1A));
    body_ok(TYPES(T_V), NULL, PADDED(0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0xFC, 0x02, 0x1A));
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x00, 0xFC, 0x02, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x01, 0x42, 0x02, 0x6A, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x01, 0x6A, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x1A), "type mismatch");
    /* Unreachable code stays polymorphic. */
    body_ok(TYPES(T_V), NULL, PADDED(0x00, 0x00, 0x6A, 0x1A, 0x1A, 0x0C, 0x00, 0x41, 0x00, 0x1A));
    /* select: same numeric types only. */
    body_ok(TYPES(T_V), NULL, PADDED(0x00, 0x42, 0x01, 0x42, 0x02, 0x41, 0x00, 0x1B, 0x1A));
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x42, 0x01, 0x41, 0x02, 0x41, 0x00, 0x1B, 0x1A), "type mismatch");
    /* Blocks, if/else, branches: results checked exactly at else and end. */
    body_ok(TYPES(T_V), NULL,
            PADDED(0x00, 0x02, 0x7F, 0x41, 0x01, 0x0B, 0x04, 0x7E, 0x42, 0x01, 0x05, 0x42, 0x02, 0x0B, 0x1A, 0x03,
                   0x40, 0x41, 0x00, 0x0D, 0x00, 0x0B));
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x7F, 0x42, 0x01, 0x0B, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x7F, 0x0B, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x40, 0x41, 0x01, 0x0B), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x0B, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x01, 0x04, 0x7F, 0x42, 0x01, 0x05, 0x41, 0x02, 0x0B, 0x1A),
                 "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x42, 0x01, 0x04, 0x40, 0x0B), "type mismatch");
    body_ok(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x7F, 0x41, 0x01, 0x41, 0x00, 0x0D, 0x00, 0x0B, 0x1A));
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x7F, 0x41, 0x00, 0x0D, 0x00, 0x0B, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x40, 0x0C, 0x02, 0x0B), "unknown label");
    wb w;
    func_module(&w, TYPES(T_V), NULL, PADDED(0x00, 0x02, 0x40, 0x05, 0x0B));
    expect_err(&w, KB_ERR_MALFORMED, "else without if");
    /* Calls with a numeric signature: function 0 is [i32 i64] -> [i32]. */
    const uint8_t tc[] = {0x01, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7F};
    body_ok(tc, sizeof tc, NULL, PADDED(0x00, 0x41, 0x01, 0x42, 0x02, 0x10, 0x00, 0x1A, 0x41, 0x00));
    body_invalid(tc, sizeof tc, NULL, PADDED(0x00, 0x42, 0x01, 0x41, 0x02, 0x10, 0x00, 0x1A, 0x41, 0x00),
                 "type mismatch");
    body_invalid(tc, sizeof tc, NULL, PADDED(0x00, 0x10, 0x81, 0x01, 0x1A, 0x41, 0x00), "unknown function 129");
    /* Loads and stores of memory 0 (one page). */
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 5, 0x01, 0x00, 0x01);
    body_ok(TYPES(T_V), &pre, PADDED(0x00, 0x41, 0x00, 0x28, 0x02, 0x80, 0x01, 0x42, 0x00, 0x37, 0x03, 0x08));
    body_invalid(TYPES(T_V), &pre, PADDED(0x00, 0x41, 0x00, 0x28, 0x03, 0x00, 0x1A),
                 "alignment must not be larger than natural");
    body_invalid(TYPES(T_V), &pre, PADDED(0x00, 0x42, 0x00, 0x28, 0x02, 0x00, 0x1A), "type mismatch");
    body_invalid(TYPES(T_V), &pre, PADDED(0x00, 0x41, 0x00, 0x41, 0x00, 0x37, 0x03, 0x00), "type mismatch");
    body_invalid(TYPES(T_V), NULL, PADDED(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A), "unknown memory 0");
#undef L2
}

/* ---------------------------------------------------------------- exceptions */

static void test_valid_exceptions(void **state) {
    (void)state;
    /* type 0 [] -> [], type 1 [i32] -> []; tag 0 of type 1 */
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 13, 0x01, 0x00, 0x01);
    const uint8_t types[] = {0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x00};
    /* block (result i32) try_table (catch 0 0) throw 0 end unreachable end drop */
    body_ok(types, sizeof types, &pre,
            BODY(0x00, 0x02, 0x7F, 0x1F, 0x40, 0x01, 0x00, 0x00, 0x00, 0x41, 0x01, 0x08, 0x00, 0x0B, 0x00, 0x0B, 0x1A, 0x0B));
    /* catch into a label of the wrong type */
    body_invalid(types, sizeof types, &pre,
                 BODY(0x00, 0x02, 0x7E, 0x1F, 0x40, 0x01, 0x00, 0x00, 0x00, 0x0B, 0x00, 0x0B, 0x1A, 0x0B), "type mismatch");
    /* catch_all_ref needs an exnref label */
    body_ok(types, sizeof types, &pre,
            BODY(0x00, 0x02, 0x64, 0x69, 0x1F, 0x40, 0x01, 0x03, 0x00, 0x0B, 0x00, 0x0B, 0x0A, 0x0B));
    /* legacy try / catch / rethrow */
    body_ok(types, sizeof types, &pre,
            BODY(0x00, 0x06, 0x40, 0x41, 0x01, 0x08, 0x00, 0x07, 0x00, 0x1A, 0x09, 0x00, 0x19, 0x09, 0x00, 0x0B, 0x0B));
    body_invalid(types, sizeof types, &pre, BODY(0x00, 0x02, 0x40, 0x09, 0x00, 0x0B, 0x0B), "rethrow");
    /* try ... delegate: the label is counted outside the try. */
    body_ok(types, sizeof types, &pre, BODY(0x00, 0x02, 0x40, 0x06, 0x40, 0x18, 0x00, 0x0B, 0x0B));
    body_ok(types, sizeof types, &pre, BODY(0x00, 0x06, 0x40, 0x18, 0x00, 0x0B));
    body_invalid(types, sizeof types, &pre, BODY(0x00, 0x06, 0x40, 0x18, 0x01, 0x0B), "unknown label");
    body_invalid(types, sizeof types, &pre, BODY(0x00, 0x08, 0x00, 0x0B), "type mismatch");
}

/* ---------------------------------------------------------------- GC */

static void test_valid_gc(void **state) {
    (void)state;
    /* 0: [] -> [], 1: (struct (field i32) (field (mut i8))), 2: (array (mut i32)), 3: (array i64) */
    const uint8_t types[] = {0x04, 0x60, 0x00, 0x00, 0x5F, 0x02, 0x7F, 0x00, 0x78, 0x01,
                             0x5E, 0x7F, 0x01, 0x5E, 0x7E, 0x00};
    /* struct.new 1, struct.get_u 1 1 */
    body_ok(types, sizeof types, NULL,
            BODY(0x00, 0x41, 0x01, 0x41, 0x02, 0xFB, 0x00, 0x01, 0xFB, 0x04, 0x01, 0x01, 0x1A, 0x0B));
    /* struct.get on a packed field */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x00, 0x41, 0x01, 0x41, 0x02, 0xFB, 0x00, 0x01, 0xFB, 0x02, 0x01, 0x01, 0x1A, 0x0B), "type mismatch");
    /* struct.set on an immutable field */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x00, 0xD0, 0x01, 0x41, 0x00, 0xFB, 0x05, 0x01, 0x00, 0x0B), "immutable field");
    body_invalid(types, sizeof types, NULL, BODY(0x00, 0xD0, 0x01, 0xFB, 0x02, 0x01, 0x05, 0x1A, 0x0B), "unknown field");
    /* array.copy from i64 array into i32 array */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x00, 0xD0, 0x02, 0x41, 0x00, 0xD0, 0x03, 0x41, 0x00, 0x41, 0x00, 0xFB, 0x11, 0x02, 0x03, 0x0B),
                 "array types do not match");
    /* array.set on an immutable array */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x00, 0xD0, 0x03, 0x41, 0x00, 0x42, 0x00, 0xFB, 0x0E, 0x03, 0x0B), "immutable array");
    /* array.new_fixed 2 3, array.len */
    body_ok(types, sizeof types, NULL,
            BODY(0x00, 0x41, 0x01, 0x41, 0x02, 0x41, 0x03, 0xFB, 0x08, 0x02, 0x03, 0xFB, 0x0F, 0x1A, 0x0B));
    /* ref.cast to (ref 1) from anyref, ref.test, i31 */
    body_ok(types, sizeof types, NULL,
            BODY(0x00, 0xD0, 0x6E, 0xFB, 0x16, 0x01, 0x1A, 0xD0, 0x6E, 0xFB, 0x14, 0x6C, 0x1A,
                 0x41, 0x05, 0xFB, 0x1C, 0xFB, 0x1D, 0x1A, 0x0B));
    /* ref.cast across hierarchies: a funcref cannot be cast to a struct */
    body_invalid(types, sizeof types, NULL, BODY(0x00, 0xD0, 0x70, 0xFB, 0x16, 0x01, 0x1A, 0x0B), "type mismatch");
    /* br_on_cast 0 anyref -> (ref 1) into a block of (ref null 1) */
    body_ok(types, sizeof types, NULL,
            BODY(0x00, 0x02, 0x63, 0x01, 0xD0, 0x6E, 0xFB, 0x18, 0x01, 0x00, 0x6E, 0x01, 0x1A, 0xD0, 0x01, 0x0B, 0x1A, 0x0B));
    /* br_on_cast with a target that is not a subtype of the source */
    body_invalid(types, sizeof types, NULL,
                 BODY(0x00, 0x02, 0x63, 0x01, 0xD0, 0x6E, 0xFB, 0x18, 0x01, 0x00, 0x70, 0x01, 0x1A, 0xD0, 0x01, 0x0B,
                      0x1A, 0x0B),
                 "type mismatch");
    /* any.convert_extern / extern.convert_any keep nullability */
    body_ok(types, sizeof types, NULL, BODY(0x00, 0xD0, 0x6F, 0xFB, 0x1A, 0xFB, 0x1B, 0x1A, 0x0B));
    /* array.new_data on a reference array */
    const uint8_t types2[] = {0x02, 0x60, 0x00, 0x00, 0x5E, 0x6E, 0x01};
    wb pre;
    pre.n = 0;
    WB_SEC(&pre, 12, 0x01);
    wb w;
    func_module(&w, types2, sizeof types2, &pre, BODY(0x00, 0x41, 0x00, 0x41, 0x00, 0xFB, 0x09, 0x01, 0x00, 0x1A, 0x0B));
    WB_SEC(&w, 11, 0x01, 0x01, 0x00);
    expect_err(&w, KB_ERR_INVALID, "array type is not numeric or vector");
}

/* ---------------------------------------------------------------- limits */

static void test_valid_limits(void **state) {
    (void)state;
    /* A function type with 1001 parameters is past the implementation limit. */
    static uint8_t types[2000];
    size_t n = 0;
    types[n++] = 0x01;
    types[n++] = 0x60;
    types[n++] = 0xE9; /* 1001 */
    types[n++] = 0x07;
    for (int i = 0; i < 1001; i++) types[n++] = 0x7F;
    types[n++] = 0x00;
    wb w;
    wb_module(&w);
    wb_section(&w, 1, types, n);
    expect_err(&w, KB_ERR_LIMIT, "too many parameters");

    /* Unreachable code cannot make the operand stack grow without bound:
       type 1 returns 1000 values, called 1100 times after 'unreachable'. */
    n = 0;
    types[n++] = 0x02;
    types[n++] = 0x60;
    types[n++] = 0x00;
    types[n++] = 0x00;
    types[n++] = 0x60;
    types[n++] = 0x00;
    types[n++] = 0xE8; /* 1000 */
    types[n++] = 0x07;
    for (int i = 0; i < 1000; i++) types[n++] = 0x7F;
    static uint8_t body[4000];
    size_t b = 0;
    body[b++] = 0x00;
    body[b++] = 0x00; /* unreachable */
    for (int i = 0; i < 1100; i++) {
        body[b++] = 0x10; /* call 1 */
        body[b++] = 0x01;
    }
    body[b++] = 0x0B;
    wb_module(&w);
    wb_section(&w, 1, types, n);
    WB_SEC(&w, 3, 0x02, 0x00, 0x01);
    uint8_t code[8000];
    size_t c = 0;
    code[c++] = 0x02;
    code[c++] = (uint8_t)(0x80 | (b & 0x7F));
    code[c++] = (uint8_t)(b >> 7);
    memcpy(code + c, body, b);
    c += b;
    code[c++] = 0x03; /* function 1: unreachable end */
    code[c++] = 0x00;
    code[c++] = 0x00;
    code[c++] = 0x0B;
    wb_section(&w, 10, code, c);
    expect_err(&w, KB_ERR_LIMIT, "operand stack too deep");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_basic_typing),
        cmocka_unit_test(test_valid_unknown_indices),
        cmocka_unit_test(test_valid_local_init),
        cmocka_unit_test(test_valid_func_refs),
        cmocka_unit_test(test_valid_const_exprs),
        cmocka_unit_test(test_valid_module_rules),
        cmocka_unit_test(test_valid_memory),
        cmocka_unit_test(test_valid_branches),
        cmocka_unit_test(test_valid_fast_path),
        cmocka_unit_test(test_valid_deep_nesting),
        cmocka_unit_test(test_valid_loop_consts),
        cmocka_unit_test(test_valid_exceptions),
        cmocka_unit_test(test_valid_gc),
        cmocka_unit_test(test_valid_limits),
        cmocka_unit_test(test_valid_deferred_scan_precedence),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
