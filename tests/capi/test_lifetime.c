/*
** test_lifetime.c -- lifetime torture (DESIGN.md "Ownership", SEEDS.md 1).
**
** For many random seeds: an engine, a store and four instances importing
** each other's tables and memories; instance B writes its function into A's
** table from an element segment and then traps in its start function, so
** nothing but the table refers to B's code. Thread T1 runs a loop in A that
** calls through the table (into B, into C and a host function, or into a
** null slot that traps) while thread T2 releases every handle in random
** order (sometimes interrupting the store first). T1 must finish with the
** right result or a clean trap, and afterwards no handle and no store may
** be alive, and the host finalizer must have run exactly once.
*/
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "capi_test.h"

static const char *wat_a =
    "(module $a"
    "  (import \"host\" \"inc\" (func $inc (param i32) (result i32)))"
    "  (type $t (func (param i32) (result i32)))"
    "  (table (export \"tab\") 4 funcref)"
    "  (memory (export \"mem\") 1)"
    "  (func $self (param i32) (result i32) local.get 0 i32.const 1 i32.add)"
    "  (elem (i32.const 0) $self)"
    "  (func (export \"loop\") (param $n i32) (param $slot i32) (result i32) (local $acc i32)"
    "    (drop (call $inc (i32.const 0)))"
    "    (block $done (loop $l"
    "      (br_if $done (i32.eqz (local.get $n)))"
    "      (local.set $acc (call_indirect (type $t) (local.get $acc) (local.get $slot)))"
    "      (i32.store (i32.const 0) (local.get $acc))"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))"
    "      (br $l)))"
    "    (local.get $acc)))";

/* B: writes $b_fn into A's table slot 1, then traps in its start function. */
static const char *wat_b =
    "(module $b"
    "  (import \"a\" \"tab\" (table 4 funcref))"
    "  (import \"a\" \"mem\" (memory 1))"
    "  (func $b_fn (param i32) (result i32) local.get 0 i32.const 2 i32.add)"
    "  (elem (i32.const 1) $b_fn)"
    "  (func $start unreachable)"
    "  (start $start))";

static const char *wat_c =
    "(module $c"
    "  (import \"a\" \"tab\" (table 4 funcref))"
    "  (import \"a\" \"mem\" (memory 1))"
    "  (import \"host\" \"inc\" (func $inc (param i32) (result i32)))"
    "  (memory (export \"mem2\") 1)"
    "  (func $c_fn (param i32) (result i32) local.get 0 call $inc)"
    "  (elem (i32.const 2) $c_fn)"
    "  (func (export \"peek\") (result i32) i32.const 0 i32.load))";

static const char *wat_d =
    "(module $d (import \"c\" \"mem2\" (memory 1))"
    "  (func (export \"size\") (result i32) memory.size))";

typedef struct seed_state {
    atomic_int entered;
    atomic_int finalized;
    atomic_int released;  /* handles T2 has released so far */
    int wait_for;         /* the first host call waits for this many releases */
} seed_state;

static keel_error *host_inc(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                            keel_val *results, size_t nresults) {
    (void)caller; (void)nargs; (void)nresults;
    seed_state *st = env;
    if (!atomic_exchange(&st->entered, 1)) {
        /* Inside the call: let T2 release handles under our feet. */
        for (int spins = 0; atomic_load(&st->released) < st->wait_for && spins < 1000000; spins++)
            sched_yield();
    }
    results[0].of.i32 = args[0].of.i32 + 3;
    return NULL;
}

static void host_finalizer(void *env) { atomic_fetch_add(&((seed_state *)env)->finalized, 1); }

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Everything T2 releases, in a shuffled order. */
typedef struct releaser {
    int kind[32];
    void *obj[32];
    int count;
    keel_store *interrupt_store; /* borrowed view, used before the store handle goes */
    seed_state *st;
} releaser;

enum { R_ENGINE, R_MODULE, R_STORE, R_LINKER, R_INSTANCE, R_FUNC, R_MEMORY, R_TABLE, R_GLOBAL,
       R_EXTERNREF, R_VAL };

static void add(releaser *r, int kind, void *obj) {
    assert_true(r->count < 32);
    r->kind[r->count] = kind;
    r->obj[r->count++] = obj;
}

static void release_one(int kind, void *obj) {
    switch (kind) {
    case R_ENGINE: keel_engine_release(obj); break;
    case R_MODULE: keel_module_release(obj); break;
    case R_STORE: keel_store_release(obj); break;
    case R_LINKER: keel_linker_free(obj); break;
    case R_INSTANCE: keel_instance_release(obj); break;
    case R_FUNC: keel_func_release(obj); break;
    case R_MEMORY: keel_memory_release(obj); break;
    case R_TABLE: keel_table_release(obj); break;
    case R_GLOBAL: keel_global_release(obj); break;
    case R_EXTERNREF: keel_externref_release(obj); break;
    case R_VAL: keel_val_release(obj); free(obj); break;
    }
}

static void *t2_main(void *p) {
    releaser *r = p;
    for (int spins = 0; !atomic_load(&r->st->entered) && spins < 100000; spins++) sched_yield();
    if (r->interrupt_store) keel_store_interrupt(r->interrupt_store);
    for (int i = 0; i < r->count; i++) {
        release_one(r->kind[i], r->obj[i]);
        atomic_fetch_add(&r->st->released, 1);
        if (rnd(4) == 0) sched_yield();
        if (rnd(16) == 0) usleep(rnd(200));
    }
    return NULL;
}

typedef struct caller_arg {
    keel_func *loop;
    int32_t n, slot;
    keel_error *err;
    int32_t result;
} caller_arg;

static void *t1_main(void *p) {
    caller_arg *c = p;
    keel_val args[2] = {val_i32(c->n), val_i32(c->slot)}, res;
    c->err = keel_func_call(c->loop, args, 2, &res, 1);
    if (c->err == NULL) c->result = res.of.i32;
    return NULL;
}

/* T3: competes for the store's lock while T1 runs, with its own reference. */
typedef struct contender {
    keel_func *inc;             /* owned: released when done */
    seed_state *st;
    atomic_int *t1_done;
    int busy, ok;
} contender;

static void *t3_main(void *p) {
    contender *c = p;
    for (int spins = 0; !atomic_load(&c->st->entered) && spins < 100000; spins++) sched_yield();
    keel_val a = val_i32(1), r;
    while (!atomic_load(c->t1_done)) {
        keel_error *err = keel_func_try_call(c->inc, &a, 1, &r, 1);
        if (err == NULL) c->ok++;
        else if (keel_error_kind(err) == KEEL_ERROR_BUSY) c->busy++;
        else if (keel_error_trap_code(err) != KEEL_TRAP_INTERRUPTED) /* T2's request may land here */
            fail_msg("try_call: %s", keel_error_message(err));
        keel_error_free(err);
        sched_yield();
    }
    keel_error *err = keel_func_call(c->inc, &a, 1, &r, 1); /* waits for the lock */
    if (err && keel_error_trap_code(err) == KEEL_TRAP_INTERRUPTED) {
        keel_error_free(err); /* a pending interrupt is consumed by one trap */
        err = keel_func_call(c->inc, &a, 1, &r, 1);
    }
    if (err) fail_msg("call: %s", keel_error_message(err));
    if (r.of.i32 != 4) fail_msg("inc(1) = %d", r.of.i32);
    keel_func_release(c->inc);
    return NULL;
}

static keel_module *module(keel_engine *e, const char *wat) {
    keel_module *m = NULL;
    OK(keel_module_new_wat(e, wat, strlen(wat), &m));
    return m;
}

static void run_seed(uint64_t seed) {
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    seed_state st;
    atomic_init(&st.entered, 0);
    atomic_init(&st.finalized, 0);
    atomic_init(&st.released, 0);
    st.wait_for = 0;
    releaser rel;
    memset(&rel, 0, sizeof rel);
    rel.st = &st;

    keel_engine *e;
    keel_store *s;
    keel_linker *l;
    OK(keel_engine_new(NULL, &e));
    OK(keel_store_new(e, &s));
    OK(keel_linker_new(e, &l));
    keel_functype *ft;
    keel_valkind i32 = KEEL_I32;
    OK(keel_functype_new_kinds(&i32, 1, &i32, 1, &ft));
    keel_func *inc;
    OK(keel_func_new(s, ft, host_inc, &st, host_finalizer, &inc));
    keel_functype_free(ft);
    OK(keel_linker_define_func(l, "host", 4, "inc", 3, inc));

    keel_module *ma = module(e, wat_a), *mb = module(e, wat_b), *mc = module(e, wat_c), *md = module(e, wat_d);
    keel_instance *a, *c, *d, *b = NULL;
    OK(keel_linker_instantiate(l, s, ma, &a));
    OK(keel_linker_define_instance(l, "a", 1, a));
    /* SEEDS.md 1: B's start function traps after its element segment ran. */
    keel_error *err = keel_linker_instantiate(l, s, mb, &b);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_TRAP);
    assert_null(b);
    keel_error_free(err);
    OK(keel_linker_instantiate(l, s, mc, &c));
    OK(keel_linker_define_instance(l, "c", 1, c));
    OK(keel_linker_instantiate(l, s, md, &d));

    keel_func *loop;
    keel_memory *mem;
    keel_table *tab;
    OK(keel_instance_export_func(a, "loop", 4, &loop));
    OK(keel_instance_export_memory(a, "mem", 3, &mem));
    OK(keel_instance_export_table(a, "tab", 3, &tab));
    keel_val *slot1 = calloc(1, sizeof *slot1);
    OK(keel_table_get(tab, 1, slot1)); /* B's function, owned by us now */
    assert_non_null(slot1->of.funcref);
    keel_externref *xr;
    OK(keel_externref_new(s, (uintptr_t)seed, NULL, &xr));
    keel_valtype *er;
    OK(keel_valtype_new(KEEL_EXTERNREF, &er));
    keel_global *g;
    keel_val gv = val_ref(KEEL_EXTERNREF, xr);
    OK(keel_global_new(s, er, true, &gv, &g));
    keel_valtype_free(er);

    caller_arg ca = {loop, (int32_t)(1 + rnd(20000)), (int32_t)(1 + rnd(3)), NULL, 0};
    bool interrupt = rnd(5) == 0;
    st.wait_for = (int)rnd(18); /* 17 handles: sometimes all of them before the loop runs */
    if (interrupt) rel.interrupt_store = s;

    /* Everything goes to T2, including the function T1 is running. */
    add(&rel, R_ENGINE, e);
    add(&rel, R_MODULE, ma);
    add(&rel, R_MODULE, mb);
    add(&rel, R_MODULE, mc);
    add(&rel, R_MODULE, md);
    add(&rel, R_STORE, s);
    add(&rel, R_LINKER, l);
    add(&rel, R_INSTANCE, a);
    add(&rel, R_INSTANCE, c);
    add(&rel, R_INSTANCE, d);
    add(&rel, R_FUNC, inc);
    add(&rel, R_FUNC, loop);
    add(&rel, R_MEMORY, mem);
    add(&rel, R_TABLE, tab);
    add(&rel, R_GLOBAL, g);
    add(&rel, R_EXTERNREF, xr);
    add(&rel, R_VAL, slot1);
    for (int i = rel.count - 1; i > 0; i--) {
        int j = (int)rnd((uint32_t)i + 1);
        int k = rel.kind[i]; void *o = rel.obj[i];
        rel.kind[i] = rel.kind[j]; rel.obj[i] = rel.obj[j];
        rel.kind[j] = k; rel.obj[j] = o;
    }
    if (interrupt) {
        /* The store handle must outlive the interrupt: move it last. */
        for (int i = 0; i < rel.count; i++)
            if (rel.kind[i] == R_STORE) {
                rel.kind[i] = rel.kind[rel.count - 1]; rel.obj[i] = rel.obj[rel.count - 1];
                rel.kind[rel.count - 1] = R_STORE; rel.obj[rel.count - 1] = s;
            }
    }

    atomic_int t1_done;
    atomic_init(&t1_done, 0);
    contender con = {keel_func_retain(inc), &st, &t1_done, 0, 0};
    pthread_t t1, t2, t3;
    assert_int_equal(pthread_create(&t1, NULL, t1_main, &ca), 0);
    assert_int_equal(pthread_create(&t2, NULL, t2_main, &rel), 0);
    assert_int_equal(pthread_create(&t3, NULL, t3_main, &con), 0);
    pthread_join(t1, NULL);
    atomic_store(&t1_done, 1);
    pthread_join(t2, NULL);
    pthread_join(t3, NULL);

    if (ca.err == NULL) {
        int32_t per = ca.slot == 1 ? 2 : ca.slot == 2 ? 3 : 1;
        assert_int_equal(ca.result, per * ca.n);
    } else {
        assert_int_equal(keel_error_kind(ca.err), KEEL_ERROR_TRAP);
        uint32_t code = keel_error_trap_code(ca.err);
        if (code != KEEL_TRAP_INTERRUPTED && code != KEEL_TRAP_UNINITIALIZED_ELEMENT)
            print_message("seed %llu: unexpected trap %s\n", (unsigned long long)seed,
                          keel_error_message(ca.err));
        assert_true(code == KEEL_TRAP_INTERRUPTED || code == KEEL_TRAP_UNINITIALIZED_ELEMENT);
        keel_error_free(ca.err);
    }
    assert_no_live_handles();
    assert_int_equal(atomic_load(&st.finalized), 1);
}

static void test_lifetime_torture(void **state) {
    (void)state;
    const char *env = getenv("KEEL_TORTURE_SEEDS");
    int seeds = env ? atoi(env) : 60;
    for (int i = 0; i < seeds; i++) run_seed((uint64_t)i);
}

/* Null slot variant: slot 3 is never written, so T1 traps cleanly. */
static void test_lifetime_null_slot(void **state) {
    (void)state;
    keel_engine *e;
    keel_store *s;
    keel_linker *l;
    seed_state st;
    atomic_init(&st.entered, 0);
    atomic_init(&st.finalized, 0);
    atomic_init(&st.released, 0);
    st.wait_for = 0;
    OK(keel_engine_new(NULL, &e));
    OK(keel_store_new(e, &s));
    OK(keel_linker_new(e, &l));
    keel_functype *ft;
    keel_valkind i32 = KEEL_I32;
    OK(keel_functype_new_kinds(&i32, 1, &i32, 1, &ft));
    keel_func *inc;
    OK(keel_func_new(s, ft, host_inc, &st, host_finalizer, &inc));
    keel_functype_free(ft);
    OK(keel_linker_define_func(l, "host", 4, "inc", 3, inc));
    keel_module *ma = module(e, wat_a);
    keel_instance *a;
    OK(keel_linker_instantiate(l, s, ma, &a));
    keel_func *loop;
    OK(keel_instance_export_func(a, "loop", 4, &loop));
    keel_val args[2] = {val_i32(5), val_i32(3)}, res;
    keel_error *err = keel_func_call(loop, args, 2, &res, 1);
    assert_int_equal(keel_error_trap_code(err), KEEL_TRAP_UNINITIALIZED_ELEMENT);
    keel_error_free(err);
    /* Release in an odd order: the store first. */
    keel_store_release(s);
    keel_engine_release(e);
    keel_module_release(ma);
    args[1] = val_i32(0);
    OK(keel_func_call(loop, args, 2, &res, 1)); /* still callable: the handle keeps the store */
    assert_int_equal(res.of.i32, 5);
    keel_func_release(inc);
    keel_linker_free(l);
    keel_instance_release(a);
    assert_int_equal(atomic_load(&st.finalized), 0);
    keel_func_release(loop);
    assert_int_equal(atomic_load(&st.finalized), 1);
    assert_no_live_handles();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifetime_null_slot),
        cmocka_unit_test(test_lifetime_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
