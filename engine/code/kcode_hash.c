/*
** kcode_hash.c -- the image checksum and the engine build id.
**
** The checksum only has to catch damage (flipped bytes, truncation, zeroed
** pages, swapped pieces) and must cost a cache hit as little as reading the
** code: it runs at memory speed with SIMD. The cache key and the wasm hash are
** BLAKE3 (kcode_blake3.c), a cryptographic hash, because a collision there
** would run another module's code.
**
** Construction (format version 2), in 64-byte stripes of eight 64-bit
** little-endian words d[0..7], stripe s keyed by key[j] = K[j] + s * STEP:
**     x = d[j] ^ key[j];  acc[j] += lo32(x) * hi32(x);  acc[j ^ 1] += d[j]
** (the multiply-accumulate of XXH3). Every word also enters an accumulator
** unchanged, so no change of a word is lost before the final mix (which
** keeps a 2^-64 chance of a collision); the keyed products depend on the
** position, so moved or swapped stripes change the sum too.
** A partial last stripe is zero-padded; the length, the seed and the eight
** accumulators are then mixed into 64 bits (XXH64's merge and avalanche).
** Sums are additions, so the SIMD versions keep several partial sums and add
** them at the end: the same result on every level (tests compare them).
*/
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/kb_buf.h"
#include "code/kcode.h"
#include "code/kcode_int.h"
#include "compile/kcomp.h"

/* ---------------------------------------------------------------- checksum */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define STEP 0x9E3779B97F4A7C15ull
#define ROTL64(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* Lane keys: any distinct odd constants (here the fractional parts of sqrt(2..9)). */
static const uint64_t K[8] = {0x6A09E667F3BCC909ull, 0xBB67AE8584CAA73Bull, 0x3C6EF372FE94F82Bull,
                              0xA54FF53A5F1D36F1ull, 0x510E527FADE682D1ull, 0x9B05688C2B3E6C1Full,
                              0x1F83D9ABFB41BD6Bull, 0x5BE0CD19137E2179ull};

static inline uint64_t rd64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8); /* one load */
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
#endif
}

/* 'n' stripes from stripe number 's0' into acc (portable; the reference). */
static void stripes_portable(uint64_t acc[8], const uint8_t *p, size_t n, uint64_t s0) {
    for (size_t s = 0; s < n; s++, p += 64) {
        uint64_t ks = (s0 + s) * STEP;
        for (int j = 0; j < 8; j++) {
            uint64_t d = rd64(p + 8 * j), x = d ^ (K[j] + ks);
            acc[j] += (x & 0xFFFFFFFFu) * (x >> 32);
            acc[j ^ 1] += d;
        }
    }
}

typedef void stripes_fn(uint64_t acc[8], const uint8_t *p, size_t n, uint64_t s0);

#ifdef KCODE_B3_X86
#include <immintrin.h>

/* Four stripes per iteration into four partial sums: no loop-carried
   dependency longer than one add. */
__attribute__((target("avx512f")))
static void stripes_avx512(uint64_t acc[8], const uint8_t *p, size_t n, uint64_t s0) {
    __m512i a[4], k[4];
    const __m512i kv = _mm512_loadu_si512((const void *)K), step = _mm512_set1_epi64((long long)STEP);
    for (int i = 0; i < 4; i++) {
        a[i] = _mm512_setzero_si512();
        k[i] = _mm512_add_epi64(kv, _mm512_set1_epi64((long long)((s0 + (uint64_t)i) * STEP)));
    }
    const __m512i step4 = _mm512_set1_epi64((long long)(4 * STEP));
    size_t s = 0;
    for (; s + 4 <= n; s += 4, p += 256) {
        for (int i = 0; i < 4; i++) {
            __m512i d = _mm512_loadu_si512((const void *)(p + 64 * i));
            __m512i x = _mm512_xor_si512(d, k[i]);
            __m512i prod = _mm512_mul_epu32(x, _mm512_srli_epi64(x, 32));
            a[i] = _mm512_add_epi64(a[i], _mm512_add_epi64(prod, _mm512_shuffle_epi32(d, 0x4E)));
            k[i] = _mm512_add_epi64(k[i], step4);
        }
    }
    for (int i = 0; i < 4 && s < n; i++, s++, p += 64) {
        __m512i d = _mm512_loadu_si512((const void *)p);
        __m512i x = _mm512_xor_si512(d, k[i]);
        __m512i prod = _mm512_mul_epu32(x, _mm512_srli_epi64(x, 32));
        a[i] = _mm512_add_epi64(a[i], _mm512_add_epi64(prod, _mm512_shuffle_epi32(d, 0x4E)));
    }
    (void)step;
    __m512i t = _mm512_add_epi64(_mm512_add_epi64(a[0], a[1]), _mm512_add_epi64(a[2], a[3]));
    uint64_t out[8];
    _mm512_storeu_si512((void *)out, t);
    for (int j = 0; j < 8; j++) acc[j] += out[j];
}

__attribute__((target("avx2")))
static void stripes_avx2(uint64_t acc[8], const uint8_t *p, size_t n, uint64_t s0) {
    __m256i a[2][2], k[2][2];
    const __m256i k0 = _mm256_loadu_si256((const __m256i *)K), k1 = _mm256_loadu_si256((const __m256i *)(K + 4));
    for (int i = 0; i < 2; i++) {
        __m256i off = _mm256_set1_epi64x((long long)((s0 + (uint64_t)i) * STEP));
        k[i][0] = _mm256_add_epi64(k0, off);
        k[i][1] = _mm256_add_epi64(k1, off);
        a[i][0] = a[i][1] = _mm256_setzero_si256();
    }
    const __m256i step2 = _mm256_set1_epi64x((long long)(2 * STEP));
    size_t s = 0;
    for (; s < n; s++, p += 64) {
        int i = (int)(s & 1);
        for (int h = 0; h < 2; h++) {
            __m256i d = _mm256_loadu_si256((const __m256i *)(p + 32 * h));
            __m256i x = _mm256_xor_si256(d, k[i][h]);
            __m256i prod = _mm256_mul_epu32(x, _mm256_srli_epi64(x, 32));
            a[i][h] = _mm256_add_epi64(a[i][h], _mm256_add_epi64(prod, _mm256_shuffle_epi32(d, 0x4E)));
            k[i][h] = _mm256_add_epi64(k[i][h], step2);
        }
    }
    uint64_t out[8];
    _mm256_storeu_si256((__m256i *)out, _mm256_add_epi64(a[0][0], a[1][0]));
    _mm256_storeu_si256((__m256i *)(out + 4), _mm256_add_epi64(a[0][1], a[1][1]));
    for (int j = 0; j < 8; j++) acc[j] += out[j];
}
#endif

/* -1: not chosen yet; else a KCODE_SIMD_* level (SSE4.1 uses the portable code). */
static _Atomic int sum_level = -1;

int kcode_sum64_level(int max_level) {
    int level = kcode_simd_best();
    if (max_level >= 0 && level > max_level) level = max_level;
    if (level == KCODE_SIMD_SSE41) level = KCODE_SIMD_PORTABLE;
    sum_level = level;
    return level;
}

uint64_t kcode_sum64(const void *data, size_t len, uint64_t seed) {
    const uint8_t *p = data;
    int level = sum_level;
    if (level < 0) level = kcode_sum64_level(-1);
    stripes_fn *fn = stripes_portable;
#ifdef KCODE_B3_X86
    if (level == KCODE_SIMD_AVX512) fn = stripes_avx512;
    else if (level == KCODE_SIMD_AVX2) fn = stripes_avx2;
#endif
    uint64_t acc[8];
    for (int j = 0; j < 8; j++) acc[j] = seed + K[j];
    size_t n = len / 64;
    if (n) fn(acc, p, n, 0);
    if (len % 64) {
        uint8_t last[64] = {0};
        memcpy(last, p + 64 * n, len % 64);
        stripes_portable(acc, last, 1, n);
    }
    uint64_t h = seed ^ ((uint64_t)len * P1);
    for (int j = 0; j < 8; j++) {
        uint64_t v = acc[j] * P2;
        v = ROTL64(v, 31) * P1;
        h = ROTL64(h ^ v, 27) * P1 + P4;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* ---------------------------------------------------------------- build id */

/* compile/'s build stamp (kcomp.c): changes whenever the compiler is rebuilt. */
extern const char kcomp_build_stamp[];

static uint8_t build_id[32];
static pthread_once_t build_once = PTHREAD_ONCE_INIT;

/* Appends to 'b'; an allocation failure leaves 'ok' false. */
static void add(kb_buf *b, bool *ok, const void *p, size_t n) {
    if (!kb_buf_append(b, p, n)) *ok = false;
}

static void make_build_id(void) {
    kb_buf b = {0};
    bool ok = true;
    static const char tag[] = "keel code image";
    add(&b, &ok, tag, sizeof tag);
    uint32_t v = KCODE_FORMAT_VERSION;
    add(&b, &ok, &v, sizeof v);
    add(&b, &ok, kcomp_build_stamp, strlen(kcomp_build_stamp));
    static const char here[] = __DATE__ " " __TIME__;
    add(&b, &ok, here, sizeof here);
#ifdef KEEL_BUILD_ID
    add(&b, &ok, KEEL_BUILD_ID, sizeof KEEL_BUILD_ID);
#endif
    /* The op table: the meaning of every code word (ORDER KX). */
    for (int i = 0; i < KX_COUNT_; i++) {
        if (kcomp_ops[i].name) add(&b, &ok, kcomp_ops[i].name, strlen(kcomp_ops[i].name) + 1);
        add(&b, &ok, &kcomp_ops[i].words, sizeof kcomp_ops[i].words);
    }
    /* Layout facts: structure sizes, pointer size and byte order. */
    uint32_t facts[6] = {(uint32_t)sizeof(kcomp_func), (uint32_t)sizeof(kcomp_handler),
                         (uint32_t)sizeof(kcomp_clause), (uint32_t)sizeof(void *),
                         (uint32_t)sizeof(kcode_header), 0x01020304u};
    add(&b, &ok, facts, sizeof facts);
    /* Out of memory this early: an id no image has (every image is a miss). */
    if (ok) kcode_blake3(b.data, b.len, build_id);
    else memset(build_id, 0xFF, sizeof build_id);
    kb_buf_free(&b);
}

const uint8_t *kcode_build_id(void) {
    pthread_once(&build_once, make_build_id);
    return build_id;
}
