/*
** kcode_blake3_simd.c -- BLAKE3 kernels that compress 4 (SSE4.1), 8 (AVX2)
** or 16 (AVX-512) independent inputs at once, one per 32-bit vector lane
** (the many-chunk parallelism of the spec's tree mode, see kcode_blake3.c).
** Each is compiled for its instruction set with __attribute__((target)) and
** chosen at run time from cpuid, so the library runs on any x86-64; other
** targets compile nothing here and use the portable code.
*/
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "code/kcode_int.h"

#ifdef KCODE_B3_X86
#include <immintrin.h>

static const uint8_t sched[7][16] = KCODE_B3_SCHED;

/* ---------------------------------------------------------------- SSE4.1 */

#define V __m128i
#define B3_LANES 4
#define B3_FN kcode_b3_many_sse41
#define B3_TARGET "sse4.1"
#define ADD(a, b) _mm_add_epi32(a, b)
#define XOR(a, b) _mm_xor_si128(a, b)
#define SET1(x) _mm_set1_epi32((int)(x))
#define ROR16(x) _mm_shuffle_epi8(x, _mm_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2))
#define ROR8(x) _mm_shuffle_epi8(x, _mm_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1))
#define ROR12(x) _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20))
#define ROR7(x) _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25))
/* Words 4k..4k+3 of the four inputs, transposed 4x4. */
#define LOAD_MSG(m, p, stride)                                                                     \
    do {                                                                                           \
        for (int k = 0; k < 4; k++) {                                                              \
            __m128i r0 = _mm_loadu_si128((const __m128i *)((p) + 0 * (stride) + 16 * k));          \
            __m128i r1 = _mm_loadu_si128((const __m128i *)((p) + 1 * (stride) + 16 * k));          \
            __m128i r2 = _mm_loadu_si128((const __m128i *)((p) + 2 * (stride) + 16 * k));          \
            __m128i r3 = _mm_loadu_si128((const __m128i *)((p) + 3 * (stride) + 16 * k));          \
            __m128i t0 = _mm_unpacklo_epi32(r0, r1), t1 = _mm_unpacklo_epi32(r2, r3);              \
            __m128i t2 = _mm_unpackhi_epi32(r0, r1), t3 = _mm_unpackhi_epi32(r2, r3);              \
            m[4 * k] = _mm_unpacklo_epi64(t0, t1);                                                 \
            m[4 * k + 1] = _mm_unpackhi_epi64(t0, t1);                                             \
            m[4 * k + 2] = _mm_unpacklo_epi64(t2, t3);                                             \
            m[4 * k + 3] = _mm_unpackhi_epi64(t2, t3);                                             \
        }                                                                                          \
    } while (0)
#include "code/kcode_blake3_lanes.h"

/* ---------------------------------------------------------------- AVX2 */

#define V __m256i
#define B3_LANES 8
#define B3_FN kcode_b3_many_avx2
#define B3_TARGET "avx2"
#define ADD(a, b) _mm256_add_epi32(a, b)
#define XOR(a, b) _mm256_xor_si256(a, b)
#define SET1(x) _mm256_set1_epi32((int)(x))
#define ROR16(x)                                                                                   \
    _mm256_shuffle_epi8(x, _mm256_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2, 13, 12, 15, \
                                           14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2))
#define ROR8(x)                                                                                    \
    _mm256_shuffle_epi8(x, _mm256_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1, 12, 15, 14, \
                                           13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1))
#define ROR12(x) _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20))
#define ROR7(x) _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25))
/* Words 8k..8k+7 of the eight inputs, transposed 8x8 (32-bit, 64-bit, then 128-bit halves). */
#define LOAD_MSG(m, p, stride)                                                                     \
    do {                                                                                           \
        for (int k = 0; k < 2; k++) {                                                              \
            __m256i r[8], s[8], u[8];                                                              \
            for (int i = 0; i < 8; i++)                                                            \
                r[i] = _mm256_loadu_si256((const __m256i *)((p) + (size_t)i * (stride) + 32 * k)); \
            for (int i = 0; i < 8; i += 2) {                                                       \
                s[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);                                      \
                s[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);                                  \
            }                                                                                      \
            for (int i = 0; i < 8; i += 4) {                                                       \
                u[i] = _mm256_unpacklo_epi64(s[i], s[i + 2]);                                      \
                u[i + 1] = _mm256_unpackhi_epi64(s[i], s[i + 2]);                                  \
                u[i + 2] = _mm256_unpacklo_epi64(s[i + 1], s[i + 3]);                              \
                u[i + 3] = _mm256_unpackhi_epi64(s[i + 1], s[i + 3]);                              \
            }                                                                                      \
            for (int i = 0; i < 4; i++) {                                                          \
                m[8 * k + i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);                    \
                m[8 * k + 4 + i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);                \
            }                                                                                      \
        }                                                                                          \
    } while (0)
#include "code/kcode_blake3_lanes.h"

/* ---------------------------------------------------------------- AVX-512 */

#define V __m512i
#define B3_LANES 16
#define B3_FN kcode_b3_many_avx512
#define B3_TARGET "avx512f"
#define ADD(a, b) _mm512_add_epi32(a, b)
#define XOR(a, b) _mm512_xor_si512(a, b)
#define SET1(x) _mm512_set1_epi32((int)(x))
#define ROR16(x) _mm512_ror_epi32(x, 16)
#define ROR8(x) _mm512_ror_epi32(x, 8)
#define ROR12(x) _mm512_ror_epi32(x, 12)
#define ROR7(x) _mm512_ror_epi32(x, 7)
/*
** The 16 words of one block of each of the sixteen inputs, transposed 16x16:
** within each 128-bit quarter a 4x4 transpose (32-bit then 64-bit unpacks),
** then a 4x4 transpose of the quarters (two rounds of shuffle_i32x4).
** Gathers do the same in 16 instructions but are several times slower.
*/
__attribute__((target("avx512f")))
static inline void load16(__m512i m[16], const uint8_t *p, size_t stride) {
    __m512i u[4][4];
    for (int g = 0; g < 4; g++) {
        __m512i a = _mm512_loadu_si512((const void *)(p + (size_t)(4 * g) * stride));
        __m512i b = _mm512_loadu_si512((const void *)(p + (size_t)(4 * g + 1) * stride));
        __m512i c = _mm512_loadu_si512((const void *)(p + (size_t)(4 * g + 2) * stride));
        __m512i d = _mm512_loadu_si512((const void *)(p + (size_t)(4 * g + 3) * stride));
        __m512i ab0 = _mm512_unpacklo_epi32(a, b), ab1 = _mm512_unpackhi_epi32(a, b);
        __m512i cd0 = _mm512_unpacklo_epi32(c, d), cd1 = _mm512_unpackhi_epi32(c, d);
        u[g][0] = _mm512_unpacklo_epi64(ab0, cd0);
        u[g][1] = _mm512_unpackhi_epi64(ab0, cd0);
        u[g][2] = _mm512_unpacklo_epi64(ab1, cd1);
        u[g][3] = _mm512_unpackhi_epi64(ab1, cd1);
    }
    /* u[g][c] quarter q: word 4q+c of inputs 4g..4g+3; m[4q+c] quarter g is that. */
    for (int c = 0; c < 4; c++) {
        __m512i t0 = _mm512_shuffle_i32x4(u[0][c], u[1][c], 0x44);
        __m512i t1 = _mm512_shuffle_i32x4(u[0][c], u[1][c], 0xEE);
        __m512i t2 = _mm512_shuffle_i32x4(u[2][c], u[3][c], 0x44);
        __m512i t3 = _mm512_shuffle_i32x4(u[2][c], u[3][c], 0xEE);
        m[c] = _mm512_shuffle_i32x4(t0, t2, 0x88);
        m[4 + c] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
        m[8 + c] = _mm512_shuffle_i32x4(t1, t3, 0x88);
        m[12 + c] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
    }
}
#define LOAD_MSG(m, p, stride) load16(m, p, stride)
#include "code/kcode_blake3_lanes.h"

#endif
