/*
** kcode_hash.c -- SHA-256 (FIPS 180-4), the image checksum and the engine
** build id.
**
** SHA-256 keys cache entries by the exact wasm bytes: a collision would run
** another module's code, so the key must be a cryptographic hash. The image
** checksum only has to catch damage (flipped bytes, truncation, zeroed pages)
** and must be fast enough that a cache hit stays far cheaper than compiling.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "code/kcode.h"
#include "compile/kcomp.h"

/* ---------------------------------------------------------------- SHA-256 */

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the
   cube roots of the first 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* FIPS 180-4 section 6.2.2: one 512-bit block. */
static void sha256_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
               (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ROTR32(w[t - 15], 7) ^ ROTR32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ROTR32(w[t - 2], 17) ^ ROTR32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = ROTR32(e, 6) ^ ROTR32(e, 11) ^ ROTR32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K256[t] + w[t];
        uint32_t S0 = ROTR32(a, 2) ^ ROTR32(a, 13) ^ ROTR32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/*
** The same compression with the x86 SHA extensions (SHA-NI), chosen at run
** time: a cache hit hashes the whole wasm module to find its entry, and the
** portable code (~300 MB/s) would cost more than the rest of the hit. Round
** structure after Intel's "Intel SHA Extensions" paper (2013): state in
** ABEF/CDGH order, four rounds per group, sha256msg1/msg2 for the schedule.
*/
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define KCODE_SHA_NI 1

__attribute__((target("sha,sse4.1,ssse3")))
static void sha256_blocks_ni(uint32_t h[8], const uint8_t *p, size_t nblocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i st1 = _mm_loadu_si128((const __m128i *)&h[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);           /* CDAB */
    st1 = _mm_shuffle_epi32(st1, 0x1B);           /* EFGH */
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);   /* ABEF */
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);        /* CDGH */
    for (; nblocks; nblocks--, p += 64) {
        __m128i save0 = st0, save1 = st1, m[4], msg;
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            if (g < 4) m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), mask);
            msg = _mm_add_epi32(m[g % 4], _mm_loadu_si128((const __m128i *)&K256[4 * g]));
            st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
            if (g >= 3 && g <= 14) {
                __m128i t = _mm_alignr_epi8(m[g % 4], m[(g + 3) % 4], 4);
                m[(g + 1) % 4] = _mm_sha256msg2_epu32(_mm_add_epi32(m[(g + 1) % 4], t), m[g % 4]);
            }
            msg = _mm_shuffle_epi32(msg, 0x0E);
            st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
            if (g >= 1 && g <= 12) m[(g + 3) % 4] = _mm_sha256msg1_epu32(m[(g + 3) % 4], m[g % 4]);
        }
        st0 = _mm_add_epi32(st0, save0);
        st1 = _mm_add_epi32(st1, save1);
    }
    tmp = _mm_shuffle_epi32(st0, 0x1B);           /* FEBA */
    st1 = _mm_shuffle_epi32(st1, 0xB1);           /* DCHG */
    st0 = _mm_blend_epi16(tmp, st1, 0xF0);        /* DCBA */
    st1 = _mm_alignr_epi8(st1, tmp, 8);           /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], st0);
    _mm_storeu_si128((__m128i *)&h[4], st1);
}

static int have_sha_ni(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ssse3 && sse41 && (b & (1u << 29)) ? 1 : 0;
}
#endif

/* -1: not yet probed; 0: portable; 1: SHA-NI. */
static _Atomic int sha_impl = -1;

bool kcode_sha256_accelerated(bool allow) {
    int want = 0;
#ifdef KCODE_SHA_NI
    want = allow ? have_sha_ni() : 0;
#else
    (void)allow;
#endif
    sha_impl = want;
    return want == 1;
}

static void sha256_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks) {
#ifdef KCODE_SHA_NI
    int impl = sha_impl;
    if (impl < 0) impl = kcode_sha256_accelerated(true);
    if (impl == 1) {
        sha256_blocks_ni(h, p, nblocks);
        return;
    }
#endif
    for (; nblocks; nblocks--, p += 64) sha256_block(h, p);
}

void kcode_sha256_init(kcode_sha256 *s) {
    /* FIPS 180-4 section 5.3.3: initial hash value. */
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, H0, sizeof H0);
    s->len = 0;
    s->fill = 0;
}

void kcode_sha256_update(kcode_sha256 *s, const void *data, size_t len) {
    const uint8_t *p = data;
    s->len += len;
    if (s->fill) {
        size_t take = 64 - s->fill < len ? 64 - s->fill : len;
        memcpy(s->buf + s->fill, p, take);
        s->fill += (uint32_t)take;
        p += take;
        len -= take;
        if (s->fill < 64) return;
        sha256_blocks(s->h, s->buf, 1);
        s->fill = 0;
    }
    if (len >= 64) {
        sha256_blocks(s->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len) {
        memcpy(s->buf, p, len);
        s->fill = (uint32_t)len;
    }
}

void kcode_sha256_final(kcode_sha256 *s, uint8_t out[32]) {
    /* FIPS 180-4 section 5.1.1: 0x80, zeros, then the bit length big-endian. */
    uint64_t bits = s->len * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++) pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    kcode_sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void kcode_sha256_bytes(const void *data, size_t len, uint8_t out[32]) {
    kcode_sha256 s;
    kcode_sha256_init(&s);
    kcode_sha256_update(&s, data, len);
    kcode_sha256_final(&s, out);
}

/* ---------------------------------------------------------------- checksum */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull
#define ROTL64(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static inline uint64_t rd64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t lane(uint64_t acc, uint64_t in) {
    acc += in * P2;
    acc = ROTL64(acc, 31);
    return acc * P1;
}

static inline uint64_t merge(uint64_t acc, uint64_t v) {
    acc ^= lane(0, v);
    return acc * P1 + P4;
}

uint64_t kcode_sum64(const void *data, size_t len) {
    const uint8_t *p = data, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
        do {
            v1 = lane(v1, rd64(p));
            v2 = lane(v2, rd64(p + 8));
            v3 = lane(v3, rd64(p + 16));
            v4 = lane(v4, rd64(p + 24));
            p += 32;
        } while (p + 32 <= end);
        h = ROTL64(v1, 1) + ROTL64(v2, 7) + ROTL64(v3, 12) + ROTL64(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
    } else {
        h = P5;
    }
    h += (uint64_t)len;
    for (; p + 8 <= end; p += 8) h = ROTL64(h ^ lane(0, rd64(p)), 27) * P1 + P4;
    if (p + 4 <= end) {
        uint32_t v;
        memcpy(&v, p, 4);
        h = ROTL64(h ^ (uint64_t)v * P1, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++) h = ROTL64(h ^ (uint64_t)*p * P5, 11) * P1;
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

static void make_build_id(void) {
    kcode_sha256 s;
    kcode_sha256_init(&s);
    static const char tag[] = "keel code image";
    kcode_sha256_update(&s, tag, sizeof tag);
    uint32_t v = KCODE_FORMAT_VERSION;
    kcode_sha256_update(&s, &v, sizeof v);
    kcode_sha256_update(&s, kcomp_build_stamp, strlen(kcomp_build_stamp));
    static const char here[] = __DATE__ " " __TIME__;
    kcode_sha256_update(&s, here, sizeof here);
#ifdef KEEL_BUILD_ID
    kcode_sha256_update(&s, KEEL_BUILD_ID, sizeof KEEL_BUILD_ID);
#endif
    /* The op table: the meaning of every code word (ORDER KX). */
    for (int i = 0; i < KX_COUNT_; i++) {
        if (kcomp_ops[i].name) kcode_sha256_update(&s, kcomp_ops[i].name, strlen(kcomp_ops[i].name) + 1);
        kcode_sha256_update(&s, &kcomp_ops[i].words, sizeof kcomp_ops[i].words);
    }
    /* Layout facts: structure sizes, pointer size and byte order. */
    uint32_t facts[6] = {(uint32_t)sizeof(kcomp_func), (uint32_t)sizeof(kcomp_handler),
                         (uint32_t)sizeof(kcomp_clause), (uint32_t)sizeof(void *),
                         (uint32_t)sizeof(kcode_header), 0x01020304u};
    kcode_sha256_update(&s, facts, sizeof facts);
    kcode_sha256_final(&s, build_id);
}

const uint8_t *kcode_build_id(void) {
    pthread_once(&build_once, make_build_id);
    return build_id;
}
