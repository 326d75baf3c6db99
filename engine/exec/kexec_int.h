/*
** kexec_int.h -- exec/-private: the execution context and the interpreter.
*/
#ifndef KEXEC_INT_H
#define KEXEC_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "compile/kcomp.h"
#include "exec/kexec.h"

/*
** One activation of a wasm function. 'ip' is the return address while the
** frame is a caller (the word after its call instruction), NULL in an entry
** frame (the one kexec_call pushed): returning from it leaves the interpreter.
*/
typedef struct kexec_frame {
    const kcomp_func *fn;
    krt_instance *inst;
    uint64_t *fp;
    const uint32_t *ip;
} kexec_frame;

struct kexec_context {
    uint64_t *stack, *stack_end;   /* the value stack region */
    uint64_t *sp;                  /* first slot free for a nested entry call */
    kexec_frame *frames;           /* the frame stack region */
    uint32_t frame_cap;
    /* Frames in use. Published with a release store on every call and return
       so a sampler can read frames[0..top) (DESIGN.md stack sampling). */
    _Atomic uint32_t top;
    uint32_t host_depth;           /* nested kexec_call depth */
};

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
