/*
** kcli_invoke.c -- calls through the public ABI with runner-side values:
** conversion between 'kcli_value' and 'keel_val', typed calls, and error
** printing shared by 'keel run' and 'keel wast'.
**
** Reference values follow val.h's ownership rule: references we pass in are
** borrowed by Keel (we release the references we created after the call);
** references Keel hands out are ours and are released right after they were
** converted to a kcli_value.
*/
#include "kcli_invoke.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

uint32_t kcli_kind_type(keel_valkind kind) {
    switch (kind) {
    case KEEL_I32: return KCLI_T_I32;
    case KEEL_I64: return KCLI_T_I64;
    case KEEL_F32: return KCLI_T_F32;
    case KEEL_F64: return KCLI_T_F64;
    case KEEL_V128: return KCLI_T_V128;
    default: return KCLI_T_REF;
    }
}

/* ------------------------------------------------------ anyref helper */

/*
** The ABI v1 cannot make an anyref from a host value nor tell what an
** anyref is. A small wasm helper module does both with the GC instructions
** (spec 3.0: any.convert_extern, extern.convert_any, ref.test); it is made
** on first need, and if the engine cannot run it the runner falls back to
** treating every non-null anyref as "some reference" (KCLI_REF_OTHER).
*/
static const char helper_wat[] =
    "(module\n"
    "  (func (export \"internalize\") (param externref) (result anyref)\n"
    "    (any.convert_extern (local.get 0)))\n"
    "  (func (export \"externalize\") (param anyref) (result externref)\n"
    "    (extern.convert_any (local.get 0)))\n"
    "  (func (export \"kind\") (param anyref) (result i32)\n"
    "    (if (ref.is_null (local.get 0)) (then (return (i32.const 0))))\n"
    "    (if (ref.test (ref i31) (local.get 0)) (then (return (i32.const 1))))\n"
    "    (if (ref.test (ref struct) (local.get 0)) (then (return (i32.const 2))))\n"
    "    (if (ref.test (ref array) (local.get 0)) (then (return (i32.const 3))))\n"
    "    (i32.const 4)))\n";

void kcli_ctx_init(kcli_ctx *ctx, keel_engine *engine, keel_store *store) {
    memset(ctx, 0, sizeof *ctx);
    ctx->engine = engine;
    ctx->store = store;
}

void kcli_ctx_free(kcli_ctx *ctx) {
    keel_func_release(ctx->internalize);
    keel_func_release(ctx->externalize);
    keel_func_release(ctx->kind);
    keel_instance_release(ctx->helper);
    memset(ctx, 0, sizeof *ctx);
}

static bool helper_ready(kcli_ctx *ctx) {
    if (ctx->helper_state) return ctx->helper_state > 0;
    ctx->helper_state = -1;
    if (!ctx->engine || !ctx->store) return false;
    keel_module *m = NULL;
    keel_error *err = keel_module_new_wat(ctx->engine, helper_wat, sizeof helper_wat - 1, &m);
    if (!err) err = keel_instance_new(ctx->store, m, NULL, 0, &ctx->helper);
    if (!err) err = keel_instance_export_func(ctx->helper, "internalize", 11, &ctx->internalize);
    if (!err) err = keel_instance_export_func(ctx->helper, "externalize", 11, &ctx->externalize);
    if (!err) err = keel_instance_export_func(ctx->helper, "kind", 4, &ctx->kind);
    keel_module_release(m);
    if (err || !ctx->internalize || !ctx->externalize || !ctx->kind) {
        keel_error_free(err);
        return false;
    }
    ctx->helper_state = 1;
    return true;
}

/* Calls a one-argument, one-result helper; NULL on success. */
static keel_error *helper_call(keel_func *f, const keel_val *arg, keel_valkind rkind,
                               keel_val *res) {
    memset(res, 0, sizeof *res);
    res->kind = rkind;
    return keel_func_call(f, arg, 1, res, 1);
}

/* ------------------------------------------------------- conversions */

keel_error *kcli_to_keel(kcli_ctx *ctx, const kcli_value *v, keel_valkind kind, keel_val *out) {
    memset(out, 0, sizeof *out);
    out->kind = kind;
    uint32_t want = kcli_kind_type(kind);
    if (v->type != want)
        return keel_error_new_host(NULL, NULL, "argument type mismatch");
    switch (kind) {
    case KEEL_I32: out->of.i32 = (int32_t)(uint32_t)v->lo; return NULL;
    case KEEL_I64: out->of.i64 = (int64_t)v->lo; return NULL;
    case KEEL_F32: out->of.f32_bits = (uint32_t)v->lo; return NULL;
    case KEEL_F64: out->of.f64_bits = v->lo; return NULL;
    case KEEL_V128:
        for (int i = 0; i < 8; i++) {
            out->of.v128[i] = (uint8_t)(v->lo >> (8 * i));
            out->of.v128[8 + i] = (uint8_t)(v->hi >> (8 * i));
        }
        return NULL;
    default:
        break;
    }
    if (v->ref == KCLI_REF_NULL) return NULL; /* the null of the parameter's kind */
    if (v->ref == KCLI_REF_EXTERN && kind == KEEL_EXTERNREF)
        return keel_externref_new(ctx->store, (uintptr_t)v->lo, NULL, &out->of.externref);
    if ((v->ref == KCLI_REF_HOST || v->ref == KCLI_REF_EXTERN) && kind == KEEL_ANYREF) {
        /* 'ref.host N' is the host value N seen in the any hierarchy. */
        if (!helper_ready(ctx))
            return keel_error_new_host(NULL, NULL,
                                       "cannot make a host anyref (needs any.convert_extern)");
        keel_val ext, res;
        memset(&ext, 0, sizeof ext);
        ext.kind = KEEL_EXTERNREF;
        keel_error *err = keel_externref_new(ctx->store, (uintptr_t)v->lo, NULL, &ext.of.externref);
        if (!err) err = helper_call(ctx->internalize, &ext, KEEL_ANYREF, &res);
        keel_externref_release(ext.of.externref);
        if (!err) out->of.anyref = res.of.anyref; /* owned: kcli_keel_release_arg */
        return err;
    }
    return keel_error_new_host(NULL, NULL, "cannot pass this reference through the C ABI");
}

void kcli_keel_release_arg(keel_val *v) {
    /* kcli_to_keel creates externrefs and (for ref.host) anyrefs. */
    if (v->kind == KEEL_EXTERNREF && v->of.externref) keel_externref_release(v->of.externref);
    if (v->kind == KEEL_ANYREF && v->of.anyref) keel_ref_release(v->of.anyref);
    v->of.externref = NULL;
    v->of.anyref = NULL;
}

/* Tells what a non-null anyref is (see helper_wat); KCLI_REF_OTHER if unknown. */
static void classify_anyref(kcli_ctx *ctx, const keel_val *kv, kcli_value *out) {
    out->ref = KCLI_REF_OTHER;
    if (!ctx || !helper_ready(ctx)) return;
    keel_val res, ext;
    keel_error *err = helper_call(ctx->kind, kv, KEEL_I32, &res);
    if (err) {
        keel_error_free(err);
        return;
    }
    switch (res.of.i32) {
    case 1: out->ref = KCLI_REF_I31; return;
    case 2: out->ref = KCLI_REF_STRUCT; return;
    case 3: out->ref = KCLI_REF_ARRAY; return;
    case 4: break;
    default: return;
    }
    err = helper_call(ctx->externalize, kv, KEEL_EXTERNREF, &ext);
    if (err) {
        keel_error_free(err);
        return;
    }
    if (ext.of.externref) {
        out->ref = KCLI_REF_HOST;
        out->lo = keel_externref_value(ext.of.externref);
    }
    keel_val_release(&ext);
}

void kcli_from_keel(kcli_ctx *ctx, keel_val *kv, kcli_value *out) {
    memset(out, 0, sizeof *out);
    out->type = kcli_kind_type(kv->kind);
    switch (kv->kind) {
    case KEEL_I32: out->lo = (uint32_t)kv->of.i32; return;
    case KEEL_I64: out->lo = (uint64_t)kv->of.i64; return;
    case KEEL_F32: out->lo = kv->of.f32_bits; return;
    case KEEL_F64: out->lo = kv->of.f64_bits; return;
    case KEEL_V128:
        for (int i = 0; i < 8; i++) {
            out->lo |= (uint64_t)kv->of.v128[i] << (8 * i);
            out->hi |= (uint64_t)kv->of.v128[8 + i] << (8 * i);
        }
        return;
    case KEEL_FUNCREF:
        out->heap = KCLI_HEAP_FUNC;
        out->ref = kv->of.funcref ? KCLI_REF_FUNC : KCLI_REF_NULL;
        out->lo = (uint64_t)(uintptr_t)kv->of.funcref;
        break;
    case KEEL_EXTERNREF:
        out->heap = KCLI_HEAP_EXTERN;
        out->ref = kv->of.externref ? KCLI_REF_EXTERN : KCLI_REF_NULL;
        if (kv->of.externref) out->lo = keel_externref_value(kv->of.externref);
        break;
    case KEEL_ANYREF:
        out->heap = KCLI_HEAP_ANYREF;
        out->ref = KCLI_REF_NULL;
        if (kv->of.anyref) classify_anyref(ctx, kv, out);
        break;
    case KEEL_EXNREF:
        out->heap = KCLI_HEAP_EXN;
        out->ref = kv->of.exnref ? KCLI_REF_EXN : KCLI_REF_NULL;
        break;
    default:
        out->ref = KCLI_REF_OTHER;
        break;
    }
    keel_val_release(kv);
}

keel_error *kcli_call(kcli_ctx *ctx, keel_func *func, const kcli_value *args, size_t nargs,
                      kcli_value *results, size_t max_results, size_t *nresults) {
    keel_functype *type = NULL;
    keel_error *err = keel_func_type(func, &type);
    if (err) return err;
    size_t np = keel_functype_param_count(type), nr = keel_functype_result_count(type);
    keel_val *kargs = NULL, *kres = NULL;
    size_t converted = 0;
    *nresults = 0;
    if (np != nargs) {
        err = keel_error_new_host(NULL, NULL, "wrong number of arguments");
        goto done;
    }
    if (nr > max_results) {
        err = keel_error_new_host(NULL, NULL, "too many results");
        goto done;
    }
    kargs = calloc(np ? np : 1, sizeof *kargs);
    kres = calloc(nr ? nr : 1, sizeof *kres);
    if (!kargs || !kres) {
        err = keel_error_new_host(NULL, NULL, "out of memory");
        goto done;
    }
    for (; converted < np; converted++) {
        keel_valkind kind = keel_valtype_kind(keel_functype_param(type, converted));
        err = kcli_to_keel(ctx, &args[converted], kind, &kargs[converted]);
        if (err) goto done;
    }
    for (size_t i = 0; i < nr; i++) kres[i].kind = keel_valtype_kind(keel_functype_result(type, i));
    err = keel_func_call(func, kargs, np, kres, nr);
    if (!err) {
        for (size_t i = 0; i < nr; i++) kcli_from_keel(ctx, &kres[i], &results[i]);
        *nresults = nr;
    }
done:
    for (size_t i = 0; kargs && i < converted; i++) kcli_keel_release_arg(&kargs[i]);
    free(kargs);
    free(kres);
    keel_functype_free(type);
    return err;
}

void kcli_print_error(FILE *f, const keel_error *err) {
    keel_errkind kind = keel_error_kind(err);
    if (kind == KEEL_ERROR_TRAP) {
        fprintf(f, "trap: %s\n", keel_error_message(err));
        size_t n = keel_error_frame_count(err);
        for (size_t i = 0; i < n; i++) {
            const char *fname = keel_error_frame_func_name(err, i);
            const char *mname = keel_error_frame_module_name(err, i);
            uint32_t off = keel_error_frame_offset(err, i);
            fprintf(f, "  #%zu %s%s%s (func %" PRIu32 ")", i, mname ? mname : "",
                    mname ? "::" : "", fname ? fname : "?", keel_error_frame_func_index(err, i));
            if (off != UINT32_MAX) fprintf(f, " at code offset 0x%" PRIx32, off);
            fputc('\n', f);
        }
        return;
    }
    fprintf(f, "%s error", keel_error_kind_name(kind));
    int64_t off = keel_error_offset(err);
    if (off >= 0) fprintf(f, " at offset %" PRId64, off);
    fprintf(f, ": %s\n", keel_error_message(err));
}

bool kcli_is_wasm_binary(const uint8_t *bytes, size_t len) {
    return len >= 4 && memcmp(bytes, "\0asm", 4) == 0;
}

keel_error *kcli_module_from_file(keel_engine *engine, const char *data, size_t len,
                                  keel_module **out) {
    if (kcli_is_wasm_binary((const uint8_t *)data, len))
        return keel_module_new(engine, (const uint8_t *)data, len, out);
    return keel_module_new_wat(engine, data, len, out);
}

/* ------------------------------------------------------------ files */

char *kcli_read_file(const char *path, size_t *len, char *errbuf, size_t errsize) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, errsize, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *bigger = realloc(data, cap * 2 + 1);
        if (!bigger) {
            free(data);
            data = NULL;
            break;
        }
        data = bigger;
        cap *= 2;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!data || failed) {
        free(data);
        snprintf(errbuf, errsize, "cannot read %s", path);
        return NULL;
    }
    data[n] = 0;
    *len = n;
    return data;
}

bool kcli_has_suffix(const char *path, const char *suffix) {
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}
