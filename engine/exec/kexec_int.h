/*
** kexec_int.h -- exec/-private: the execution context and the interpreter.
*/
#ifndef KEXEC_INT_H
#define KEXEC_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "compile/kcomp.h"
#include "exec/kexec.h"
#include "exec/kexec_sample.h"

/*
** Stores to the frame fields a sampler reads ('fn', 'inst', 'at'): relaxed
** atomic stores, so a concurrent reader (another thread or a signal handler)
** sees either the old or the new pointer, never a torn one, and the store is
** a plain mov on the usual targets. The running thread reads its own fields
** with plain loads. KEEL_NO_EXEC_CHECKS (measurement builds only) compiles
** the publication of 'at' out.
*/
#if defined(__GNUC__) || defined(__clang__)
#define KEXEC_PUT(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define KEXEC_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#else
#define KEXEC_PUT(field, v) ((field) = (v))
#define KEXEC_GET(field) (field)
#endif

/*
** One activation of a wasm function. 'ip' is the return address while the
** frame is a caller (the word after its call instruction), NULL in an entry
** frame (the one kexec_call pushed): returning from it leaves the interpreter.
** 'at' is the position published for samplers (kexec_sample.h): the first
** code word at entry, the loop header at every loop back-edge (the interrupt
** check), the call instruction at every call. So a sample shows the
** innermost frame as of its last call, loop iteration or entry, and every
** caller at its call instruction.
*/
typedef struct kexec_frame {
    const kcomp_func *fn;
    krt_instance *inst;
    uint64_t *fp;
    const uint32_t *ip;
    const uint32_t *at;
} kexec_frame;

/* Bits of krt_store.interrupt, the store's attention word (see kexec_sample.h). */
enum {
    KEXEC_ATTN_INTERRUPT = 1u, /* keel_store_interrupt stores 1 */
    KEXEC_ATTN_FUEL = 2u,      /* fuel is metered: every check charges one unit */
    KEXEC_ATTN_EPOCH = 4u      /* an epoch deadline is set */
};

struct kexec_context {
    uint64_t *stack, *stack_end;   /* the value stack region */
    uint64_t *sp;                  /* first slot free for a nested entry call */
    kexec_frame *frames;           /* the frame stack region */
    uint32_t frame_cap;
    /* Frames in use. Published with a release store on every call and return
       so a sampler can read frames[0..top) (DESIGN.md stack sampling). */
    _Atomic uint32_t top;
    uint32_t host_depth;           /* nested kexec_call depth */
    /* Execution control (kexec_control.c). 'attn' holds the KEXEC_ATTN_FUEL
       and _EPOCH bits that kexec_call re-asserts in the store's attention
       word on entry (capi zeroes the word after an interrupted call). */
    _Atomic uint32_t attn;         /* relaxed: kexec_interrupt_clear reads it from any thread */
    uint64_t fuel;                 /* units left while KEXEC_ATTN_FUEL */
    _Atomic uint64_t *epoch;       /* the engine's epoch counter (kexec_control.c) */
    uint64_t deadline;             /* trap when *epoch >= deadline */
    kexec_deadline_fn on_deadline; /* NULL: trap with KB_TRAP_DEADLINE */
    void *on_deadline_env;
};

/*
** The slow path of the attention check (function entry and loop headers),
** taken when the store's attention word is non-zero. Consumes an interrupt
** request, charges fuel, compares the epoch with the deadline. Returns a
** KB_TRAP_* code to trap with, or KB_TRAP_NONE to go on.
*/
uint32_t kexec_attention(kexec_context *cx, krt_store *s);

/*
** The store's execution context, created on first use (published with a
** release store so samplers on other threads see it whole).
** Errors: KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kexec_context_get(krt_store *s, kexec_context **out);

/*
** Runs from frames[entry] (already pushed, arguments in its fp) until that
** frame returns. On error the frame stack is back at 'entry' (frames popped).
*/
kb_error *kexec_run(kexec_context *cx, krt_store *s, uint32_t entry);

/* Slots taken by a function type's params (results == false) or results. */
uint32_t kexec_type_slots(const kbin_type *t, bool results);

/* Adds the frames [entry, top) to 'err' innermost first; 'ip' is the current pc. */
void kexec_backtrace(kexec_context *cx, uint32_t entry, const uint32_t *ip, kb_error *err);

#endif
