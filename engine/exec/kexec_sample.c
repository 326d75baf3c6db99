/*
** kexec_sample.c -- live stack sampling (DESIGN.md "Stack sampling").
**
** The frame stack is a region preallocated with the store's execution
** context (never moved or freed while the store lives). The running thread
** publishes the top with a release store on every call and return and
** writes the fields a sampler reads ('fn', 'inst', 'at') with relaxed atomic
** stores (kexec_int.h). A sampler therefore reads, without locks:
**   - s->exec with acquire (NULL: the store never ran code);
**   - top with acquire, clamped to the region;
**   - per frame, innermost first, three pointers with relaxed loads.
** A frame read while the running thread is rewriting it (a tail call, a
** return followed by a new call at the same depth) may pair pointers of two
** activations: each frame is validated on its own -- the instance's module
** must hold 'fn' in its code and know its function index, 'at' must lie in
** fn's code -- and a frame failing a check ends the sample there. Every
** pointer ever written to a frame names an instance and code the store
** keeps until it is freed, so a stale frame is old, never dangling.
**
** Nothing here allocates, locks, or calls outside this file except
** kcomp_wasm_offset and kbin_func_name (binary searches over immutable
** arrays): the whole path is async-signal-safe.
*/
#include "exec/kexec_int.h"

/* Validates one frame and fills 'out'; false when the frame is not usable. */
static bool sample_frame(const kexec_frame *fr, kexec_sample_frame *out) {
    const kcomp_func *fn = KEXEC_GET(fr->fn);
    krt_instance *inst = KEXEC_GET(fr->inst);
    const uint32_t *at = KEXEC_GET(fr->at);
    if (fn == NULL || inst == NULL) return false;
    const krt_module *mod = inst->module;
    if (mod == NULL || mod->bin == NULL || mod->code == NULL || mod->code->words == NULL) return false;
    const kcomp_code *code = mod->code;
    const uint32_t *lo = code->words, *hi = code->words + code->word_count;
    const uint32_t *hdr = (const uint32_t *)(const void *)fn;
    /* The header must lie whole inside this module's code... */
    if (hdr < lo || hdr > hi || (size_t)(hi - hdr) < sizeof(kcomp_func) / sizeof(uint32_t)) return false;
    /* ... and describe a function of that module. */
    if (fn->func_index >= mod->bin->func_count || fn->func_index >= code->func_count) return false;
    if (code->func_offsets == NULL || code->func_offsets[fn->func_index] != (uint32_t)(hdr - lo)) return false;
    const uint32_t *body = kcomp_func_code(fn);
    out->func_index = fn->func_index;
    out->offset = UINT32_MAX;
    if (at != NULL && at >= body && (size_t)(at - body) < fn->code_len)
        out->offset = kcomp_wasm_offset(fn, (uint32_t)(at - body));
    out->func_name = kbin_func_name(mod->bin, fn->func_index);
    out->module_name = mod->bin->name;
    return true;
}

int kexec_sample(krt_store *s, kexec_sample_frame *buf, size_t cap, size_t *count) {
    size_t n = 0;
    int status = KEXEC_SAMPLE_OK;
    kexec_context *cx = s ? __atomic_load_n(&s->exec, __ATOMIC_ACQUIRE) : NULL;
    if (cx != NULL && cx->frames != NULL) {
        uint32_t top = atomic_load_explicit(&cx->top, memory_order_acquire);
        if (top > cx->frame_cap) top = cx->frame_cap; /* never past the region */
        for (uint32_t i = top; i-- > 0;) {
            if (n == cap) {
                status = KEXEC_SAMPLE_TRUNCATED;
                break;
            }
            if (!sample_frame(&cx->frames[i], &buf[n])) break;
            n++;
        }
    }
    if (count) *count = n;
    return status;
}
