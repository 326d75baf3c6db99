/*
** kexec_control.c -- interrupts, fuel and epoch deadlines: the slow path of
** the one attention check the interpreter makes at function entry and loop
** headers (kexec_sample.h explains the attention word).
*/
#include "exec/kexec_int.h"

/*
** Epoch counters: one per engine, in the engine struct (krt.h), so there is
** no limit on how many engines use them. The counter is a lock-free atomic,
** so incrementing from a signal handler or a timer thread is safe, and a
** store's deadline may point at it for as long as the store lives: a store
** keeps its engine alive (DESIGN.md Ownership).
*/
void kexec_engine_increment_epoch(krt_engine *e) {
    atomic_fetch_add_explicit(&e->epoch, 1, memory_order_relaxed);
}

uint64_t kexec_engine_epoch(krt_engine *e) {
    return atomic_load_explicit(&e->epoch, memory_order_relaxed);
}

/* ---------------------------------------------------------------- attention word */

static void attn_set(krt_store *s, kexec_context *cx, uint32_t bit, bool on) {
    if (on) {
        atomic_fetch_or_explicit(&cx->attn, bit, memory_order_relaxed);
        atomic_fetch_or_explicit(&s->interrupt, bit, memory_order_relaxed);
    } else {
        atomic_fetch_and_explicit(&cx->attn, ~bit, memory_order_relaxed);
        atomic_fetch_and_explicit(&s->interrupt, ~bit, memory_order_relaxed);
    }
}

void kexec_interrupt(krt_store *s) {
    if (s) atomic_fetch_or_explicit(&s->interrupt, KEXEC_ATTN_INTERRUPT, memory_order_relaxed);
}

void kexec_interrupt_clear(krt_store *s) {
    if (s == NULL) return;
    atomic_fetch_and_explicit(&s->interrupt, ~(unsigned)KEXEC_ATTN_INTERRUPT, memory_order_relaxed);
    /* capi's keel_store_interrupt stores 1, which drops the fuel/deadline
       bits; a request withdrawn before any check saw it must not leave the
       running call unmetered, so they are re-asserted here. */
    kexec_context *cx = __atomic_load_n(&s->exec, __ATOMIC_ACQUIRE);
    if (cx != NULL) {
        uint32_t attn = atomic_load_explicit(&cx->attn, memory_order_relaxed);
        if (attn != 0) atomic_fetch_or_explicit(&s->interrupt, attn, memory_order_relaxed);
    }
}

/* ---------------------------------------------------------------- fuel */

kb_error *kexec_set_fuel(krt_store *s, uint64_t fuel) {
    kexec_context *cx;
    kb_error *err = kexec_context_get(s, &cx);
    if (err) return err;
    cx->fuel = fuel;
    attn_set(s, cx, KEXEC_ATTN_FUEL, true);
    return NULL;
}

void kexec_disable_fuel(krt_store *s) {
    if (s->exec == NULL) return;
    s->exec->fuel = 0;
    attn_set(s, s->exec, KEXEC_ATTN_FUEL, false);
}

bool kexec_get_fuel(krt_store *s, uint64_t *fuel) {
    kexec_context *cx = s->exec;
    bool on = cx != NULL && (atomic_load_explicit(&cx->attn, memory_order_relaxed) & KEXEC_ATTN_FUEL) != 0;
    *fuel = on ? cx->fuel : 0;
    return on;
}

/* ---------------------------------------------------------------- deadlines */

kb_error *kexec_set_epoch_deadline(krt_store *s, uint64_t ticks) {
    kexec_context *cx;
    kb_error *err = kexec_context_get(s, &cx);
    if (err) return err;
    _Atomic uint64_t *c = &s->engine->epoch;
    cx->epoch = c;
    uint64_t now = atomic_load_explicit(c, memory_order_relaxed);
    cx->deadline = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
    attn_set(s, cx, KEXEC_ATTN_EPOCH, true);
    return NULL;
}

void kexec_clear_epoch_deadline(krt_store *s) {
    if (s->exec == NULL) return;
    attn_set(s, s->exec, KEXEC_ATTN_EPOCH, false);
}

kb_error *kexec_set_deadline_callback(krt_store *s, kexec_deadline_fn fn, void *env) {
    kexec_context *cx;
    kb_error *err = kexec_context_get(s, &cx);
    if (err) return err;
    cx->on_deadline = fn;
    cx->on_deadline_env = env;
    return NULL;
}

/* ---------------------------------------------------------------- the slow path */

uint32_t kexec_attention(kexec_context *cx, krt_store *s) {
    unsigned w = atomic_load_explicit(&s->interrupt, memory_order_relaxed);
    uint32_t attn = atomic_load_explicit(&cx->attn, memory_order_relaxed);
    if (w & KEXEC_ATTN_INTERRUPT) {
        /* Consume the request: the store stays usable for the next call. */
        atomic_fetch_and_explicit(&s->interrupt, ~(unsigned)KEXEC_ATTN_INTERRUPT, memory_order_relaxed);
        return KB_TRAP_INTERRUPTED;
    }
    if ((w & KEXEC_ATTN_FUEL) && (attn & KEXEC_ATTN_FUEL)) {
        if (cx->fuel == 0) return KB_TRAP_OUT_OF_FUEL;
        cx->fuel--;
    }
    if ((w & KEXEC_ATTN_EPOCH) && (attn & KEXEC_ATTN_EPOCH) && cx->epoch != NULL) {
        uint64_t now = atomic_load_explicit(cx->epoch, memory_order_relaxed);
        if (now >= cx->deadline) {
            uint64_t extend = 0;
            if (cx->on_deadline == NULL || !cx->on_deadline(cx->on_deadline_env, &extend) || extend == 0)
                return KB_TRAP_DEADLINE;
            cx->deadline = extend > UINT64_MAX - now ? UINT64_MAX : now + extend;
        }
    }
    return KB_TRAP_NONE;
}
