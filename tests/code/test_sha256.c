/*
** test_sha256.c -- code/: SHA-256 against the FIPS 180-4 example vectors
** (and the NIST CAVS long-message "million a"), incremental updates across
** block boundaries, and the image checksum's sensitivity to every byte.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "code/kcode.h"

static void hex(const uint8_t d[32], char out[65]) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void expect(const char *msg, size_t len, const char *want) {
    uint8_t d[32];
    char got[65];
    kcode_sha256_bytes(msg, len, d);
    hex(d, got);
    assert_string_equal(got, want);
    /* Same digest fed one byte at a time and in odd chunks. */
    for (size_t chunk = 1; chunk <= 67; chunk += 33) {
        kcode_sha256 s;
        kcode_sha256_init(&s);
        for (size_t off = 0; off < len; off += chunk)
            kcode_sha256_update(&s, msg + off, len - off < chunk ? len - off : chunk);
        kcode_sha256_final(&s, d);
        hex(d, got);
        assert_string_equal(got, want);
    }
}

static void test_sha256__fips_vectors(void **state) {
    (void)state;
    expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect(four, strlen(four), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256__portable_and_accelerated_agree(void **state) {
    (void)state;
    bool hw = kcode_sha256_accelerated(true);
    print_message("SHA-256: %s\n", hw ? "x86 SHA extensions" : "portable");
    static uint8_t buf[5000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + (i >> 7));
    for (size_t len = 0; len <= sizeof buf; len += 97) {
        uint8_t a[32], b[32];
        kcode_sha256_accelerated(true);
        kcode_sha256_bytes(buf, len, a);
        kcode_sha256_accelerated(false);
        kcode_sha256_bytes(buf, len, b);
        assert_memory_equal(a, b, 32);
    }
    kcode_sha256_accelerated(false);
    expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kcode_sha256_accelerated(true);
}

static void test_sha256__million_a(void **state) {
    (void)state;
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    uint8_t d[32];
    char got[65];
    kcode_sha256_bytes(a, n, d);
    hex(d, got);
    assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_sha256__padding_boundaries(void **state) {
    (void)state;
    /* Lengths 55, 56, 63, 64 and 65 exercise each padding case: digests must differ. */
    char buf[130];
    memset(buf, 'x', sizeof buf);
    uint8_t prev[32] = {0}, d[32];
    size_t lens[] = {55, 56, 63, 64, 65, 119, 120, 128};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        kcode_sha256_bytes(buf, lens[i], d);
        assert_memory_not_equal(prev, d, 32);
        memcpy(prev, d, 32);
    }
}

static void test_sha256__checksum_sees_every_byte(void **state) {
    (void)state;
    uint8_t buf[301];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7);
    for (size_t len = 0; len <= sizeof buf; len += 37) {
        uint64_t base = kcode_sum64(buf, len);
        for (size_t i = 0; i < len; i++)
            for (int bit = 0; bit < 8; bit += 3) {
                buf[i] ^= (uint8_t)(1u << bit);
                assert_true(kcode_sum64(buf, len) != base);
                buf[i] ^= (uint8_t)(1u << bit);
            }
        assert_true(kcode_sum64(buf, len) == base);
    }
    /* Zeros of different lengths differ (the length is mixed in). */
    uint8_t z[64] = {0};
    assert_true(kcode_sum64(z, 32) != kcode_sum64(z, 40));
}

static void test_sha256__build_id_is_stable(void **state) {
    (void)state;
    const uint8_t *a = kcode_build_id();
    uint8_t copy[32];
    memcpy(copy, a, 32);
    assert_memory_equal(kcode_build_id(), copy, 32);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256__fips_vectors),
        cmocka_unit_test(test_sha256__portable_and_accelerated_agree),
        cmocka_unit_test(test_sha256__million_a),
        cmocka_unit_test(test_sha256__padding_boundaries),
        cmocka_unit_test(test_sha256__checksum_sees_every_byte),
        cmocka_unit_test(test_sha256__build_id_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
