/*
** kexec_interp.c -- the interpreter loop over kcomp code.
**
** Registers of the loop: 'ip' (next code word), 'fp' (the frame's slots),
** 'inst' (the running function's instance), and memory 0's base and size
** cached in locals ('mem', 'msize'). The cache is reloaded after every call
** and return and after memory.grow, since a callee may grow the memory.
**
** Calls between wasm functions push a kexec_frame and continue in the same
** C loop (no C recursion). Tail calls replace the frame in place.
** Dispatch is written once behind vmdispatch/vmcase/vmbreak (STYLE.md): a
** computed-goto jump table with GCC/Clang, a switch otherwise.
*/
#include <stdio.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "binary/kbin_reader.h"
#include "exec/kexec_int.h"
#include "exec/kexec_numeric.h"
#include "valid/kval_types.h"

#if defined(__GNUC__) || defined(__clang__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(KEXEC_SWITCH_DISPATCH)
#define KEXEC_COMPUTED_GOTO 1
#define vmdispatch(o) goto *disptab[o];
#define vmcase(l) L_##l:
#define vmbreak goto *disptab[*ip]
#else
#define KEXEC_COMPUTED_GOTO 0
#define vmdispatch(o) switch (o)
#define vmcase(l) case l:
#define vmbreak break
#endif

/* ---- operand access: operand word n of the current instruction */
#define R(n) fp[ip[n]]
#define U32(n) ((uint32_t)fp[ip[n]])
#define I32(n) ((int32_t)(uint32_t)fp[ip[n]])
#define I64(n) ((int64_t)fp[ip[n]])
#define F32(n) kexec_num_f32_from_bits((uint32_t)fp[ip[n]])
#define F64(n) kexec_num_f64_from_bits(fp[ip[n]])
#define SET32(n, v) (fp[ip[n]] = (uint32_t)(v))
#define SET64(n, v) (fp[ip[n]] = (uint64_t)(v))
#define SETF32(n, v) (fp[ip[n]] = kexec_num_f32_bits(v))
#define SETF64(n, v) (fp[ip[n]] = kexec_num_f64_bits(v))
#define NEXT(k) { ip += (k); vmbreak; }
/* ptrdiff_t arithmetic: an unsigned n (br_table) plus a negative offset must not wrap. */
/* A negative offset is a loop back-edge (only loops are branched to
   backwards): it lands just after the loop's KX_LOOP_CHECK and does the
   check's fast path itself (BACK_EDGE, below), saving a dispatch per
   iteration. */
#define JUMP(n)                                                               \
    {                                                                         \
        int32_t off_ = (int32_t)ip[n];                                        \
        ip += (ptrdiff_t)(n) + (ptrdiff_t)off_;                               \
        if (off_ < 0) BACK_EDGE();                                            \
        vmbreak;                                                              \
    }
#define TRAP(code) do { trap = (code); goto trap_out; } while (0)
/*
** 'mem0' is memory 0 of 'mem_inst' (NULL: none); 'mem'/'msize' its base and
** size. RELOAD_MEM re-reads base and size (they change when the memory
** grows); REFRESH_MEM also re-reads which memory, for a change of instance.
*/
#define RELOAD_MEM()                                                          \
    do {                                                                      \
        if (mem0 != NULL) {                                                   \
            mem = mem0->data;                                                 \
            msize = mem0->size;                                               \
        } else {                                                              \
            mem = NULL;                                                       \
            msize = 0;                                                        \
        }                                                                     \
    } while (0)
#define REFRESH_MEM()                                                         \
    do {                                                                      \
        mem_inst = inst;                                                      \
        mem0 = inst->module->bin->memory_count > 0 ? inst->memories[0] : NULL; \
        RELOAD_MEM();                                                         \
    } while (0)
/*
** Publication for samplers and the attention check (kexec_sample.h). The
** frame stack top is published with a release store on every call and
** return; the current position of a frame ('at') at calls and loop headers.
** KEEL_NO_EXEC_CHECKS (a CMake option for measuring their cost, never for
** use) drops the checks and the 'at' stores and keeps the top as a relaxed
** store (backtraces read it).
*/
#ifndef KEEL_NO_EXEC_CHECKS
#define PUBLISH_TOP(t) atomic_store_explicit(&cx->top, (t), memory_order_release)
#define PUBLISH_AT(f, p) KEXEC_PUT((f)->at, (p))
#define ATTENTION()                                                           \
    do {                                                                      \
        if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed) != 0)) { \
            uint32_t attn_trap_ = kexec_attention(cx, s);                     \
            if (attn_trap_ != KB_TRAP_NONE) TRAP(attn_trap_);                 \
        }                                                                     \
    } while (0)
/* The loop_check at ip - 1, inline: publish its position; when attention is
   needed, step back onto the loop_check itself, which takes the slow path
   exactly as a fall-through into the loop does. */
#define BACK_EDGE()                                                           \
    do {                                                                      \
        PUBLISH_AT(fr, ip - 1);                                               \
        if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed) != 0)) ip--; \
    } while (0)
#else
#define PUBLISH_TOP(t) atomic_store_explicit(&cx->top, (t), memory_order_relaxed)
#define PUBLISH_AT(f, p) ((void)0)
#define ATTENTION() ((void)0)
#define BACK_EDGE() ((void)0)
#endif

/* Effective address check for the generic path: a + off + n <= size without overflow. */
static inline bool oob(uint64_t a, uint64_t off, uint64_t n, uint64_t size) {
    return a > size || off > size - a || n > size - a - off;
}

static inline uint64_t load_kind(const uint8_t *p, uint32_t kop) {
    uint8_t b; uint16_t h; uint32_t wd; uint64_t q;
    switch (kop) {
    case KOP_I32_LOAD8_S: memcpy(&b, p, 1); return (uint32_t)(int32_t)(int8_t)b;
    case KOP_I32_LOAD8_U: case KOP_I64_LOAD8_U: memcpy(&b, p, 1); return b;
    case KOP_I32_LOAD16_S: memcpy(&h, p, 2); return (uint32_t)(int32_t)(int16_t)h;
    case KOP_I32_LOAD16_U: case KOP_I64_LOAD16_U: memcpy(&h, p, 2); return h;
    case KOP_I64_LOAD8_S: memcpy(&b, p, 1); return (uint64_t)(int64_t)(int8_t)b;
    case KOP_I64_LOAD16_S: memcpy(&h, p, 2); return (uint64_t)(int64_t)(int16_t)h;
    case KOP_I64_LOAD32_S: memcpy(&wd, p, 4); return (uint64_t)(int64_t)(int32_t)wd;
    case KOP_I32_LOAD: case KOP_F32_LOAD: case KOP_I64_LOAD32_U: memcpy(&wd, p, 4); return wd;
    default: memcpy(&q, p, 8); return q;
    }
}

static inline uint32_t access_size(uint32_t kop) {
    switch (kop) {
    case KOP_I32_LOAD8_S: case KOP_I32_LOAD8_U: case KOP_I64_LOAD8_S: case KOP_I64_LOAD8_U:
    case KOP_I32_STORE8: case KOP_I64_STORE8:
        return 1;
    case KOP_I32_LOAD16_S: case KOP_I32_LOAD16_U: case KOP_I64_LOAD16_S: case KOP_I64_LOAD16_U:
    case KOP_I32_STORE16: case KOP_I64_STORE16:
        return 2;
    case KOP_I32_LOAD: case KOP_F32_LOAD: case KOP_I64_LOAD32_S: case KOP_I64_LOAD32_U:
    case KOP_I32_STORE: case KOP_F32_STORE: case KOP_I64_STORE32:
        return 4;
    default:
        return 8;
    }
}

/*
** call_indirect's type check (spec 4.4.x): the callee's type must match type
** 'type' of the caller's module. Canonical ids are equal for equivalent types
** (3.0 rec-group canonicalisation), so one compare decides the common case.
** When the ids differ, a declared subtype also matches (3.0 subtyping): the
** registry walks the callee type's supertype chain (the slow path).
*/
static inline bool func_type_matches(const krt_instance *inst, const krt_func *callee, uint32_t type) {
    uint32_t want = inst->module->bin->types[type].canon;
    if (LIKELY(callee->canon_type == want)) return true;
    const kval_registry *reg = inst->module->engine ? inst->module->engine->types : NULL;
    return reg != NULL && kval_type_matches(reg, callee->canon_type, want);
}

/* The exception's tag matches clause tag 'tag' of 'inst' (identity of tag objects). */
static inline bool tag_matches(const krt_instance *inst, const krt_exn *exn, uint32_t tag) {
    return inst->tags != NULL && inst->tags[tag] == exn->tag;
}

/*
** Looks for a handler of 'exn' at code word 'pc' of frame 'fr'. On a match,
** writes the payload and returns the continuation pc; else UINT32_MAX.
*/
static uint32_t find_handler(const kcomp_func *fn, krt_instance *inst, uint64_t *fp, uint32_t pc,
                             krt_exn *exn) {
    if (fn->handler_count == 0) return UINT32_MAX;
    const kcomp_handler *hs = (const kcomp_handler *)((const uint32_t *)fn + fn->handler_off);
    const kcomp_clause *cs = (const kcomp_clause *)((const uint32_t *)fn + fn->clause_off);
    int32_t h = -1;
    for (uint32_t i = 0; i < fn->handler_count; i++)
        if (hs[i].start <= pc && pc < hs[i].end) h = (int32_t)i; /* the last one is innermost */
    /* Delegates and parents only point outwards; the bound guards against a cycle anyway. */
    for (uint32_t steps = 0; h >= 0 && (uint32_t)h < fn->handler_count && steps <= fn->handler_count; steps++) {
        const kcomp_handler *hd = &hs[h];
        if (hd->kind == KH_DELEGATE) {
            h = hd->delegate;
            continue;
        }
        for (uint32_t i = 0; i < hd->clause_count; i++) {
            const kcomp_clause *cl = &cs[hd->clause_first + i];
            bool with_tag = cl->kind == KCATCH || cl->kind == KCATCH_REF;
            if (with_tag && !tag_matches(inst, exn, cl->tag)) continue;
            uint32_t d = cl->dest;
            if (with_tag) {
                memcpy(fp + d, exn->slots, exn->slot_count * sizeof(uint64_t));
                d += exn->slot_count;
            }
            if (cl->kind == KCATCH_REF || cl->kind == KCATCH_ALL_REF) fp[d] = (uint64_t)(uintptr_t)exn;
            if (hd->kind == KH_TRY) fp[hd->exn_slot] = (uint64_t)(uintptr_t)exn;
            return cl->target;
        }
        h = hd->parent;
    }
    return UINT32_MAX;
}

/*
** One atomic access at 'p' (bounds and alignment already checked), threads
** proposal semantics with sequentially consistent ordering. Returns a
** KB_TRAP_* code or KB_TRAP_NONE.
*/
#define KEXEC_ATOMIC_RMW(T)                                                   \
    do {                                                                      \
        T *q = (T *)(void *)p, x = (T)b, e = (T)c;                           \
        switch (kind) {                                                       \
        case KA_LOAD: *out = __atomic_load_n(q, __ATOMIC_SEQ_CST); break;     \
        case KA_STORE: __atomic_store_n(q, x, __ATOMIC_SEQ_CST); break;       \
        case KA_ADD: *out = __atomic_fetch_add(q, x, __ATOMIC_SEQ_CST); break; \
        case KA_SUB: *out = __atomic_fetch_sub(q, x, __ATOMIC_SEQ_CST); break; \
        case KA_AND: *out = __atomic_fetch_and(q, x, __ATOMIC_SEQ_CST); break; \
        case KA_OR: *out = __atomic_fetch_or(q, x, __ATOMIC_SEQ_CST); break;  \
        case KA_XOR: *out = __atomic_fetch_xor(q, x, __ATOMIC_SEQ_CST); break; \
        case KA_XCHG: *out = __atomic_exchange_n(q, x, __ATOMIC_SEQ_CST); break; \
        case KA_CMPXCHG:                                                      \
            __atomic_compare_exchange_n(q, &x, e, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
            *out = x;                                                         \
            break;                                                            \
        default: break;                                                       \
        }                                                                     \
    } while (0)

static uint32_t atomic_access(krt_memory *m, uint8_t *p, uint32_t kind, uint32_t log2, uint64_t b,
                              uint64_t c, uint64_t timeout, uint64_t *out) {
    *out = 0;
    if (kind == KA_NOTIFY) return KB_TRAP_NONE; /* no waiters: threads/ owns wait queues */
    if (kind == KA_WAIT) {
        if (!m->shared) return KB_TRAP_HOST;    /* "expected shared memory" */
        uint64_t v = log2 == 3 ? __atomic_load_n((uint64_t *)(void *)p, __ATOMIC_SEQ_CST)
                               : __atomic_load_n((uint32_t *)(void *)p, __ATOMIC_SEQ_CST);
        uint64_t want = log2 == 3 ? b : (uint32_t)b;
        /* 1: "not-equal"; 2: "timed-out" (no notifier exists without threads/). */
        *out = v != want ? 1 : 2;
        (void)timeout;
        return KB_TRAP_NONE;
    }
    switch (log2) {
    case 0: KEXEC_ATOMIC_RMW(uint8_t); break;
    case 1: KEXEC_ATOMIC_RMW(uint16_t); break;
    case 2: KEXEC_ATOMIC_RMW(uint32_t); break;
    default: KEXEC_ATOMIC_RMW(uint64_t); break;
    }
    return KB_TRAP_NONE;
}
#undef KEXEC_ATOMIC_RMW

kb_error *kexec_run(kexec_context *cx, krt_store *s, uint32_t entry) {
#if KEXEC_COMPUTED_GOTO
    static const void *const disptab[KX_COUNT_] = {
#define KX(NAME, text, words) &&L_KX_##NAME,
#define KD(NAME, text, words, cls, type) &&L_KX_##NAME,
#include "compile/kcomp_ops.def"
    };
#endif
    uint32_t top = entry + 1;
    kexec_frame *fr = &cx->frames[entry];
    const kcomp_func *fn = fr->fn;
    krt_instance *inst = fr->inst;
    uint64_t *fp = fr->fp;
    const uint32_t *ip = NULL;
    uint8_t *mem = NULL;
    uint64_t msize = 0;
    krt_memory *mem0 = NULL;
    const krt_instance *mem_inst = NULL;
    uint32_t trap = KB_TRAP_NONE;
    kb_error *err = NULL;
    krt_exn *exn = NULL;
    /* Call state shared by the call instructions. */
    krt_func *callee;
    uint64_t *nfp;
    bool tail;

enter:
    /* A new activation of 'fn' at 'fp' (frames[top - 1] already describes it). */
    /* Callers checked that the frame fits the value stack. */
    {
        /* Locals start at zero (spec 4.4.10); most functions have a few, so
           no call into memset for them. */
        uint64_t *z = fp + fn->param_slots;
        uint32_t nz = fn->zero_slots;
        if (nz > 8) {
            memset(z, 0, nz * sizeof *fp);
        } else {
            for (; nz >= 2; nz -= 2, z += 2) { z[0] = 0; z[1] = 0; }
            if (nz) z[0] = 0;
        }
    }
    ip = kcomp_func_code(fn);
    /* A call within the instance keeps memory 0: the caller's cache is current. */
    if (inst != mem_inst) REFRESH_MEM();
    /* Interrupt, fuel and deadline in one check (kexec_sample.h). */
    ATTENTION();

resume:
    for (;;) {
        vmdispatch(*ip) {
        /* ---- Control and data movement */
        vmcase(KX_NOP) NEXT(1);
        vmcase(KX_UNREACHABLE) TRAP(KB_TRAP_UNREACHABLE);
        vmcase(KX_UNSUPPORTED) {
            err = kb_error_new(KB_ERR_UNSUPPORTED, "unsupported instruction %s", kbin_op_name(ip[1]));
            goto error_out;
        }
        vmcase(KX_COPY) { R(1) = R(2); NEXT(3); }
        vmcase(KX_COPY2) { uint64_t *d = &R(1), *a = &R(2); d[0] = a[0]; d[1] = a[1]; NEXT(3); }
        vmcase(KX_CONST32) { R(1) = ip[2]; NEXT(3); }
        vmcase(KX_CONST64) { R(1) = (uint64_t)ip[2] | (uint64_t)ip[3] << 32; NEXT(4); }
        vmcase(KX_BR) JUMP(1);
        vmcase(KX_BR_IF) { if (U32(1)) JUMP(2); NEXT(3); }
        vmcase(KX_BR_UNLESS) { if (!U32(1)) JUMP(2); NEXT(3); }
        vmcase(KX_BR_IF_NULL) { if (R(1) == 0) JUMP(2); NEXT(3); }
        vmcase(KX_BR_IF_NONNULL) { if (R(1) != 0) JUMP(2); NEXT(3); }
        vmcase(KX_BR_TABLE) {
            uint32_t i = U32(1), n = ip[2];
            if (i > n) i = n;
            JUMP(3 + i);
        }
        vmcase(KX_LOOP_CHECK) {
            /* Entry into a loop runs this; back-edges jump past it and run
               BACK_EDGE, which comes here only when attention is needed. */
            PUBLISH_AT(fr, ip);
            ATTENTION();
            NEXT(1);
        }
        vmcase(KX_RETURN) {
        do_return:
            top--;
            PUBLISH_TOP(top);
            if (top == entry) return NULL;
            fr = &cx->frames[top - 1];
            fn = fr->fn; inst = fr->inst; fp = fr->fp; ip = fr->ip;
            /* The callee may have grown the memory: always re-read its size. */
            if (inst == mem_inst) RELOAD_MEM();
            else REFRESH_MEM();
            vmbreak;
        }
        vmcase(KX_RETURN1) {
            fp[0] = R(1);
            goto do_return;
        }
        vmcase(KX_CALL) {
            callee = inst->funcs[ip[1]];
            nfp = fp + ip[2];
            tail = false;
            goto do_call;
        }
        vmcase(KX_RETURN_CALL) {
            callee = inst->funcs[ip[1]];
            nfp = fp + ip[2];
            tail = true;
            goto do_call;
        }
        vmcase(KX_CALL_INDIRECT) vmcase(KX_RETURN_CALL_INDIRECT) {
            krt_table *t = inst->tables[ip[2]];
            uint64_t i = R(4);
            if (UNLIKELY(i >= t->size)) {
                err = kb_error_trap(KB_TRAP_UNDEFINED_ELEMENT);
                goto element_trap;
            }
            callee = t->elems[i];
            if (UNLIKELY(callee == NULL)) {
                err = kb_error_trap(KB_TRAP_UNINITIALIZED_ELEMENT);
                goto element_trap;
            }
            if (UNLIKELY(!func_type_matches(inst, callee, ip[1]))) TRAP(KB_TRAP_INDIRECT_CALL_TYPE);
            nfp = fp + ip[3];
            tail = *ip == KX_RETURN_CALL_INDIRECT;
            goto do_call;
        }
        vmcase(KX_CALL_REF) vmcase(KX_RETURN_CALL_REF) {
            callee = (krt_func *)(uintptr_t)R(2);
            if (UNLIKELY(callee == NULL)) {
                err = kb_error_trap(KB_TRAP_NULL_REFERENCE);
                kb_error_set_message(err, "null function reference");
                goto error_bt;
            }
            nfp = fp + ip[1];
            tail = *ip == KX_RETURN_CALL_REF;
            goto do_call;
        }
        vmcase(KX_SELECT) { R(1) = U32(4) ? R(2) : R(3); NEXT(5); }
        vmcase(KX_SELECT2) {
            uint64_t *d = &R(1), *a = U32(4) ? &R(2) : &R(3);
            d[0] = a[0]; d[1] = a[1];
            NEXT(5);
        }
        vmcase(KX_GLOBAL_GET) { R(1) = inst->globals[ip[2]]->value[0]; NEXT(3); }
        vmcase(KX_GLOBAL_SET) { inst->globals[ip[1]]->value[0] = R(2); NEXT(3); }
        vmcase(KX_GLOBAL_GET2) {
            krt_global *g = inst->globals[ip[2]];
            (&R(1))[0] = g->value[0]; (&R(1))[1] = g->value[1];
            NEXT(3);
        }
        vmcase(KX_GLOBAL_SET2) {
            krt_global *g = inst->globals[ip[1]];
            g->value[0] = (&R(2))[0]; g->value[1] = (&R(2))[1];
            NEXT(3);
        }

        /* ---- Memory, generic path (memory64, other memories) */
        vmcase(KX_LOAD_G) {
            krt_memory *m = inst->memories[ip[5]];
            uint64_t a = m->is64 ? R(2) : (uint64_t)U32(2);
            uint64_t off = (uint64_t)ip[3] | (uint64_t)ip[4] << 32;
            uint32_t n = access_size(ip[6]);
            if (UNLIKELY(oob(a, off, n, m->size))) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            R(1) = load_kind(m->data + a + off, ip[6]);
            NEXT(7);
        }
        vmcase(KX_STORE_G) {
            krt_memory *m = inst->memories[ip[5]];
            uint64_t a = m->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t off = (uint64_t)ip[3] | (uint64_t)ip[4] << 32;
            uint32_t n = access_size(ip[6]);
            if (UNLIKELY(oob(a, off, n, m->size))) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            uint64_t v = R(2);
            memcpy(m->data + a + off, &v, n); /* little-endian host */
            NEXT(7);
        }
        vmcase(KX_MEMORY_SIZE) {
            krt_memory *m = inst->memories[ip[2]];
            R(1) = m->size >> m->page_log2;
            NEXT(3);
        }
        vmcase(KX_MEMORY_GROW) {
            krt_memory *m = inst->memories[ip[3]];
            uint64_t delta = m->is64 ? R(2) : (uint64_t)U32(2);
            int64_t old = krt_memory_grow(m, delta);
            R(1) = m->is64 ? (uint64_t)old : (uint64_t)(uint32_t)old;
            REFRESH_MEM();
            NEXT(4);
        }
        vmcase(KX_MEMORY_FILL) {
            krt_memory *m = inst->memories[ip[4]];
            uint64_t d = m->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t n = m->is64 ? R(3) : (uint64_t)U32(3);
            if (UNLIKELY(oob(d, 0, n, m->size))) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            memset(m->data + d, (int)(uint8_t)R(2), n);
            NEXT(5);
        }
        vmcase(KX_MEMORY_COPY) {
            krt_memory *dm = inst->memories[ip[4]], *sm = inst->memories[ip[5]];
            uint64_t d = dm->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t a = sm->is64 ? R(2) : (uint64_t)U32(2);
            /* memory64 spec: the length has the smaller index type of the two */
            uint64_t n = dm->is64 && sm->is64 ? R(3) : (uint64_t)U32(3);
            if (UNLIKELY(oob(d, 0, n, dm->size) || oob(a, 0, n, sm->size)))
                TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            memmove(dm->data + d, sm->data + a, n);
            NEXT(6);
        }
        vmcase(KX_MEMORY_INIT) {
            krt_memory *m = inst->memories[ip[5]];
            const kbin_data *seg = &inst->module->bin->datas[ip[4]];
            uint64_t len = inst->data_dropped && inst->data_dropped[ip[4]] ? 0 : seg->init.len;
            uint64_t d = m->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t a = U32(2), n = U32(3);
            if (UNLIKELY(oob(d, 0, n, m->size) || oob(a, 0, n, len))) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            memcpy(m->data + d, inst->module->bin->bytes + seg->init.offset + a, n);
            NEXT(6);
        }
        vmcase(KX_DATA_DROP) {
            if (inst->data_dropped) inst->data_dropped[ip[1]] = true;
            NEXT(2);
        }

        /* ---- Tables and references */
        vmcase(KX_TABLE_GET) {
            krt_table *t = inst->tables[ip[3]];
            uint64_t i = t->is64 ? R(2) : (uint64_t)U32(2);
            if (UNLIKELY(i >= t->size)) TRAP(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            R(1) = (uint64_t)(uintptr_t)t->elems[i];
            NEXT(4);
        }
        vmcase(KX_TABLE_SET) {
            krt_table *t = inst->tables[ip[3]];
            uint64_t i = t->is64 ? R(1) : (uint64_t)U32(1);
            if (UNLIKELY(i >= t->size)) TRAP(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            t->elems[i] = (void *)(uintptr_t)R(2);
            NEXT(4);
        }
        vmcase(KX_TABLE_SIZE) { R(1) = inst->tables[ip[2]]->size; NEXT(3); }
        vmcase(KX_TABLE_GROW) {
            krt_table *t = inst->tables[ip[4]];
            uint64_t n = t->is64 ? R(3) : (uint64_t)U32(3);
            int64_t old = krt_table_grow(t, n, (void *)(uintptr_t)R(2));
            R(1) = t->is64 ? (uint64_t)old : (uint64_t)(uint32_t)old;
            NEXT(5);
        }
        vmcase(KX_TABLE_FILL) {
            krt_table *t = inst->tables[ip[4]];
            uint64_t i = t->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t n = t->is64 ? R(3) : (uint64_t)U32(3);
            if (UNLIKELY(oob(i, 0, n, t->size))) TRAP(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            void *v = (void *)(uintptr_t)R(2);
            for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
            NEXT(5);
        }
        vmcase(KX_TABLE_COPY) {
            krt_table *dt = inst->tables[ip[4]], *st = inst->tables[ip[5]];
            uint64_t d = dt->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t a = st->is64 ? R(2) : (uint64_t)U32(2);
            uint64_t n = dt->is64 && st->is64 ? R(3) : (uint64_t)U32(3);
            if (UNLIKELY(oob(d, 0, n, dt->size) || oob(a, 0, n, st->size)))
                TRAP(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            memmove(dt->elems + d, st->elems + a, n * sizeof(void *));
            NEXT(6);
        }
        vmcase(KX_TABLE_INIT) {
            krt_table *t = inst->tables[ip[5]];
            uint64_t len = inst->elem_sizes ? inst->elem_sizes[ip[4]] : 0;
            uint64_t d = t->is64 ? R(1) : (uint64_t)U32(1);
            uint64_t a = U32(2), n = U32(3);
            if (UNLIKELY(oob(d, 0, n, t->size) || oob(a, 0, n, len))) TRAP(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            if (n) memcpy(t->elems + d, inst->elem_refs[ip[4]] + a, n * sizeof(void *));
            NEXT(6);
        }
        vmcase(KX_ELEM_DROP) {
            if (inst->elem_sizes) inst->elem_sizes[ip[1]] = 0;
            NEXT(2);
        }
        vmcase(KX_REF_IS_NULL) { R(1) = R(2) == 0; NEXT(3); }
        vmcase(KX_REF_FUNC) { R(1) = (uint64_t)(uintptr_t)inst->funcs[ip[2]]; NEXT(3); }
        vmcase(KX_REF_EQ) { R(1) = R(2) == R(3); NEXT(4); }
        vmcase(KX_REF_AS_NON_NULL) { if (UNLIKELY(R(1) == 0)) TRAP(KB_TRAP_NULL_REFERENCE); NEXT(2); }

        /* ---- Atomics */
        vmcase(KX_ATOMIC) {
            krt_memory *m = inst->memories[ip[7]];
            uint32_t kind = ip[8] >> 24, log2 = (ip[8] >> 16) & 0xF;
            uint64_t a = m->is64 ? R(2) : (uint64_t)U32(2);
            uint64_t off = (uint64_t)ip[5] | (uint64_t)ip[6] << 32;
            if (UNLIKELY(oob(a, off, 1u << log2, m->size))) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
            if (UNLIKELY(((a + off) & ((1u << log2) - 1)) != 0)) TRAP(KB_TRAP_UNALIGNED_ATOMIC);
            uint64_t r;
            uint32_t t = atomic_access(m, m->data + a + off, kind, log2, R(3), R(4), R(4), &r);
            if (UNLIKELY(t != KB_TRAP_NONE)) {
                err = kb_error_trap(t);
                kb_error_set_message(err, "expected shared memory");
                goto error_bt;
            }
            if (ip[1] != UINT32_MAX) R(1) = r;
            NEXT(9);
        }

        /* ---- Exceptions */
        vmcase(KX_THROW) {
            krt_tag *tag = inst->tags[ip[1]];
            kb_error *e = krt_exn_new(s, tag, fp + ip[2], &exn);
            if (e != NULL) { err = e; goto error_out; }
            goto throw_exn;
        }
        vmcase(KX_THROW_REF) {
            exn = (krt_exn *)(uintptr_t)R(1);
            if (UNLIKELY(exn == NULL)) TRAP(KB_TRAP_NULL_REFERENCE);
            goto throw_exn;
        }
        vmcase(KX_RETHROW) {
            exn = (krt_exn *)(uintptr_t)R(1);
            if (UNLIKELY(exn == NULL)) TRAP(KB_TRAP_NULL_REFERENCE);
            goto throw_exn;
        }

        /* ---- Fused: constant right operand */
        vmcase(KX_I32_ADD_I) { SET32(1, U32(2) + ip[3]); NEXT(4); }
        vmcase(KX_I32_SUB_I) { SET32(1, U32(2) - ip[3]); NEXT(4); }
        vmcase(KX_I32_AND_I) { SET32(1, U32(2) & ip[3]); NEXT(4); }
        vmcase(KX_I32_OR_I) { SET32(1, U32(2) | ip[3]); NEXT(4); }
        vmcase(KX_I32_XOR_I) { SET32(1, U32(2) ^ ip[3]); NEXT(4); }
        vmcase(KX_I32_SHL_I) { SET32(1, kexec_num_i32_shl(U32(2), ip[3])); NEXT(4); }
        vmcase(KX_I32_SHR_S_I) { SET32(1, kexec_num_i32_shr_s(U32(2), ip[3])); NEXT(4); }
        vmcase(KX_I32_SHR_U_I) { SET32(1, kexec_num_i32_shr_u(U32(2), ip[3])); NEXT(4); }
        vmcase(KX_I32_EQ_I) { SET32(1, U32(2) == ip[3]); NEXT(4); }
        vmcase(KX_I32_NE_I) { SET32(1, U32(2) != ip[3]); NEXT(4); }
        vmcase(KX_I32_LT_S_I) { SET32(1, I32(2) < (int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I32_LT_U_I) { SET32(1, U32(2) < ip[3]); NEXT(4); }
        vmcase(KX_I32_GT_S_I) { SET32(1, I32(2) > (int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I32_GT_U_I) { SET32(1, U32(2) > ip[3]); NEXT(4); }
        vmcase(KX_I32_LE_S_I) { SET32(1, I32(2) <= (int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I32_LE_U_I) { SET32(1, U32(2) <= ip[3]); NEXT(4); }
        vmcase(KX_I32_GE_S_I) { SET32(1, I32(2) >= (int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I32_GE_U_I) { SET32(1, U32(2) >= ip[3]); NEXT(4); }
        vmcase(KX_I64_ADD_I) { SET64(1, R(2) + (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I64_SUB_I) { SET64(1, R(2) - (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I64_AND_I) { SET64(1, R(2) & (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I64_OR_I) { SET64(1, R(2) | (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I64_XOR_I) { SET64(1, R(2) ^ (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I64_SHL_I) { SET64(1, kexec_num_i64_shl(R(2), ip[3])); NEXT(4); }
        vmcase(KX_I64_SHR_S_I) { SET64(1, kexec_num_i64_shr_s(R(2), ip[3])); NEXT(4); }
        vmcase(KX_I64_SHR_U_I) { SET64(1, kexec_num_i64_shr_u(R(2), ip[3])); NEXT(4); }
        vmcase(KX_I64_MUL_I) { SET64(1, R(2) * (uint64_t)(int64_t)(int32_t)ip[3]); NEXT(4); }
        vmcase(KX_I32_MUL_I) { SET32(1, U32(2) * ip[3]); NEXT(4); }

        /* ---- Fused: multiply-add, dst a b c (kcomp_ops.def). Floats: the
           product rounded, then the sum (no fma(), core spec 4.3.3). */
        vmcase(KX_I32_MADD) { SET32(1, U32(2) * U32(3) + U32(4)); NEXT(5); }
        vmcase(KX_I64_MADD) { SET64(1, R(2) * R(3) + R(4)); NEXT(5); }
        vmcase(KX_F32_MADD) {
            float t = kexec_num_f32_mul(F32(2), F32(3));
            SETF32(1, kexec_num_f32_add(F32(4), t)); NEXT(5);
        }
        vmcase(KX_F64_MADD) {
            double t = kexec_num_f64_mul(F64(2), F64(3));
            SETF64(1, kexec_num_f64_add(F64(4), t)); NEXT(5);
        }
        vmcase(KX_I32_MSUB) { SET32(1, U32(4) - U32(2) * U32(3)); NEXT(5); }
        vmcase(KX_I64_MSUB) { SET64(1, R(4) - R(2) * R(3)); NEXT(5); }
        vmcase(KX_F32_MSUB) {
            float t = kexec_num_f32_mul(F32(2), F32(3));
            SETF32(1, kexec_num_f32_sub(F32(4), t)); NEXT(5);
        }
        vmcase(KX_F64_MSUB) {
            double t = kexec_num_f64_mul(F64(2), F64(3));
            SETF64(1, kexec_num_f64_sub(F64(4), t)); NEXT(5);
        }
        vmcase(KX_I32_MADD_I) { SET32(1, U32(2) * ip[3] + U32(4)); NEXT(5); }
        vmcase(KX_I64_MADD_I) { SET64(1, R(2) * (uint64_t)(int64_t)(int32_t)ip[3] + R(4)); NEXT(5); }

        /* ---- Fused: float arithmetic with a constant right operand */
#define KF32(n) kexec_num_f32_from_bits(ip[n])
#define KF64(n) kexec_num_f64_from_bits((uint64_t)ip[n] | (uint64_t)ip[(n) + 1] << 32)
        vmcase(KX_F32_ADD_K) { SETF32(1, kexec_num_f32_add(F32(2), KF32(3))); NEXT(4); }
        vmcase(KX_F32_SUB_K) { SETF32(1, kexec_num_f32_sub(F32(2), KF32(3))); NEXT(4); }
        vmcase(KX_F32_MUL_K) { SETF32(1, kexec_num_f32_mul(F32(2), KF32(3))); NEXT(4); }
        vmcase(KX_F32_DIV_K) { SETF32(1, kexec_num_f32_div(F32(2), KF32(3))); NEXT(4); }
        vmcase(KX_F64_ADD_K) { SETF64(1, kexec_num_f64_add(F64(2), KF64(3))); NEXT(5); }
        vmcase(KX_F64_SUB_K) { SETF64(1, kexec_num_f64_sub(F64(2), KF64(3))); NEXT(5); }
        vmcase(KX_F64_MUL_K) { SETF64(1, kexec_num_f64_mul(F64(2), KF64(3))); NEXT(5); }
        vmcase(KX_F64_DIV_K) { SETF64(1, kexec_num_f64_div(F64(2), KF64(3))); NEXT(5); }
#undef KF32
#undef KF64

        /* ---- Fused: compare and branch */
        vmcase(KX_BR_I32_EQZ) { if (U32(1) == 0) JUMP(2); NEXT(3); }
        vmcase(KX_BR_I32_NEZ) { if (U32(1) != 0) JUMP(2); NEXT(3); }
        vmcase(KX_BR_I32_ADD_I_NZ) {
            uint32_t v = U32(2) + ip[3];
            SET32(1, v);
            if (v != 0) JUMP(4);
            NEXT(5);
        }
        vmcase(KX_BR_I32_EQ) { if (U32(1) == U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_NE) { if (U32(1) != U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LT_S) { if (I32(1) < I32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LT_U) { if (U32(1) < U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GT_S) { if (I32(1) > I32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GT_U) { if (U32(1) > U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LE_S) { if (I32(1) <= I32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LE_U) { if (U32(1) <= U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GE_S) { if (I32(1) >= I32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GE_U) { if (U32(1) >= U32(2)) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_EQ_I) { if (U32(1) == ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_NE_I) { if (U32(1) != ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LT_S_I) { if (I32(1) < (int32_t)ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LT_U_I) { if (U32(1) < ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GT_S_I) { if (I32(1) > (int32_t)ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GT_U_I) { if (U32(1) > ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LE_S_I) { if (I32(1) <= (int32_t)ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_LE_U_I) { if (U32(1) <= ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GE_S_I) { if (I32(1) >= (int32_t)ip[2]) JUMP(3); NEXT(4); }
        vmcase(KX_BR_I32_GE_U_I) { if (U32(1) >= ip[2]) JUMP(3); NEXT(4); }

        /* ---- Loads and stores, memory 0 with a 32-bit index: one compare.
           The index is read as u32 so a host that wrote garbage above bit 31
           cannot widen the access (the check stays sound). */
#define LD(kx, T, conv)                                                       \
        vmcase(kx) {                                                          \
            uint64_t ea = (uint64_t)U32(2) + ip[3];                           \
            if (UNLIKELY(ea + sizeof(T) > msize)) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS); \
            T v; memcpy(&v, mem + ea, sizeof v);                              \
            R(1) = conv;                                                      \
            NEXT(4);                                                          \
        }
        LD(KX_I32_LOAD, uint32_t, v)
        LD(KX_I64_LOAD, uint64_t, v)
        LD(KX_F32_LOAD, uint32_t, v)
        LD(KX_F64_LOAD, uint64_t, v)
        LD(KX_I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)
        LD(KX_I32_LOAD8_U, uint8_t, v)
        LD(KX_I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)
        LD(KX_I32_LOAD16_U, uint16_t, v)
        LD(KX_I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)
        LD(KX_I64_LOAD8_U, uint8_t, v)
        LD(KX_I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)
        LD(KX_I64_LOAD16_U, uint16_t, v)
        LD(KX_I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)
        LD(KX_I64_LOAD32_U, uint32_t, v)
#undef LD
#define ST(kx, T)                                                             \
        vmcase(kx) {                                                          \
            uint64_t ea = (uint64_t)U32(1) + ip[3];                           \
            if (UNLIKELY(ea + sizeof(T) > msize)) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS); \
            T v = (T)R(2); memcpy(mem + ea, &v, sizeof v);                    \
            NEXT(4);                                                          \
        }
        ST(KX_I32_STORE, uint32_t)
        ST(KX_I64_STORE, uint64_t)
        ST(KX_F32_STORE, uint32_t)
        ST(KX_F64_STORE, uint64_t)
        ST(KX_I32_STORE8, uint8_t)
        ST(KX_I32_STORE16, uint16_t)
        ST(KX_I64_STORE8, uint8_t)
        ST(KX_I64_STORE16, uint16_t)
        ST(KX_I64_STORE32, uint32_t)
#undef ST

        /* ---- Fused address forms: the i32.add wraps at 32 bits first, then
           the offset is added in 64 bits (core spec 4.4.7), as unfused. */
#define LDA(kx, T, conv, addr)                                                \
        vmcase(kx) {                                                          \
            uint64_t ea = (uint64_t)(uint32_t)(addr) + ip[4];                 \
            if (UNLIKELY(ea + sizeof(T) > msize)) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS); \
            T v; memcpy(&v, mem + ea, sizeof v);                              \
            R(1) = conv;                                                      \
            NEXT(5);                                                          \
        }
#define STA(kx, T, addr)                                                      \
        vmcase(kx) {                                                          \
            uint64_t ea = (uint64_t)(uint32_t)(addr) + ip[4];                 \
            if (UNLIKELY(ea + sizeof(T) > msize)) TRAP(KB_TRAP_MEMORY_OUT_OF_BOUNDS); \
            T v = (T)R(3); memcpy(mem + ea, &v, sizeof v);                    \
            NEXT(5);                                                          \
        }
        LDA(KX_I32_LOAD_AI, uint32_t, v, U32(2) + ip[3])
        LDA(KX_I32_LOAD_AR, uint32_t, v, U32(2) + U32(3))
        LDA(KX_I64_LOAD_AI, uint64_t, v, U32(2) + ip[3])
        LDA(KX_I64_LOAD_AR, uint64_t, v, U32(2) + U32(3))
        LDA(KX_F32_LOAD_AI, uint32_t, v, U32(2) + ip[3])
        LDA(KX_F32_LOAD_AR, uint32_t, v, U32(2) + U32(3))
        LDA(KX_F64_LOAD_AI, uint64_t, v, U32(2) + ip[3])
        LDA(KX_F64_LOAD_AR, uint64_t, v, U32(2) + U32(3))
        LDA(KX_I32_LOAD8_S_AI, int8_t, (uint32_t)(int32_t)v, U32(2) + ip[3])
        LDA(KX_I32_LOAD8_S_AR, int8_t, (uint32_t)(int32_t)v, U32(2) + U32(3))
        LDA(KX_I32_LOAD8_U_AI, uint8_t, v, U32(2) + ip[3])
        LDA(KX_I32_LOAD8_U_AR, uint8_t, v, U32(2) + U32(3))
        LDA(KX_I32_LOAD16_S_AI, int16_t, (uint32_t)(int32_t)v, U32(2) + ip[3])
        LDA(KX_I32_LOAD16_S_AR, int16_t, (uint32_t)(int32_t)v, U32(2) + U32(3))
        LDA(KX_I32_LOAD16_U_AI, uint16_t, v, U32(2) + ip[3])
        LDA(KX_I32_LOAD16_U_AR, uint16_t, v, U32(2) + U32(3))
        LDA(KX_I64_LOAD8_S_AI, int8_t, (uint64_t)(int64_t)v, U32(2) + ip[3])
        LDA(KX_I64_LOAD8_S_AR, int8_t, (uint64_t)(int64_t)v, U32(2) + U32(3))
        LDA(KX_I64_LOAD8_U_AI, uint8_t, v, U32(2) + ip[3])
        LDA(KX_I64_LOAD8_U_AR, uint8_t, v, U32(2) + U32(3))
        LDA(KX_I64_LOAD16_S_AI, int16_t, (uint64_t)(int64_t)v, U32(2) + ip[3])
        LDA(KX_I64_LOAD16_S_AR, int16_t, (uint64_t)(int64_t)v, U32(2) + U32(3))
        LDA(KX_I64_LOAD16_U_AI, uint16_t, v, U32(2) + ip[3])
        LDA(KX_I64_LOAD16_U_AR, uint16_t, v, U32(2) + U32(3))
        LDA(KX_I64_LOAD32_S_AI, int32_t, (uint64_t)(int64_t)v, U32(2) + ip[3])
        LDA(KX_I64_LOAD32_S_AR, int32_t, (uint64_t)(int64_t)v, U32(2) + U32(3))
        LDA(KX_I64_LOAD32_U_AI, uint32_t, v, U32(2) + ip[3])
        LDA(KX_I64_LOAD32_U_AR, uint32_t, v, U32(2) + U32(3))
        STA(KX_I32_STORE_AI, uint32_t, U32(1) + ip[2])
        STA(KX_I32_STORE_AR, uint32_t, U32(1) + U32(2))
        STA(KX_I64_STORE_AI, uint64_t, U32(1) + ip[2])
        STA(KX_I64_STORE_AR, uint64_t, U32(1) + U32(2))
        STA(KX_F32_STORE_AI, uint32_t, U32(1) + ip[2])
        STA(KX_F32_STORE_AR, uint32_t, U32(1) + U32(2))
        STA(KX_F64_STORE_AI, uint64_t, U32(1) + ip[2])
        STA(KX_F64_STORE_AR, uint64_t, U32(1) + U32(2))
        STA(KX_I32_STORE8_AI, uint8_t, U32(1) + ip[2])
        STA(KX_I32_STORE8_AR, uint8_t, U32(1) + U32(2))
        STA(KX_I32_STORE16_AI, uint16_t, U32(1) + ip[2])
        STA(KX_I32_STORE16_AR, uint16_t, U32(1) + U32(2))
        STA(KX_I64_STORE8_AI, uint8_t, U32(1) + ip[2])
        STA(KX_I64_STORE8_AR, uint8_t, U32(1) + U32(2))
        STA(KX_I64_STORE16_AI, uint16_t, U32(1) + ip[2])
        STA(KX_I64_STORE16_AR, uint16_t, U32(1) + U32(2))
        STA(KX_I64_STORE32_AI, uint32_t, U32(1) + ip[2])
        STA(KX_I64_STORE32_AR, uint32_t, U32(1) + U32(2))
#undef LDA
#undef STA

        /* ---- Numeric (core spec 4.4.1); exact semantics in kexec_numeric.h */
#include "exec/kexec_numshapes.h"
#define DIV32(kx, f) vmcase(kx) {                                             \
            uint32_t r, t = f(U32(2), U32(3), &r);                            \
            if (UNLIKELY(t != KB_TRAP_NONE)) TRAP(t);                         \
            SET32(1, r); NEXT(4);                                             \
        }
#define DIV64(kx, f) vmcase(kx) {                                             \
            uint64_t r; uint32_t t = f(R(2), R(3), &r);                       \
            if (UNLIKELY(t != KB_TRAP_NONE)) TRAP(t);                         \
            SET64(1, r); NEXT(4);                                             \
        }
#define TRUNC(kx, f, RT, arg, set) vmcase(kx) {                               \
            RT r; uint32_t t = f(arg, &r);                                    \
            if (UNLIKELY(t != KB_TRAP_NONE)) TRAP(t);                         \
            set(1, r); NEXT(3);                                               \
        }
#include "exec/kexec_numops.h"
#undef UN32
#undef UN64
#undef BI32
#undef BI64
#undef CMP64
#undef CMPF32
#undef CMPF64
#undef BF32
#undef BF64
#undef UF32
#undef UF64
#undef DIV32
#undef DIV64
#undef TRUNC

        /* ---- Wide arithmetic: results in dst, dst + 1 */
        vmcase(KX_I64_ADD128) {
            uint64_t lo, hi;
            kexec_num_i64_add128(R(2), R(3), R(4), R(5), &lo, &hi);
            (&R(1))[0] = lo; (&R(1))[1] = hi;
            NEXT(6);
        }
        vmcase(KX_I64_SUB128) {
            uint64_t lo, hi;
            kexec_num_i64_sub128(R(2), R(3), R(4), R(5), &lo, &hi);
            (&R(1))[0] = lo; (&R(1))[1] = hi;
            NEXT(6);
        }
        vmcase(KX_I64_MUL_WIDE_S) {
            uint64_t lo, hi;
            kexec_num_i64_mul_wide_s(R(2), R(3), &lo, &hi);
            (&R(1))[0] = lo; (&R(1))[1] = hi;
            NEXT(4);
        }
        vmcase(KX_I64_MUL_WIDE_U) {
            uint64_t lo, hi;
            kexec_num_i64_mul_wide_u(R(2), R(3), &lo, &hi);
            (&R(1))[0] = lo; (&R(1))[1] = hi;
            NEXT(4);
        }
#if !KEXEC_COMPUTED_GOTO
        default:
            err = kb_error_new(KB_ERR_INTERNAL, "bad internal op %u", *ip);
            goto error_out;
#endif
        }
    }

do_call: {
    /* 'callee' with its arguments at 'nfp'; 'tail' replaces the current frame. */
    uint32_t oplen = 1u + (uint32_t)kcomp_ops[*ip].words;
    /* 'fr' is always &cx->frames[top - 1], the running frame. */
    PUBLISH_AT(fr, ip);
    if (callee->instance == NULL) {
        const kbin_type *ft = callee->type;
        uint32_t np = kexec_type_slots(ft, false), nr = kexec_type_slots(ft, true);
        if (tail) {
            memmove(fp, nfp, np * sizeof *fp);
            nfp = fp;
        }
        if (UNLIKELY((size_t)(cx->stack_end - nfp) < (size_t)np + nr)) TRAP(KB_TRAP_STACK_EXHAUSTED);
        fr->ip = ip + 1; /* inside the call op, for nested backtraces */
        uint64_t *saved_sp = cx->sp;
        cx->sp = nfp + np + nr;
        kb_error *e = callee->host(callee->env, s, inst, nfp, nfp + np);
        cx->sp = saved_sp;
        if (e != NULL) {
            if (e->kind == KB_ERR_EXCEPTION && e->exception != NULL) {
                /* An exception that crossed the host frame is rethrown here. */
                exn = e->exception;
                e->exception = NULL;
                kb_error_free(e);
                goto throw_exn;
            }
            err = e;
            if (e->kind == KB_ERR_TRAP) goto error_bt;
            goto error_out;
        }
        memmove(nfp, nfp + np, nr * sizeof *fp);
        REFRESH_MEM();
        if (tail) goto do_return;
        ip += oplen;
        goto resume;
    }
    const kcomp_func *cf = callee->code;
    if (UNLIKELY((size_t)(cx->stack_end - nfp) < (size_t)cf->frame_slots + 1))
        TRAP(KB_TRAP_STACK_EXHAUSTED);
    if (tail) {
        /* A true tail call: the frame is reused, the frame stack does not grow. */
        memmove(fp, nfp, cf->param_slots * sizeof *fp);
        PUBLISH_AT(fr, NULL); /* a sampler sees "offset unknown" mid-switch */
        KEXEC_PUT(fr->fn, cf);
        KEXEC_PUT(fr->inst, callee->instance);
        PUBLISH_AT(fr, kcomp_func_code(cf));
    } else {
        if (UNLIKELY(top >= cx->frame_cap)) TRAP(KB_TRAP_STACK_EXHAUSTED);
        fr->ip = ip + oplen;
        fr = &cx->frames[top];
        KEXEC_PUT(fr->fn, cf);
        KEXEC_PUT(fr->inst, callee->instance);
        fr->fp = nfp;
        fr->ip = NULL;
        PUBLISH_AT(fr, kcomp_func_code(cf));
        top++;
        PUBLISH_TOP(top);
        fp = nfp;
    }
    fn = cf;
    inst = callee->instance;
    goto enter;
}

throw_exn:
    /* Unwind to the innermost handler (exception handling 3.0 and legacy). */
    for (;;) {
        const uint32_t *code = kcomp_func_code(fn);
        uint32_t target = find_handler(fn, inst, fp, (uint32_t)(ip - code), exn);
        if (target != UINT32_MAX) {
            ip = code + target;
            exn = NULL;
            REFRESH_MEM();
            goto resume;
        }
        top--;
        PUBLISH_TOP(top);
        if (top == entry) {
            kb_error *e = kb_error_new(KB_ERR_EXCEPTION, "uncaught exception");
            if (e->kind == KB_ERR_EXCEPTION) e->exception = exn;
            return e;
        }
        fr = &cx->frames[top - 1];
        fn = fr->fn; inst = fr->inst; fp = fr->fp; ip = fr->ip - 1;
    }

trap_out:
    err = kb_error_trap(trap);
    goto error_bt;
element_trap:
    /* The table index helps whoever debugs an indirect call; the reference
       interpreter words it the same way ("uninitialized element 2"). */
    kb_error_set_message(err, "%s %llu", kb_trap_message(err->trap),
                         (unsigned long long)R(4));
error_bt:
    kexec_backtrace(cx, entry, ip, err);
error_out:
    PUBLISH_TOP(entry);
    return err;
}
