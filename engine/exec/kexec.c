/*
** kexec.c -- execution contexts, the call entry point and backtraces.
** The interpreter loop itself is in kexec_interp.c.
*/
#include "exec/kexec_int.h"

#include <string.h>

#include "base/kb_alloc.h"

uint32_t kexec_type_slots(const kbin_type *t, bool results) {
    const kbin_valtype *v = results ? kbin_type_results(t) : t->params;
    uint32_t n = results ? t->result_count : t->param_count, slots = 0;
    for (uint32_t i = 0; i < n; i++) slots += v[i].kind == KVT_V128 ? 2u : 1u;
    return slots;
}

static kb_error *context_new(krt_store *s, kexec_context **out) {
    const krt_limits *lim = s->engine ? &s->engine->limits : NULL;
    uint32_t depth = lim && lim->max_call_depth ? lim->max_call_depth : KEXEC_DEFAULT_CALL_DEPTH;
    size_t bytes = lim && lim->value_stack_bytes ? lim->value_stack_bytes : KEXEC_DEFAULT_STACK_BYTES;
    size_t slots = bytes / sizeof(uint64_t);
    if (slots < 64) slots = 64;
    kexec_context *cx = kb_calloc(1, sizeof *cx);
    if (cx == NULL) goto oom;
    cx->stack = kb_malloc(slots * sizeof(uint64_t));
    cx->frames = kb_malloc(((size_t)depth + 1) * sizeof(kexec_frame));
    if (cx->stack == NULL || cx->frames == NULL) goto oom;
    cx->stack_end = cx->stack + slots;
    cx->sp = cx->stack;
    cx->frame_cap = depth;
    atomic_init(&cx->top, 0);
    *out = cx;
    /* Samplers on other threads load s->exec with acquire (kexec_sample.c). */
    __atomic_store_n(&s->exec, cx, __ATOMIC_RELEASE);
    return NULL;
oom:
    kexec_context_free(cx);
    return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory allocating the execution stacks");
}

kb_error *kexec_context_get(krt_store *s, kexec_context **out) {
    if (s->exec != NULL) {
        *out = s->exec;
        return NULL;
    }
    return context_new(s, out);
}

void kexec_context_free(kexec_context *cx) {
    if (cx == NULL) return;
    kb_free(cx->stack);
    kb_free(cx->frames);
    kb_free(cx);
}

void kexec_backtrace(kexec_context *cx, uint32_t entry, const uint32_t *ip, kb_error *err) {
    uint32_t top = atomic_load_explicit(&cx->top, memory_order_relaxed);
    for (uint32_t i = top; i-- > entry;) {
        kexec_frame *fr = &cx->frames[i];
        /* The innermost frame is at 'ip'; callers are inside their call op. */
        const uint32_t *at = i + 1 == top ? ip : cx->frames[i].ip - 1;
        const kcomp_func *fn = fr->fn;
        uint32_t off = UINT32_MAX;
        if (at != NULL && fn != NULL) off = kcomp_wasm_offset(fn, (uint32_t)(at - kcomp_func_code(fn)));
        const kbin_module *m = fr->inst && fr->inst->module ? fr->inst->module->bin : NULL;
        uint32_t idx = fn ? fn->func_index : UINT32_MAX;
        kb_error_push_frame(err, idx, off, m ? kbin_func_name(m, idx) : NULL, m ? m->name : NULL);
    }
}

/*
** Copies 'n' slots. Calls from the host pass a handful: a plain loop keeps
** them out of libc's memcpy, whose size dispatch costs more than the copy
** (issue 3: the host->wasm call path).
*/
static inline void copy_slots(uint64_t *dst, const uint64_t *src, uint32_t n) {
    if (n <= 2) { /* most calls: no loop at all */
        if (n > 0) dst[0] = src[0];
        if (n > 1) dst[1] = src[1];
        return;
    }
    if (n > 8) {
        memcpy(dst, src, n * sizeof *dst);
        return;
    }
    for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
}

kb_error *kexec_call(krt_store *s, krt_func *f, const uint64_t *args, uint64_t *results) {
    if (s == NULL || f == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "null store or function");
    if (f->store != s) return kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch");
    if (f->instance == NULL) {
        if (f->host == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "function has no code");
        return f->host(f->env, s, NULL, args, results);
    }
    kb_error *err;
    kexec_context *cx = s->exec;
    if (cx == NULL && (err = context_new(s, &cx)) != NULL) return err;
    /* Re-assert fuel/deadline in the attention word: capi zeroes the word
       after an interrupted call, and the checks must see them again. */
    uint32_t attn = atomic_load_explicit(&cx->attn, memory_order_relaxed);
    if (attn != 0) atomic_fetch_or_explicit(&s->interrupt, attn, memory_order_relaxed);
    const kcomp_func *fn = f->code;
    if (fn == NULL) return kb_error_new(KB_ERR_INTERNAL, "wasm function %u has no code", f->index);
    if (cx->host_depth >= KEXEC_MAX_HOST_DEPTH) return kb_error_trap(KB_TRAP_STACK_EXHAUSTED);
    uint32_t top = atomic_load_explicit(&cx->top, memory_order_relaxed);
    uint64_t *fp = cx->sp;
    if (top >= cx->frame_cap || (size_t)(cx->stack_end - fp) < (size_t)fn->frame_slots + 1)
        return kb_error_trap(KB_TRAP_STACK_EXHAUSTED);
    copy_slots(fp, args, fn->param_slots);
    kexec_frame *fr = &cx->frames[top];
    KEXEC_PUT(fr->fn, fn);
    KEXEC_PUT(fr->inst, f->instance);
    fr->fp = fp;
    fr->ip = NULL;
    KEXEC_PUT(fr->at, kcomp_func_code(fn));
    atomic_store_explicit(&cx->top, top + 1, memory_order_release);
    cx->host_depth++;
    uint64_t *saved_sp = cx->sp;
    err = kexec_run(cx, s, top);
    cx->sp = saved_sp;
    cx->host_depth--;
    atomic_store_explicit(&cx->top, top, memory_order_release);
    if (err == NULL) copy_slots(results, fp, fn->result_slots);
    return err;
}
