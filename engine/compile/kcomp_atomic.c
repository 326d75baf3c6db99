/*
** kcomp_atomic.c -- compile/: the atomic instructions of the threads proposal
** (0xFE prefix), one KX_ATOMIC instruction each, its kind and access size
** taken from the instruction's name (kbin_ops). Split from kcomp.c, which
** calls it from emit_instr, to keep that file to one size (STYLE.md).
*/
#include "compile/kcomp_int.h"

#include <string.h>

#include "binary/kbin_reader.h"

void kcomp_emit_atomic(comp *c, const kbin_instr *in) {
    const char *name = kbin_ops[in->op].name;
    if (in->op == KOP_ATOMIC_FENCE) return; /* the interpreter runs one thread's code in order */
    uint32_t kind, size = name[1] == '6' ? 8 : 4, pops;
    uint8_t rtype = name[1] == '6' ? KVT_I64 : KVT_I32;
    const char *tail = NULL;
    if (in->op == KOP_MEMORY_ATOMIC_NOTIFY) { kind = KA_NOTIFY; pops = 2; size = 4; rtype = KVT_I32; }
    else if (in->op == KOP_MEMORY_ATOMIC_WAIT32) { kind = KA_WAIT; pops = 3; size = 4; rtype = KVT_I32; }
    else if (in->op == KOP_MEMORY_ATOMIC_WAIT64) { kind = KA_WAIT; pops = 3; size = 8; rtype = KVT_I32; }
    else if ((tail = strstr(name, ".load")) != NULL) { kind = KA_LOAD; pops = 1; tail += 5; }
    else if ((tail = strstr(name, ".store")) != NULL) { kind = KA_STORE; pops = 2; tail += 6; rtype = 0; }
    else {
        tail = strstr(name, ".rmw");
        tail = tail ? tail + 4 : name;
        pops = 2;
        kind = strstr(name, "cmpxchg") ? KA_CMPXCHG : strstr(name, ".add") ? KA_ADD
             : strstr(name, ".sub") ? KA_SUB : strstr(name, ".and") ? KA_AND
             : strstr(name, ".or") ? KA_OR : strstr(name, ".xor") ? KA_XOR : KA_XCHG;
        if (kind == KA_CMPXCHG) pops = 3;
    }
    if (tail && tail[0] == '8') size = 1;
    else if (tail && tail[0] == '1' && tail[1] == '6') size = 2;
    else if (tail && tail[0] == '3' && tail[1] == '2') size = 4;
    uint32_t slots[3] = {0, 0, 0};
    entry e[3];
    for (uint32_t i = pops; i-- > 0;) e[i] = pop(c);
    for (uint32_t i = 0; i < pops; i++) slots[i] = use(c, &e[i]);
    uint32_t dst = UINT32_MAX;
    if (rtype) dst = push_kind(c, E_TEMP, rtype)->home;
    uint32_t log2 = size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
    op(c, KX_ATOMIC); w(c, dst); w(c, slots[0]); w(c, slots[1]); w(c, slots[2]);
    w64(c, in->imm.mem.offset); w(c, in->imm.mem.memory);
    w(c, (uint32_t)in->op | log2 << 16 | kind << 24);
}
