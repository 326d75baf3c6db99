/*
** kcode_int.h -- code/-private declarations shared by the files of engine/code.
*/
#ifndef KCODE_INT_H
#define KCODE_INT_H

#include "code/kcode.h"

/*
** A code memory over an existing read-only mapping of 'map_len' bytes whose
** first 'len' bytes are a checked image; takes ownership of the mapping
** (munmap at the last release). NULL when out of memory (the mapping is then
** still the caller's).
*/
kcode_mem *kcode_mem_wrap(uint8_t *base, size_t map_len, size_t len, uint32_t origin);

/* The best KCODE_SIMD_* level this CPU runs (cpuid; the OS saves the registers). */
int kcode_simd_best(void);

/* ---------------------------------------------------------------- BLAKE3 internals */

/* Spec "Compression Function" flag bits. */
enum {
    KCODE_B3_CHUNK_START = 1u << 0,
    KCODE_B3_CHUNK_END = 1u << 1,
    KCODE_B3_PARENT = 1u << 2,
    KCODE_B3_ROOT = 1u << 3
};

extern const uint32_t kcode_b3_iv[8];

/*
** The message word order of each of the 7 rounds: round 0 uses words 0..15 in
** order, each later round applies the spec's permutation
** (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8) to the previous one.
** An initialiser, so each file's copy is a compile-time constant the unrolled
** rounds index without loads.
*/
#define KCODE_B3_SCHED                                                                             \
    {                                                                                              \
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},                                    \
        {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},                                    \
        {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},                                    \
        {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},                                    \
        {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},                                    \
        {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},                                    \
        {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},                                    \
    }

/*
** Chaining values of independent inputs: input i starts at 'base' + i *
** 'stride' and is 'blocks' whole 64-byte blocks, chained from the IV with
** counter 'counter' (+ i when 'inc'), 'flags' on every block, 'fstart' added
** on the first and 'fend' on the last; its 32-byte CV goes to 'out' + 32 * i.
** Every input is read before any output is written (callers reduce in place).
** The SIMD kernels do exactly their lane count of inputs; the portable one
** does 'lanes'.
*/
typedef void kcode_b3_many_fn(const uint8_t *base, size_t stride, size_t blocks, uint64_t counter, bool inc,
                              uint32_t flags, uint32_t fstart, uint32_t fend, uint8_t *out);
void kcode_b3_many_portable(const uint8_t *base, size_t stride, size_t lanes, size_t blocks,
                            uint64_t counter, bool inc, uint32_t flags, uint32_t fstart, uint32_t fend,
                            uint8_t *out);

/* KEEL_NO_SIMD builds the portable code only (what non-x86 targets get). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(KEEL_NO_SIMD)
#define KCODE_B3_X86 1
kcode_b3_many_fn kcode_b3_many_sse41;  /* 4 lanes */
kcode_b3_many_fn kcode_b3_many_avx2;   /* 8 lanes */
kcode_b3_many_fn kcode_b3_many_avx512; /* 16 lanes */
#endif

#endif
