/*
** test_calls.c -- keel_func_call and host functions: arity and kind checks,
** every value kind through a round trip, host errors coming back out
** unchanged (same payload pointer), traps with backtraces, exit codes, the
** caller context, reentrant calls, try_call and the store lock, interrupts.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "capi_test.h"

typedef struct fixture {
    keel_engine *engine;
    keel_store *store;
} fixture;

static int setup(void **state) {
    static fixture fx;
    keel_debug_set_guard(1);
    if (keel_engine_new(NULL, &fx.engine) || keel_store_new(fx.engine, &fx.store)) return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    keel_store_release(fx->store);
    keel_engine_release(fx->engine);
    assert_no_live_handles();
    keel_debug_flush_quarantine();
    return 0;
}

static keel_instance *instantiate(fixture *fx, const char *wat, keel_linker *l) {
    keel_module *m = wat_module(fx->engine, wat);
    keel_instance *inst = NULL;
    if (l) OK(keel_linker_instantiate(l, fx->store, m, &inst));
    else OK(keel_instance_new(fx->store, m, NULL, 0, &inst));
    keel_module_release(m);
    return inst;
}

/* ---------------------------------------------------------------- values */

static void test_call_checks(void **state) {
    fixture *fx = *state;
    keel_instance *inst = instantiate(fx,
        "(module"
        "  (func (export \"id\") (param i32 i64 f32 f64) (result i32 i64 f32 f64)"
        "    local.get 0 local.get 1 local.get 2 local.get 3)"
        "  (func (export \"v\") (param v128) (result v128) local.get 0)"
        "  (func (export \"ref\") (param funcref externref) (result externref funcref)"
        "    local.get 1 local.get 0)"
        "  (func (export \"nn\") (param (ref extern)) (result externref) local.get 0)"
        "  (func (export \"nan\") (result f32 f64) f32.const nan:0x200001 f64.const -nan:0x8000000000001))",
        NULL);
    keel_func *id = export_func(inst, "id");
    assert_int_equal(keel_func_param_count(id), 4);
    assert_int_equal(keel_func_result_count(id), 4);
    assert_int_equal(keel_func_param_count(NULL), 0);
    keel_val args[4] = {val_i32(-7), val_i64(INT64_MIN), val_i32(0), val_f64(-0.0)}, res[4];
    args[2].kind = KEEL_F32;
    args[2].of.f32_bits = 0x7fc00001; /* a NaN payload must survive */
    OK(keel_func_call(id, args, 4, res, 4));
    assert_int_equal(res[0].kind, KEEL_I32);
    assert_int_equal(res[0].of.i32, -7);
    assert_int_equal(res[1].kind, KEEL_I64);
    assert_true(res[1].of.i64 == INT64_MIN);
    assert_int_equal(res[2].kind, KEEL_F32);
    assert_int_equal(res[2].of.f32_bits, 0x7fc00001);
    assert_int_equal(res[3].kind, KEEL_F64);
    assert_int_equal(res[3].of.f64_bits, 0x8000000000000000ull);
    /* Wrong arity, kinds, NULL arrays. */
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, args, 3, res, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, args, 4, res, 3));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, NULL, 4, res, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, args, 4, NULL, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(NULL, args, 4, res, 4));
    args[1].kind = KEEL_I32;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, args, 4, res, 4));
    args[1].kind = 77;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(id, args, 4, res, 4));

    keel_func *v = export_func(inst, "v");
    keel_val vin, vout;
    memset(&vin, 0, sizeof vin);
    vin.kind = KEEL_V128;
    for (int i = 0; i < 16; i++) vin.of.v128[i] = (uint8_t)(i * 17);
    OK(keel_func_call(v, &vin, 1, &vout, 1));
    assert_int_equal(vout.kind, KEEL_V128);
    assert_memory_equal(vout.of.v128, vin.of.v128, 16);

    /* References: borrowed in, owned out. */
    keel_func *ref = export_func(inst, "ref");
    keel_externref *xr;
    OK(keel_externref_new(fx->store, 0x1234, NULL, &xr));
    assert_int_equal(keel_externref_value(xr), 0x1234);
    assert_int_equal(keel_externref_value(NULL), 0);
    keel_val rargs[2] = {val_ref(KEEL_FUNCREF, id), val_ref(KEEL_EXTERNREF, xr)}, rres[2];
    size_t funcs_before = keel_debug_live_handles(KEEL_HANDLE_FUNC);
    OK(keel_func_call(ref, rargs, 2, rres, 2));
    assert_int_equal(rres[0].kind, KEEL_EXTERNREF);
    assert_int_equal(keel_externref_value(rres[0].of.externref), 0x1234);
    assert_int_equal(rres[1].kind, KEEL_FUNCREF);
    assert_int_equal(keel_func_param_count(rres[1].of.funcref), 4);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_FUNC), funcs_before + 1);
    /* The returned funcref is callable and is a new handle. */
    args[1] = val_i64(5);
    OK(keel_func_call(rres[1].of.funcref, args, 4, res, 4));
    assert_int_equal(res[1].of.i64, 5);
    keel_val copy;
    OK(keel_val_copy(&copy, &rres[1]));
    keel_val_release(&copy);
    assert_null(copy.of.funcref);
    keel_val_release(&rres[0]);
    keel_val_release(&rres[1]);
    keel_val_release(NULL);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_FUNC), funcs_before);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_val_copy(NULL, &rres[0]));
    /* Nulls. */
    rargs[0].of.funcref = NULL;
    rargs[1].of.externref = NULL;
    OK(keel_func_call(ref, rargs, 2, rres, 2));
    assert_null(rres[0].of.externref);
    assert_null(rres[1].of.funcref);
    /* A handle of the wrong kind inside a keel_val. */
    rargs[0] = val_ref(KEEL_FUNCREF, xr);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_func_call(ref, rargs, 2, rres, 2));
    /* Non-nullable parameter. */
    keel_func *nn = export_func(inst, "nn");
    keel_val nul = val_ref(KEEL_EXTERNREF, NULL), out;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(nn, &nul, 1, &out, 1));
    nul.of.externref = xr;
    OK(keel_func_call(nn, &nul, 1, &out, 1));
    keel_val_release(&out);
    /* Store mismatch. */
    keel_store *s2;
    keel_externref *xr2;
    OK(keel_store_new(fx->engine, &s2));
    OK(keel_externref_new(s2, 1, NULL, &xr2));
    nul.of.externref = xr2;
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_func_call(nn, &nul, 1, &out, 1));
    keel_externref_release(xr2);
    keel_store_release(s2);
    /* Released handle as argument and as function. */
    keel_externref_release(xr);
    nul.of.externref = xr;
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_func_call(nn, &nul, 1, &out, 1));
    keel_func *nan = export_func(inst, "nan");
    OK(keel_func_call(nan, NULL, 0, res, 2));
    assert_int_equal(res[0].of.f32_bits, 0x7fa00001);
    assert_int_equal(res[1].of.f64_bits, 0xfff8000000000001ull);
    keel_func_release(nan);
    keel_func_release(nn);
    keel_func_release(ref);
    keel_func_release(v);
    keel_func_release(id);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_func_call(id, args, 4, res, 4));
    assert_null(keel_func_retain(id));
    keel_instance_release(inst);
}

/* ---------------------------------------------------------------- host functions */

static int payload_freed;
static void payload_free(void *p) { payload_freed++; (void)p; }

static keel_error *cb_host(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                           keel_val *results, size_t nresults) {
    (void)caller; (void)nresults; (void)nargs;
    int mode = args[0].of.i32;
    int *calls = env;
    (*calls)++;
    switch (mode) {
    case 0: results[0].of.i32 = args[0].of.i32 + 100; return NULL;
    case 1: return keel_error_new_host(env, payload_free, "python exception");
    case 2: return keel_error_new_trap("host says no");
    case 3: return keel_error_new_exit(7);
    case 4: results[0].kind = KEEL_F64; return NULL; /* wrong result kind */
    default: results[0].of.i32 = -1; return NULL;
    }
}

static void env_finalizer(void *env) { (*(int *)env) += 1000; }

static void test_host_functions(void **state) {
    fixture *fx = *state;
    static int calls;
    calls = 0;
    payload_freed = 0;
    keel_functype *ft;
    keel_valkind i32 = KEEL_I32;
    OK(keel_functype_new_kinds(&i32, 1, &i32, 1, &ft));
    keel_func *h;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_new(fx->store, ft, NULL, NULL, NULL, &h));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_new(NULL, ft, cb_host, NULL, NULL, &h));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_new(fx->store, NULL, cb_host, NULL, NULL, &h));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_new(fx->store, ft, cb_host, NULL, NULL, NULL));
    OK(keel_func_new(fx->store, ft, cb_host, &calls, NULL, &h));
    keel_functype *got;
    OK(keel_func_type(h, &got));
    assert_int_equal(keel_functype_param_count(got), 1);
    keel_functype_free(got);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_type(NULL, &got));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_type(h, NULL));

    /* Directly from the host. */
    keel_val a = val_i32(0), r;
    OK(keel_func_call(h, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 100);

    /* Through wasm. */
    keel_linker *l;
    OK(keel_linker_new(fx->engine, &l));
    OK(keel_linker_define_func(l, "host", 4, "f", 1, h));
    keel_instance *inst = instantiate(fx,
        "(module (import \"host\" \"f\" (func $f (param i32) (result i32)))"
        "  (func $inner (export \"call\") (param i32) (result i32) local.get 0 call $f)"
        "  (func (export \"outer\") (param i32) (result i32) local.get 0 call $inner))", l);
    keel_func *outer = export_func(inst, "outer");
    OK(keel_func_call(outer, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 100);
    /* A host error comes back out as the same object with the same payload. */
    a = val_i32(1);
    keel_error *err = keel_func_call(outer, &a, 1, &r, 1);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_HOST);
    assert_ptr_equal(keel_error_host_payload(err), &calls);
    assert_string_equal(keel_error_message(err), "python exception");
    assert_int_equal(payload_freed, 0);
    keel_error_free(err);
    assert_int_equal(payload_freed, 1);
    err = keel_func_call(outer, &a, 1, &r, 1);
    assert_ptr_equal(keel_error_take_host_payload(err), &calls);
    assert_null(keel_error_host_payload(err));
    keel_error_free(err);
    assert_int_equal(payload_freed, 1);
    /* A host trap. */
    a = val_i32(2);
    err = keel_func_call(outer, &a, 1, &r, 1);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_TRAP);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_HOST);
    assert_string_equal(keel_error_message(err), "host says no");
    keel_error_free(err);
    /* Exit. */
    a = val_i32(3);
    err = keel_func_call(outer, &a, 1, &r, 1);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_EXIT);
    assert_int_equal(keel_error_exit_code(err), 7);
    keel_error_free(err);
    /* Wrong result kind from the callback. */
    a = val_i32(4);
    err = keel_func_call(outer, &a, 1, &r, 1);
    assert_non_null(err);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_INVALID_ARGUMENT);
    keel_error_free(err);
    keel_func_release(outer);
    keel_instance_release(inst);
    keel_linker_free(l);
    keel_func_release(h);
    keel_functype_free(ft);
}

/* Finalizers run when the store goes, not when the handle goes. */
static void test_host_env_finalizer(void **state) {
    fixture *fx = *state;
    keel_store *s;
    OK(keel_store_new(fx->engine, &s));
    static int env;
    env = 0;
    keel_functype *ft;
    OK(keel_functype_new_kinds(NULL, 0, NULL, 0, &ft));
    keel_func *h;
    OK(keel_func_new(s, ft, cb_host, &env, env_finalizer, &h));
    keel_functype_free(ft);
    keel_store_release(s);
    assert_int_equal(env, 0); /* the func handle keeps the store */
    keel_func_release(h);
    assert_int_equal(env, 1000);
}

/* ---------------------------------------------------------------- traps */

static void test_traps(void **state) {
    fixture *fx = *state;
    keel_instance *inst = instantiate(fx,
        "(module $m"
        "  (func $boom (export \"boom\") unreachable)"
        "  (func $mid (export \"mid\") call $boom)"
        "  (func (export \"div\") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s)"
        "  (func $rec (export \"rec\") call $rec)"
        "  (func (export \"spin\") (loop br 0)))", NULL);
    keel_func *mid = export_func(inst, "mid");
    keel_error *err = keel_func_call(mid, NULL, 0, NULL, 0);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_TRAP);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_UNREACHABLE);
    assert_string_equal(keel_error_message(err), "unreachable");
    assert_true(keel_error_frame_count(err) >= 2);
    assert_int_equal(keel_error_frame_func_index(err, 0), 0);
    assert_int_equal(keel_error_frame_func_index(err, 1), 1);
    if (keel_error_frame_func_name(err, 0)) assert_string_equal(keel_error_frame_func_name(err, 0), "boom");
    if (keel_error_frame_module_name(err, 0)) assert_string_equal(keel_error_frame_module_name(err, 0), "m");
    assert_int_equal(keel_error_frame_func_index(err, 99), UINT32_MAX);
    assert_int_equal(keel_error_frame_offset(err, 99), UINT32_MAX);
    assert_null(keel_error_frame_func_name(err, 99));
    assert_null(keel_error_frame_module_name(err, 99));
    keel_error_free(err);
    keel_func *div = export_func(inst, "div");
    keel_val a = val_i32(0), r;
    err = keel_func_call(div, &a, 1, &r, 1);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO);
    assert_string_equal(keel_error_message(err), keel_trap_code_message(KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO));
    keel_error_free(err);
    keel_func *rec = export_func(inst, "rec");
    err = keel_func_call(rec, NULL, 0, NULL, 0);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_STACK_EXHAUSTED);
    keel_error_free(err);
    /* The store stays usable after traps. */
    a = val_i32(1);
    OK(keel_func_call(div, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 1);
    keel_func_release(mid);
    keel_func_release(div);
    keel_func_release(rec);
    keel_instance_release(inst);
}

static void test_error_accessors(void **state) {
    (void)state;
    assert_int_equal(keel_error_kind(NULL), 0);
    assert_string_equal(keel_error_message(NULL), "");
    assert_int_equal(keel_error_trap_code(NULL), KEEL_TRAP_NONE);
    assert_int_equal(keel_error_exit_code(NULL), 0);
    assert_int_equal(keel_error_offset(NULL), -1);
    assert_int_equal(keel_error_frame_count(NULL), 0);
    assert_null(keel_error_host_payload(NULL));
    assert_null(keel_error_take_host_payload(NULL));
    assert_null(keel_error_exception(NULL));
    keel_error_free(NULL);
    assert_string_equal(keel_error_kind_name(KEEL_ERROR_TRAP), "trap");
    assert_string_equal(keel_error_kind_name(999), "unknown");
    assert_string_equal(keel_trap_code_message(KEEL_TRAP_MEMORY_OUT_OF_BOUNDS), "out of bounds memory access");
    assert_string_equal(keel_trap_code_message(999), "unknown trap");
    keel_error *e = keel_error_new_trap(NULL);
    assert_int_equal(keel_error_trap_code(e), KEEL_TRAP_HOST);
    assert_int_equal(keel_error_frame_count(e), 0);
    keel_error_free(e);
    e = keel_error_new_host(NULL, NULL, NULL);
    assert_string_equal(keel_error_message(e), "host error");
    assert_int_equal(keel_error_trap_code(e), KEEL_TRAP_NONE);
    keel_error_free(e);
    e = keel_error_new_exit(-3);
    assert_int_equal(keel_error_exit_code(e), -3);
    assert_null(keel_error_exception(e));
    keel_error_free(e);
}

/* ---------------------------------------------------------------- caller and reentrancy */

typedef struct reenter {
    keel_func *target;
    int depth;
    size_t mem_size;
} reenter;

static keel_error *cb_reenter(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                              keel_val *results, size_t nresults) {
    (void)nargs; (void)nresults;
    reenter *re = env;
    keel_extern *mem;
    keel_error *err = keel_caller_export(caller, "memory", 6, &mem);
    if (err) return err;
    re->mem_size = keel_memory_size(keel_extern_as_memory(mem));
    keel_extern_release(mem);
    keel_extern *nope;
    err = keel_caller_export(caller, "nope", 4, &nope);
    if (err == NULL) return keel_error_new_trap("unexpected export");
    keel_error_free(err);
    keel_store *s;
    if ((err = keel_caller_store(caller, &s)) != NULL) return err;
    keel_store_release(s);
    re->depth++;
    /* Reentrant call into the same store on the same thread. */
    keel_val a = val_i32(args[0].of.i32 - 1), r;
    if (args[0].of.i32 > 0) {
        if ((err = keel_func_try_call(re->target, &a, 1, &r, 1)) != NULL) return err;
        results[0].of.i32 = r.of.i32 + 1;
    } else {
        results[0].of.i32 = 0;
    }
    return NULL;
}

static void test_caller_and_reentry(void **state) {
    fixture *fx = *state;
    static reenter re;
    memset(&re, 0, sizeof re);
    keel_functype *ft;
    keel_valkind i32 = KEEL_I32;
    OK(keel_functype_new_kinds(&i32, 1, &i32, 1, &ft));
    keel_func *h;
    OK(keel_func_new(fx->store, ft, cb_reenter, &re, NULL, &h));
    keel_functype_free(ft);
    keel_linker *l;
    OK(keel_linker_new(fx->engine, &l));
    OK(keel_linker_define_func(l, "host", 4, "f", 1, h));
    keel_instance *inst = instantiate(fx,
        "(module (import \"host\" \"f\" (func $f (param i32) (result i32)))"
        "  (memory (export \"memory\") 2)"
        "  (func (export \"go\") (param i32) (result i32) local.get 0 call $f))", l);
    re.target = export_func(inst, "go");
    keel_val a = val_i32(5), r;
    OK(keel_func_call(re.target, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 5);
    assert_int_equal(re.depth, 6);
    assert_int_equal(re.mem_size, 2 * 65536);
    /* Called directly from the host: no calling instance. */
    keel_error *err = keel_func_call(h, &a, 1, &r, 1);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_INVALID_ARGUMENT);
    keel_error_free(err);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_caller_export(NULL, "memory", 6, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_caller_store(NULL, NULL));
    keel_func_release(re.target);
    keel_func_release(h);
    keel_instance_release(inst);
    keel_linker_free(l);
}

/* ---------------------------------------------------------------- lock, busy, interrupt */

typedef struct spin_arg {
    keel_func *spin;
    keel_error *err;
    atomic_int started;
} spin_arg;

static keel_error *cb_started(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                              keel_val *results, size_t nresults) {
    (void)caller; (void)args; (void)nargs; (void)results; (void)nresults;
    atomic_store(&((spin_arg *)env)->started, 1);
    return NULL;
}

static void *spin_thread(void *p) {
    spin_arg *sa = p;
    sa->err = keel_func_call(sa->spin, NULL, 0, NULL, 0);
    return NULL;
}

static void test_busy_and_interrupt(void **state) {
    fixture *fx = *state;
    static spin_arg sa;
    memset(&sa, 0, sizeof sa);
    keel_functype *ft;
    OK(keel_functype_new_kinds(NULL, 0, NULL, 0, &ft));
    keel_func *started;
    OK(keel_func_new(fx->store, ft, cb_started, &sa, NULL, &started));
    keel_functype_free(ft);
    keel_linker *l;
    OK(keel_linker_new(fx->engine, &l));
    OK(keel_linker_define_func(l, "host", 4, "started", 7, started));
    keel_instance *inst = instantiate(fx,
        "(module (import \"host\" \"started\" (func $s))"
        "  (func (export \"spin\") call $s (loop br 0))"
        "  (func (export \"quick\") (result i32) i32.const 3))", l);
    sa.spin = export_func(inst, "spin");
    keel_func *quick = export_func(inst, "quick");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, spin_thread, &sa), 0);
    while (!atomic_load(&sa.started)) usleep(1000);
    keel_val r;
    FAILS(KEEL_ERROR_BUSY, keel_func_try_call(quick, NULL, 0, &r, 1));
    keel_store_interrupt(fx->store);
    pthread_join(t, NULL);
    assert_int_equal(keel_error_kind(sa.err), KEEL_ERROR_TRAP);
    assert_int_equal(keel_error_trap_code(sa.err), KEEL_TRAP_INTERRUPTED);
    keel_error_free(sa.err);
    /* The request was consumed: the store is usable again. */
    OK(keel_func_try_call(quick, NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 3);
    keel_func_release(sa.spin);
    keel_func_release(quick);
    keel_func_release(started);
    keel_instance_release(inst);
    keel_linker_free(l);
}

/* Several threads calling into one store with keel_func_call: the store
   lock (kapi_store.c) must serialise them (no increment of the guest's
   counter is lost) and wake every waiter (a lost wake-up hangs the test). */
typedef struct contend_arg {
    keel_func *inc;
    int calls;
    int failures;
} contend_arg;

static void *contend_thread(void *p) {
    contend_arg *ca = p;
    for (int i = 0; i < ca->calls; i++) {
        keel_val r;
        keel_error *err = keel_func_call(ca->inc, NULL, 0, &r, 1);
        if (err != NULL) {
            ca->failures++;
            keel_error_free(err);
        }
    }
    return NULL;
}

static void test_contended_calls(void **state) {
    fixture *fx = *state;
    keel_instance *inst = instantiate(fx,
        "(module (global $n (mut i32) (i32.const 0))"
        "  (func (export \"inc\") (result i32)"
        "    (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))", NULL);
    keel_func *inc = export_func(inst, "inc");
    enum { THREADS = 4, CALLS = 5000 };
    pthread_t t[THREADS];
    contend_arg ca[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ca[i].inc = inc;
        ca[i].calls = CALLS;
        ca[i].failures = 0;
        assert_int_equal(pthread_create(&t[i], NULL, contend_thread, &ca[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(ca[i].failures, 0);
    }
    keel_val r;
    OK(keel_func_call(inc, NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, THREADS * CALLS + 1);
    keel_func_release(inc);
    keel_instance_release(inst);
}

/* keel_func_call_raw: the slot layout of keel/func.h, results over the
   arguments, and what it refuses. */
static keel_error *cb_raw_host(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                               keel_val *results, size_t nresults) {
    (void)env;
    (void)caller;
    (void)nargs;
    (void)nresults;
    results[0].kind = KEEL_F64;
    results[0].of.f64 = (double)args[0].of.i32 * 0.5;
    return NULL;
}

static void test_call_raw(void **state) {
    fixture *fx = *state;
    keel_instance *inst = instantiate(fx,
        "(module"
        "  (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"
        "  (func (export \"mix\") (param i64 f32 v128 f64) (result f64 v128 i64 f32)"
        "    local.get 3 local.get 2 local.get 0 i64.const 1 i64.add local.get 1)"
        "  (func (export \"neg\") (param i32) (result i32) i32.const 0 local.get 0 i32.sub)"
        "  (func (export \"none\"))"
        "  (func (export \"trap\") unreachable)"
        "  (func (export \"ref\") (param externref) (result i32) i32.const 1))", NULL);
    keel_func *add = export_func(inst, "add"), *mix = export_func(inst, "mix"), *neg = export_func(inst, "neg");
    keel_func *none = export_func(inst, "none"), *trap = export_func(inst, "trap"), *ref = export_func(inst, "ref");
    uint64_t s[8] = {40, 2};
    OK(keel_func_call_raw(add, s, 2));
    assert_int_equal(s[0], 42);
    /* i32 results are zero-extended: -5 is 0x00000000FFFFFFFB. */
    s[0] = 5;
    OK(keel_func_call_raw(neg, s, 1));
    assert_true(s[0] == 0xFFFFFFFBu);
    float f = 1.5f;
    double d = -2.25;
    uint32_t fbits;
    uint64_t dbits;
    memcpy(&fbits, &f, 4);
    memcpy(&dbits, &d, 8);
    uint64_t m[5] = {(uint64_t)-7, fbits, 0x1111222233334444u, 0x5555666677778888u, dbits};
    OK(keel_func_call_raw(mix, m, 5));
    assert_true(m[0] == dbits);
    assert_true(m[1] == 0x1111222233334444u && m[2] == 0x5555666677778888u);
    assert_true(m[3] == (uint64_t)-6);
    assert_true(m[4] == fbits);
    OK(keel_func_call_raw(none, NULL, 0));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call_raw(add, s, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call_raw(mix, m, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call_raw(add, NULL, 2));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call_raw(ref, s, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call_raw(NULL, s, 1));
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_func_call_raw((keel_func *)inst, s, 1));
    keel_error *err = keel_func_call_raw(trap, NULL, 0);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_TRAP);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_UNREACHABLE);
    keel_error_free(err);
    /* A host function called directly. */
    keel_valkind i32 = KEEL_I32, f64k = KEEL_F64;
    keel_functype *ft;
    OK(keel_functype_new_kinds(&i32, 1, &f64k, 1, &ft));
    keel_func *host;
    OK(keel_func_new(fx->store, ft, cb_raw_host, NULL, NULL, &host));
    keel_functype_free(ft);
    s[0] = 7;
    OK(keel_func_call_raw(host, s, 1));
    d = 3.5;
    memcpy(&dbits, &d, 8);
    assert_true(s[0] == dbits);
    keel_func_release(host);
    keel_func_release(add);
    keel_func_release(mix);
    keel_func_release(neg);
    keel_func_release(none);
    keel_func_release(trap);
    keel_func_release(ref);
    keel_instance_release(inst);
}

/* Typed function references: a function of the wrong type is refused before any code runs. */
static void test_typed_refs(void **state) {
    fixture *fx = *state;
    keel_instance *inst = instantiate(fx,
        "(module"
        "  (type $t (func (param i32) (result i32)))"
        "  (func $inc (export \"inc\") (type $t) local.get 0 i32.const 1 i32.add)"
        "  (func $other (export \"other\") (param f64) (result f64) local.get 0)"
        "  (table $tab (export \"tab\") 2 (ref null $t))"
        "  (global (export \"g\") (mut (ref null $t)) (ref.null $t))"
        "  (func (export \"apply\") (param (ref $t)) (param i32) (result i32)"
        "    local.get 1 local.get 0 call_ref $t)"
        "  (func (export \"nofunc\") (param (ref null nofunc)) (result i32) i32.const 1)"
        "  (elem declare func $inc))", NULL);
    keel_func *apply = export_func(inst, "apply"), *inc = export_func(inst, "inc"),
              *other = export_func(inst, "other"), *nofunc = export_func(inst, "nofunc");
    keel_val args[2] = {val_ref(KEEL_FUNCREF, inc), val_i32(41)}, r;
    OK(keel_func_call(apply, args, 2, &r, 1));
    assert_int_equal(r.of.i32, 42);
    args[0].of.funcref = other;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(apply, args, 2, &r, 1));
    args[0].of.funcref = NULL;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(apply, args, 2, &r, 1));
    keel_val nf = val_ref(KEEL_FUNCREF, inc);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_func_call(nofunc, &nf, 1, &r, 1));
    nf.of.funcref = NULL;
    OK(keel_func_call(nofunc, &nf, 1, &r, 1));
    /* Tables and globals of a concrete type (canonical types in the engine). */
    keel_table *tab;
    keel_global *g;
    OK(keel_instance_export_table(inst, "tab", 3, &tab));
    OK(keel_instance_export_global(inst, "g", 1, &g));
    keel_val good = val_ref(KEEL_FUNCREF, inc), bad = val_ref(KEEL_FUNCREF, other), v;
    OK(keel_table_set(tab, 0, &good));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_set(tab, 1, &bad));
    OK(keel_table_get(tab, 0, &v));
    assert_int_equal(v.kind, KEEL_FUNCREF);
    assert_int_equal(keel_func_param_count(v.of.funcref), 1);
    keel_val_release(&v);
    OK(keel_global_set(g, &good));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_set(g, &bad));
    OK(keel_global_get(g, &v));
    assert_int_equal(v.kind, KEEL_FUNCREF);
    keel_val_release(&v);
    keel_externtype *et;
    OK(keel_table_type(tab, &et));
    assert_int_equal(keel_valtype_kind(keel_externtype_valtype(et)), KEEL_FUNCREF);
    assert_int_equal(keel_valtype_heap(keel_externtype_valtype(et)), KEEL_HEAP_CONCRETE);
    keel_externtype_free(et);
    keel_table_release(tab);
    keel_global_release(g);
    keel_func_release(apply);
    keel_func_release(inc);
    keel_func_release(other);
    keel_func_release(nofunc);
    keel_instance_release(inst);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_checks),
        cmocka_unit_test(test_host_functions),
        cmocka_unit_test(test_host_env_finalizer),
        cmocka_unit_test(test_traps),
        cmocka_unit_test(test_error_accessors),
        cmocka_unit_test(test_caller_and_reentry),
        cmocka_unit_test(test_busy_and_interrupt),
        cmocka_unit_test(test_contended_calls),
        cmocka_unit_test(test_call_raw),
        cmocka_unit_test(test_typed_refs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
