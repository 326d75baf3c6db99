/*
** krt_const.c -- evaluating constant expressions at instantiation
** (core spec 3.0: 3.4.x "Constant expressions", 4.5.4 "Instantiation"
** steps that evaluate global, table and segment initialisers).
**
** A constant expression is a short instruction sequence ending in 'end'. The
** validator has already checked that it is constant and well typed, so this
** is a tiny stack machine over kbin_reader. It still refuses anything it does
** not know with an error rather than trusting its input: a module that was
** not validated must not crash the runtime.
**
** Supported: t.const for i32/i64/f32/f64/v128, global.get, ref.null,
** ref.func, and the extended-const arithmetic i32/i64 add/sub/mul (which
** wrap, spec 4.3.2 "Integer operations"). The GC constant instructions
** (struct.new*, array.new*, ref.i31, any.convert_extern, extern.convert_any)
** need the GC heap, which does not exist yet: they report KB_ERR_UNSUPPORTED.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "binary/kbin_reader.h"
#include "rt/krt_int.h"

/* Each stack entry is two slots so a v128 fits; scalars use the first. */
#define KRT_CONST_STACK 64

typedef struct cstack {
    uint64_t v[KRT_CONST_STACK][2];
    uint32_t n;
} cstack;

static bool push(cstack *st, uint64_t lo, uint64_t hi) {
    if (st->n == KRT_CONST_STACK) return false;
    st->v[st->n][0] = lo;
    st->v[st->n][1] = hi;
    st->n++;
    return true;
}

kb_error *krt_const_eval(const krt_instance *inst, uint32_t global_count, kbin_range expr,
                         uint64_t out[2]) {
    const kbin_module *m = inst->module->bin;
    if ((size_t)expr.offset + expr.len > m->size)
        return kb_error_new(KB_ERR_MALFORMED, "constant expression out of range");
    kbin_reader r = kbin_reader_make(m->bytes, expr.offset, (size_t)expr.offset + expr.len);
    cstack st;
    st.n = 0;
    kbin_instr in;
    kb_error *err;
    while (!kbin_reader_done(&r)) {
        if ((err = kbin_read_instr(&r, &in)) != NULL) return err;
        bool ok = true;
        switch (in.op) {
        case KOP_I32_CONST: ok = push(&st, (uint32_t)in.imm.i32, 0); break;
        case KOP_I64_CONST: ok = push(&st, (uint64_t)in.imm.i64, 0); break;
        case KOP_F32_CONST: ok = push(&st, in.imm.f32, 0); break;
        case KOP_F64_CONST: ok = push(&st, in.imm.f64, 0); break;
        case KOP_V128_CONST: {
            /* Slot layout: low 64 bits first, little endian like the binary. */
            uint64_t lo = 0, hi = 0;
            for (int i = 7; i >= 0; i--) lo = lo << 8 | in.imm.v128[i];
            for (int i = 15; i >= 8; i--) hi = hi << 8 | in.imm.v128[i];
            ok = push(&st, lo, hi);
            break;
        }
        case KOP_GLOBAL_GET: {
            /* 3.0: any imported or earlier-defined global (validation made
               sure it is immutable). 'global_count' is how many exist yet. */
            if (in.imm.index >= global_count || inst->globals[in.imm.index] == NULL)
                return kb_error_at(KB_ERR_INVALID, in.offset, "unknown global %u", in.imm.index);
            const krt_global *g = inst->globals[in.imm.index];
            ok = push(&st, g->value[0], g->value[1]);
            break;
        }
        case KOP_REF_NULL: ok = push(&st, 0, 0); break;
        case KOP_REF_FUNC:
            if (in.imm.index >= m->func_count || inst->funcs == NULL || inst->funcs[in.imm.index] == NULL)
                return kb_error_at(KB_ERR_INVALID, in.offset, "unknown function %u", in.imm.index);
            ok = push(&st, (uint64_t)(uintptr_t)inst->funcs[in.imm.index], 0);
            break;
        case KOP_I32_ADD: case KOP_I32_SUB: case KOP_I32_MUL:
        case KOP_I64_ADD: case KOP_I64_SUB: case KOP_I64_MUL: {
            if (st.n < 2) return kb_error_at(KB_ERR_INVALID, in.offset, "type mismatch");
            uint64_t b = st.v[--st.n][0], a = st.v[st.n - 1][0], c;
            switch (in.op) {
            case KOP_I32_ADD: c = (uint32_t)(a + b); break;
            case KOP_I32_SUB: c = (uint32_t)(a - b); break;
            case KOP_I32_MUL: c = (uint32_t)((uint32_t)a * (uint32_t)b); break;
            case KOP_I64_ADD: c = a + b; break;
            case KOP_I64_SUB: c = a - b; break;
            default: c = a * b; break;
            }
            st.v[st.n - 1][0] = c;
            st.v[st.n - 1][1] = 0;
            break;
        }
        case KOP_END:
            if (!kbin_reader_done(&r) || st.n != 1)
                return kb_error_at(KB_ERR_INVALID, in.offset, "type mismatch");
            out[0] = st.v[0][0];
            out[1] = st.v[0][1];
            return NULL;
        case KOP_STRUCT_NEW: case KOP_STRUCT_NEW_DEFAULT: case KOP_ARRAY_NEW:
        case KOP_ARRAY_NEW_DEFAULT: case KOP_ARRAY_NEW_FIXED: case KOP_REF_I31:
        case KOP_ANY_CONVERT_EXTERN: case KOP_EXTERN_CONVERT_ANY:
            return kb_error_at(KB_ERR_UNSUPPORTED, in.offset,
                               "unsupported constant instruction %s (GC heap not available)",
                               kbin_op_name(in.op));
        default:
            return kb_error_at(KB_ERR_INVALID, in.offset, "constant expression required");
        }
        if (!ok) return kb_error_at(KB_ERR_LIMIT, in.offset, "constant expression too deep");
    }
    return kb_error_new(KB_ERR_MALFORMED, "unexpected end of constant expression");
}
