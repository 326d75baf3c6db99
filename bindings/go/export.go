package keel

// The Go functions the C library calls back. This file's preamble may hold
// declarations only (cgo's rule for files with //export); the C wrappers
// that take their addresses live in host.go and val.go.

/*
#include <stdbool.h>
#include <keel.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// keelGoHostCall runs a Go host function for wasm code. It is the only
// place where C calls Go with a live wasm stack underneath, so nothing may
// unwind out of it: a panic is recovered in hostFunc.invoke and turned into
// a host error that carries the panic value back to the outermost Call.
//
//export keelGoHostCall
func keelGoHostCall(env C.uintptr_t, caller *C.keel_caller, args *C.keel_val, nargs C.size_t,
	results *C.keel_val, nresults C.size_t) *C.keel_error {
	hf := hostLookup(uintptr(env))
	if hf == nil {
		return C.keel_error_new_trap(nil)
	}
	var a, r []C.keel_val
	if nargs > 0 {
		a = unsafe.Slice(args, int(nargs))
	}
	if nresults > 0 {
		r = unsafe.Slice(results, int(nresults))
	}
	return hf.invoke(caller, a, r)
}

// keelGoDeleteHandle frees a runtime/cgo.Handle the C library owned: the
// environment of a host function and the Go value of an extern reference
// (both when their store is freed), and the payload of a host error.
//
//export keelGoDeleteHandle
func keelGoDeleteHandle(h C.uintptr_t) {
	if h != 0 {
		cgo.Handle(h).Delete()
	}
}

// keelGoDeadline runs a store's DeadlineFunc. A panic stops here (it must
// not unwind through C frames): the deadline then traps.
//
//export keelGoDeadline
func keelGoDeadline(env C.uintptr_t, extend *C.uint64_t) (ok C.bool) {
	st, _ := cgo.Handle(env).Value().(*deadlineState)
	if st == nil || st.fn == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	n, more := st.fn()
	if !more || n == 0 {
		return false
	}
	*extend = C.uint64_t(n)
	return true
}

// keelGoHostFuncDelete is the C finalizer of a Go host function: its store
// is being freed, so its hostTable number is released.
//
//export keelGoHostFuncDelete
func keelGoHostFuncDelete(env C.uintptr_t) {
	hostUnregister(uintptr(env))
}
