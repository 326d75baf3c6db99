/*
** kcomp_code.c -- compile/: the compiled code object once built: the op
** table, freeing, function entries, size, the pc map lookup and the dump.
** (Split out of kcomp.c, which translates function bodies.)
*/
#include "compile/kcomp.h"
#include "code/kcode.h"

#include <stdio.h>

#include "base/kb_alloc.h"

const kcomp_opinfo kcomp_ops[KX_COUNT_] = {
#define KX(NAME, text, words) {text, words},
#define KD(NAME, text, words, cls, type) {text, words},
#include "compile/kcomp_ops.def"
};

void kcomp_code_free(kcomp_code *code) {
    if (code == NULL) return;
    if (code->mem != NULL) {
        kcode_mem_release(code->mem); /* the words live in its image */
    } else {
        kb_free(code->words);
        kb_free(code->func_offsets);
    }
    kb_free(code);
}

const void *kcomp_func_entry(const kcomp_code *code, uint32_t func_index) {
    if (code == NULL || func_index >= code->func_count) return NULL;
    uint32_t off = code->func_offsets[func_index];
    return off == UINT32_MAX ? NULL : (const void *)(code->words + off);
}

size_t kcomp_code_size(const kcomp_code *code) {
    return code ? code->word_count * sizeof(uint32_t) : 0;
}

uint32_t kcomp_wasm_offset(const kcomp_func *f, uint32_t pc) {
    const uint32_t *map = (const uint32_t *)f + f->pcmap_off;
    uint32_t lo = 0, hi = f->pcmap_count, best = UINT32_MAX;
    while (lo < hi) { /* last pair with code offset <= pc */
        uint32_t mid = lo + (hi - lo) / 2;
        if (map[2 * mid] <= pc) {
            best = map[2 * mid + 1];
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best;
}

void kcomp_dump(const kcomp_func *f, void *file) {
    FILE *fp = file;
    const uint32_t *code = kcomp_func_code(f);
    fprintf(fp, "func %u: params %u zero %u results %u frame %u\n", f->func_index, f->param_slots,
            f->zero_slots, f->result_slots, f->frame_slots);
    for (uint32_t pc = 0; pc < f->code_len;) {
        uint32_t kx = code[pc];
        if (kx >= KX_COUNT_) {
            fprintf(fp, "%5u: <bad op %u>\n", pc, kx);
            return;
        }
        int words = kcomp_ops[kx].words;
        if (words < 0) words = 2 + (int)code[pc + 2] + 1; /* br_table */
        fprintf(fp, "%5u: %s", pc, kcomp_ops[kx].name);
        for (int i = 1; i <= words && pc + (uint32_t)i < f->code_len; i++)
            fprintf(fp, " %d", (int32_t)code[pc + (uint32_t)i]);
        fputc('\n', fp);
        pc += 1u + (uint32_t)words;
    }
}
