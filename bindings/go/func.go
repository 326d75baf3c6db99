package keel

/*
#include <keel.h>
*/
import "C"

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// FuncType is a function's signature.
type FuncType struct {
	Params  []ValKind
	Results []ValKind
}

func funcTypeFromC(t *C.keel_functype) *FuncType {
	if t == nil {
		return nil
	}
	ft := &FuncType{
		Params:  make([]ValKind, int(C.keel_functype_param_count(t))),
		Results: make([]ValKind, int(C.keel_functype_result_count(t))),
	}
	for i := range ft.Params {
		ft.Params[i] = ValKind(C.keel_valtype_kind(C.keel_functype_param(t, C.size_t(i))))
	}
	for i := range ft.Results {
		ft.Results[i] = ValKind(C.keel_valtype_kind(C.keel_functype_result(t, C.size_t(i))))
	}
	return ft
}

// newCFuncType builds an owned keel_functype (free with keel_functype_free).
func (ft *FuncType) newC() (*C.keel_functype, error) {
	kinds := make([]C.keel_valkind, len(ft.Params)+len(ft.Results)+1)
	for i, k := range ft.Params {
		kinds[i] = C.keel_valkind(k)
	}
	for i, k := range ft.Results {
		kinds[len(ft.Params)+i] = C.keel_valkind(k)
	}
	var t *C.keel_functype
	err := takeError(C.keel_functype_new_kinds(&kinds[0], C.size_t(len(ft.Params)),
		&kinds[len(ft.Params)], C.size_t(len(ft.Results)), &t))
	return t, err
}

// Func is a function of a store: an export of an instance, a host function
// or a funcref value. Call it from any goroutine.
type Func struct {
	h     *handle
	store *Store
	ty    atomic.Pointer[FuncType]
	err   error // set on the placeholder Instance.Func returns for a failed lookup
}

var freeFunc = func(p unsafe.Pointer) { C.keel_func_release((*C.keel_func)(p)) }

// wrapFunc takes ownership of one reference to p.
func wrapFunc(p *C.keel_func, st *Store) *Func {
	f := &Func{store: st}
	f.h = newHandle(f, unsafe.Pointer(p), freeFunc)
	return f
}

// Close releases the function handle (the function itself lives as long as
// its store). Idempotent.
func (f *Func) Close() {
	if f != nil {
		f.h.Close()
	}
}

func (f *Func) acquire() (*C.keel_func, error) {
	if f == nil {
		return nil, closedErr("func")
	}
	if f.err != nil {
		return nil, f.err
	}
	p := f.h.acquireFor(f)
	if p == nil {
		return nil, closedErr("func")
	}
	return (*C.keel_func)(p), nil
}

// typeOf loads the signature once; p must be acquired.
func (f *Func) typeOf(p *C.keel_func) (*FuncType, error) {
	if t := f.ty.Load(); t != nil {
		return t, nil
	}
	var ct *C.keel_functype
	if err := takeError(C.keel_func_type(p, &ct)); err != nil {
		return nil, err
	}
	t := funcTypeFromC(ct)
	C.keel_functype_free(ct)
	f.ty.Store(t)
	return t, nil
}

// Type is the function's signature.
func (f *Func) Type() (*FuncType, error) {
	p, err := f.acquire()
	if err != nil {
		return nil, err
	}
	defer f.h.release()
	return f.typeOf(p)
}

// Call calls the function with Go values (see the table in val.go: int32,
// int64, float32, float64, V128, *Func, any Go value for externref) and
// returns its results the same way.
//
// A trap comes back as *Trap; an error or panic of a Go host function
// underneath comes back as that error (or *PanicError). Call waits while
// another goroutine runs code in the same store. When ctx is cancelled the
// wasm code is interrupted at its next function entry or loop back-edge;
// the error is then a *Trap with code TrapInterrupted that also matches
// errors.Is(err, ctx.Err()).
func (f *Func) Call(ctx context.Context, args ...any) ([]any, error) {
	p, err := f.acquire()
	if err != nil {
		return nil, err
	}
	// No defers on this path: it is the hot one (see BenchmarkCallAdd).
	out, err := f.call(ctx, p, args)
	f.h.release()
	return out, err
}

func (f *Func) call(ctx context.Context, p *C.keel_func, args []any) ([]any, error) {
	ty, err := f.typeOf(p)
	if err != nil {
		return nil, err
	}
	if len(args) != len(ty.Params) {
		return nil, argErr("function takes %d arguments, got %d", len(ty.Params), len(args))
	}
	nres := len(ty.Results)
	// One buffer for arguments and results, in C memory: cgo does not have
	// to check it for Go pointers, and it is reused from call to call (the
	// handle keeps one; see handle.takeScratch).
	n := len(args) + nres
	var vals []C.keel_val
	var buf *C.keel_val
	if n > 0 {
		if n <= scratchVals {
			buf = f.h.takeScratch()
		}
		if buf != nil {
			vals = unsafe.Slice(buf, n)
		} else {
			vals = make([]C.keel_val, n)
		}
	}
	var pins argPins
	out, err := f.callVals(ctx, p, ty, args, vals, &pins)
	pins.done()
	if buf != nil {
		f.h.putScratch(buf)
	}
	return out, err
}

func (f *Func) callVals(ctx context.Context, p *C.keel_func, ty *FuncType, args []any,
	vals []C.keel_val, pins *argPins) ([]any, error) {
	var sp *C.keel_store
	var err error
	for i, a := range args {
		k := ty.Params[i]
		if k == ExternRef && a != nil && sp == nil {
			if sp, err = f.store.acquire(); err != nil {
				return nil, err
			}
			pins.handles = append(pins.handles, f.store.h)
		}
		if err := toC(a, k, sp, &vals[i], pins); err != nil {
			return nil, err
		}
	}
	nres := len(ty.Results)
	var argp, resp *C.keel_val
	if len(args) > 0 {
		argp = &vals[0]
	}
	if nres > 0 {
		resp = &vals[len(args)]
	}
	if err := f.store.callC(ctx, p, argp, C.size_t(len(args)), resp, C.size_t(nres)); err != nil {
		return nil, err
	}
	if nres == 0 {
		return nil, nil
	}
	out := make([]any, nres)
	for i := range out {
		out[i] = fromC(&vals[len(args)+i], f.store, true)
	}
	return out, nil
}

// callC runs keel_func_call with cancellation. Without a cancellable
// context it is one blocking C call. With one, it waits for the store with
// keel_func_try_call (so that a cancellation while waiting interrupts
// nobody), and a context.AfterFunc callback interrupts the store while our
// call runs.
func (s *Store) callC(ctx context.Context, fp *C.keel_func, args *C.keel_val, nargs C.size_t,
	res *C.keel_val, nres C.size_t) error {
	if ctx == nil {
		ctx = context.Background()
	}
	done := ctx.Done()
	if done == nil {
		return takeError(C.keel_func_call(fp, args, nargs, res, nres))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sp, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()

	// 'running' is true only while our call may be inside the store, so a
	// late cancellation does not interrupt someone else's call. 'fired'
	// records that the callback did interrupt: if our call then ended
	// without consuming the request (it returned just before the next
	// check), the request is withdrawn with keel_store_interrupt_clear
	// before anyone else can be waiting on our result, so it never makes
	// the store's next call trap.
	var mu sync.Mutex
	running, fired := false, false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		if running {
			fired = true
			C.keel_store_interrupt(sp)
		}
		mu.Unlock()
	})
	defer stop()
	backoff := time.Microsecond
	var timer *time.Timer
	for {
		// Checked under the lock: either the callback already ran (and we
		// see the cancellation here) or it will see running == true.
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			return context.Cause(ctx)
		}
		running = true
		mu.Unlock()
		cerr := C.keel_func_try_call(fp, args, nargs, res, nres)
		mu.Lock()
		running = false
		if fired && (cerr == nil || C.keel_error_trap_code(cerr) != C.KEEL_TRAP_INTERRUPTED) {
			// Our interrupt is still pending: the call finished (or was
			// busy, or trapped otherwise) before reaching a check.
			C.keel_store_interrupt_clear(sp)
		}
		fired = false
		mu.Unlock()
		if cerr == nil || ErrorKind(C.keel_error_kind(cerr)) != KindBusy {
			err := takeError(cerr)
			if t, ok := err.(*Trap); ok && t.Code == TrapInterrupted && ctx.Err() != nil {
				t.Cause = context.Cause(ctx)
			}
			return err
		}
		C.keel_error_free(cerr)
		// Another goroutine is inside the store: wait a little, but give up
		// when our context ends.
		if timer == nil {
			timer = time.NewTimer(backoff)
			defer timer.Stop()
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-done:
			return context.Cause(ctx)
		case <-timer.C:
		}
		if backoff < 500*time.Microsecond {
			backoff *= 2
		}
	}
}
