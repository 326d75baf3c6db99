/*
** test_decode.c -- the module decoder (engine/binary/kbin_decode.c):
** every section kind, every encoding of element and data segments, and the
** spec test suite's wording for malformed modules.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "wasm_builder.h"

static kbin_module *decode_ok(const wb *w) {
    kbin_module *m = NULL;
    kb_error *err = kbin_decode(w->b, w->n, &m);
    if (err) fail_msg("unexpected error: %s (offset %lld)", err->message, (long long)err->offset);
    assert_non_null(m);
    return m;
}

static void decode_fails(const wb *w, const char *msg) {
    kbin_module *m = NULL;
    kb_error *err = kbin_decode(w->b, w->n, &m);
    if (err == NULL) fail_msg("decoded, expected '%s'", msg);
    assert_null(m);
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    if (strstr(err->message, msg) == NULL) fail_msg("got '%s', want '%s'", err->message, msg);
    kb_error_free(err);
}

static void raw_fails(const uint8_t *b, size_t n, const char *msg) {
    wb w;
    w.n = n;
    memcpy(w.b, b, n);
    decode_fails(&w, msg);
}
#define RAW_FAILS(msg, ...) raw_fails(WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__), msg)

/* ---------------------------------------------------------------- header, framing */

static void test_decode_header(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->type_count, 0);
    assert_int_equal(m->start, KBIN_NO_INDEX);
    kbin_module_free(m);
    kbin_module_free(NULL);

    RAW_FAILS("unexpected end", 0x00);
    RAW_FAILS("unexpected end", 0x00, 0x61, 0x73);
    RAW_FAILS("magic header not detected", 0x61, 0x73, 0x6D, 0x00);
    RAW_FAILS("unexpected end", 0x00, 0x61, 0x73, 0x6D, 0x01);
    RAW_FAILS("unknown binary version", 0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00);
}

static void test_decode_section_framing(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_RAW(&w, 0x0E, 0x01, 0x00); /* id 14 */
    decode_fails(&w, "malformed section id");

    wb_module(&w);
    WB_RAW(&w, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00); /* size past the end */
    decode_fails(&w, "length out of bounds");

    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00, 0x00); /* one byte too many */
    decode_fails(&w, "section size mismatch");

    wb_module(&w);
    WB_SEC(&w, 3, 0x00);
    WB_SEC(&w, 1, 0x00); /* type after function */
    decode_fails(&w, "unexpected content after last section");

    wb_module(&w);
    WB_SEC(&w, 1, 0x00);
    WB_SEC(&w, 1, 0x00); /* duplicate */
    decode_fails(&w, "unexpected content after last section");

    wb_module(&w); /* custom sections anywhere, tag section between memory and global */
    WB_SEC(&w, 0, 0x01, 'a', 1, 2, 3);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 5, 0x00);
    WB_SEC(&w, 13, 0x01, 0x00, 0x00);
    WB_SEC(&w, 6, 0x00);
    WB_SEC(&w, 0, 0x00);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->custom_count, 2);
    assert_string_equal(m->customs[0].name, "a");
    assert_int_equal(m->customs[0].content.len, 3);
    assert_int_equal(m->tag_count, 1);
    kbin_module_free(m);
}

/* ---------------------------------------------------------------- LEB128 */

static void test_decode_leb(void **state) {
    (void)state;
    wb w;
    /* Padded counts are fine. */
    wb_module(&w);
    WB_SEC(&w, 1, 0x81, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x00);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->type_count, 1);
    kbin_module_free(m);

    wb_module(&w);
    WB_SEC(&w, 1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x00);
    decode_fails(&w, "integer representation too long");

    wb_module(&w);
    WB_SEC(&w, 1, 0x81, 0x80, 0x80, 0x80, 0x10, 0x60, 0x00, 0x00);
    decode_fails(&w, "integer too large");

    /* memory64 limits are u64: 10 bytes allowed, unused bits must be zero. */
    wb_module(&w);
    WB_SEC(&w, 5, 0x01, 0x04, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    m = decode_ok(&w);
    assert_true(m->memories[0].limits.is64);
    assert_int_equal(m->memories[0].limits.min, 2);
    kbin_module_free(m);
    wb_module(&w);
    WB_SEC(&w, 5, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x70);
    decode_fails(&w, "integer too large");
}

/* ---------------------------------------------------------------- types */

static void test_decode_types(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x04,
           0x60, 0x02, 0x7F, 0x7E, 0x01, 0x63, 0x00,        /* 0: (func (param i32 i64) (result (ref null 0))) */
           0x4E, 0x02,                                      /* rec of 2 */
           0x50, 0x00, 0x5F, 0x02, 0x78, 0x01, 0x64, 0x02, 0x00, /* 1: sub (struct (mut i8) (ref 2)) */
           0x4F, 0x01, 0x01, 0x5E, 0x77, 0x00,              /* 2: sub final 1 (array i16) */
           0x5E, 0x6E, 0x01,                                /* 3: (array (mut anyref)) */
           0x4E, 0x00);                                     /* empty rec group */
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->type_count, 4);
    const kbin_type *t = &m->types[0];
    assert_int_equal(t->comp, KCT_FUNC);
    assert_true(t->final);
    assert_int_equal(t->param_count, 2);
    assert_int_equal(t->result_count, 1);
    assert_int_equal(kbin_type_results(t)[0].kind, KVT_REF);
    assert_true(kbin_type_results(t)[0].nullable);
    assert_int_equal(kbin_type_results(t)[0].heap, 0);
    t = &m->types[1];
    assert_int_equal(t->comp, KCT_STRUCT);
    assert_false(t->final);
    assert_int_equal(t->rec_start, 1);
    assert_int_equal(t->rec_size, 2);
    assert_int_equal(t->field_count, 2);
    assert_int_equal(t->fields[0].type.kind, KVT_I8);
    assert_true(t->fields[0].mutable_);
    assert_false(t->fields[1].type.nullable);
    t = &m->types[2];
    assert_int_equal(t->comp, KCT_ARRAY);
    assert_true(t->final);
    assert_int_equal(t->super, 1);
    assert_int_equal(t->fields[0].type.kind, KVT_I16);
    t = &m->types[3];
    assert_int_equal(t->rec_start, 3);
    assert_int_equal(t->fields[0].type.heap, KHT_ANY);
    kbin_module_free(m);

    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x5E, 0x7F, 0x02);
    decode_fails(&w, "malformed mutability");
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x01, 0x10, 0x00);
    decode_fails(&w, "malformed value type");
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0xE0, 0x7F, 0x00, 0x00);
    decode_fails(&w, "integer representation too long");
}

/* ---------------------------------------------------------------- imports */

static void test_decode_imports(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 2, 0x05,
           0x01, 'm', 0x01, 'f', 0x00, 0x00,                    /* func type 0 */
           0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x02,  /* table funcref 1..2 */
           0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01,              /* global (mut i32) */
           0x01, 'm', 0x01, 'M', 0x02, 0x03, 0x01, 0x02,        /* shared memory 1..2 */
           0x01, 'm', 0x01, 'e', 0x04, 0x00, 0x00);             /* tag type 0 */
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->import_count, 5);
    assert_int_equal(m->imported_funcs, 1);
    assert_int_equal(m->imported_tables, 1);
    assert_int_equal(m->imported_globals, 1);
    assert_int_equal(m->imported_memories, 1);
    assert_int_equal(m->imported_tags, 1);
    assert_true(m->funcs[0].imported);
    assert_true(m->memories[0].limits.shared);
    assert_int_equal(m->memories[0].limits.max, 2);
    assert_int_equal(m->tables[0].type.limits.min, 1);
    assert_true(m->globals[0].type.mutable_);
    assert_string_equal(m->imports[2].name, "g");
    kbin_module_free(m);

    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x00, 0x00, 0x05);
    decode_fails(&w, "malformed import kind");
    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x01, 0xFF, 0x00, 0x00, 0x00);
    decode_fails(&w, "malformed UTF-8 encoding");
    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x01, 'm', 0x00, 0x03, 0x7F, 0x02);
    decode_fails(&w, "malformed mutability");
    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x00, 0x00, 0x02, 0x08, 0x00);
    decode_fails(&w, "malformed limits flags");
    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x00, 0x00, 0x01, 0x70, 0x02, 0x00);
    decode_fails(&w, "malformed limits flags"); /* tables cannot be shared */
    wb_module(&w);
    WB_SEC(&w, 2, 0x01, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00);
    decode_fails(&w, "malformed reference type");
}

static void test_decode_custom_page_sizes(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 5, 0x01, 0x08, 0x01, 0x00);
    decode_fails(&w, "malformed limits flags");
    kbin_module *m = NULL;
    assert_null(kbin_decode_ex(w.b, w.n, KBIN_FEATURE_CUSTOM_PAGE_SIZES, &m));
    assert_int_equal(m->memories[0].limits.page_log2, 0);
    assert_int_equal(m->memories[0].limits.min, 1);
    kbin_module_free(m);
}

/* ---------------------------------------------------------------- definitions */

static void test_decode_definitions(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 4, 0x02, 0x70, 0x00, 0x01,                         /* funcref, min 1 */
           0x40, 0x00, 0x64, 0x70, 0x04, 0x02, 0xD2, 0x00, 0x0B); /* (ref func) table64 init ref.func 0 */
    WB_SEC(&w, 5, 0x02, 0x00, 0x01, 0x05, 0x00, 0x10);
    WB_SEC(&w, 6, 0x01, 0x7E, 0x00, 0x42, 0x2A, 0x0B);
    WB_SEC(&w, 7, 0x02, 0x01, 'f', 0x00, 0x01, 0x01, 'g', 0x03, 0x00);
    WB_SEC(&w, 8, 0x01);
    WB_SEC(&w, 10, 0x02, 0x02, 0x00, 0x0B, 0x06, 0x02, 0x02, 0x7F, 0x01, 0x7E, 0x0B);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->func_count, 2);
    assert_int_equal(m->table_count, 2);
    assert_false(m->tables[0].has_init);
    assert_true(m->tables[1].has_init);
    assert_true(m->tables[1].type.limits.is64);
    assert_false(m->tables[1].type.elem.nullable);
    assert_int_equal(m->tables[1].init.len, 3);
    assert_int_equal(m->memory_count, 2);
    assert_true(m->memories[1].limits.is64);
    assert_int_equal(m->memories[1].limits.max, 16);
    assert_int_equal(m->global_count, 1);
    assert_int_equal(m->globals[0].init.len, 3);
    assert_int_equal(m->export_count, 2);
    assert_string_equal(m->exports[1].name, "g");
    assert_int_equal(m->exports[1].kind, KEXT_GLOBAL);
    assert_int_equal(m->start, 1);
    assert_int_equal(m->funcs[0].local_count, 0);
    assert_int_equal(m->funcs[0].body.len, 1);
    assert_int_equal(m->funcs[1].local_count, 3);
    assert_int_equal(m->funcs[1].locals[0].kind, KVT_I32);
    assert_int_equal(m->funcs[1].locals[2].kind, KVT_I64);
    assert_non_null(kbin_func_type(m, 1));
    assert_null(kbin_func_type(m, 2));
    kbin_module_free(m);
}

static void test_decode_code_errors(void **state) {
    (void)state;
    wb w;
    /* function and code counts differ */
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 10, 0x01, 0x02, 0x00, 0x0B);
    decode_fails(&w, "function and code section have inconsistent lengths");
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    decode_fails(&w, "function and code section have inconsistent lengths");
    /* too many locals (the total overflows 32 bits) */
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 10, 0x01, 0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B);
    decode_fails(&w, "too many locals");
    /* illegal opcode inside a body */
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 10, 0x01, 0x04, 0x00, 0x00, 0xFF, 0x0B);
    decode_fails(&w, "illegal opcode ff");
    /* missing end, at the end of the input */
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 10, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1A);
    decode_fails(&w, "unexpected end");
    /* memory.init without a data count section */
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 5, 0x01, 0x00, 0x01);
    WB_SEC(&w, 10, 0x01, 0x0E, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B);
    WB_SEC(&w, 11, 0x01, 0x01, 0x00);
    decode_fails(&w, "data count section required");
}

/* ---------------------------------------------------------------- segments */

static void test_decode_elem_encodings(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x01, 0x00);
    WB_SEC(&w, 4, 0x02, 0x70, 0x00, 0x01, 0x70, 0x00, 0x01);
    WB_SEC(&w, 9, 0x08,
           0x00, 0x41, 0x00, 0x0B, 0x01, 0x00,                     /* 0: active table 0, funcs */
           0x01, 0x00, 0x02, 0x00, 0x00,                           /* 1: passive, elemkind, funcs */
           0x02, 0x01, 0x41, 0x00, 0x0B, 0x00, 0x01, 0x00,         /* 2: active table 1, elemkind */
           0x03, 0x00, 0x01, 0x00,                                 /* 3: declarative funcs */
           0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,         /* 4: active, exprs */
           0x05, 0x70, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0x00, 0x0B,   /* 5: passive funcref exprs */
           0x06, 0x01, 0x41, 0x00, 0x0B, 0x70, 0x00,               /* 6: active table 1, type, 0 exprs */
           0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B);                    /* 7: declarative exprs */
    WB_SEC(&w, 10, 0x01, 0x02, 0x00, 0x0B);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->elem_count, 8);
    static const uint8_t modes[8] = {KSEG_ACTIVE, KSEG_PASSIVE, KSEG_ACTIVE, KSEG_DECLARATIVE,
                                     KSEG_ACTIVE, KSEG_PASSIVE, KSEG_ACTIVE, KSEG_DECLARATIVE};
    static const uint32_t counts[8] = {1, 2, 1, 1, 1, 2, 0, 1};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(m->elems[i].mode, modes[i]);
        assert_int_equal(m->elems[i].count, counts[i]);
        assert_int_equal(m->elems[i].uses_exprs, i >= 4);
        assert_int_equal(m->elems[i].type.heap, KHT_FUNC);
    }
    assert_int_equal(m->elems[2].table, 1);
    assert_int_equal(m->elems[6].table, 1);
    assert_true(m->elems[4].type.nullable);
    assert_int_equal(m->elems[5].exprs[1].len, 3);
    kbin_module_free(m);

    wb_module(&w);
    WB_SEC(&w, 9, 0x01, 0x08);
    decode_fails(&w, "malformed elements segment kind");
    wb_module(&w);
    WB_SEC(&w, 9, 0x01, 0x01, 0x01, 0x00);
    decode_fails(&w, "malformed element kind");
    wb_module(&w); /* illegal opcode in an element expression (binary.wast) */
    WB_SEC(&w, 9, 0x01, 0x05, 0x70, 0x01, 0xF3, 0x00, 0x0B);
    decode_fails(&w, "illegal opcode");
}

static void test_decode_data(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 5, 0x02, 0x00, 0x01, 0x00, 0x01);
    WB_SEC(&w, 12, 0x03);
    WB_SEC(&w, 11, 0x03,
           0x00, 0x41, 0x00, 0x0B, 0x02, 'h', 'i',
           0x01, 0x01, 'x',
           0x02, 0x01, 0x41, 0x08, 0x0B, 0x00);
    kbin_module *m = decode_ok(&w);
    assert_int_equal(m->data_count, 3);
    assert_true(m->has_data_count);
    assert_int_equal(m->data_count_value, 3);
    assert_int_equal(m->datas[0].mode, KSEG_ACTIVE);
    assert_int_equal(m->datas[0].init.len, 2);
    assert_memory_equal(m->bytes + m->datas[0].init.offset, "hi", 2);
    assert_int_equal(m->datas[1].mode, KSEG_PASSIVE);
    assert_int_equal(m->datas[2].memory, 1);
    assert_int_equal(m->datas[2].init.len, 0);
    kbin_module_free(m);

    wb_module(&w);
    WB_SEC(&w, 12, 0x02);
    WB_SEC(&w, 11, 0x01, 0x01, 0x00);
    decode_fails(&w, "data count and data section have inconsistent lengths");
    wb_module(&w);
    WB_SEC(&w, 12, 0x01);
    decode_fails(&w, "data count and data section have inconsistent lengths");
    wb_module(&w);
    WB_SEC(&w, 11, 0x01, 0x03, 0x00);
    decode_fails(&w, "malformed data segment kind");
    wb_module(&w);
    WB_SEC(&w, 11, 0x01, 0x01, 0x05, 'a');
    decode_fails(&w, "unexpected end");
}

/* ---------------------------------------------------------------- names */

static void test_decode_names(void **state) {
    (void)state;
    wb w;
    wb_module(&w);
    WB_SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    WB_SEC(&w, 3, 0x02, 0x00, 0x00);
    WB_SEC(&w, 10, 0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B);
    WB_SEC(&w, 0, 0x04, 'n', 'a', 'm', 'e',
           0x00, 0x04, 0x03, 'm', 'o', 'd',                       /* module name */
           0x01, 0x08, 0x02, 0x00, 0x01, 'a', 0x01, 0x02, 'b', 'c'); /* functions 0 "a", 1 "bc" */
    kbin_module *m = decode_ok(&w);
    assert_string_equal(m->name, "mod");
    assert_string_equal(kbin_func_name(m, 0), "a");
    assert_string_equal(kbin_func_name(m, 1), "bc");
    assert_null(kbin_func_name(m, 2));
    kbin_module_free(m);

    /* A damaged name section is ignored (spec 7.4), the module still decodes. */
    wb_module(&w);
    WB_SEC(&w, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x09, 0x05, 0x00, 0x01);
    m = decode_ok(&w);
    assert_null(m->name);
    assert_int_equal(m->func_name_count, 0);
    kbin_module_free(m);

    /* But a custom section's own name must be valid UTF-8. */
    wb_module(&w);
    WB_SEC(&w, 0, 0x02, 0xC0, 0x80);
    decode_fails(&w, "malformed UTF-8 encoding");
    wb_module(&w);
    WB_SEC(&w, 0, 0x05, 'a');
    decode_fails(&w, "unexpected end");
}

/* ---------------------------------------------------------------- hostile counts */

static void test_decode_huge_counts(void **state) {
    (void)state;
    wb w;
    /* A count of 2^32-1 with no entries fails without allocating for it. */
    wb_module(&w);
    WB_SEC(&w, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    decode_fails(&w, "unexpected end");
    wb_module(&w);
    WB_SEC(&w, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    decode_fails(&w, "unexpected end");
    wb_module(&w);
    WB_SEC(&w, 11, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    decode_fails(&w, "unexpected end");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_header),
        cmocka_unit_test(test_decode_section_framing),
        cmocka_unit_test(test_decode_leb),
        cmocka_unit_test(test_decode_types),
        cmocka_unit_test(test_decode_imports),
        cmocka_unit_test(test_decode_custom_page_sizes),
        cmocka_unit_test(test_decode_definitions),
        cmocka_unit_test(test_decode_code_errors),
        cmocka_unit_test(test_decode_elem_encodings),
        cmocka_unit_test(test_decode_data),
        cmocka_unit_test(test_decode_names),
        cmocka_unit_test(test_decode_huge_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
