/*
** kexec_sample.h -- exec/: execution control and observation of a running
** store (DESIGN.md "Execution control and observation"): interrupts, fuel,
** epoch deadlines and live stack sampling. capi/ wraps these as
** keel_store_interrupt*, keel_store_*fuel, keel_engine_increment_epoch,
** keel_store_*epoch_deadline* and keel_store_sample.
**
** One check, one word. krt_store.interrupt is the store's "attention word":
** the interpreter loads it at every function entry and loop header and
** branches only when it is non-zero (so a store with nothing enabled pays one
** load and one branch, as before). Its bits are KEXEC_ATTN_* (kexec_int.h):
** an interrupt request (1, what keel_store_interrupt stores), fuel metering
** and an epoch deadline. While fuel or a deadline is enabled the word stays
** non-zero and every check takes the slow path (kexec_attention), which
** charges fuel and compares the engine's epoch with the store's deadline.
**
** Fuel unit: one check, i.e. one function entry or one loop iteration (a
** "block" of straight-line code between two checks). With fuel F a call
** enters F blocks and traps with KB_TRAP_OUT_OF_FUEL at the next one; the
** remaining fuel (0 then) stays readable.
**
** Epochs: each engine has a 64-bit counter that kexec_engine_increment_epoch
** bumps (any thread, a timer, a signal handler). A store's deadline is
** "counter value when set + ticks"; the check traps with KB_TRAP_DEADLINE
** once the counter reaches it, or asks the store's deadline callback, which
** may extend it.
*/
#ifndef KEXEC_SAMPLE_H
#define KEXEC_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "rt/krt.h"

/*
** Deadline callback: runs on the thread of the call, inside the call, when
** the epoch reaches the deadline. Return true and set *extend_ticks (>= 1)
** to continue with a new deadline of "now + *extend_ticks"; false to trap.
** It must not call into the store.
*/
typedef bool (*kexec_deadline_fn)(void *env, uint64_t *extend_ticks);

/* ---------------------------------------------------------------- interrupts */

/* Requests an interrupt (sets bit 1). Any thread; async-signal-safe. */
void kexec_interrupt(krt_store *s);
/* Withdraws a pending interrupt request. Any thread; async-signal-safe. */
void kexec_interrupt_clear(krt_store *s);

/* ---------------------------------------------------------------- fuel */

/*
** Enables fuel metering with 'fuel' units (kexec_sample.h header comment).
** Call while no call runs in the store, or from a host function of the
** store. Errors: KB_ERR_OUT_OF_MEMORY (the execution context is created here).
*/
kb_error *kexec_set_fuel(krt_store *s, uint64_t fuel);
/* Turns fuel metering off. Same threading as kexec_set_fuel. */
void kexec_disable_fuel(krt_store *s);
/* The fuel left; false (and *fuel = 0) when fuel is not enabled. */
bool kexec_get_fuel(krt_store *s, uint64_t *fuel);

/* ---------------------------------------------------------------- epochs */

/* Adds 1 to the engine's epoch. Any thread; lock-free; async-signal-safe. */
void kexec_engine_increment_epoch(krt_engine *e);
/* The engine's epoch (0 before the first increment). */
uint64_t kexec_engine_epoch(krt_engine *e);

/*
** Sets the store's deadline to "engine epoch + ticks" (ticks 0 traps at the
** next check). Same threading as kexec_set_fuel. Errors:
** KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kexec_set_epoch_deadline(krt_store *s, uint64_t ticks);
/* Removes the deadline. */
void kexec_clear_epoch_deadline(krt_store *s);
/* The callback asked when the deadline is reached; NULL: trap (the default). */
kb_error *kexec_set_deadline_callback(krt_store *s, kexec_deadline_fn fn, void *env);

/* ---------------------------------------------------------------- sampling */

/* One sampled frame (same layout as the public keel_frame_sample). */
typedef struct kexec_sample_frame {
    uint32_t func_index;      /* in the module's function space */
    uint32_t offset;          /* wasm byte offset in the module (as in backtraces), or UINT32_MAX */
    const char *func_name;    /* name section, or NULL; lives as long as the store */
    const char *module_name;  /* name section module name, or NULL */
} kexec_sample_frame;

enum {
    KEXEC_SAMPLE_OK = 0,        /* every frame copied (count may be 0: nothing running) */
    KEXEC_SAMPLE_TRUNCATED = 1  /* more frames than 'cap': the innermost 'cap' copied */
};

/*
** Copies the wasm call stack of store 's' innermost first into buf[0..cap)
** and sets *count. Lock-free, allocation-free, async-signal-safe: callable
** from any thread, or from a signal handler that interrupted the store's
** own thread, while the store runs. Every frame is checked against the
** frame region's bounds, its instance's module (function count, code range)
** and its code length, so a read racing with calls and returns yields
** fewer or older frames, never garbage. The store must stay alive during
** the call (the caller holds it).
*/
int kexec_sample(krt_store *s, kexec_sample_frame *buf, size_t cap, size_t *count);

#endif
