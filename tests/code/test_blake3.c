/*
** test_blake3.c -- code/: BLAKE3 against digests from an independent
** implementation (the 'blake3' Python package, inputs of byte i = i % 251 as
** in the official test vectors), every SIMD level against the portable code
** for random lengths and alignments, and the image checksum: every level
** agrees, every byte matters, moved stripes matter.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <time.h>

#include "code/kcode.h"

static void hex(const uint8_t d[32], char out[65]) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* Lengths around every boundary of the mode: block (64), chunk (1024), the
   SIMD batches, and the 256-chunk groups of kcode_blake3.c. */
static const struct {
    size_t len;
    const char *digest;
} vectors[] = {
    {0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
    {1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"},
    {63, "e9bc37a594daad83be9470df7f7b3798297c3d834ce80ba85d6e207627b7db7b"},
    {64, "4eed7141ea4a5cd4b788606bd23f46e212af9cacebacdc7d1f4c6dc7f2511b98"},
    {65, "de1e5fa0be70df6d2be8fffd0e99ceaa8eb6e8c93a63f2d8d1c30ecb6b263dee"},
    {1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11"},
    {1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"},
    {1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"},
    {2048, "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a"},
    {2049, "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030"},
    {3072, "b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2"},
    {3073, "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3"},
    {4096, "015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e969"},
    {8192, "aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63"},
    {31744, "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47"},
    {65536, "68d647e619a930e7b1082f74f334b0c65a315725569bdc123f0ee11881717bfe"},
    {102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085"},
    {262144, "d57dc906e20d3fd326ffaa85535500486f46a0979f5a323f028dcabfd381fd4a"},
    {262145, "531c319935cf78f34869faebd865e5748266b1799039103bfb851a680d9ed30c"},
    {263168, "016a8ebdc93c38f6e5afbfb937fdc9130808969f33fc82a10a36c92acd21eed7"},
    {787457, "ca8465e4306b2dd32af893d88aa431b8ab9424b17b033bf330bed18375cf381c"},
    {1048576, "74cb441fd087764ca9c3694da742ebe30cbeb3060a17009ca81825c7a8d10343"},
    /* From 4 whole groups on, kcode_blake3 shares groups with a second
       thread, in batches of 64 groups (16 MiB). */
    {1048577, "2f053cd7472cf0cd2f9adaf45c1180255b91b9a865404a63671a0ee5f792ed33"},
    {2990001, "cd5fd82ad40ca9c011e78ce34d08208beba4d5b3996d79ccaa4dd258b04f74e8"},
    {16777216, "869b1292c8bed5bdb2e0075e0c50ccf8b24b33a0f81071c86206bd8fdb269579"},
    {16777217, "3a734b24df8a7d6c13f0a980f06b74c9ffe3ea327dd5a23a3a108533c18684ff"},
    {17039361, "8ea893294060d3f85a16f2c6934e4a1c0ea7938825869763d3269ef1ecf61a1f"},
};

#define MAX_LEN ((size_t)1 << 20)
#define VECTOR_MAX_LEN ((size_t)17039361)

static uint8_t *pattern(void) {
    uint8_t *p = malloc(VECTOR_MAX_LEN);
    assert_non_null(p);
    for (size_t i = 0; i < VECTOR_MAX_LEN; i++) p[i] = (uint8_t)(i % 251);
    return p;
}

static void test_blake3__vectors_at_every_level(void **state) {
    (void)state;
    uint8_t *buf = pattern();
    int best = kcode_blake3_level(-1);
    for (int level = KCODE_SIMD_PORTABLE; level <= best; level++) {
        assert_int_equal(kcode_blake3_level(level), level);
        for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
            /* The multi-MiB inputs only differ in how groups are shared out:
               the portable and the best kernel suffice (and keep Debug and
               sanitizer runs short). */
            if (vectors[i].len > MAX_LEN && level != KCODE_SIMD_PORTABLE && level != best) continue;
            uint8_t d[32];
            char got[65];
            kcode_blake3(buf, vectors[i].len, d);
            hex(d, got);
            if (strcmp(got, vectors[i].digest) != 0)
                fprintf(stderr, "level %s, length %zu\n", kcode_blake3_level_name(level), vectors[i].len);
            assert_string_equal(got, vectors[i].digest);
        }
    }
    kcode_blake3_level(-1);
    free(buf);
}

static void test_blake3__levels_agree_on_random_inputs(void **state) {
    (void)state;
    uint8_t *buf = malloc(MAX_LEN + 64);
    assert_non_null(buf);
    srand(7);
    for (size_t i = 0; i < MAX_LEN + 64; i++) buf[i] = (uint8_t)rand();
    int best = kcode_blake3_level(-1);
    for (int round = 0; round < 60; round++) {
        /* Mostly small and medium lengths, some up to 1 MiB; odd alignments. */
        size_t len = round % 4 == 0 ? (size_t)rand() % MAX_LEN : (size_t)rand() % (40 * 1024);
        size_t at = (size_t)rand() % 64;
        uint8_t want[32], got[32];
        kcode_blake3_level(KCODE_SIMD_PORTABLE);
        kcode_blake3(buf + at, len, want);
        for (int level = KCODE_SIMD_PORTABLE + 1; level <= best; level++) {
            kcode_blake3_level(level);
            kcode_blake3(buf + at, len, got);
            if (memcmp(want, got, 32) != 0)
                fprintf(stderr, "level %s, length %zu at +%zu\n", kcode_blake3_level_name(level), len, at);
            assert_memory_equal(want, got, 32);
        }
    }
    kcode_blake3_level(-1);
    free(buf);
}

static void test_blake3__checksum_levels_agree(void **state) {
    (void)state;
    uint8_t *buf = malloc(70000);
    assert_non_null(buf);
    srand(11);
    for (size_t i = 0; i < 70000; i++) buf[i] = (uint8_t)rand();
    int best = kcode_sum64_level(-1);
    for (size_t len = 0; len < 70000; len = len * 3 / 2 + 1)
        for (size_t at = 0; at < 16; at += 5) {
            kcode_sum64_level(KCODE_SIMD_PORTABLE);
            uint64_t want = kcode_sum64(buf + at, len, len);
            for (int level = KCODE_SIMD_PORTABLE + 1; level <= best; level++) {
                kcode_sum64_level(level);
                assert_true(kcode_sum64(buf + at, len, len) == want);
            }
        }
    kcode_sum64_level(-1);
    free(buf);
}

static void test_blake3__checksum_sees_every_byte(void **state) {
    (void)state;
    uint8_t buf[701];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7);
    for (size_t len = 0; len <= sizeof buf; len += 37) {
        uint64_t base = kcode_sum64(buf, len, 0);
        for (size_t i = 0; i < len; i++)
            for (int bit = 0; bit < 8; bit += 3) {
                buf[i] ^= (uint8_t)(1u << bit);
                assert_true(kcode_sum64(buf, len, 0) != base);
                buf[i] ^= (uint8_t)(1u << bit);
            }
        assert_true(kcode_sum64(buf, len, 0) == base);
    }
    /* Zeros of different lengths differ (the length is mixed in), so do seeds. */
    uint8_t z[64] = {0};
    assert_true(kcode_sum64(z, 32, 0) != kcode_sum64(z, 40, 0));
    assert_true(kcode_sum64(z, 32, 0) != kcode_sum64(z, 32, 1));
    /* Two stripes swapped. */
    uint8_t sw[256];
    for (size_t i = 0; i < sizeof sw; i++) sw[i] = (uint8_t)(i * 13 + 5);
    uint64_t before = kcode_sum64(sw, sizeof sw, 0);
    uint8_t t[64];
    memcpy(t, sw, 64);
    memcpy(sw, sw + 128, 64);
    memcpy(sw + 128, t, 64);
    assert_true(kcode_sum64(sw, sizeof sw, 0) != before);
}

static void test_blake3__build_id_is_stable(void **state) {
    (void)state;
    const uint8_t *a = kcode_build_id();
    uint8_t copy[32];
    memcpy(copy, a, 32);
    assert_memory_equal(kcode_build_id(), copy, 32);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Throughput per level on 2.85 MB (the benchmark module's size): printed only. */
static void test_blake3__throughput(void **state) {
    (void)state;
    size_t n = 2850000;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    memset(buf, 0x5a, n);
    uint8_t d[32];
    int best = kcode_blake3_level(-1);
    for (int level = KCODE_SIMD_PORTABLE; level <= best; level++) {
        kcode_blake3_level(level);
        double t = 1e9;
        for (int i = 0; i < 5; i++) {
            double t0 = now();
            kcode_blake3(buf, n, d);
            if (now() - t0 < t) t = now() - t0;
        }
        kcode_sum64_level(level);
        double ts = 1e9;
        for (int i = 0; i < 5; i++) {
            double t0 = now();
            volatile uint64_t s = kcode_sum64(buf, n, 0);
            (void)s;
            if (now() - t0 < ts) ts = now() - t0;
        }
        printf("level %-8s BLAKE3 %.2f GB/s, checksum %.2f GB/s\n", kcode_blake3_level_name(level),
               (double)n / t / 1e9, (double)n / ts / 1e9);
    }
    kcode_blake3_level(-1);
    kcode_sum64_level(-1);
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blake3__vectors_at_every_level),
        cmocka_unit_test(test_blake3__levels_agree_on_random_inputs),
        cmocka_unit_test(test_blake3__checksum_levels_agree),
        cmocka_unit_test(test_blake3__checksum_sees_every_byte),
        cmocka_unit_test(test_blake3__build_id_is_stable),
        cmocka_unit_test(test_blake3__throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
