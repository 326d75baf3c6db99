package keel

/*
#include <keel.h>
// The payload of a Go host error is a runtime/cgo.Handle (an integer), so
// it crosses as uintptr_t and never sits in a Go pointer variable.
static uintptr_t keel_go_peek_payload(keel_error *e) {
	return (uintptr_t)keel_error_host_payload(e);
}
static uintptr_t keel_go_take_payload(keel_error *e) {
	return (uintptr_t)keel_error_take_host_payload(e);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"strings"
)

// ErrorKind is the kind of a C error (keel_errkind). Callers must tolerate
// kinds this package does not name.
type ErrorKind uint32

// Error kinds (keel/error.h). The numbers are ABI.
const (
	KindInvalidArgument ErrorKind = C.KEEL_ERROR_INVALID_ARGUMENT
	KindMalformed       ErrorKind = C.KEEL_ERROR_MALFORMED
	KindInvalid         ErrorKind = C.KEEL_ERROR_INVALID
	KindUnlinkable      ErrorKind = C.KEEL_ERROR_UNLINKABLE
	KindTrap            ErrorKind = C.KEEL_ERROR_TRAP
	KindOutOfMemory     ErrorKind = C.KEEL_ERROR_OUT_OF_MEMORY
	KindBusy            ErrorKind = C.KEEL_ERROR_BUSY
	KindStoreMismatch   ErrorKind = C.KEEL_ERROR_STORE_MISMATCH
	KindIO              ErrorKind = C.KEEL_ERROR_IO
	KindHost            ErrorKind = C.KEEL_ERROR_HOST
	KindExit            ErrorKind = C.KEEL_ERROR_EXIT
	KindException       ErrorKind = C.KEEL_ERROR_EXCEPTION
	KindInvalidHandle   ErrorKind = C.KEEL_ERROR_INVALID_HANDLE
	KindUnsupported     ErrorKind = C.KEEL_ERROR_UNSUPPORTED
	KindLimit           ErrorKind = C.KEEL_ERROR_LIMIT
	KindInternal        ErrorKind = C.KEEL_ERROR_INTERNAL
)

func (k ErrorKind) String() string { return C.GoString(C.keel_error_kind_name(C.keel_errkind(k))) }

// TrapCode says why the guest trapped (keel_trapcode). Callers must tolerate
// codes this package does not name.
type TrapCode uint32

// Trap codes (keel/error.h). The numbers are ABI.
const (
	TrapUnreachable          TrapCode = C.KEEL_TRAP_UNREACHABLE
	TrapMemoryOutOfBounds    TrapCode = C.KEEL_TRAP_MEMORY_OUT_OF_BOUNDS
	TrapTableOutOfBounds     TrapCode = C.KEEL_TRAP_TABLE_OUT_OF_BOUNDS
	TrapUndefinedElement     TrapCode = C.KEEL_TRAP_UNDEFINED_ELEMENT
	TrapUninitializedElement TrapCode = C.KEEL_TRAP_UNINITIALIZED_ELEMENT
	TrapIndirectCallType     TrapCode = C.KEEL_TRAP_INDIRECT_CALL_TYPE
	TrapIntegerOverflow      TrapCode = C.KEEL_TRAP_INTEGER_OVERFLOW
	TrapIntegerDivideByZero  TrapCode = C.KEEL_TRAP_INTEGER_DIVIDE_BY_ZERO
	TrapInvalidConversion    TrapCode = C.KEEL_TRAP_INVALID_CONVERSION
	TrapStackExhausted       TrapCode = C.KEEL_TRAP_STACK_EXHAUSTED
	TrapNullReference        TrapCode = C.KEEL_TRAP_NULL_REFERENCE
	TrapCastFailure          TrapCode = C.KEEL_TRAP_CAST_FAILURE
	TrapArrayOutOfBounds     TrapCode = C.KEEL_TRAP_ARRAY_OUT_OF_BOUNDS
	TrapAllocationFailed     TrapCode = C.KEEL_TRAP_ALLOCATION_FAILED
	TrapUnalignedAtomic      TrapCode = C.KEEL_TRAP_UNALIGNED_ATOMIC
	TrapInterrupted          TrapCode = C.KEEL_TRAP_INTERRUPTED
	TrapOutOfFuel            TrapCode = C.KEEL_TRAP_OUT_OF_FUEL
	TrapDeadline             TrapCode = C.KEEL_TRAP_DEADLINE
	TrapUncaughtException    TrapCode = C.KEEL_TRAP_UNCAUGHT_EXCEPTION
	TrapHost                 TrapCode = C.KEEL_TRAP_HOST
)

func (c TrapCode) String() string { return C.GoString(C.keel_trap_code_message(C.keel_trapcode(c))) }

// Frame is one frame of a trap's backtrace.
type Frame struct {
	FuncIndex  uint32 // in the module's function index space
	FuncName   string // from the name section; "" when unknown
	ModuleName string // from the name section; "" when unknown
	Offset     uint32 // byte offset in the module binary; ^uint32(0) when unknown
}

// Trap is the error of a call whose guest trapped (or was interrupted).
type Trap struct {
	Code    TrapCode
	Message string
	Frames  []Frame // innermost first
	// Cause is the context's cause when a cancelled context interrupted
	// the call (errors.Is(err, context.Canceled) then holds).
	Cause error
	// hostMade marks a trap made by NewTrap for a host function to return.
	hostMade bool
}

// NewTrap makes a trap for a Go host function to return: the wasm call
// unwinds and Call returns a *Trap with code TrapHost and this message
// ("host trap" when empty).
func NewTrap(message string) error {
	return &Trap{Code: TrapHost, Message: message, hostMade: true}
}

// Unwrap gives Cause.
func (t *Trap) Unwrap() error { return t.Cause }

func (t *Trap) Error() string {
	if len(t.Frames) == 0 {
		return "wasm trap: " + t.Message
	}
	var b strings.Builder
	b.WriteString("wasm trap: ")
	b.WriteString(t.Message)
	for i, f := range t.Frames {
		name := f.FuncName
		if name == "" {
			name = fmt.Sprintf("func[%d]", f.FuncIndex)
		}
		fmt.Fprintf(&b, "\n  %d: %s", i, name)
		if f.Offset != ^uint32(0) {
			fmt.Fprintf(&b, " @0x%x", f.Offset)
		}
	}
	return b.String()
}

// Kind is KindTrap.
func (t *Trap) Kind() ErrorKind { return KindTrap }

// MalformedError: module bytes or text that do not decode.
type MalformedError struct {
	Message string
	Offset  int64 // byte offset in the binary; -1 when unknown
}

func (e *MalformedError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("malformed module at offset %d: %s", e.Offset, e.Message)
	}
	return "malformed module: " + e.Message
}

// Kind is KindMalformed.
func (e *MalformedError) Kind() ErrorKind { return KindMalformed }

// InvalidError: a module that decodes but fails validation.
type InvalidError struct {
	Message string
	Offset  int64 // byte offset in the binary; -1 when unknown
}

func (e *InvalidError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("invalid module at offset %d: %s", e.Offset, e.Message)
	}
	return "invalid module: " + e.Message
}

// Kind is KindInvalid.
func (e *InvalidError) Kind() ErrorKind { return KindInvalid }

// LinkError: imports that do not resolve or do not match.
type LinkError struct {
	ErrKind ErrorKind // KindUnlinkable
	Message string
}

func (e *LinkError) Error() string { return "link error: " + e.Message }

// Kind is KindUnlinkable.
func (e *LinkError) Kind() ErrorKind { return e.ErrKind }

// ExitError: the guest asked to exit (WASI proc_exit).
type ExitError struct{ Code int32 }

func (e *ExitError) Error() string { return fmt.Sprintf("wasm exit with code %d", e.Code) }

// Kind is KindExit.
func (e *ExitError) Kind() ErrorKind { return KindExit }

// PanicError is what Call returns when a Go host function panicked: the
// panic stopped at the host function's boundary (it never unwinds through
// C frames) and comes back out of the outermost Call as this error.
type PanicError struct {
	Value any    // the value given to panic
	Stack []byte // the host goroutine's stack at the panic
}

func (e *PanicError) Error() string { return fmt.Sprintf("host function panicked: %v", e.Value) }

// Unwrap gives the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// Error is every other failure of the C library (invalid argument, busy,
// out of memory, limits, ...), and the binding's own argument errors.
type Error struct {
	Kind    ErrorKind
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("keel: %s: %s", e.Kind, e.Message) }

// ErrClosed is returned (wrapped in *Error of KindInvalidHandle) when an
// object is used after Close.
var ErrClosed = errors.New("use of closed keel object")

// closedErr reports use after Close of an object of the named sort.
func closedErr(what string) error {
	return &closedError{what: what}
}

type closedError struct{ what string }

func (e *closedError) Error() string        { return "keel: " + e.what + " is closed or nil" }
func (e *closedError) Is(target error) bool { return target == ErrClosed }

// Kind is KindInvalidHandle.
func (e *closedError) Kind() ErrorKind { return KindInvalidHandle }

func argErr(format string, args ...any) error {
	return &Error{Kind: KindInvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// hostPayload is what a Go host error carries through C (as a cgo.Handle).
type hostPayload struct{ err error }

// goPayload gives the payload behind a handle number, or nil when the
// number is not a live handle of a *hostPayload.
func goPayload(u uintptr) (hp *hostPayload) {
	if u == 0 {
		return nil
	}
	defer func() {
		if recover() != nil { // not a live cgo.Handle
			hp = nil
		}
	}()
	hp, _ = cgo.Handle(u).Value().(*hostPayload)
	return hp
}

// takeError converts an owned keel_error into a Go error and frees it.
// A host error carrying a Go payload (an error or panic that a Go host
// function returned) gives back that very Go value.
func takeError(e *C.keel_error) error {
	if e == nil {
		return nil
	}
	defer C.keel_error_free(e)
	kind := ErrorKind(C.keel_error_kind(e))
	msg := C.GoString(C.keel_error_message(e))
	switch kind {
	case KindTrap:
		t := &Trap{Code: TrapCode(C.keel_error_trap_code(e)), Message: msg}
		n := int(C.keel_error_frame_count(e))
		if n > 0 {
			t.Frames = make([]Frame, n)
			for i := range t.Frames {
				ci := C.size_t(i)
				f := &t.Frames[i]
				f.FuncIndex = uint32(C.keel_error_frame_func_index(e, ci))
				f.Offset = uint32(C.keel_error_frame_offset(e, ci))
				if s := C.keel_error_frame_func_name(e, ci); s != nil {
					f.FuncName = C.GoString(s)
				}
				if s := C.keel_error_frame_module_name(e, ci); s != nil {
					f.ModuleName = C.GoString(s)
				}
			}
		}
		return t
	case KindMalformed:
		return &MalformedError{Message: msg, Offset: int64(C.keel_error_offset(e))}
	case KindInvalid:
		return &InvalidError{Message: msg, Offset: int64(C.keel_error_offset(e))}
	case KindUnlinkable:
		return &LinkError{ErrKind: kind, Message: msg}
	case KindExit:
		return &ExitError{Code: int32(C.keel_error_exit_code(e))}
	case KindHost:
		// Only a payload this binding made is taken: another host (a C
		// host module) may attach its own pointer, which is left to the
		// error's finalizer.
		if hp := goPayload(uintptr(C.keel_go_peek_payload(e))); hp != nil {
			cgo.Handle(C.keel_go_take_payload(e)).Delete()
			return hp.err
		}
	}
	return &Error{Kind: kind, Message: msg}
}
