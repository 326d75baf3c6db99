/*
** test_reader.c -- the instruction reader (engine/binary/kbin_reader.c).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/kb_error.h"
#include "binary/kbin_reader.h"

/* Reads one instruction from 'bytes'; asserts success and full consumption. */
static kbin_instr read_one(const uint8_t *bytes, size_t n) {
    kbin_reader r = kbin_reader_make(bytes, 0, n);
    kbin_instr in;
    kb_error *err = kbin_read_instr(&r, &in);
    if (err) fail_msg("unexpected error: %s", err->message);
    assert_int_equal(r.pos, n);
    return in;
}

/* Reads one instruction and expects an error containing 'msg'. */
static void read_fails(const uint8_t *bytes, size_t n, const char *msg) {
    kbin_reader r = kbin_reader_make(bytes, 0, n);
    kbin_instr in;
    kb_error *err = kbin_read_instr(&r, &in);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    if (strstr(err->message, msg) == NULL) fail_msg("got '%s', want '%s'", err->message, msg);
    kb_error_free(err);
}

#define ONE(...) read_one((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define FAILS(msg, ...) \
    read_fails((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), msg)

static void test_reader_simple(void **state) {
    (void)state;
    assert_int_equal(ONE(0x6A).op, KOP_I32_ADD);
    assert_string_equal(kbin_op_name(KOP_I32_ADD), "i32.add");
    assert_int_equal(ONE(0x00).op, KOP_UNREACHABLE);
    assert_int_equal(ONE(0xC4).op, KOP_I64_EXTEND32_S);
    kbin_instr in = ONE(0x41, 0x7F);
    assert_int_equal(in.op, KOP_I32_CONST);
    assert_int_equal(in.imm.i32, -1);
    in = ONE(0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F);
    assert_int_equal(in.imm.i64, INT64_MIN);
    in = ONE(0x43, 0x00, 0x00, 0x80, 0x3F);
    assert_int_equal(in.imm.f32, 0x3F800000u);
    in = ONE(0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F);
    assert_true(in.imm.f64 == 0x3FF0000000000000ull);
    in = ONE(0x20, 0x85, 0x01);
    assert_int_equal(in.op, KOP_LOCAL_GET);
    assert_int_equal(in.imm.index, 133);
}

static void test_reader_prefixed(void **state) {
    (void)state;
    assert_int_equal(ONE(0xFC, 0x07).op, KOP_I64_TRUNC_SAT_F64_U);
    /* A sub-opcode is a u32 LEB: a padded encoding is fine. */
    assert_int_equal(ONE(0xFC, 0x80, 0x00).op, KOP_I32_TRUNC_SAT_F32_S);
    kbin_instr in = ONE(0xFC, 0x0E, 0x01, 0x02);
    assert_int_equal(in.op, KOP_TABLE_COPY);
    assert_int_equal(in.imm.idx2.a, 1);
    assert_int_equal(in.imm.idx2.b, 2);
    in = ONE(0xFD, 0x93, 0x02); /* 0x113 relaxed dot add */
    assert_int_equal(in.op, KOP_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S);
    in = ONE(0xFD, 0x15, 0x0F);
    assert_int_equal(in.op, KOP_I8X16_EXTRACT_LANE_S);
    assert_int_equal(in.imm.lane, 15);
    in = ONE(0xFD, 0x54, 0x00, 0x10, 0x03); /* v128.load8_lane align 0 offset 16 lane 3 */
    assert_int_equal(in.op, KOP_V128_LOAD8_LANE);
    assert_int_equal(in.imm.mem.offset, 16);
    assert_int_equal(in.imm.mem.lane, 3);
    in = ONE(0xFE, 0x03, 0x00);
    assert_int_equal(in.op, KOP_ATOMIC_FENCE);
    in = ONE(0xFE, 0x4E, 0x03, 0x00);
    assert_int_equal(in.op, KOP_I64_ATOMIC_RMW32_CMPXCHG_U);
    in = ONE(0xFB, 0x08, 0x05, 0x03);
    assert_int_equal(in.op, KOP_ARRAY_NEW_FIXED);
    assert_int_equal(in.imm.idx2.a, 5);
    assert_int_equal(in.imm.idx2.b, 3);
    in = ONE(0xFB, 0x17, 0x6C);
    assert_int_equal(in.op, KOP_REF_CAST_NULL);
    assert_true(in.imm.ref.nullable);
    assert_int_equal(in.imm.ref.heap, KHT_I31);
}

static void test_reader_all_ops_roundtrip(void **state) {
    (void)state;
    /* Every row decodes back to itself (catches duplicate or mistyped rows). */
    for (unsigned op = 0; op < KOP_COUNT_; op++) {
        uint8_t buf[32] = {0};
        size_t n = 0;
        if (kbin_ops[op].prefix) {
            buf[n++] = kbin_ops[op].prefix;
            uint32_t c = kbin_ops[op].code;
            do {
                uint8_t b = c & 0x7F;
                c >>= 7;
                buf[n++] = c ? (b | 0x80) : b;
            } while (c);
        } else {
            buf[n++] = (uint8_t)kbin_ops[op].code;
        }
        /* Immediates: zeros decode for every shape except block types and
           heap types, which need a valid first byte. */
        size_t body = n;
        memset(buf + body, 0, sizeof buf - body);
        if (kbin_ops[op].imm == KIMM_BLOCK || kbin_ops[op].imm == KIMM_TRY_TABLE) buf[body] = 0x40;
        if (kbin_ops[op].imm == KIMM_HEAPTYPE || kbin_ops[op].imm == KIMM_REFTYPE)
            buf[body] = 0x70;
        if (kbin_ops[op].imm == KIMM_BR_ON_CAST) buf[body + 2] = buf[body + 3] = 0x6E;
        if (kbin_ops[op].imm == KIMM_SELECT_T) { buf[body] = 1; buf[body + 1] = 0x7F; }
        kbin_reader r = kbin_reader_make(buf, 0, sizeof buf);
        kbin_instr in;
        kb_error *err = kbin_read_instr(&r, &in);
        if (err) fail_msg("%s: %s", kbin_ops[op].name, err->message);
        assert_int_equal(in.op, op);
    }
}

static void test_reader_br_table_try_table(void **state) {
    (void)state;
    const uint8_t bt[] = {0x0E, 0x03, 0x00, 0x81, 0x01, 0x02, 0x07};
    kbin_reader r = kbin_reader_make(bt, 0, sizeof bt);
    kbin_instr in;
    assert_null(kbin_read_instr(&r, &in));
    assert_int_equal(in.imm.br_table.count, 3);
    assert_int_equal(in.imm.br_table.default_label, 7);
    size_t p = in.imm.br_table.labels;
    assert_int_equal(kbin_br_table_next(&r, &p), 0);
    assert_int_equal(kbin_br_table_next(&r, &p), 129);
    assert_int_equal(kbin_br_table_next(&r, &p), 2);

    const uint8_t tt[] = {0x1F, 0x7F, 0x02, 0x00, 0x05, 0x01, 0x03, 0x02};
    r = kbin_reader_make(tt, 0, sizeof tt);
    assert_null(kbin_read_instr(&r, &in));
    assert_int_equal(in.op, KOP_TRY_TABLE);
    assert_int_equal(in.imm.try_table.block.kind, KBT_VAL);
    assert_int_equal(in.imm.try_table.count, 2);
    kbin_catch c;
    p = in.imm.try_table.clauses;
    kbin_catch_next(&r, &p, &c);
    assert_int_equal(c.kind, KCATCH);
    assert_int_equal(c.tag, 5);
    assert_int_equal(c.label, 1);
    kbin_catch_next(&r, &p, &c);
    assert_int_equal(c.kind, KCATCH_ALL_REF);
    assert_int_equal(c.label, 2);

    in = ONE(0xFB, 0x19, 0x03, 0x02, 0x6E, 0x00); /* br_on_cast_fail both nullable */
    assert_int_equal(in.op, KOP_BR_ON_CAST_FAIL);
    assert_int_equal(in.imm.br_on_cast.label, 2);
    assert_true(in.imm.br_on_cast.from.nullable && in.imm.br_on_cast.to.nullable);
    assert_int_equal(in.imm.br_on_cast.from.heap, KHT_ANY);
    assert_int_equal(in.imm.br_on_cast.to.heap, 0);

    in = ONE(0x02, 0x0A); /* block with type index 10 */
    assert_int_equal(in.imm.block.kind, KBT_TYPE);
    assert_int_equal(in.imm.block.index, 10);
    in = ONE(0x02, 0x63, 0x01); /* block (result (ref null 1)) */
    assert_int_equal(in.imm.block.kind, KBT_VAL);
    assert_int_equal(in.imm.block.val.heap, 1);
}

static void test_reader_errors(void **state) {
    (void)state;
    FAILS("illegal opcode ff", 0xFF);
    FAILS("illegal opcode", 0xF3);
    FAILS("illegal opcode", 0xFC, 0x12);
    FAILS("illegal opcode", 0xFD, 0x9A, 0x01);
    FAILS("unexpected end", 0x41);
    FAILS("unexpected end", 0x41, 0x80);
    FAILS("integer representation too long", 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    FAILS("integer too large", 0x41, 0x80, 0x80, 0x80, 0x80, 0x70);
    FAILS("integer too large", 0x20, 0x80, 0x80, 0x80, 0x80, 0x10);
    FAILS("malformed memop flags", 0x28, 0x80, 0x01, 0x00);
    FAILS("unexpected end", 0x44, 0x00, 0x00);
    FAILS("zero byte expected", 0xFE, 0x03, 0x01);
    FAILS("malformed heap type", 0xD0, 0x7F);
    FAILS("unexpected end", 0x0E, 0x05, 0x00);
    FAILS("malformed catch clause", 0x1F, 0x40, 0x01, 0x04, 0x00);
    FAILS("malformed value type", 0x1C, 0x01, 0x10);
}

static void test_reader_memarg(void **state) {
    (void)state;
    /* Bit 6 of the flags announces a memory index (multi-memory, 3.0). */
    kbin_instr in = ONE(0x28, 0x42, 0x03, 0x80, 0x01);
    assert_int_equal(in.op, KOP_I32_LOAD);
    assert_int_equal(in.imm.mem.align, 2);
    assert_int_equal(in.imm.mem.memory, 3);
    assert_int_equal(in.imm.mem.offset, 128);
    /* memory64 offsets are u64. */
    in = ONE(0x29, 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
    assert_true(in.imm.mem.offset == 0x8000000000000000ull);
    /* memory.size / memory.grow take a memory index (0 in one-memory modules). */
    in = ONE(0x3F, 0x02);
    assert_int_equal(in.op, KOP_MEMORY_SIZE);
    assert_int_equal(in.imm.index, 2);
    in = ONE(0xFC, 0x0A, 0x01, 0x00);
    assert_int_equal(in.op, KOP_MEMORY_COPY);
    assert_int_equal(in.imm.idx2.a, 1);
    assert_int_equal(in.imm.idx2.b, 0);
    in = ONE(0x11, 0x04, 0x01);
    assert_int_equal(in.op, KOP_CALL_INDIRECT);
    assert_int_equal(in.imm.idx2.a, 4); /* type */
    assert_int_equal(in.imm.idx2.b, 1); /* table */
    in = ONE(0x1C, 0x01, 0x64, 0x6B);
    assert_int_equal(in.op, KOP_SELECT_T);
    assert_int_equal(in.imm.select.count, 1);
    assert_false(in.imm.select.type.nullable);
    assert_int_equal(in.imm.select.type.heap, KHT_STRUCT);
    in = ONE(0xFD, 0x0D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31);
    assert_int_equal(in.op, KOP_I8X16_SHUFFLE);
    assert_int_equal(in.imm.v128[15], 31);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_simple),
        cmocka_unit_test(test_reader_prefixed),
        cmocka_unit_test(test_reader_all_ops_roundtrip),
        cmocka_unit_test(test_reader_br_table_try_table),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_memarg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
