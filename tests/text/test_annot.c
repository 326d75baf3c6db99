/*
** test_annot.c -- the annotations engine/text gives a meaning to: @custom
** (custom sections appendix), @name (name section) and
** @metadata.code.branch_hint (branch hinting proposal), byte for byte,
** with their errors; unknown annotations stay ignored.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "text/ktext_int.h"
#include "text_helpers.h"

/* Asserts the whole binary after the header, custom sections included. */
#define TH_EXPECT_ALL(wat, hexstr) TH_EXPECT_RENDERED(th_hex, wat, hexstr)

/* The error kind of converting 'wat' (0 when it converts). */
static uint32_t error_kind(const char *wat) {
    kb_buf out = {0};
    kb_error *e = ktext_wat_to_wasm(wat, strlen(wat), &out);
    kb_buf_free(&out);
    uint32_t k = e ? e->kind : 0;
    kb_error_free(e);
    return k;
}

static void test_custom_sections(void **state) {
    (void)state;
    TH_EXPECT_ALL("(@custom \"a\" \"xy\")", "00 04 01 61 7879");
    TH_EXPECT_ALL("(module (@custom \"a\" \"x\" \"\" \"yz\"))", "00 05 01 61 78797a");
    TH_EXPECT_ALL("(@custom \"\")", "00 01 00");
    /* placements: before first, before/after a section kind (present or not), after last */
    TH_EXPECT_ALL("(type (func)) (func)"
                  "(@custom \"b\" (before type) \"1\") (@custom \"c\" (after type) \"2\")"
                  "(@custom \"d\" (before first)) (@custom \"e\" (after last))"
                  "(@custom \"f\" (before code)) (@custom \"g\" (after func))"
                  "(@custom \"h\" (after global))",
                  "00020164 0003016231 010401600000 0003016332 03020100 00020167 00020168"
                  "00020166 0a040102000b 00020165");
    /* text order within one place; the default is after last, after the name section */
    TH_EXPECT_ALL("(@custom \"x\" \"2\") (func $f) (@custom \"x\" (after func) \"1\") (@custom \"y\")",
                  "010401600000 03020100 0003017831 0a040102000b"
                  "000b 046e616d65 01 04 01 00 01 66"
                  "0003017832 00020179");
    /* an explicit name section replaces the one the identifiers give */
    TH_EXPECT_ALL("(module $m (@custom \"name\" \"\\00\\02\\01X\"))", "00 09 046e616d65 00020158");
}

static void test_custom_errors(void **state) {
    (void)state;
    TH_EXPECT_ERR("(@custom)", "@custom annotation: missing section name");
    TH_EXPECT_ERR("(@custom $x)", "@custom annotation: missing section name");
    TH_EXPECT_ERR("(@custom \"\\ff\")", "@custom annotation: malformed UTF-8 encoding");
    TH_EXPECT_ERR("(@custom \"x\" (after first))", "@custom annotation: malformed section kind");
    TH_EXPECT_ERR("(@custom \"x\" (before last))", "@custom annotation: malformed section kind");
    TH_EXPECT_ERR("(@custom \"x\" (before type)", "unclosed annotation");
    TH_EXPECT_ERR("(@custom \"x\" (before type x))", "@custom annotation: malformed placement");
    TH_EXPECT_ERR("(@custom \"x\" \"a\" (after func))", "@custom annotation: unexpected token");
    TH_EXPECT_ERR("(@custom \"x\" 1)", "@custom annotation: unexpected token");
    TH_EXPECT_ERR("(memory (@custom \"x\") 1)", "misplaced @custom annotation");
    TH_EXPECT_ERR("(global i32 (i32.const 0) (@custom \"x\"))", "misplaced @custom annotation");
    /* the annotation's own syntax is checked before the rest of the module */
    TH_EXPECT_ERR("(func (type 9)) (@custom)", "@custom annotation: missing section name");
}

static void test_names(void **state) {
    (void)state;
    /* module, function, parameter and local names; @name wins over $id */
    TH_EXPECT_ALL("(module $m (@name \"N\") (func $f (@name \"F\") (param $p (@name \"P\") i32)"
                  " (local (@name \"L\") i64 i64) (local $q f32)))",
                  "010501600 17f00 03020100 0a08 01 06 02 02 7e 01 7d 0b"
                  "001d 046e616d65 00 02 01 4e  01 04 01 00 01 46  02 0c 01 00 03 00 01 50 01 01 4c 03 01 71");
    /* an imported function and a tag (tag names: subsection 11) */
    TH_EXPECT_ALL("(import \"a\" \"b\" (func (@name \"I\"))) (tag $t (@name \"T\"))",
                  "010401600000 020701016101620000 0d03010000"
                  "0011 046e616d65 01 04 01 00 01 49 0b 04 01 00 01 54");
    /* accepted wherever a binder may stand, even where Keel keeps no name */
    TH_EXPECT_HEX("(type $t (@name \"T\") (func)) (memory (@name \"M\") 1) (global $g (@name \"G\") i32 (i32.const 0))",
                  "010401600000 0503010001 0606017f0041000b");
    TH_EXPECT_ERR("(@name \"a\") (@name \"b\")", "@name annotation: multiple module");
    TH_EXPECT_ERR("(func (@name \"a\") (@name \"b\"))", "@name annotation: multiple names");
    TH_EXPECT_ERR("(func) (@name \"a\")", "misplaced @name annotation");
    TH_EXPECT_ERR("(func (result i32) (@name \"a\") (i32.const 0))", "misplaced @name annotation");
    TH_EXPECT_ERR("(func (@name))", "@name annotation: missing name string");
    TH_EXPECT_ERR("(func (@name a))", "@name annotation: missing name string");
    TH_EXPECT_ERR("(func (@name \"a\" \"b\"))", "@name annotation: unexpected token");
    TH_EXPECT_ERR("(func (@name \"\\80\"))", "@name annotation: malformed UTF-8 encoding");
}

static void test_branch_hints(void **state) {
    (void)state;
    /* offsets count from the body's start (its locals vector): plain if at 3,
    ** folded br_if at 8, after its operand */
    TH_EXPECT_ALL("(func (param i32) local.get 0 (@metadata.code.branch_hint \"\\01\") if end"
                  " (@metadata.code.branch_hint \"\\00\") (br_if 0 (local.get 0)))",
                  "010501600 17f00 03020100"
                  "0023 19 6d657461646174612e636f64652e6272616e63685f68696e74 01 00 02 030101 080100"
                  "0a0d 01 0b 00 2000 0440 0b 2000 0d00 0b");
    /* a folded if is hinted at its opcode, after the condition; locals move
    ** the offsets; the function index counts imports */
    TH_EXPECT_ALL("(import \"a\" \"b\" (func)) (func (local i64)"
                  " (@metadata.code.branch_hint \"\\00\") (if (i32.const 1) (then))"
                  " i32.const 0 (@metadata.code.branch_hint \"\\01\") br_if 0)",
                  "010401600000 020701016101620000 03020100"
                  "0023 19 6d657461646174612e636f64652e6272616e63685f68696e74 01 01 02 050100 0a0101"
                  "0a0f 01 0d 01 01 7e 4101 0440 0b 4100 0d00 0b");
    TH_EXPECT_ERR("(func (@metadata.code.branch_hint \"\\02\") (if (i32.const 1) (then)))",
                  "@metadata.code.branch_hint annotation: invalid hint value");
    TH_EXPECT_ERR("(func (@metadata.code.branch_hint \"\\00\\00\") (if (i32.const 1) (then)))",
                  "@metadata.code.branch_hint annotation: invalid hint value");
    TH_EXPECT_ERR("(func (@metadata.code.branch_hint) (if (i32.const 1) (then)))",
                  "@metadata.code.branch_hint annotation: unexpected token");
    TH_EXPECT_ERR("(func (@metadata.code.branch_hint \"\\00\") (@metadata.code.branch_hint \"\\00\")"
                  " (if (i32.const 1) (then)))",
                  "@metadata.code.branch_hint annotation: duplicate annotation");
    TH_EXPECT_ERR("(global i32 (@metadata.code.branch_hint \"\\00\") (i32.const 0))",
                  "@metadata.code.branch_hint annotation: not in a function");
    TH_EXPECT_ERR("(@metadata.code.branch_hint \"\\00\") (func)",
                  "@metadata.code.branch_hint annotation: not in a function");
    TH_EXPECT_ERR("(func (@metadata.code.branch_hint \"\\00\") nop)",
                  "@metadata.code.branch_hint annotation: invalid target");
    /* the proposal checks the target with validation: an invalid, not malformed, module */
    assert_int_equal(error_kind("(func (@metadata.code.branch_hint \"\\00\") (block))"), KB_ERR_INVALID);
    assert_int_equal(error_kind("(func (@metadata.code.branch_hint \"\\02\") (if (i32.const 1) (then)))"),
                     KB_ERR_MALFORMED);
}

static void test_unknown_annotations(void **state) {
    (void)state;
    /* ignored wherever they stand, whatever balanced tokens they hold */
    TH_EXPECT_SAME("(func (@foo bar (baz \"q\" 1.5 $x) ()) (@a) nop (@b.c \"\\ff\"))", "(func nop)");
    TH_EXPECT_SAME("(@x (@custom)) (func)", "(func)");
    TH_EXPECT_ERR("(func (@foo \"\\q\"))", "illegal escape");
    TH_EXPECT_ERR("(func (@foo (bar)", "unclosed annotation");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_custom_sections), cmocka_unit_test(test_custom_errors),
        cmocka_unit_test(test_names),           cmocka_unit_test(test_branch_hints),
        cmocka_unit_test(test_unknown_annotations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
