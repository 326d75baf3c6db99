/*
** kapi_func.c -- keel_val conversion, functions, calls, host functions and
** the caller context.
**
** A call enters the store: it retains the store (DESIGN.md rule 5: another
** thread may release every handle meanwhile; the store is freed when the
** call returns) and takes the store's recursive lock (rule 8; a host
** callback calling back in on the same thread re-enters it). Arguments are
** checked against the function type before any code runs (kind, arity,
** nullability, store of references: rule 6).
*/
#include "kapi_int.h"

#include <string.h>

#include "exec/kexec.h"
#include "valid/kval_types.h"

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

/* A kind number outside KEEL_HANDLE_* for the stack-allocated caller context. */
#define KAPI_CALLER_KIND 0x100u

/* ---------------------------------------------------------------- values */

static const char *kind_name(keel_valkind k) {
    static const char *names[] = {"i32", "i64", "f32", "f64", "v128", "funcref", "externref", "anyref", "exnref"};
    return k < sizeof names / sizeof names[0] ? names[k] : "unknown kind";
}

static uint32_t handle_kind_of_val(keel_valkind k) {
    switch (k) {
    case KEEL_FUNCREF: return KEEL_HANDLE_FUNC;
    case KEEL_EXTERNREF: return KEEL_HANDLE_EXTERNREF;
    case KEEL_ANYREF: return KEEL_HANDLE_REF;
    case KEEL_EXNREF: return KEEL_HANDLE_EXN;
    default: return 0;
    }
}

const kbin_module *kapi_func_ctx(const krt_func *f) {
    return f->instance && f->instance->module ? f->instance->module->bin : NULL;
}

/*
** The keel_val kind carrying values of 't'. Concrete heap types are indices
** into 'ctx' when it is given (function types of modules), canonical ids
** otherwise (tables, globals: krt.h), classified through the registry.
*/
static keel_valkind kind_for(const kapi_store *s, kbin_valtype t, const kbin_module *ctx) {
    const kval_registry *reg = s->engine->krt->types;
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && ctx == NULL && reg != NULL)
        return kval_heap_top(reg, t.heap) == KHT_FUNC ? KEEL_FUNCREF : KEEL_ANYREF;
    return kapi_valkind_of(t, ctx);
}

/*
** Reference values must match the declared heap type, or wasm code that
** relies on validation (call_ref without a check, spec 3.0 4.4.x) would run
** a function of another type: bottom types admit only null, and a function
** for a concrete type must be a subtype of it (spec 3.0, 3.3.x "Matching").
*/
static kb_error *check_ref(const kapi_store *s, const kapi_handle *h, keel_valkind kind,
                           kbin_valtype t, const kbin_module *ctx, const char *what) {
    if (t.heap == KHT_NOFUNC || t.heap == KHT_NOEXTERN || t.heap == KHT_NONE || t.heap == KHT_NOEXN)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "%s: only null is a value of this type", what);
    if (kind != KEEL_FUNCREF || KHT_IS_ABS(t.heap)) return NULL;
    uint32_t want = t.heap;
    if (ctx) want = t.heap < ctx->type_count ? ctx->types[t.heap].canon : KBIN_NO_INDEX;
    const kval_registry *reg = s->engine->krt->types;
    if (reg == NULL || want == KBIN_NO_INDEX || !kval_type_matches(reg, h->u.func->canon_type, want))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "%s: function of the wrong type", what);
    return NULL;
}

kb_error *kapi_val_to_slots(kapi_store *s, const keel_val *v, kbin_valtype t,
                            const kbin_module *ctx, uint64_t *slots, const char *what) {
    keel_valkind want = kind_for(s, t, ctx);
    if (v->kind != want)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "%s: expected %s, got %s", what, kind_name(want),
                            kind_name(v->kind));
    switch (v->kind) {
    case KEEL_I32: slots[0] = (uint32_t)v->of.i32; return NULL;
    case KEEL_I64: slots[0] = (uint64_t)v->of.i64; return NULL;
    case KEEL_F32: slots[0] = v->of.f32_bits; return NULL;
    case KEEL_F64: slots[0] = v->of.f64_bits; return NULL;
    case KEEL_V128: memcpy(slots, v->of.v128, 16); return NULL; /* low 64 bits first (little-endian host) */
    default: break;
    }
    const void *p = v->of.funcref; /* every reference member shares the storage */
    if (p == NULL) {
        if (!t.nullable)
            return kb_error_new(KB_ERR_INVALID_ARGUMENT, "%s: null reference for a non-nullable type", what);
        slots[0] = 0;
        return NULL;
    }
    kb_error *err = kapi_check(p, handle_kind_of_val(v->kind), what);
    if (err) return err;
    const kapi_handle *h = p;
    if (h->store != s) return kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch: %s belongs to another store", what);
    if ((err = check_ref(s, h, v->kind, t, ctx, what)) != NULL) return err;
    slots[0] = (uint64_t)(uintptr_t)h->u.any;
    return NULL;
}

kb_error *kapi_ref_wrap(kapi_store *s, keel_valkind k, void *ref, void **out) {
    *out = NULL;
    if (ref == NULL) return NULL;
    kapi_handle *h = kapi_handle_new(handle_kind_of_val(k), s, ref);
    if (h == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    *out = h;
    return NULL;
}

kb_error *kapi_val_from_slots(kapi_store *s, kbin_valtype t, const kbin_module *ctx,
                              const uint64_t *slots, keel_val *out) {
    memset(out, 0, sizeof *out);
    out->kind = kind_for(s, t, ctx);
    switch (out->kind) {
    case KEEL_I32: out->of.i32 = (int32_t)(uint32_t)slots[0]; return NULL;
    case KEEL_I64: out->of.i64 = (int64_t)slots[0]; return NULL;
    case KEEL_F32: out->of.f32_bits = (uint32_t)slots[0]; return NULL;
    case KEEL_F64: out->of.f64_bits = slots[0]; return NULL;
    case KEEL_V128: memcpy(out->of.v128, slots, 16); return NULL;
    default: {
        void *h;
        kb_error *err = kapi_ref_wrap(s, out->kind, (void *)(uintptr_t)slots[0], &h);
        out->of.funcref = h;
        return err;
    }
    }
}

KEEL_API void keel_val_release(keel_val *val) {
    if (val == NULL) return;
    uint32_t hk = handle_kind_of_val(val->kind);
    if (hk == 0 || val->of.funcref == NULL) return;
    if (kapi_ok(val->of.funcref, hk)) kapi_handle_release((kapi_handle *)(void *)val->of.funcref);
    val->of.funcref = NULL;
}

KEEL_API keel_error *keel_val_copy(keel_val *dst, const keel_val *src) {
    if (dst == NULL || src == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "dst or src is NULL");
    if (src->kind > KEEL_EXNREF) return ERR(KB_ERR_INVALID_ARGUMENT, "unknown value kind %u", (unsigned)src->kind);
    uint32_t hk = handle_kind_of_val(src->kind);
    if (hk && src->of.funcref) {
        kb_error *err = kapi_check(src->of.funcref, hk, "src");
        if (err) return (keel_error *)err;
        kapi_handle_retain((kapi_handle *)(void *)src->of.funcref);
    }
    *dst = *src;
    return NULL;
}

/*
** Scalar value types map onto keel_val kinds by subtraction: KVT_I32 0x7F,
** KVT_I64 0x7E, KVT_F32 0x7D, KVT_F64 0x7C against KEEL_I32 0 .. KEEL_F64 3
** (ORDER KVT). The call path converts them inline; v128 and references take
** the general path (kapi_val_to_slots / kapi_val_from_slots).
*/
_Static_assert(KVT_I32 - KVT_I64 == KEEL_I64 && KVT_I32 - KVT_F32 == KEEL_F32 &&
               KVT_I32 - KVT_F64 == KEEL_F64, "ORDER KVT");
static inline bool is_scalar(uint8_t k) { return k >= KVT_F64 && k <= KVT_I32; }
static inline keel_valkind scalar_kind(uint8_t k) { return (keel_valkind)(KVT_I32 - k); }
/* i32 and f32 take the low 32 bits of a slot, zero-extended (krt.h slot layout). */
static inline bool is_32bit(uint8_t k) { return k == KVT_I32 || k == KVT_F32; }

/* The scalar value of kind 'k' held in 'slot'. */
static inline void scalar_from_slot(keel_val *o, uint8_t k, uint64_t slot) {
    memset(o, 0, sizeof *o);
    o->kind = scalar_kind(k);
    if (is_32bit(k)) o->of.f32_bits = (uint32_t)slot;
    else o->of.f64_bits = slot;
}

/* ---------------------------------------------------------------- host functions */

typedef struct kapi_host {
    keel_host_callback callback;
    void *env;
    void (*finalizer)(void *);
    kapi_store *store;              /* not retained: the store owns this record */
    kbin_type type;                 /* own copy, for the conversions */
} kapi_host;

static void host_finalize(void *p) {
    kapi_host *host = p;
    if (host->finalizer) host->finalizer(host->env);
    kapi_kbin_type_free(&host->type);
    kb_free(host);
}

static void release_vals(keel_val *vals, size_t n) {
    for (size_t i = 0; i < n; i++) keel_val_release(&vals[i]);
}

/* Releases the reference values among 'vals' (scalars own nothing). */
static void release_ref_vals(keel_val *vals, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (vals[i].kind > KEEL_V128) keel_val_release(&vals[i]);
}

/*
** krt_host_callback: slots -> keel_val, call, keel_val -> slots. Scalars are
** converted inline (the wasm->host call path, issue 3); references and v128
** take kapi_val_from_slots / kapi_val_to_slots.
*/
static kb_error *trampoline(void *env, krt_store *ks, krt_instance *caller_instance,
                            const uint64_t *args, uint64_t *results) {
    kapi_host *host = env;
    kapi_store *s = host->store;
    const kbin_type *t = &host->type;
    const kbin_valtype *pt = t->params, *rt = kbin_type_results(t);
    (void)ks;
    keel_val small[16];
    size_t n = (size_t)t->param_count + t->result_count;
    keel_val *vals = n <= 16 ? small : kb_calloc(n, sizeof *vals);
    if (vals == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    keel_val *argv = vals, *resv = vals + t->param_count;
    kb_error *err = NULL;
    size_t slot = 0, made = 0;
    bool arg_refs = false, result_refs = false; /* whether a release pass is needed */
    for (uint32_t i = 0; i < t->param_count && err == NULL; i++, made++) {
        uint8_t k = pt[i].kind;
        if (is_scalar(k)) {
            scalar_from_slot(&argv[i], k, args[slot++]);
            continue;
        }
        arg_refs = true;
        err = kapi_val_from_slots(s, pt[i], NULL, &args[slot], &argv[i]);
        slot += k == KVT_V128 ? 2 : 1;
    }
    for (uint32_t i = 0; i < t->result_count; i++) {
        memset(&resv[i], 0, sizeof resv[i]);
        uint8_t k = rt[i].kind;
        resv[i].kind = is_scalar(k) ? scalar_kind(k) : kapi_valkind_of(rt[i], NULL);
    }
    if (err == NULL) {
        struct keel_caller caller = {{KAPI_MAGIC, KAPI_CALLER_KIND, sizeof caller}, s, caller_instance};
        err = (kb_error *)host->callback(host->env, &caller, argv, t->param_count, resv, t->result_count);
        caller.head.magic = KAPI_DEAD;
        if (err != NULL && ((kb_error *)err)->magic != KB_ERROR_MAGIC)
            err = kb_error_new(KB_ERR_INTERNAL, "a host callback returned something that is not a keel_error");
    }
    if (arg_refs) release_ref_vals(argv, made);
    /* The callback may have written references anywhere (even of a wrong
       kind): unless every result was a scalar of the right kind, or the
       callback failed, Keel releases what it wrote. */
    result_refs = err != NULL;
    slot = 0;
    for (uint32_t i = 0; i < t->result_count && err == NULL; i++) {
        uint8_t k = rt[i].kind;
        const keel_val *v = &resv[i];
        if (is_scalar(k) && v->kind == scalar_kind(k)) {
            results[slot++] = is_32bit(k) ? (uint64_t)v->of.f32_bits : v->of.f64_bits;
            continue;
        }
        result_refs = true;
        err = kapi_val_to_slots(s, v, rt[i], NULL, &results[slot], "host function result");
        if (err) kb_error_set_message(err, "%s (result %u)", err->message, (unsigned)i);
        slot += k == KVT_V128 ? 2 : 1;
    }
    if (result_refs) release_ref_vals(resv, t->result_count); /* Keel owns what the callback wrote */
    if (vals != small) kb_free(vals);
    return err;
}

KEEL_API keel_error *keel_func_new(keel_store *store, const keel_functype *type,
                                   keel_host_callback callback, void *env,
                                   void (*finalizer)(void *env), keel_func **out) {
    kb_error *err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err == NULL) err = kapi_check(type, KEEL_HANDLE_FUNCTYPE, "type");
    if (err) return (keel_error *)err;
    if (callback == NULL || out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "callback or out is NULL");
    *out = NULL;
    kapi_store *s = ((kapi_handle *)store)->store;
    kapi_host *host = kb_calloc(1, sizeof *host);
    if (host == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if ((err = kapi_kbin_type_from(type, &host->type)) != NULL) {
        kb_free(host);
        return (keel_error *)err;
    }
    host->callback = callback;
    host->store = s;
    /* The handle first, so that no failure can follow the store taking 'env'. */
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_FUNC, s, NULL);
    if (h == NULL) {
        host_finalize(host);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    krt_func *f = NULL;
    if ((err = kapi_store_lock(s, false)) == NULL) {
        err = krt_func_new_host(s->krt, &host->type, trampoline, host, host_finalize, &f);
        kapi_store_unlock(s);
    }
    if (err) {
        host_finalize(host); /* no user finalizer yet: documented */
        kapi_handle_release(h);
        return (keel_error *)err;
    }
    /* From here the store owns 'host' and runs host_finalize when freed. */
    host->env = env;
    host->finalizer = finalizer;
    h->u.func = f;
    *out = (keel_func *)h;
    return NULL;
}

/* ---------------------------------------------------------------- calls */

/* exec/ reports an uncaught exception as a store-owned krt_exn *; the ABI
   shows it as a keel_exn handle owned by the error. */
void kapi_exn_handle_release(void *h) { kapi_handle_release(h); }

void kapi_wrap_exception(kapi_store *s, kb_error *err) {
    if (err->kind != KB_ERR_EXCEPTION || err->exception == NULL ||
        err->exception_release == kapi_exn_handle_release)
        return;
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_EXN, s, err->exception);
    if (h == NULL) return;
    if (err->exception_release) err->exception_release(err->exception);
    err->exception = h;
    err->exception_release = kapi_exn_handle_release;
}

/* Slow path of the argument conversion: anything but a matching scalar. */
static kb_error *arg_to_slots(kapi_store *s, const keel_val *v, kbin_valtype t, const kbin_module *ctx,
                              uint64_t *slots, uint32_t i) {
    kb_error *err = kapi_val_to_slots(s, v, t, ctx, slots, "argument");
    if (err) kb_error_set_message(err, "%s (argument %u)", err->message, (unsigned)i);
    return err;
}

/*
** The call itself, for a store the caller has retained: takes the store lock
** (or fails with KB_ERR_BUSY), runs 'f', consumes an interrupt request that
** stopped the outermost call, unlocks. 'args' and 'results' may be the same
** array: both exec/ and host functions read every argument first.
*/
static inline kb_error *enter(kapi_store *s, krt_func *f, const uint64_t *args, uint64_t *results,
                              bool try_only) {
    kb_error *err = kapi_store_lock(s, try_only);
    if (err != NULL) return err;
    s->depth++;
    if (f->host && f->instance == NULL)
        err = f->host(f->env, s->krt, NULL, args, results);
    else
        err = kexec_call(s->krt, f, args, results);
    s->depth--;
    if (err && s->depth == 0 && err->kind == KB_ERR_TRAP && err->trap == KB_TRAP_INTERRUPTED)
        atomic_store(&s->krt->interrupt, 0u); /* the request is consumed */
    kapi_store_unlock(s);
    return err;
}

/*
** keel_func_call and keel_func_try_call (issue 3: this is the host->wasm
** call path every binding pays for, so the common case -- a live handle,
** scalar arguments of the right kinds, an uncontended store -- runs without
** a call into another file except exec/'s entry).
*/
static keel_error *call(keel_func *func, const keel_val *args, size_t nargs, keel_val *results,
                        size_t nresults, bool try_only) {
    kb_error *err = NULL;
    kapi_handle *h = (kapi_handle *)func;
    if (h == NULL || h->head.magic != KAPI_MAGIC || h->head.kind != KEEL_HANDLE_FUNC)
        return (keel_error *)kapi_check(func, KEEL_HANDLE_FUNC, "func");
    kapi_store *s = h->store;
    krt_func *f = h->u.func;
    const kbin_type *t = f->type;
    const kbin_valtype *pt = t->params, *rt = kbin_type_results(t);
    if (nargs != t->param_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "expected %u arguments, got %zu", t->param_count, nargs);
    if (nresults != t->result_count)
        return ERR(KB_ERR_INVALID_ARGUMENT, "expected room for %u results, got %zu", t->result_count, nresults);
    if ((args == NULL && nargs) || (results == NULL && nresults))
        return ERR(KB_ERR_INVALID_ARGUMENT, "args or results is NULL");
    const kbin_module *ctx = NULL; /* only references need it (kapi_func_ctx) */
    /* At most two slots a value (v128): a bound instead of a count keeps a
       loop over the types off the common path. */
    size_t cap = 2 * ((size_t)t->param_count + t->result_count);
    uint64_t small[32];
    uint64_t *slots = cap <= 32 ? small : kb_calloc(cap, sizeof *slots);
    if (slots == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    /* Every argument slot is written below and every result slot by the
       callee before it is read: no zeroing needed. */
    size_t slot = 0;
    for (uint32_t i = 0; i < t->param_count; i++) {
        uint8_t k = pt[i].kind;
        const keel_val *v = &args[i];
        if (is_scalar(k) && v->kind == scalar_kind(k)) {
            slots[slot++] = is_32bit(k) ? (uint64_t)v->of.f32_bits : v->of.f64_bits;
            continue;
        }
        if (ctx == NULL) ctx = kapi_func_ctx(f);
        if ((err = arg_to_slots(s, v, pt[i], ctx, &slots[slot], i)) != NULL) goto done;
        slot += k == KVT_V128 ? 2 : 1;
    }
    size_t na = slot;

    kapi_store_retain(s);
    if ((err = enter(s, f, slots, slots + na, try_only)) != NULL) {
        kapi_wrap_exception(s, err);
    } else {
        slot = na;
        uint32_t i = 0;
        for (; i < t->result_count; i++) {
            uint8_t k = rt[i].kind;
            keel_val *o = &results[i];
            if (is_scalar(k)) {
                scalar_from_slot(o, k, slots[slot++]);
                continue;
            }
            if (ctx == NULL) ctx = kapi_func_ctx(f);
            if ((err = kapi_val_from_slots(s, rt[i], ctx, &slots[slot], o)) != NULL) break;
            slot += k == KVT_V128 ? 2 : 1;
        }
        if (err) release_vals(results, i);
    }
    kapi_store_release(s); /* may free the store if every handle went meanwhile */
done:
    if (slots != small) kb_free(slots);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_func_call(keel_func *func, const keel_val *args, size_t nargs,
                                    keel_val *results, size_t nresults) {
    return call(func, args, nargs, results, nresults, false);
}

/*
** Raw slots (keel/func.h): the layout is exec/'s own (krt.h), so the array
** goes to the callee as it is. Only references are refused: every bit
** pattern is a valid number or vector, but not a valid reference.
*/
static kb_error *raw_slots(const kbin_valtype *types, uint32_t n, size_t *slots) {
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (types[i].kind == KVT_REF)
            return kb_error_new(KB_ERR_INVALID_ARGUMENT,
                                "keel_func_call_raw: the function has reference parameters or results "
                                "(use keel_func_call)");
        k += types[i].kind == KVT_V128 ? 2 : 1;
    }
    *slots = k;
    return NULL;
}

KEEL_API keel_error *keel_func_call_raw(keel_func *func, uint64_t *slots, size_t nslots) {
    kapi_handle *h = (kapi_handle *)func;
    if (h == NULL || h->head.magic != KAPI_MAGIC || h->head.kind != KEEL_HANDLE_FUNC)
        return (keel_error *)kapi_check(func, KEEL_HANDLE_FUNC, "func");
    kapi_store *s = h->store;
    krt_func *f = h->u.func;
    const kbin_type *t = f->type;
    size_t na = 0, nr = 0;
    kb_error *err = raw_slots(t->params, t->param_count, &na);
    if (err == NULL) err = raw_slots(kbin_type_results(t), t->result_count, &nr);
    if (err) return (keel_error *)err;
    size_t need = na > nr ? na : nr;
    if (nslots < need)
        return ERR(KB_ERR_INVALID_ARGUMENT, "keel_func_call_raw: %zu slots given, the function needs %zu", nslots,
                   need);
    if (slots == NULL && need != 0) return ERR(KB_ERR_INVALID_ARGUMENT, "slots is NULL");
    kapi_store_retain(s);
    err = enter(s, f, slots, slots, false);
    if (err) kapi_wrap_exception(s, err);
    kapi_store_release(s);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_func_try_call(keel_func *func, const keel_val *args, size_t nargs,
                                        keel_val *results, size_t nresults) {
    return call(func, args, nargs, results, nresults, true);
}

KEEL_API keel_error *keel_func_type(const keel_func *func, keel_functype **out) {
    kb_error *err = kapi_check(func, KEEL_HANDLE_FUNC, "func");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    const krt_func *f = ((const kapi_handle *)func)->u.func;
    return (keel_error *)kapi_functype_from(f->type, kapi_func_ctx(f), out);
}

KEEL_API size_t keel_func_param_count(const keel_func *func) {
    return kapi_ok(func, KEEL_HANDLE_FUNC) ? ((const kapi_handle *)func)->u.func->type->param_count : 0;
}

KEEL_API size_t keel_func_result_count(const keel_func *func) {
    return kapi_ok(func, KEEL_HANDLE_FUNC) ? ((const kapi_handle *)func)->u.func->type->result_count : 0;
}

KEEL_API keel_func *keel_func_retain(keel_func *func) {
    if (!kapi_ok(func, KEEL_HANDLE_FUNC)) return NULL;
    kapi_handle_retain((kapi_handle *)func);
    return func;
}

KEEL_API void keel_func_release(keel_func *func) {
    if (kapi_ok(func, KEEL_HANDLE_FUNC)) kapi_handle_release((kapi_handle *)func);
}

/* ---------------------------------------------------------------- caller */

KEEL_API keel_error *keel_caller_export(keel_caller *caller, const char *name, size_t name_len,
                                        keel_extern **out) {
    kb_error *err = kapi_check(caller, KAPI_CALLER_KIND, "caller");
    if (err) return (keel_error *)err;
    if (name == NULL || out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "name or out is NULL");
    *out = NULL;
    if (caller->instance == NULL)
        return ERR(KB_ERR_INVALID_ARGUMENT, "the host function was not called from a wasm instance");
    krt_extern e;
    if (!krt_instance_export(caller->instance, name, name_len, &e))
        return ERR(KB_ERR_INVALID_ARGUMENT, "unknown export: %.*s", (int)name_len, name);
    return (keel_error *)kapi_extern_wrap(caller->store, &e, out);
}

KEEL_API keel_error *keel_caller_store(keel_caller *caller, keel_store **out) {
    kb_error *err = kapi_check(caller, KAPI_CALLER_KIND, "caller");
    if (err) return (keel_error *)err;
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    kapi_handle *h = kapi_handle_new(KEEL_HANDLE_STORE, caller->store, NULL);
    *out = (keel_store *)h;
    return h ? NULL : ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
}
