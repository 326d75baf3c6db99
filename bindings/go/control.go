package keel

// Execution control (issue 9, keel/store.h, keel/engine.h, keel/sample.h):
// fuel, epoch deadlines, withdrawing interrupts and live stack samples.
// Interrupts, fuel and deadlines share one check at every function entry
// and loop back-edge of the wasm code; none of them reaches into a host
// function that is running.

/*
#include <keel.h>
extern _Bool keelGoDeadline(uintptr_t env, uint64_t *extend);
extern void keelGoDeleteHandle(uintptr_t h);

static _Bool keel_go_deadline_trampoline(void *env, uint64_t *extend) {
	return keelGoDeadline((uintptr_t)env, extend);
}
static void keel_go_deadline_finalizer(void *env) { keelGoDeleteHandle((uintptr_t)env); }

// The callback's state is a runtime/cgo.Handle. The store does not own a
// deadline callback's env (keel/store.h), so it is also made the store's
// user data, whose finalizer deletes the handle when the store is freed or
// the callback replaced. The callback is installed first: the handle it
// uses is then never deleted while it can still be called.
static keel_error *keel_go_set_deadline_callback(keel_store *s, uintptr_t env) {
	keel_error *e = keel_store_set_epoch_deadline_callback(s,
		env ? keel_go_deadline_trampoline : NULL, (void *)env);
	if (e != NULL)
		return e;
	return keel_store_set_user_data(s, (void *)env, env ? keel_go_deadline_finalizer : NULL);
}
*/
import "C"

import (
	"runtime/cgo"
)

// InterruptClear withdraws a pending interrupt request (one that raced with
// the end of a call), so the next call does not trap at once. It has no
// effect on a call that already trapped. Any goroutine.
func (s *Store) InterruptClear() {
	p, err := s.acquire()
	if err != nil {
		return
	}
	defer s.h.release()
	C.keel_store_interrupt_clear(p)
}

// SetFuel turns fuel metering on and gives the store fuel units. One unit
// is one function entry or one loop iteration; a call that runs out traps
// with TrapOutOfFuel. Fuel is per store and not refilled between calls.
// Call it between calls (it waits for a running call to finish).
func (s *Store) SetFuel(fuel uint64) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_set_fuel(p, C.uint64_t(fuel)))
}

// Fuel reports the fuel left (0 after a TrapOutOfFuel). It is an error of
// KindInvalidArgument when fuel metering is off.
func (s *Store) Fuel() (uint64, error) {
	p, err := s.acquire()
	if err != nil {
		return 0, err
	}
	defer s.h.release()
	var f C.uint64_t
	if err := takeError(C.keel_store_get_fuel(p, &f)); err != nil {
		return 0, err
	}
	return uint64(f), nil
}

// DisableFuel turns fuel metering off (the default).
func (s *Store) DisableFuel() error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_disable_fuel(p))
}

// IncrementEpoch advances the engine's epoch by one tick: stores of this
// engine whose epoch deadline it reaches trap with TrapDeadline (or ask
// their deadline callback) at the next function entry or loop back-edge.
// Call it from a ticker goroutine at the granularity you need. Lock-free.
func (e *Engine) IncrementEpoch() {
	p, err := e.acquire()
	if err != nil {
		return
	}
	defer e.h.release()
	C.keel_engine_increment_epoch(p)
}

// Epoch is the engine's current epoch (0 until the first IncrementEpoch).
func (e *Engine) Epoch() uint64 {
	p, err := e.acquire()
	if err != nil {
		return 0
	}
	defer e.h.release()
	return uint64(C.keel_engine_epoch(p))
}

// SetEpochDeadline sets the store's deadline to the engine's epoch now plus
// ticks. Once the epoch reaches it, the running call traps with
// TrapDeadline (unless the deadline callback extends it). The deadline
// stays until changed or cleared: a call started after it passed traps at
// once.
func (s *Store) SetEpochDeadline(ticks uint64) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_set_epoch_deadline(p, C.uint64_t(ticks)))
}

// ClearEpochDeadline removes the store's deadline.
func (s *Store) ClearEpochDeadline() error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_clear_epoch_deadline(p))
}

// DeadlineFunc decides what happens when the epoch reaches a store's
// deadline: return (n, true) with n >= 1 to go on with a deadline n ticks
// from now, or (0, false) to trap with TrapDeadline. It runs on the
// goroutine of the call, inside the call: it must not call into the store
// (no calls, no memory access); it may record, log or Sample.
type DeadlineFunc func() (extendTicks uint64, extend bool)

// deadlineState is what the callback's cgo.Handle names. Like hostFunc it
// must not refer to the Store.
type deadlineState struct{ fn DeadlineFunc }

// SetEpochDeadlineCallback sets (or, with nil, removes) the function asked
// when the deadline is reached. The store keeps fn until it is freed or the
// callback replaced; as with host functions, a closure that captures an
// object of this store keeps the store alive.
func (s *Store) SetEpochDeadlineCallback(fn DeadlineFunc) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	var h cgo.Handle
	if fn != nil {
		h = cgo.NewHandle(&deadlineState{fn: fn})
	}
	if err := takeError(C.keel_go_set_deadline_callback(p, C.uintptr_t(h))); err != nil {
		// Whether the callback took h or not, the user data did not: reset
		// both so nothing refers to h, then drop it.
		if h != 0 {
			C.keel_store_set_epoch_deadline_callback(p, nil, nil)
			h.Delete()
		}
		return err
	}
	return nil
}

// MaxSampleFrames is the most frames Store.Sample returns (the innermost).
const MaxSampleFrames = 256

// Sample copies the wasm call stack of the call running in the store right
// now, innermost frame first, without stopping it: call it from another
// goroutine to see where a long-running or hung guest is (then Interrupt
// it), or periodically as a sampling profiler. Names come from the name
// section. No frames: no wasm code is running. A sample taken while the
// stack changes may miss frames; each frame returned is checked. At most
// MaxSampleFrames frames (the innermost) are returned.
func (s *Store) Sample() ([]Frame, error) {
	p, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	// A Go array of C frames: it holds no Go pointers, and C writes only
	// pointers into the store (names) that are copied before release.
	var buf [MaxSampleFrames]C.keel_frame_sample
	var n C.size_t
	if r := C.keel_store_sample(p, &buf[0], C.size_t(len(buf)), &n); r == C.KEEL_SAMPLE_INVALID {
		return nil, &Error{Kind: KindInvalidHandle, Message: "keel_store_sample: not a live store"}
	}
	out := make([]Frame, int(n))
	for i := range out {
		f := &buf[i]
		out[i] = Frame{FuncIndex: uint32(f.func_index), Offset: uint32(f.offset)}
		if f.func_name != nil {
			out[i].FuncName = C.GoString(f.func_name)
		}
		if f.module_name != nil {
			out[i].ModuleName = C.GoString(f.module_name)
		}
	}
	return out, nil
}
