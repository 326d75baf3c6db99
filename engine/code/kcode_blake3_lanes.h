/*
** kcode_blake3_lanes.h -- the body of one BLAKE3 SIMD kernel, included once
** per instruction set by kcode_blake3_simd.c with these defined (it
** undefines them again at its end):
**   B3_FN, B3_TARGET, B3_LANES, V (the vector type), ADD, XOR, SET1,
**   ROR16, ROR12, ROR8, ROR7, LOAD_MSG(m, block, stride), STORE(p, v).
** Lane i of every vector belongs to input i, so the spec's G works on whole
** vectors with no shuffles between the column and diagonal steps.
** Not a header to include anywhere else.
*/

#define B3_G(a, b, c, d, x, y)                                                                     \
    do {                                                                                           \
        v[a] = ADD(ADD(v[a], v[b]), (x));                                                          \
        v[d] = ROR16(XOR(v[d], v[a]));                                                             \
        v[c] = ADD(v[c], v[d]);                                                                    \
        v[b] = ROR12(XOR(v[b], v[c]));                                                             \
        v[a] = ADD(ADD(v[a], v[b]), (y));                                                          \
        v[d] = ROR8(XOR(v[d], v[a]));                                                              \
        v[c] = ADD(v[c], v[d]);                                                                    \
        v[b] = ROR7(XOR(v[b], v[c]));                                                              \
    } while (0)

#define B3_ROUND(r)                                                                                \
    do {                                                                                           \
        B3_G(0, 4, 8, 12, m[sched[r][0]], m[sched[r][1]]);                                         \
        B3_G(1, 5, 9, 13, m[sched[r][2]], m[sched[r][3]]);                                         \
        B3_G(2, 6, 10, 14, m[sched[r][4]], m[sched[r][5]]);                                        \
        B3_G(3, 7, 11, 15, m[sched[r][6]], m[sched[r][7]]);                                        \
        B3_G(0, 5, 10, 15, m[sched[r][8]], m[sched[r][9]]);                                        \
        B3_G(1, 6, 11, 12, m[sched[r][10]], m[sched[r][11]]);                                      \
        B3_G(2, 7, 8, 13, m[sched[r][12]], m[sched[r][13]]);                                       \
        B3_G(3, 4, 9, 14, m[sched[r][14]], m[sched[r][15]]);                                       \
    } while (0)

__attribute__((target(B3_TARGET)))
void B3_FN(const uint8_t *base, size_t stride, size_t blocks, uint64_t counter, bool inc, uint32_t flags,
           uint32_t fstart, uint32_t fend, uint8_t *out) {
    V h[8];
    for (int i = 0; i < 8; i++) h[i] = SET1(kcode_b3_iv[i]);
    uint32_t lanes[2][B3_LANES] __attribute__((aligned(64)));
    for (int i = 0; i < B3_LANES; i++) {
        uint64_t c = counter + (inc ? (uint64_t)i : 0);
        lanes[0][i] = (uint32_t)c;
        lanes[1][i] = (uint32_t)(c >> 32);
    }
    V clo, chi;
    memcpy(&clo, lanes[0], sizeof clo);
    memcpy(&chi, lanes[1], sizeof chi);
    for (size_t b = 0; b < blocks; b++) {
        V m[16], v[16];
        LOAD_MSG(m, base + 64 * b, stride);
        uint32_t f = flags | (b == 0 ? fstart : 0u) | (b + 1 == blocks ? fend : 0u);
        for (int i = 0; i < 8; i++) v[i] = h[i];
        for (int i = 0; i < 4; i++) v[8 + i] = SET1(kcode_b3_iv[i]);
        v[12] = clo;
        v[13] = chi;
        v[14] = SET1(64);
        v[15] = SET1(f);
        B3_ROUND(0);
        B3_ROUND(1);
        B3_ROUND(2);
        B3_ROUND(3);
        B3_ROUND(4);
        B3_ROUND(5);
        B3_ROUND(6);
        for (int i = 0; i < 8; i++) h[i] = XOR(v[i], v[i + 8]);
    }
    /* Back to one CV per input (x86 is little-endian, as the spec's words). */
    uint32_t t[8][B3_LANES] __attribute__((aligned(64)));
    for (int i = 0; i < 8; i++) memcpy(t[i], &h[i], sizeof h[i]);
    for (int l = 0; l < B3_LANES; l++)
        for (int i = 0; i < 8; i++) memcpy(out + 32 * l + 4 * i, &t[i][l], 4);
}

#undef B3_G
#undef B3_ROUND
/* The parameters too, so the next kernel defines its own. */
#undef V
#undef B3_LANES
#undef B3_FN
#undef B3_TARGET
#undef ADD
#undef XOR
#undef SET1
#undef ROR16
#undef ROR8
#undef ROR12
#undef ROR7
#undef LOAD_MSG
