/*
** test_literals.c -- numeric literals (spec 6.3.2, 6.3.3), strings and
** escapes (6.3.4), comments and annotations (6.3.6), lexer errors.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "text/ktext_int.h"
#include "text_helpers.h"

#define S(x) x, strlen(x)

static void test_int_forms(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(ktext_num_u(S("0"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(ktext_num_u(S("1_000_000"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 1000000);
    assert_int_equal(ktext_num_u(S("0xFF_ff"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0xFFFF);
    assert_int_equal(ktext_num_u(S("4294967295"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(ktext_num_u(S("4294967296"), 32, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_u(S("18446744073709551615"), 64, &v), KTEXT_NUM_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(ktext_num_u(S("18446744073709551616"), 64, &v), KTEXT_NUM_RANGE);
    /* underscores only between digits; no sign for uN; no empty hex */
    assert_int_equal(ktext_num_u(S("_1"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("1_"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("1__0"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("0x"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("0x_1"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("+1"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("1x"), 32, &v), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_u(S("0xg"), 32, &v), KTEXT_NUM_SYNTAX);
}

static void test_int_signed_ranges(void **state) {
    (void)state;
    uint64_t v;
    /* i32 accepts -2^31 .. 2^32-1 */
    assert_int_equal(ktext_num_i(S("-2147483648"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0x80000000u);
    assert_int_equal(ktext_num_i(S("-2147483649"), 32, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_i(S("4294967295"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_int_equal(ktext_num_i(S("+2147483647"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(ktext_num_i(S("+2147483648"), 32, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_i(S("-0x8000_0000"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0x80000000u);
    assert_int_equal(ktext_num_i(S("-1"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_int_equal(ktext_num_i(S("-0"), 32, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(ktext_num_i(S("-9223372036854775808"), 64, &v), KTEXT_NUM_OK);
    assert_true(v == 0x8000000000000000ull);
    assert_int_equal(ktext_num_i(S("-9223372036854775809"), 64, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_i(S("0xffffffffffffffff"), 64, &v), KTEXT_NUM_OK);
    assert_int_equal(ktext_num_i(S("-128"), 8, &v), KTEXT_NUM_OK);
    assert_int_equal(v, 0x80);
    assert_int_equal(ktext_num_i(S("255"), 8, &v), KTEXT_NUM_OK);
    assert_int_equal(ktext_num_i(S("256"), 8, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_i(S("-129"), 8, &v), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_i(S("--1"), 32, &v), KTEXT_NUM_SYNTAX);
}

static void test_float_forms(void **state) {
    (void)state;
    uint32_t f;
    uint64_t d;
    assert_int_equal(ktext_num_f32(S("1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x3F800000u);
    assert_int_equal(ktext_num_f32(S("-0"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x80000000u);
    assert_int_equal(ktext_num_f32(S("1.5e1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x41700000u); /* 15 */
    assert_int_equal(ktext_num_f32(S("1."), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x3F800000u);
    assert_int_equal(ktext_num_f32(S("1_0.0_0E+0_1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x42C80000u); /* 100 */
    assert_int_equal(ktext_num_f32(S("0x1p-1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x3F000000u);
    assert_int_equal(ktext_num_f32(S("0x1.8P1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x40400000u); /* 3 */
    assert_int_equal(ktext_num_f32(S("0x1.fffffep127"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x7F7FFFFFu);
    /* rounds to max finite vs rounds to infinity */
    assert_int_equal(ktext_num_f32(S("0x1.fffffefffffffffffp127"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x7F7FFFFFu);
    assert_int_equal(ktext_num_f32(S("0x1.ffffffp127"), &f), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_f32(S("1e39"), &f), KTEXT_NUM_RANGE);
    /* smallest subnormal, and a value rounding to it */
    assert_int_equal(ktext_num_f32(S("0x1p-149"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 1);
    assert_int_equal(ktext_num_f32(S("inf"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x7F800000u);
    assert_int_equal(ktext_num_f32(S("-inf"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0xFF800000u);
    assert_int_equal(ktext_num_f32(S("nan"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x7FC00000u);
    assert_int_equal(ktext_num_f32(S("-nan:0x1"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0xFF800001u);
    assert_int_equal(ktext_num_f32(S("nan:0x7f_ffff"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x7FFFFFFFu);
    assert_int_equal(ktext_num_f32(S("nan:0x80_0000"), &f), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_f32(S("nan:0x0"), &f), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_f32(S(".0"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f32(S("0e"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f32(S("0e+"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f32(S("0x1e+1"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f32(S("1.e_1"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f32(S("nan:canonical"), &f), KTEXT_NUM_SYNTAX);
    assert_int_equal(ktext_num_f64(S("0x1p-1074"), &d), KTEXT_NUM_OK);
    assert_true(d == 1);
    assert_int_equal(ktext_num_f64(S("1.7976931348623157e308"), &d), KTEXT_NUM_OK);
    assert_true(d == 0x7FEFFFFFFFFFFFFFull);
    assert_int_equal(ktext_num_f64(S("1.7976931348623159e308"), &d), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_f64(S("nan:0xf_ffff_ffff_ffff"), &d), KTEXT_NUM_OK);
    assert_true(d == 0x7FFFFFFFFFFFFFFFull);
    assert_int_equal(ktext_num_f64(S("nan:0x10_0000_0000_0000"), &d), KTEXT_NUM_RANGE);
    assert_int_equal(ktext_num_f64(S("-0x0.0p0"), &d), KTEXT_NUM_OK);
    assert_true(d == 0x8000000000000000ull);
    /* f32 rounding is direct, not through f64 (double rounding) */
    assert_int_equal(ktext_num_f32(S("1.000000059604644775390625"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x3F800000u); /* exactly halfway: ties to even */
    assert_int_equal(ktext_num_f32(S("1.00000005960464477539062500001"), &f), KTEXT_NUM_OK);
    assert_int_equal(f, 0x3F800001u);
}

static void test_const_instructions(void **state) {
    (void)state;
    TH_EXPECT_HEX("(func (result i32) (i32.const 0xffff_ffff))",
                  "0105016000017f030201000a06010400417f0b");
    TH_EXPECT_CODE("(func (i32.const -2147483648) drop)", "418080808078 1a0b");
    TH_EXPECT_CODE("(func (i64.const -1) drop)", "427f1a0b");
    TH_EXPECT_CODE("(func (i64.const 0x7fff_ffff_ffff_ffff) drop)", "42ffffffffffffffff ff001a0b");
    TH_EXPECT_CODE("(func (f32.const -nan:0x1) drop)", "43010080ff1a0b");
    TH_EXPECT_CODE("(func (f32.const +inf) drop)", "430000807f1a0b");
    TH_EXPECT_CODE("(func (f64.const 1) drop)", "44000000000000f03f1a0b");
    TH_EXPECT_CODE("(func (f64.const -0x1p-1074) drop)", "4401000000000000801a0b");
    TH_EXPECT_ERR("(func (i32.const 4294967296) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (i32.const -2147483649) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (i64.const 18446744073709551616) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (f32.const 1e39) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (f64.const nan:0x0) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (i32.const 0x) drop)", "unknown operator");
    TH_EXPECT_ERR("(func (i32.const) drop)", "unexpected token");
    TH_EXPECT_ERR("(func (f32.const .0) drop)", "unknown operator");
    TH_EXPECT_ERR("(func (i32.const 1.0) drop)", "unknown operator");
}

static void test_v128_literals(void **state) {
    (void)state;
    TH_EXPECT_CODE("(func (v128.const i8x16 -1 255 0 1 2 3 4 5 6 7 8 9 10 11 12 13) drop)",
                   "fd0c ffff000102030405060708090a0b0c0d 1a0b");
    TH_EXPECT_CODE("(func (v128.const i16x8 -1 0x8000 0 0 0 0 0 1) drop)",
                   "fd0c ffff0080000000000000000000000100 1a0b");
    TH_EXPECT_CODE("(func (v128.const i32x4 1 -1 0 0x80000000) drop)",
                   "fd0c 01000000ffffffff0000000000000080 1a0b");
    TH_EXPECT_CODE("(func (v128.const i64x2 -1 1) drop)",
                   "fd0c ffffffffffffffff0100000000000000 1a0b");
    TH_EXPECT_CODE("(func (v128.const f32x4 1 -0 nan inf) drop)",
                   "fd0c 0000803f000000800000c07f0000807f 1a0b");
    TH_EXPECT_CODE("(func (v128.const f64x2 1 -nan:0x1) drop)",
                   "fd0c 000000000000f03f010000000000f0ff 1a0b");
    TH_EXPECT_ERR("(func (v128.const i32x4 1 2 3) drop)", "wrong number of lane literals");
    TH_EXPECT_ERR("(func (v128.const i32x4 1 2 3 4 5) drop)", "wrong number of lane literals");
    TH_EXPECT_ERR("(func (v128.const i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0) drop)", "constant out of range");
    TH_EXPECT_ERR("(func (v128.const i8x8 0 0 0 0 0 0 0 0) drop)", "unknown operator");
    TH_EXPECT_CODE("(func (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (v128.const i64x2 0 0) "
                   "(v128.const i64x2 0 0)) drop)",
                   "fd0c00000000000000000000000000000000 fd0c00000000000000000000000000000000 "
                   "fd0d000102030405060708090a0b0c0d0e1f 1a0b");
    TH_EXPECT_ERR("(func (i8x16.shuffle 0 1 2 (v128.const i64x2 0 0) (v128.const i64x2 0 0)) drop)",
                  "invalid lane length");
}

static void test_strings(void **state) {
    (void)state;
    /* data bytes: escapes \t \n \r \" \' \\ \hh \u{...} and raw UTF-8 */
    TH_EXPECT_HEX("(memory 1) (data (i32.const 0) \"a\\t\\n\\r\\\"\\'\\\\\\00\\ff\\u{41}\\u{e9}\\u{1F600}\")",
                  "05030100010b1601004100 0b 10 61090a0d22275c00ff41c3a9f09f9880");
    TH_EXPECT_HEX("(memory 1) (data (i32.const 0) \"\" \"ab\" \"c\")",
                  "05030100010b0901004100 0b 03 616263");
    /* export names must be valid UTF-8 */
    TH_EXPECT_ERR("(func (export \"\\ff\"))", "malformed UTF-8");
    TH_EXPECT_ERR("(func (export \"\\u{d800}\"))", "illegal escape");
    TH_EXPECT_ERR("(func (export \"\\q\"))", "illegal escape");
    TH_EXPECT_ERR("(func (export \"abc))", "unclosed string");
    TH_EXPECT_ERR("(func (export \"a\x01\"))", "illegal character");
}

static void test_comments_annotations(void **state) {
    (void)state;
    TH_EXPECT_HEX("(module ;; line\n (; block (; nested ;) ;) (@unknown \"x\" (a b) \")\") (func))",
                  "0104016000000302010 00a040102000b");
    TH_EXPECT_HEX("(@a)", "");
    TH_EXPECT_ERR("(module (; unclosed", "unclosed comment");
    TH_EXPECT_ERR("(@x ", "unclosed annotation");
    TH_EXPECT_ERR("(@ x)", "empty annotation id");
    TH_EXPECT_ERR("(@\"\")", "empty annotation id");
    TH_EXPECT_ERR("(func $)", "empty identifier");
    TH_EXPECT_ERR("(func $\"\")", "empty identifier");
    TH_EXPECT_ERR("(func) \x80", "malformed UTF-8");
    TH_EXPECT_ERR("(func) \xc3\xa9", "illegal character");
    TH_EXPECT_ERR("(func) {", "unexpected token");
    TH_EXPECT_ERR("(func (drop (i32.const0)))", "unknown operator");
    TH_EXPECT_ERR("(func br 0drop)", "unknown operator");
    /* tokens may touch parentheses; strings followed by a comment */
    TH_EXPECT_HEX("(memory 1)(data(i32.const 0)\"a\";;c\n)", "05030100010b0701004100 0b0161");
}

static void test_error_position(void **state) {
    (void)state;
    TH_EXPECT_ERR("(module\n  (func\n    (i32.foo)))", "3:6: unknown operator");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_forms),           cmocka_unit_test(test_int_signed_ranges),
        cmocka_unit_test(test_float_forms),         cmocka_unit_test(test_const_instructions),
        cmocka_unit_test(test_v128_literals),       cmocka_unit_test(test_strings),
        cmocka_unit_test(test_comments_annotations), cmocka_unit_test(test_error_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
