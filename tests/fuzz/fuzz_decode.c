/*
** fuzz_decode.c -- libFuzzer target: decode, then validate, any bytes.
** Must never crash, leak or read out of bounds: every malformed or invalid
** input ends in a kb_error.
**
**   clang -fsanitize=fuzzer,address -I engine tests/fuzz/fuzz_decode.c \
**         engine/binary/(all .c) engine/valid/(all .c) engine/base/(all .c)
**
** Also exercises the instruction reader over the input as raw code (the
** compiler's view of bodies) and the custom-page-sizes decoding flag.
*/
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "binary/kbin_reader.h"
#include "valid/kval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A fresh registry per input keeps the fuzzer's memory flat. */
    kval_registry *reg = kval_registry_new();
    if (reg == NULL) return 0;
    uint32_t features = (size > 0 && (data[size - 1] & 1)) ? KBIN_FEATURE_CUSTOM_PAGE_SIZES : 0;
    kbin_module *m = NULL;
    kb_error *err = kbin_decode_ex(data, size, features, &m);
    if (err == NULL) {
        err = kval_module(reg, m);
        if (err == NULL) {
            /* Every validated body must read back instruction by instruction. */
            for (uint32_t i = m->imported_funcs; i < m->func_count; i++) {
                const kbin_func *f = &m->funcs[i];
                kbin_reader r = kbin_reader_make(m->bytes, f->body.offset, (size_t)f->body.offset + f->body.len);
                kbin_instr in;
                while (!kbin_reader_done(&r)) {
                    kb_error *e = kbin_read_instr(&r, &in);
                    if (e != NULL) __builtin_trap(); /* validated code must decode */
                    if (in.op == KOP_BR_TABLE) {
                        size_t p = in.imm.br_table.labels;
                        for (uint32_t k = 0; k < in.imm.br_table.count; k++) (void)kbin_br_table_next(&r, &p);
                    }
                }
            }
        }
        kbin_module_free(m);
    }

    /* With the body scan left to the validator (KBIN_FEATURE_DEFER_BODIES,
       what rt/ does) the answer must be the same: kind, message, offset. */
    kbin_module *m2 = NULL;
    kb_error *err2 = kbin_decode_ex(data, size, features | KBIN_FEATURE_DEFER_BODIES, &m2);
    if (err2 == NULL) err2 = kval_module(reg, m2);
    kbin_module_free(m2);
    if ((err == NULL) != (err2 == NULL)) __builtin_trap();
    if (err != NULL && (err->kind != err2->kind || err->offset != err2->offset ||
                        __builtin_strcmp(err->message, err2->message) != 0))
        __builtin_trap();
    kb_error_free(err2);
    kb_error_free(err);

    /* The reader on its own, over arbitrary bytes. */
    kbin_reader r = kbin_reader_make(data, 0, size);
    kbin_instr in;
    for (int n = 0; n < 4096 && !kbin_reader_done(&r); n++) {
        kb_error *e = kbin_read_instr(&r, &in);
        if (e != NULL) {
            kb_error_free(e);
            break;
        }
    }
    kval_registry_free(reg);
    return 0;
}
