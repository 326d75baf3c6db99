package keel

/*
#include <stdlib.h>
#include <keel.h>
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// handle is the Go side of one reference to a C handle. It counts the
// goroutines currently using the pointer so that Close (or the cleanup)
// never frees a handle while a call is passing it to C: the C release runs
// when the handle is closed AND the last user has left.
//
// Every public object (Func, Memory, ...) points to its own *handle, a
// separate allocation, because runtime.AddCleanup must not be given an
// argument that refers back to the object it watches.
type handle struct {
	ptr     unsafe.Pointer
	state   atomic.Uint64 // closedBit | number of users inside
	free    func(unsafe.Pointer)
	cleanup runtime.Cleanup
	scratch atomic.Pointer[C.keel_val] // C buffer of scratchVals values for calls
}

// scratchVals is the size of a function handle's reusable call buffer.
const scratchVals = 8

// takeScratch gives a C buffer of scratchVals values: the handle's own when
// free, else a new one. The caller must hold a use of the handle.
func (h *handle) takeScratch() *C.keel_val {
	if b := h.scratch.Swap(nil); b != nil {
		return b
	}
	return (*C.keel_val)(C.calloc(scratchVals, C.sizeof_keel_val))
}

// putScratch gives a buffer back before the caller releases its use, so
// the handle's destroy frees it; a surplus buffer (concurrent calls) is freed.
func (h *handle) putScratch(b *C.keel_val) {
	if !h.scratch.CompareAndSwap(nil, b) {
		C.free(unsafe.Pointer(b))
	}
}

// destroy runs the C release once the handle is closed and unused.
func (h *handle) destroy() {
	if b := h.scratch.Swap(nil); b != nil {
		C.free(unsafe.Pointer(b))
	}
	h.free(h.ptr)
}

const closedBit = uint64(1) << 63

// newHandle wraps an owned C pointer and attaches a cleanup to owner that
// closes the handle once owner is unreachable.
func newHandle[T any](owner *T, p unsafe.Pointer, free func(unsafe.Pointer)) *handle {
	h := &handle{ptr: p, free: free}
	h.cleanup = runtime.AddCleanup(owner, (*handle).close, h)
	return h
}

// acquireFor counts the caller in and returns the C pointer, or nil when the
// handle is closed. 'owner' is the public object the handle belongs to.
func (h *handle) acquireFor(owner any) unsafe.Pointer {
	debugHook()
	if h == nil {
		return nil
	}
	var p unsafe.Pointer
	for {
		s := h.state.Load()
		if s&closedBit != 0 {
			break
		}
		if h.state.CompareAndSwap(s, s+1) {
			p = h.ptr
			break
		}
	}
	// KeepAlive: the only one a method needs. The caller loaded h from
	// owner; without this, owner could be found unreachable between that
	// load and the increment above, and its cleanup would close the handle
	// under us. Once counted in, a cleanup only marks the handle closed and
	// the C release waits for our release().
	runtime.KeepAlive(owner)
	return p
}

// release counts the caller out; the last user out of a closed handle frees it.
func (h *handle) release() {
	if h.state.Add(^uint64(0)) == closedBit {
		h.destroy()
	}
}

// close marks the handle closed; the C release runs now or when the last
// user leaves. Idempotent and safe from any goroutine, including the
// cleanup goroutine.
func (h *handle) close() {
	old := h.state.Or(closedBit)
	if old&closedBit != 0 {
		return
	}
	if old == 0 {
		h.destroy()
	}
}

// Close for the public objects: stop the cleanup (it has nothing left to
// do) and close.
func (h *handle) Close() {
	if h == nil {
		return
	}
	h.cleanup.Stop()
	h.close()
}
