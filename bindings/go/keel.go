// Package keel is the Go binding of Keel, a WebAssembly runtime with a
// stable C ABI (keel.h). It is a thin cgo layer: every object is a handle of
// the C library, found through pkg-config ("keel").
//
// # Objects and ownership
//
// An Engine compiles Modules; both are immutable and may be shared by any
// number of goroutines. A Store owns every runtime object made in it
// (instances, functions, memories, tables, globals). Each Go object holds
// one reference of its C handle and releases it in Close, or, as a fallback,
// in a cleanup (runtime.AddCleanup) when the garbage collector finds it
// unreachable. Cleanups run on their own goroutine in no particular order;
// that is safe because the C ABI reference-counts everything (a handle of a
// store object keeps the store alive, a running call keeps its store alive).
// Close is idempotent and safe to call concurrently with other methods: a
// call in progress keeps the handle until it returns.
//
// # Goroutines
//
// Engines and modules: any goroutine, at once. A Store: any goroutine; the
// C library lets one call run inside a store at a time and makes the others
// wait (calls in different stores run in parallel). A Linker is guarded by
// a mutex and may be shared too.
//
// # Cancellation
//
// Func.Call takes a context.Context. When the context can be cancelled, a
// cancellation interrupts the running wasm code with keel_store_interrupt:
// the call traps with TrapInterrupted at the next function entry or loop
// back-edge (not in the middle of a host function or of a long memory.copy).
// The store stays usable. A cancellation that fires as the call returns is
// withdrawn (keel_store_interrupt_clear) so it never hits the next call.
//
// # Execution control, code cache, WASI
//
// Store.SetFuel meters execution; Engine.IncrementEpoch with
// Store.SetEpochDeadline gives cheap timeouts; Store.Sample shows where a
// running guest is from another goroutine. WithCacheDir gives an engine a
// compiled-code file cache; Module.Serialize and DeserializeModule move
// compiled modules between processes. WASIConfig, Linker.DefineWASI and
// RunWASI run wasm32-wasi programs with captured or redirected streams.
package keel

/*
#cgo pkg-config: keel
#include <keel.h>
*/
import "C"

import (
	"fmt"
	"sync"
)

// ABIMajor and ABIMinor are the ABI version this package was written
// against. The loaded library must have the same major version and at least
// this minor version.
const (
	ABIMajor = 1
	ABIMinor = 1
)

var (
	abiOnce sync.Once
	abiErr  error
)

// checkABI compares keel_abi_version() of the loaded library with the
// version this package expects. It runs once, on first use (every object is
// made from an Engine or by a package-level function that calls it).
func checkABI() error {
	abiOnce.Do(func() {
		v := uint32(C.keel_abi_version())
		major, minor := v>>16, v&0xffff
		if major != ABIMajor || minor < ABIMinor {
			abiErr = &Error{Kind: KindUnsupported, Message: fmt.Sprintf(
				"libkeel ABI %d.%d is not compatible with this binding (needs %d.%d or a later minor)",
				major, minor, ABIMajor, ABIMinor)}
		}
	})
	return abiErr
}

// ABIVersion reports the ABI version of the loaded C library.
func ABIVersion() (major, minor uint32) {
	v := uint32(C.keel_abi_version())
	return v >> 16, v & 0xffff
}

// Version is the release version of the loaded C library, e.g. "0.1.0".
func Version() string { return C.GoString(C.keel_version()) }

// ValKind is the kind of a WebAssembly value. Numbers match keel_valkind.
type ValKind uint32

// Value kinds (keel/val.h).
const (
	I32       ValKind = C.KEEL_I32
	I64       ValKind = C.KEEL_I64
	F32       ValKind = C.KEEL_F32
	F64       ValKind = C.KEEL_F64
	V128Kind  ValKind = C.KEEL_V128
	FuncRef   ValKind = C.KEEL_FUNCREF
	ExternRef ValKind = C.KEEL_EXTERNREF
	AnyRef    ValKind = C.KEEL_ANYREF
	ExnRef    ValKind = C.KEEL_EXNREF
)

func (k ValKind) String() string {
	switch k {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128Kind:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	case AnyRef:
		return "anyref"
	case ExnRef:
		return "exnref"
	}
	return fmt.Sprintf("valkind(%d)", uint32(k))
}

// V128 is a 128-bit vector value, little-endian (lane 0 first).
type V128 [16]byte

// LiveHandles reports how many C handles of every kind are alive in the
// process (keel_debug_live_handles(KEEL_HANDLE_ALL)). Tests use it to show
// that nothing leaked once every object is closed or collected.
func LiveHandles() int { return int(C.keel_debug_live_handles(C.KEEL_HANDLE_ALL)) }

// LiveStores reports how many stores are alive in the process.
func LiveStores() int { return int(C.keel_debug_live_stores()) }

// SetDebugGuard turns the C library's handle guard on or off for the whole
// process (keel_debug_set_guard): stale handles are then reported instead of
// corrupting memory. For tests only: released handles are quarantined.
func SetDebugGuard(on bool) {
	v := C.int(0)
	if on {
		v = 1
	}
	C.keel_debug_set_guard(v)
}
