/*
** kcode_blake3.c -- BLAKE3 (unkeyed hash, 32-byte output), written from the
** BLAKE3 specification (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020;
** IETF draft-aumasson-blake3-00): the portable compression function, the
** chunk and tree modes, and the choice of a SIMD kernel at run time.
**
** Why BLAKE3 (issue 7): a cache hit must hash the whole wasm module to find
** its entry, and the key must be a cryptographic hash (a collision would run
** another module's code). BLAKE3's tree mode hashes many 1 KiB chunks
** independently, so one core hashes 4, 8 or 16 of them at once in SIMD lanes
** (kcode_blake3_simd.c). Measured on the 2.6 GHz Zen 4 test machine, 2.85 MB:
** AVX-512 5.2 GB/s, AVX2 2.9, SSE4.1 1.4, portable 0.5; SHA-256 with the SHA
** extensions did 1.8 GB/s (test_blake3.c prints the figures).
**
** Structure (spec "Tree Hashing"): the input is split into 1024-byte chunks;
** each chunk is 16 blocks of 64 bytes compressed in a chain starting from the
** key (the IV for plain hashing) with the chunk index as counter and the
** flags CHUNK_START / CHUNK_END on its first / last block. Chunk chaining
** values are combined by PARENT compressions into a binary tree whose left
** subtree always holds the largest power of two of chunks smaller than the
** total (equivalently: pair neighbours level by level, an odd last node moves
** up unchanged). The last compression (the root) gets the ROOT flag and its
** first 32 output bytes are the digest.
*/
#include <pthread.h>
#include <string.h>

#include "code/kcode.h"
#include "code/kcode_int.h"

/* Spec "Compression Function": the IV is SHA-256's initial hash value. */
const uint32_t kcode_b3_iv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                                 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

static const uint8_t sched[7][16] = KCODE_B3_SCHED;

static inline uint32_t rd32(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, p, 4); /* the spec's words are little-endian: one load */
    return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

static inline void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* Spec "Compression Function": the quarter-round G. */
#define G(a, b, c, d, x, y)                                                                        \
    do {                                                                                           \
        v[a] = v[a] + v[b] + (x);                                                                  \
        v[d] = ror32(v[d] ^ v[a], 16);                                                             \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = ror32(v[b] ^ v[c], 12);                                                             \
        v[a] = v[a] + v[b] + (y);                                                                  \
        v[d] = ror32(v[d] ^ v[a], 8);                                                              \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = ror32(v[b] ^ v[c], 7);                                                              \
    } while (0)

/*
** One compression of a 64-byte block: writes the 8-word chaining value (the
** first half of the spec's 16-word output, all a 32-byte digest needs).
*/
static void compress(const uint32_t cv[8], const uint8_t block[64], uint64_t counter, uint32_t block_len,
                     uint32_t flags, uint32_t out[8]) {
    uint32_t m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = rd32(block + 4 * i);
    memcpy(v, cv, 32);
    memcpy(v + 8, kcode_b3_iv, 16);
    v[12] = (uint32_t)counter;
    v[13] = (uint32_t)(counter >> 32);
    v[14] = block_len;
    v[15] = flags;
    /* Rounds unrolled so every message index is a constant. */
#define ROUND(r)                                                                                   \
    do {                                                                                           \
        G(0, 4, 8, 12, m[sched[r][0]], m[sched[r][1]]); /* columns */                              \
        G(1, 5, 9, 13, m[sched[r][2]], m[sched[r][3]]);                                            \
        G(2, 6, 10, 14, m[sched[r][4]], m[sched[r][5]]);                                           \
        G(3, 7, 11, 15, m[sched[r][6]], m[sched[r][7]]);                                           \
        G(0, 5, 10, 15, m[sched[r][8]], m[sched[r][9]]); /* diagonals */                           \
        G(1, 6, 11, 12, m[sched[r][10]], m[sched[r][11]]);                                         \
        G(2, 7, 8, 13, m[sched[r][12]], m[sched[r][13]]);                                          \
        G(3, 4, 9, 14, m[sched[r][14]], m[sched[r][15]]);                                          \
    } while (0)
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
#undef ROUND
    for (int i = 0; i < 8; i++) out[i] = v[i] ^ v[i + 8];
}

static void cv_bytes(const uint32_t w[8], uint8_t out[32]) {
    for (int i = 0; i < 8; i++) wr32(out + 4 * i, w[i]);
}

void kcode_b3_many_portable(const uint8_t *base, size_t stride, size_t lanes, size_t blocks,
                            uint64_t counter, bool inc, uint32_t flags, uint32_t fstart, uint32_t fend,
                            uint8_t *out) {
    for (size_t i = 0; i < lanes; i++) {
        uint32_t cv[8];
        memcpy(cv, kcode_b3_iv, 32);
        const uint8_t *p = base + i * stride;
        for (size_t b = 0; b < blocks; b++) {
            uint32_t f = flags | (b == 0 ? fstart : 0) | (b + 1 == blocks ? fend : 0);
            compress(cv, p + 64 * b, counter + (inc ? i : 0), 64, f, cv);
        }
        cv_bytes(cv, out + 32 * i);
    }
}

/* ---------------------------------------------------------------- dispatch */

/* The kernels by level (ORDER B3LEVEL): lanes each processes at once. */
typedef struct b3_kernel {
    kcode_b3_many_fn *fn;
    size_t lanes;
    const char *name;
} b3_kernel;

static const b3_kernel kernels[] = {
    {NULL, 1, "portable"},
#ifdef KCODE_B3_X86
    {kcode_b3_many_sse41, 4, "sse4.1"},
    {kcode_b3_many_avx2, 8, "avx2"},
    {kcode_b3_many_avx512, 16, "avx512"},
#endif
};

/* -1: not chosen yet. */
static _Atomic int b3_level = -1;

int kcode_simd_best(void) {
    int level = KCODE_SIMD_PORTABLE;
#ifdef KCODE_B3_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.1")) level = KCODE_SIMD_SSE41;
    if (__builtin_cpu_supports("avx2")) level = KCODE_SIMD_AVX2;
    if (__builtin_cpu_supports("avx512f")) level = KCODE_SIMD_AVX512;
#endif
    return level;
}

int kcode_blake3_level(int max_level) {
    int level = kcode_simd_best();
    if (max_level >= 0 && level > max_level) level = max_level;
    b3_level = level;
    return level;
}

const char *kcode_blake3_level_name(int level) {
    int n = (int)(sizeof kernels / sizeof kernels[0]);
    return level >= 0 && level < n ? kernels[level].name : "unavailable";
}

/*
** CVs of 'lanes' inputs at 'base' + i * 'stride', each 'blocks' whole blocks
** (full chunks or parent nodes): SIMD lanes for as many as fill the kernel,
** the portable code for the rest.
*/
static void many(int level, const uint8_t *base, size_t stride, size_t lanes, size_t blocks, uint64_t counter,
                 bool inc, uint32_t flags, uint32_t fstart, uint32_t fend, uint8_t *out) {
    size_t i = 0;
#ifdef KCODE_B3_X86
    /* The widest kernel first, then narrower ones for what is left. */
    for (; level > 0; level--) {
        const b3_kernel *k = &kernels[level];
        for (; i + k->lanes <= lanes; i += k->lanes)
            k->fn(base + i * stride, stride, blocks, counter + (inc ? i : 0), inc, flags, fstart, fend,
                  out + 32 * i);
    }
#else
    (void)level;
#endif
    if (i < lanes)
        kcode_b3_many_portable(base + i * stride, stride, lanes - i, blocks, counter + (inc ? i : 0), inc,
                               flags, fstart, fend, out + 32 * i);
}

/* ---------------------------------------------------------------- tree */

enum { CHUNK = 1024, GROUP_CHUNKS = 256, GROUP = CHUNK * GROUP_CHUNKS };

/*
** The last chunk of an input, 1..1024 bytes (0 only for the empty input):
** its CV, or with ROOT in 'root' the digest words.
*/
static void last_chunk(const uint8_t *p, size_t len, uint64_t counter, uint32_t root, uint32_t out[8]) {
    uint32_t cv[8];
    memcpy(cv, kcode_b3_iv, 32);
    size_t blocks = len ? (len + 63) / 64 : 1;
    for (size_t b = 0; b < blocks; b++) {
        uint8_t block[64] = {0};
        size_t n = len - 64 * b < 64 ? len - 64 * b : 64;
        if (n) memcpy(block, p + 64 * b, n);
        uint32_t f = (b == 0 ? KCODE_B3_CHUNK_START : 0u) |
                     (b + 1 == blocks ? KCODE_B3_CHUNK_END | root : 0u);
        compress(cv, block, counter, (uint32_t)n, f, cv);
    }
    memcpy(out, cv, 32);
}

/*
** Reduces 'n' >= 1 CVs in 'cvs' (32 bytes each) by levels of parents, in
** place, until 'keep' remain (1 or 2), and returns how many remain.
*/
static size_t reduce(int k, uint8_t *cvs, size_t n, size_t keep) {
    while (n > keep) {
        size_t pairs = n / 2;
        /* In place: parent i reads CVs 2i, 2i+1 and writes slot i; every
           kernel reads all its inputs before it writes. */
        many(k, cvs, 64, pairs, 1, 0, false, KCODE_B3_PARENT, 0, 0, cvs);
        if (n % 2) memmove(cvs + 32 * pairs, cvs + 32 * (n - 1), 32);
        n = pairs + n % 2;
    }
    return n;
}

/* The CVs of the chunks of 'p' ('len' <= GROUP bytes, all but the last whole). */
static size_t chunk_cvs(int k, const uint8_t *p, size_t len, uint64_t chunk0, uint8_t *cvs) {
    size_t whole = len / CHUNK, n = (len + CHUNK - 1) / CHUNK;
    many(k, p, CHUNK, whole, CHUNK / 64, chunk0, true, 0, KCODE_B3_CHUNK_START, KCODE_B3_CHUNK_END, cvs);
    if (whole < n) { /* a partial last chunk */
        uint32_t w[8];
        last_chunk(p + whole * CHUNK, len - whole * CHUNK, chunk0 + whole, 0, w);
        cv_bytes(w, cvs + 32 * whole);
    }
    return n;
}

static void parent(const uint8_t left[32], const uint8_t right[32], uint32_t flags, uint8_t out[32]) {
    uint8_t block[64];
    memcpy(block, left, 32);
    memcpy(block + 32, right, 32);
    uint32_t w[8];
    compress(kcode_b3_iv, block, 0, 64, KCODE_B3_PARENT | flags, w);
    cv_bytes(w, out);
}

/*
** Whole groups are complete subtrees hashed independently of each other, so
** a large input's groups are shared with a second thread: a cache hit hashes
** the whole module before it can even look for its entry (issue 7). Inputs
** below PARALLEL_GROUPS groups (1 MiB) are not worth a thread start (~30 us).
** A batch of at most BATCH_GROUPS groups is hashed at a time, so the CVs fit
** on the stack whatever the input size.
*/
enum { PARALLEL_GROUPS = 4, BATCH_GROUPS = 64 };

typedef struct group_job {
    int k;
    const uint8_t *p;     /* the first group's bytes */
    uint64_t chunk0;      /* its first chunk's index */
    size_t count;         /* groups */
    uint8_t (*cv)[32];    /* one CV per group */
} group_job;

static void group_cvs(const group_job *j) {
    uint8_t cvs[GROUP_CHUNKS * 32];
    for (size_t g = 0; g < j->count; g++) {
        reduce(j->k, cvs, chunk_cvs(j->k, j->p + g * GROUP, GROUP, j->chunk0 + g * GROUP_CHUNKS, cvs), 1);
        memcpy(j->cv[g], cvs, 32);
    }
}

static void *group_thread(void *arg) {
    group_cvs(arg);
    return NULL;
}

/* The CVs of 'count' whole groups from 'p': the second half on another
   thread when there are enough of them; all here if it cannot start. */
static void batch_cvs(int k, const uint8_t *p, uint64_t chunk0, size_t count, uint8_t (*cv)[32]) {
    group_job here = {k, p, chunk0, count, cv};
    if (count >= PARALLEL_GROUPS) {
        size_t half = count / 2;
        group_job there = {k, p + half * GROUP, chunk0 + half * GROUP_CHUNKS, count - half, cv + half};
        pthread_t t;
        if (pthread_create(&t, NULL, group_thread, &there) == 0) {
            here.count = half;
            group_cvs(&here);
            pthread_join(t, NULL);
            return;
        }
    }
    group_cvs(&here);
}

void kcode_blake3(const void *data, size_t len, uint8_t out[32]) {
    const uint8_t *p = data;
    int k = b3_level;
    if (k < 0) k = kcode_blake3_level(-1);
    if (len <= CHUNK) { /* one chunk: it is the root */
        uint32_t w[8];
        last_chunk(p, len, 0, KCODE_B3_ROOT, w);
        cv_bytes(w, out);
        return;
    }
    /* Whole groups of GROUP_CHUNKS chunks (complete subtrees, never the
       root: more input follows) go on a stack merged like a binary counter
       (spec "Tree Hashing"); 64 levels cover any size_t input. A group's
       chunks and its lower parent levels fill the SIMD lanes; 256 chunks
       leave few parents to the portable code. */
    uint8_t stack[64][32], cvs[GROUP_CHUNKS * 32], batch[BATCH_GROUPS][32];
    int depth = 0;
    uint64_t groups = 0, chunk = 0;
    size_t off = 0, whole = (len - 1) / GROUP; /* the tail keeps 1..GROUP bytes */
    while (whole > 0) {
        size_t n = whole < BATCH_GROUPS ? whole : BATCH_GROUPS;
        batch_cvs(k, p + off, chunk, n, batch);
        for (size_t g = 0; g < n; g++) {
            uint8_t cv[32];
            memcpy(cv, batch[g], 32);
            for (uint64_t total = ++groups; (total & 1) == 0; total >>= 1) parent(stack[--depth], cv, 0, cv);
            memcpy(stack[depth++], cv, 32);
        }
        off += n * GROUP;
        chunk += n * GROUP_CHUNKS;
        whole -= n;
    }
    /* The tail: 1..GROUP_CHUNKS chunks, the rightmost subtree. */
    size_t n = chunk_cvs(k, p + off, len - off, chunk, cvs);
    if (depth == 0) { /* the tail is the whole tree (two chunks or more) */
        reduce(k, cvs, n, 2);
        parent(cvs, cvs + 32, KCODE_B3_ROOT, out);
        return;
    }
    uint8_t cv[32];
    reduce(k, cvs, n, 1);
    memcpy(cv, cvs, 32);
    while (depth > 1) parent(stack[--depth], cv, 0, cv);
    parent(stack[0], cv, KCODE_B3_ROOT, out);
}
