/*
** fuzz_wat.c -- libFuzzer target for engine/text: runs the WAT converter and
** the WAST script parser on arbitrary input, and converts every quoted
** module of a parsed script. Build:
**   clang -fsanitize=fuzzer,address -I engine tests/fuzz/fuzz_wat.c \
**         engine/text/[all .c] engine/base/[all .c] -lpthread -lm
*/
#include <stddef.h>
#include <stdint.h>

#include "base/kb_buf.h"
#include "base/kb_error.h"
#include "text/ktext.h"
#include "text/kwast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *src = (const char *)data;
    kb_buf out = {0};
    kb_error *e = ktext_wat_to_wasm(src, size, &out);
    if (e) kb_error_free(e);
    else kb_buf_free(&out);

    ktext_script *s = NULL;
    e = ktext_wast_parse(src, size, &s);
    if (e) {
        kb_error_free(e);
        return 0;
    }
    for (size_t i = 0; i < s->count; i++) {
        const ktext_modsrc *m = &s->commands[i].module;
        if (m->form != KTEXT_MODSRC_QUOTE) continue;
        kb_buf q = {0};
        kb_error *qe = ktext_wat_to_wasm((const char *)m->bytes, m->len, &q);
        if (qe) kb_error_free(qe);
        else kb_buf_free(&q);
    }
    ktext_script_free(s);
    return 0;
}
