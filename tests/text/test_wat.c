/*
** test_wat.c -- modules in the text format (spec 6.6): abbreviations,
** implicit type uses, symbolic indices, instruction immediates, element and
** data segment encodings, the name section, and the errors the spec test
** suite expects from the text parser.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "text_helpers.h"

static void test_module_forms(void **state) {
    (void)state;
    TH_EXPECT_HEX("", "");
    TH_EXPECT_HEX("(module)", "");
    TH_EXPECT_HEX("(module $m)", "");
    TH_EXPECT_SAME("(module (func))", "(func)");
    TH_EXPECT_ERR("(module) (module)", "unexpected token");
    TH_EXPECT_ERR("(module (func)", "unexpected end");
    TH_EXPECT_ERR("(module (foo))", "unknown operator");
    TH_EXPECT_ERR("(module \"x\")", "unexpected token");
}

static void test_inline_import_export(void **state) {
    (void)state;
    TH_EXPECT_SAME("(func $f (export \"a\") (export \"b\") (import \"m\" \"n\") (param i32))",
                   "(type (func (param i32))) (import \"m\" \"n\" (func $f (type 0)))"
                   "(export \"a\" (func $f)) (export \"b\" (func $f))");
    TH_EXPECT_SAME("(table $t (export \"t\") (import \"m\" \"t\") 1 2 funcref)",
                   "(import \"m\" \"t\" (table $t 1 2 funcref)) (export \"t\" (table $t))");
    TH_EXPECT_SAME("(memory (export \"m\") (import \"a\" \"b\") 1)",
                   "(import \"a\" \"b\" (memory 1)) (export \"m\" (memory 0))");
    TH_EXPECT_SAME("(global (export \"g\") (import \"a\" \"b\") (mut i64))",
                   "(import \"a\" \"b\" (global (mut i64))) (export \"g\" (global 0))");
    TH_EXPECT_SAME("(tag (export \"e\") (import \"a\" \"b\") (param f32))",
                   "(type (func (param f32))) (import \"a\" \"b\" (tag (type 0))) (export \"e\" (tag 0))");
    TH_EXPECT_SAME("(global $g (export \"g\") i32 (i32.const 1))",
                   "(global $g i32 (i32.const 1)) (export \"g\" (global $g))");
    TH_EXPECT_ERR("(func) (import \"\" \"\" (func))", "import after function");
    TH_EXPECT_ERR("(global i32 (i32.const 0)) (import \"\" \"\" (memory 0))", "import after global");
    TH_EXPECT_ERR("(memory 0) (func (import \"\" \"\"))", "import after memory");
    TH_EXPECT_ERR("(table 0 funcref) (global (import \"\" \"\") i32)", "import after table");
}

static void test_inline_segments(void **state) {
    (void)state;
    /* table with inline elem: limits n n and an active segment at 0 */
    /* the inline segment takes the table's element type (funcref), so its
       items are expressions: only '(ref func)' segments use index forms 0-3 */
    TH_EXPECT_SAME("(func $f) (table $t funcref (elem $f $f))",
                   "(func $f) (table $t 2 2 funcref) (elem (table $t) (i32.const 0) funcref (ref.func $f) (ref.func $f))");
    TH_EXPECT_SAME("(func $f) (table i64 funcref (elem (ref.func $f)))",
                   "(func $f) (table i64 1 1 funcref) (elem (table 0) (i64.const 0) funcref (ref.func $f))");
    TH_EXPECT_SAME("(memory (data \"ab\" \"c\"))",
                   "(memory 1 1) (data (memory 0) (i32.const 0) \"abc\")");
    TH_EXPECT_SAME("(memory (data))", "(memory 0 0) (data (i32.const 0))");
    TH_EXPECT_SAME("(memory i64 (data \"x\"))", "(memory i64 1 1) (data (i64.const 0) \"x\")");
    /* the inline segment takes its place in the elem index space */
    TH_EXPECT_SAME("(elem $a func) (table funcref (elem)) (elem $b func) (func elem.drop $b)",
                   "(elem $a func) (table 0 0 funcref) (elem (i32.const 0) funcref) (elem $b func) (func elem.drop 2)");
}

static void test_elem_encodings(void **state) {
    (void)state;
    const char *pre = "(table 1 funcref) (table $t2 1 funcref) (func $f) ";
    char a[512];
    /* flags 0: active table 0, funcref, function indices */
    snprintf(a, sizeof a, "%s(elem (i32.const 0) $f)", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 07 01 00 41000b 01 00 0a040102000b");
    /* flags 1: passive func */
    snprintf(a, sizeof a, "%s(elem func $f)", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 05 01 01 00 01 00 0a040102000b");
    /* flags 2: active other table */
    snprintf(a, sizeof a, "%s(elem (table $t2) (offset (i32.const 0)) func $f)", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 09 01 02 01 41000b 00 01 00 0a040102000b");
    /* flags 3: declarative */
    snprintf(a, sizeof a, "%s(elem declare func $f)", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 05 01 03 00 01 00 0a040102000b");
    /* flags 4: active table 0, funcref, expressions */
    snprintf(a, sizeof a, "%s(elem (i32.const 0) funcref (ref.null func))", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 09 01 04 41000b 01 d0700b 0a040102000b");
    /* flags 5: passive expressions; non-funcref type */
    snprintf(a, sizeof a, "%s(elem externref (item ref.null extern))", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 07 01 05 6f 01 d06f0b 0a040102000b");
    /* flags 6: active other table, expressions */
    snprintf(a, sizeof a, "%s(elem (table 1) (i32.const 0) funcref (ref.null func))", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 0b 01 06 01 41000b 70 01 d0700b 0a040102000b");
    /* '(ref func)' with only ref.func items is what index forms 0-3 mean in 3.0
       (spec 5.5.12): flags 3, the same bytes as 'declare func $f' */
    snprintf(a, sizeof a, "%s(elem declare (ref func) (ref.func $f))", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 05 01 03 00 01 00 0a040102000b");
    /* flags 7: declarative expressions of a type other than (ref func) */
    snprintf(a, sizeof a, "%s(elem declare funcref (ref.func $f))", pre);
    TH_EXPECT_HEX(a, "01040160000003020100 0407027000017000 01 09 07 01 07 70 01 d2000b 0a040102000b");
}

static void test_data_encodings(void **state) {
    (void)state;
    TH_EXPECT_HEX("(memory 1) (memory 1) (data \"a\") (data (memory 1) (i32.const 2) \"b\")"
                  "(data (i32.const 1) \"c\")",
                  "05050200010001 0b 11 03 01 01 61 02 01 41020b 01 62 00 41010b 01 63");
    /* data count section only when code refers to data segments */
    TH_EXPECT_HEX("(memory 1) (data \"a\") (func data.drop 0)",
                  "01040160000003020100 0503010001 0c0101 0a0701050 0fc09000b 0b040101 0161");
}

static void test_type_use(void **state) {
    (void)state;
    /* implicit types go after explicit ones in first-use order, and reuse */
    TH_EXPECT_SAME("(func (param i32)) (type (func)) (func (result i64)) (func (param i32))",
                   "(type (func)) (type (func (param i32))) (type (func (result i64)))"
                   "(func (type 1)) (func (type 2)) (func (type 1))");
    /* an explicit identical type is reused wherever it is defined */
    TH_EXPECT_SAME("(func (param i32)) (type $t (func (param i32)))",
                   "(type $t (func (param i32))) (func (type $t))");
    /* but not one in a rec group, a sub (non-final) or with supertypes */
    TH_EXPECT_SAME("(rec (type (func)) (type (struct))) (func)",
                   "(rec (type (func)) (type (struct))) (type (func)) (func (type 2))");
    TH_EXPECT_SAME("(type (sub (func))) (func)", "(type (sub (func))) (type (func)) (func (type 1))");
    /* type use with matching inline signature; param names bind locals */
    TH_EXPECT_SAME("(type $t (func (param i32) (result i32))) (func (type $t) (param $x i32) (result i32) local.get $x)",
                   "(type $t (func (param i32) (result i32))) (func (type 0) local.get 0)");
    TH_EXPECT_ERR("(type $t (func (param i32))) (func (type $t) (param i64))", "inline function type");
    TH_EXPECT_ERR("(type $t (func (param i32))) (func (type $t) (result i32))", "inline function type");
    TH_EXPECT_ERR("(func (type $nope))", "unknown type");
    /* block types: short forms, and inserted types for multi-value */
    TH_EXPECT_CODE("(func (block (result i32) (i32.const 1)) drop)", "027f41010b1a0b");
    TH_EXPECT_CODE("(func (block) (loop))", "02400b03400b0b");
    TH_EXPECT_SAME("(func (i32.const 1) (block (param i32) (result i32 i32) (i32.const 2)) drop drop)",
                   "(type (func)) (type (func (param i32) (result i32 i32)))"
                   "(func (type 0) (i32.const 1) (block (type 1) (i32.const 2)) drop drop)");
    /* call_indirect: table index optional, type use inline */
    TH_EXPECT_SAME("(table $t 1 funcref) (func (call_indirect $t (param i32) (i32.const 0) (i32.const 0)))",
                   "(type (func)) (type (func (param i32))) (table 1 funcref)"
                   "(func (type 0) (call_indirect 0 (type 1) (i32.const 0) (i32.const 0)))");
    TH_EXPECT_ERR("(func (call_indirect (param $x i32) (i32.const 0)))", "unexpected token");
}

static void test_gc_types(void **state) {
    (void)state;
    TH_EXPECT_HEX("(type $s (struct (field $a i32) (field (mut i8) i16) (field $r (ref null $s))))",
                  "010c01 5f 04 7f00 7801 7700 630000");
    TH_EXPECT_HEX("(type (array (mut i64)))", "010401 5e 7e01");
    TH_EXPECT_HEX("(rec (type $a (sub (struct))) (type (sub final $a (struct (field i32)))))",
                  "010e01 4e02 50005f00 4f01005f017f00");
    TH_EXPECT_HEX("(type (func (param funcref externref anyref eqref i31ref structref arrayref nullref "
                  "nullfuncref nullexternref exnref nullexnref (ref any) (ref null 0)) (result v128)))",
                  "011501 60 0e 706f6e6d6c6b6a717372697464 6e 6300 01 7b");
    TH_EXPECT_CODE("(type $s (struct (field $x i32) (field $y (mut i64)))) "
                   "(func (struct.get $s $y (struct.new_default $s)) drop)",
                   "fb0100 fb020001 1a0b");
    TH_EXPECT_ERR("(type (struct (field $x i32) (field $x i32)))", "duplicate field");
    TH_EXPECT_CODE("(type $a (array i8)) (func (ref.cast (ref null $a) (ref.null none)) "
                   "(ref.test (ref i31) (ref.null any)) drop drop)",
                   "d071 fb1700 d06e fb146c 1a1a0b");
    TH_EXPECT_CODE("(func (result anyref) (block (result anyref) (br_on_cast 0 anyref (ref i31) (ref.null any))))",
                   "026e d06e fb1801006e6c 0b0b");
}

static void test_symbolic_indices(void **state) {
    (void)state;
    TH_EXPECT_SAME("(func $a (param $p i32) (local $l i64) (call $b (local.get $p)) (local.set $l (i64.const 0)))"
                   "(func $b (param i32)) (global $g (mut i32) (i32.const 0)) (func (global.set $g (i32.const 1)))",
                   "(func (param i32) (local i64) (call 1 (local.get 0)) (local.set 1 (i64.const 0)))"
                   "(func (param i32)) (global (mut i32) (i32.const 0)) (func (global.set 0 (i32.const 1)))");
    /* labels: innermost first, shadowing, numeric depths */
    TH_EXPECT_CODE("(func (block $a (block $b (br $a) (br $b) (block $a (br $a)))))",
                   "0240 0240 0c01 0c00 0240 0c00 0b 0b 0b 0b");
    TH_EXPECT_CODE("(func block $l loop $m br $l br $m end $m end $l)", "0240 0340 0c01 0c00 0b 0b 0b");
    TH_EXPECT_SAME("(func $\"x y\" (call $\"x y\"))", "(func (call 0))");
    TH_EXPECT_SAME("(func $x (call $\"x\"))", "(func (call 0))");
    TH_EXPECT_ERR("(func (br $nope))", "unknown label");
    TH_EXPECT_ERR("(func (call $nope))", "unknown function");
    TH_EXPECT_ERR("(func (local.get $nope))", "unknown local");
    TH_EXPECT_ERR("(func (global.get $nope))", "unknown global");
    TH_EXPECT_ERR("(func block $a end $b)", "mismatching label");
    TH_EXPECT_ERR("(func block end $b)", "mismatching label");
    TH_EXPECT_ERR("(func if $a else $b end)", "mismatching label");
    TH_EXPECT_ERR("(func $f) (func $f)", "duplicate func");
    TH_EXPECT_ERR("(func (param $x i32) (local $x i32))", "duplicate local");
    TH_EXPECT_ERR("(global $g i32 (i32.const 0)) (global $g i32 (i32.const 0))", "duplicate global");
    TH_EXPECT_ERR("(memory $m 1) (memory $m 1)", "duplicate memory");
    TH_EXPECT_ERR("(table $t 1 funcref) (table $t 1 funcref)", "duplicate table");
    TH_EXPECT_ERR("(type $t (func)) (type $t (func))", "duplicate type");
}

static void test_memory_instructions(void **state) {
    (void)state;
    TH_EXPECT_CODE("(memory 1) (func (drop (i32.load offset=0x10 align=1 (i32.const 0))))",
                   "4100 280010 1a0b");
    TH_EXPECT_CODE("(memory 1) (memory $m 1) (func (drop (i64.load $m (i32.const 0))))",
                   "4100 29430100 1a0b");
    TH_EXPECT_CODE("(memory 1) (memory 1) (func (drop (v128.load8_lane 1 offset=3 2 (i32.const 0) (v128.const i64x2 0 0))))",
                   "4100 fd0c00000000000000000000000000000000 fd5440010302 1a0b");
    TH_EXPECT_CODE("(memory 1) (func (drop (v128.load8_lane 7 (i32.const 0) (v128.const i64x2 0 0))))",
                   "4100 fd0c00000000000000000000000000000000 fd54000007 1a0b");
    TH_EXPECT_CODE("(memory 1) (memory 1) (func (memory.copy 1 0 (i32.const 0) (i32.const 0) (i32.const 0)) "
                   "(drop (memory.size 1)) (drop (memory.grow (i32.const 1))))",
                   "410041004100 fc0a0100 3f011a 410140001a 0b");
    TH_EXPECT_ERR("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))", "alignment");
    TH_EXPECT_ERR("(memory 1) (func (drop (i32.load align=0 (i32.const 0))))", "alignment");
    TH_EXPECT_CODE("(memory 1 1 shared) (func (drop (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 1) (i32.const 2)))"
                   " (atomic.fence))",
                   "410041014102 fe480200 1a fe0300 0b");
    TH_EXPECT_HEX("(memory i64 1 2 shared)", "050401070102");
    TH_EXPECT_HEX("(memory 1 (pagesize 1))", "0504010801 00");
    TH_EXPECT_ERR("(memory 1 (pagesize 3))", "invalid custom page size");
}

static void test_control_and_exceptions(void **state) {
    (void)state;
    TH_EXPECT_CODE("(func (if (i32.const 1) (then (nop)) (else (nop))))", "4101 0440 01 05 01 0b 0b");
    TH_EXPECT_CODE("(func (if (i32.const 1) (then) (else)))", "4101 0440 0b 0b");
    TH_EXPECT_CODE("(func i32.const 0 if $l nop else $l nop end $l)", "4100 0440 01 05 01 0b 0b");
    TH_EXPECT_CODE("(func (br_table 0 1 0 (i32.const 0)))", "4100 0e02000100 0b");
    TH_EXPECT_CODE("(func (select (i32.const 1) (i32.const 2) (i32.const 3)) drop)", "410141024103 1b 1a0b");
    TH_EXPECT_CODE("(func (select (result i32) (i32.const 1) (i32.const 2) (i32.const 3)) drop)",
                   "410141024103 1c017f 1a0b");
    TH_EXPECT_CODE("(tag $e (param i32)) (func (block $h (result i32) (try_table (catch $e $h) (catch_all 0)"
                   " (throw $e (i32.const 1)))) drop)",
                   "027f 1f40 02 000000 0200 4101 0800 0b 0b 1a0b");
    TH_EXPECT_CODE("(tag $e) (func (try (do (throw $e)) (catch $e) (catch_all (rethrow 0))))",
                   "0640 0800 0700 19 0900 0b 0b");
    TH_EXPECT_CODE("(func (block $b (try (do nop) (delegate $b))))", "0240 0640 01 1800 0b 0b");
    TH_EXPECT_ERR("(func (try (do) (catch_all) (catch_all)))", "unexpected token");
    TH_EXPECT_ERR("(func (try (do) (catch_all) (delegate 0)))", "unexpected token");
    TH_EXPECT_CODE("(type $t (func)) (func (return_call_ref $t (ref.func 0)))", "d200 1500 0b");
    TH_EXPECT_HEX("(func) (start 0)", "01040160000003020100 080100 0a040102000b");
    TH_EXPECT_ERR("(func) (start 0) (start 0)", "multiple start sections");
    TH_EXPECT_ERR("(func end)", "unexpected token");
    TH_EXPECT_ERR("(func (then))", "unknown operator");
}

static void test_tables_and_globals(void **state) {
    (void)state;
    TH_EXPECT_HEX("(table 1 2 funcref) (table i64 3 externref)", "040802 70010102 6f0403");
    TH_EXPECT_HEX("(func $f) (table 2 (ref func) (ref.func $f))",
                  "01040160000003020100 040a01 4000 64700002 d2000b 0a040102000b");
    TH_EXPECT_HEX("(global (mut f32) (f32.const 1)) (global i64 (i64.add (i64.const 1) (i64.const 2)))",
                  "061102 7d01 430000803f0b 7e00 4201 4202 7c 0b");
    TH_EXPECT_CODE("(table $t 1 funcref) (table $u 1 funcref) (elem $e func) (func "
                   "(table.init $u $e (i32.const 0) (i32.const 0) (i32.const 0)) (table.init $e (i32.const 0) (i32.const 0) (i32.const 0))"
                   " (table.copy (i32.const 0) (i32.const 0) (i32.const 0)) (drop (table.size $u)))",
                   "410041004100 fc0c0001 410041004100 fc0c0000 410041004100 fc0e0000 fc1001 1a 0b");
}

static void test_names_section(void **state) {
    (void)state;
    char err[256];
    kb_buf *b = th_convert("(module $mod (func $f (param $x i32) (local $y i64)))", err, sizeof err);
    assert_non_null(b);
    /* ... 00 <size> 04 "name" 00 04 03 "mod" 01 04 01 00 01 "f" 02 09 01 00 02 00 01 "x" 01 01 "y" */
    const uint8_t tail[] = {4, 'n', 'a', 'm', 'e', 0, 4, 3, 'm', 'o', 'd', 1, 4, 1, 0, 1, 'f',
                            2, 9, 1, 0, 2, 0, 1, 'x', 1, 1, 'y'};
    assert_true(b->len > sizeof tail);
    assert_memory_equal(b->data + b->len - sizeof tail, tail, sizeof tail);
    kb_buf_free(b);
}

static void test_depth_limit(void **state) {
    (void)state;
    /* deep nesting is an error, not a stack overflow */
    size_t n = 100000;
    char *s = malloc(n * 14 + 64);
    assert_non_null(s);
    size_t k = (size_t)sprintf(s, "(func ");
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(s + k, "(block ");
    for (size_t i = 0; i < n; i++) s[k++] = ')';
    s[k++] = ')';
    s[k] = 0;
    kb_buf out = {0};
    kb_error *e = ktext_wat_to_wasm(s, k, &out);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "nesting too deep"));
    kb_error_free(e);
    k = (size_t)sprintf(s, "(func ");
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(s + k, "block ");
    k += (size_t)sprintf(s + k, ")");
    e = ktext_wat_to_wasm(s, k, &out);
    assert_non_null(e);
    kb_error_free(e);
    free(s);
}

/* Cross-check with wabt's wat2wasm when it is installed (skipped otherwise). */
static void test_wabt_crosscheck(void **state) {
    (void)state;
    if (access("/usr/bin/wat2wasm", X_OK) != 0) {
        print_message("[ SKIPPED  ] wat2wasm not installed: cross-check skipped\n");
        skip();
    }
    static const char *const samples[] = {
        "(module (func (export \"f\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))",
        "(module (memory 1) (data (i32.const 0) \"hi\") (func (result i32) (i32.load8_u offset=1 (i32.const 0))))",
        ("(module (type (func (param i32) (result i32))) (table 2 funcref) (elem (i32.const 0) 0 0)"
         " (func (type 0) (call_indirect (type 0) (local.get 0) (i32.const 1))))"),
        "(module (global $g (mut i64) (i64.const -5)) (func (result i64) (global.get $g)))",
        "(module (func (result i32 i64) (i32.const 1) (i64.const 2)) (func (block (param i32) drop) (i32.const 0) drop))",
        "(module (func (local i32 i32 i64 f32) (loop $l (br_if $l (i32.const 0)))))",
        "(module (memory 1) (func (v128.store (i32.const 0) (i8x16.add (v128.const i32x4 1 2 3 4) (v128.load (i32.const 16))))))",
        "(module (func (param f64) (result f64) (f64.sqrt (f64.add (local.get 0) (f64.const 0x1.8p-3)))))",
        "(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)))",
        "(module (table 4 externref) (func (param externref) (table.fill 0 (i32.const 0) (local.get 0) (i32.const 4))))",
        "(module (func $f) (elem declare func $f) (func (result funcref) (ref.func $f)))",
        "(module (tag $e (param i32)) (func (param i32) (throw $e (local.get 0))))",
        "(module (func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))",
        "(module (memory 1 1 shared) (func (result i32) (i32.atomic.rmw.add (i32.const 0) (i32.const 1))))",
    };
    char dir[] = "/tmp/keel_text_XXXXXX";
    assert_non_null(mkdtemp(dir));
    int compared = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char wat[128], wasm[128], cmd[512];
        snprintf(wat, sizeof wat, "%s/s.wat", dir);
        snprintf(wasm, sizeof wasm, "%s/s.wasm", dir);
        FILE *f = fopen(wat, "w");
        assert_non_null(f);
        fputs(samples[i], f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "wat2wasm --enable-all %s -o %s 2>/dev/null", wat, wasm);
        if (system(cmd) != 0) continue;
        f = fopen(wasm, "rb");
        assert_non_null(f);
        uint8_t ref[4096];
        size_t rn = fread(ref, 1, sizeof ref, f);
        fclose(f);
        char err[256];
        kb_buf *b = th_convert(samples[i], err, sizeof err);
        if (b == NULL) fail_msg("%s: %s", samples[i], err);
        th_strip_custom(b);
        if (b->len != rn || memcmp(b->data, ref, rn) != 0) {
            kb_buf_free(b);
            fail_msg("differs from wat2wasm: %s", samples[i]);
        }
        kb_buf_free(b);
        compared++;
        remove(wasm);
        remove(wat);
    }
    rmdir(dir);
    print_message("compared %d samples with wat2wasm\n", compared);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_forms),
        cmocka_unit_test(test_inline_import_export),
        cmocka_unit_test(test_inline_segments),
        cmocka_unit_test(test_elem_encodings),
        cmocka_unit_test(test_data_encodings),
        cmocka_unit_test(test_type_use),
        cmocka_unit_test(test_gc_types),
        cmocka_unit_test(test_symbolic_indices),
        cmocka_unit_test(test_memory_instructions),
        cmocka_unit_test(test_control_and_exceptions),
        cmocka_unit_test(test_tables_and_globals),
        cmocka_unit_test(test_names_section),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_wabt_crosscheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
