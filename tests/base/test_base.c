/*
** test_base.c -- LEB128, UTF-8, buffers and errors (engine/base).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "base/kb_error.h"
#include "base/kb_leb.h"
#include "base/kb_utf8.h"

static kb_leb_status read_u(const uint8_t *p, size_t n, unsigned bits, uint64_t *v) {
    size_t pos = 0;
    return kb_leb_u(p, n, &pos, bits, v);
}

static kb_leb_status read_s(const uint8_t *p, size_t n, unsigned bits, int64_t *v) {
    size_t pos = 0;
    return kb_leb_s(p, n, &pos, bits, v);
}

static void test_leb_unsigned(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(read_u((const uint8_t *)"\xE5\x8E\x26", 3, 32, &v), KB_LEB_OK);
    assert_int_equal(v, 624485);
    /* Padded zero within the byte limit is fine. */
    assert_int_equal(read_u((const uint8_t *)"\x80\x80\x80\x80\x00", 5, 32, &v), KB_LEB_OK);
    assert_int_equal(v, 0);
    /* Six bytes for a u32: too long. */
    assert_int_equal(read_u((const uint8_t *)"\x80\x80\x80\x80\x80\x00", 6, 32, &v), KB_LEB_TOO_LONG);
    /* Fifth byte with bits above 32 set: too large. */
    assert_int_equal(read_u((const uint8_t *)"\xFF\xFF\xFF\xFF\x1F", 5, 32, &v), KB_LEB_TOO_LARGE);
    assert_int_equal(read_u((const uint8_t *)"\xFF\xFF\xFF\xFF\x0F", 5, 32, &v), KB_LEB_OK);
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_int_equal(read_u((const uint8_t *)"\x80", 1, 32, &v), KB_LEB_END);
}

static void test_leb_signed(void **state) {
    (void)state;
    int64_t v;
    assert_int_equal(read_s((const uint8_t *)"\x7F", 1, 32, &v), KB_LEB_OK);
    assert_int_equal(v, -1);
    assert_int_equal(read_s((const uint8_t *)"\xC0\xBB\x78", 3, 32, &v), KB_LEB_OK);
    assert_int_equal(v, -123456);
    /* i32 -1 padded to five bytes: last byte must be 0x7F. */
    assert_int_equal(read_s((const uint8_t *)"\xFF\xFF\xFF\xFF\x7F", 5, 32, &v), KB_LEB_OK);
    assert_int_equal(read_s((const uint8_t *)"\xFF\xFF\xFF\xFF\x4F", 5, 32, &v), KB_LEB_TOO_LARGE);
    assert_int_equal(read_s((const uint8_t *)"\x80\x80\x80\x80\x70", 5, 32, &v), KB_LEB_TOO_LARGE);
    /* i64 min. */
    assert_int_equal(read_s((const uint8_t *)"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7F", 10, 64, &v), KB_LEB_OK);
    assert_true(v == INT64_MIN);
    /* s33 block types. */
    assert_int_equal(read_s((const uint8_t *)"\x40", 1, 33, &v), KB_LEB_OK);
    assert_int_equal(v, -64);
}

static void test_buf_roundtrip(void **state) {
    (void)state;
    kb_buf b = {0};
    int64_t values[] = {0, 1, -1, 63, 64, -64, -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) assert_true(kb_buf_sleb(&b, values[i]));
    size_t pos = 0;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int64_t v;
        assert_int_equal(kb_leb_s(b.data, b.len, &pos, 64, &v), KB_LEB_OK);
        assert_true(v == values[i]);
    }
    assert_int_equal(pos, b.len);
    kb_buf_free(&b);
    assert_true(kb_buf_uleb(&b, UINT64_MAX));
    uint64_t u;
    pos = 0;
    assert_int_equal(kb_leb_u(b.data, b.len, &pos, 64, &u), KB_LEB_OK);
    assert_true(u == UINT64_MAX);
    kb_buf_free(&b);
}

static void test_utf8(void **state) {
    (void)state;
    assert_true(kb_utf8_valid((const uint8_t *)"h\xC3\xA9llo", 6));
    assert_true(kb_utf8_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4));
    assert_false(kb_utf8_valid((const uint8_t *)"\xC0\x80", 2));         /* overlong NUL */
    assert_false(kb_utf8_valid((const uint8_t *)"\xED\xA0\x80", 3));     /* surrogate */
    assert_false(kb_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(kb_utf8_valid((const uint8_t *)"\xE2\x82", 2));         /* truncated */
    assert_false(kb_utf8_valid((const uint8_t *)"\x80", 1));
    uint8_t out[4];
    assert_int_equal(kb_utf8_encode(0x20AC, out), 3);
    assert_memory_equal(out, "\xE2\x82\xAC", 3);
    assert_int_equal(kb_utf8_encode(0xD800, out), 0);
}

static void test_error(void **state) {
    (void)state;
    kb_error *err = kb_error_at(KB_ERR_MALFORMED, 12, "unexpected end at %d", 12);
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    assert_int_equal(err->offset, 12);
    assert_string_equal(err->message, "unexpected end at 12");
    kb_error_free(err);
    err = kb_error_trap(KB_TRAP_INTEGER_DIVIDE_BY_ZERO);
    assert_string_equal(err->message, "integer divide by zero");
    kb_error_push_frame(err, 3, 17, "f", "m");
    kb_error_push_frame(err, 0, 2, NULL, NULL);
    assert_int_equal(err->frame_count, 2);
    assert_string_equal(err->frames[0].func_name, "f");
    kb_error_free(err);
    kb_error_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leb_unsigned),
        cmocka_unit_test(test_leb_signed),
        cmocka_unit_test(test_buf_roundtrip),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
