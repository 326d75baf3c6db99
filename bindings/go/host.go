package keel

/*
#include <stdlib.h>
#include <keel.h>
extern keel_error *keelGoHostCall(uintptr_t env, keel_caller *caller, keel_val *args, size_t nargs,
                                  keel_val *results, size_t nresults);
extern void keelGoDeleteHandle(uintptr_t h);
extern void keelGoHostFuncDelete(uintptr_t env);

// C-typed wrappers: the callback and finalizer types of keel.h take 'void *'
// while the Go side passes a runtime/cgo.Handle (an integer) as uintptr_t.
static keel_error *keel_go_trampoline(void *env, keel_caller *caller, const keel_val *args,
                                      size_t nargs, keel_val *results, size_t nresults) {
	return keelGoHostCall((uintptr_t)env, caller, (keel_val *)args, nargs, results, nresults);
}
static void keel_go_handle_finalizer(void *env) { keelGoDeleteHandle((uintptr_t)env); }
static void keel_go_hostfunc_finalizer(void *env) { keelGoHostFuncDelete((uintptr_t)env); }
// env is a hostTable number (hosttable.go), not a cgo.Handle.
static keel_error *keel_go_func_new(keel_store *s, const keel_functype *t, uintptr_t env,
                                    keel_func **out) {
	return keel_func_new(s, t, keel_go_trampoline, (void *)env, keel_go_hostfunc_finalizer, out);
}
static keel_error *keel_go_host_error(uintptr_t payload, const char *msg) {
	return keel_error_new_host((void *)payload, keel_go_handle_finalizer, msg);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/cgo"
	"runtime/debug"
	"unsafe"
)

// HostFunc is the general form of a Go host function: it gets the
// arguments as Go values (see val.go) and returns one Go value per result.
// Returning an error unwinds the wasm call; the outermost Call returns that
// same error (NewTrap makes a wasm trap instead).
type HostFunc func(c *Caller, args []any) ([]any, error)

// Caller is the context of a host function call: the store and the
// instance whose code called it. Valid only until the host function returns.
type Caller struct {
	c *C.keel_caller
}

// Store gives the store the host function runs in (a new Go reference;
// valid after the call too).
func (c *Caller) Store() (*Store, error) {
	if c == nil || c.c == nil {
		return nil, closedErr("caller")
	}
	var p *C.keel_store
	if err := takeError(C.keel_caller_store(c.c, &p)); err != nil {
		return nil, err
	}
	return wrapStore(p, nil), nil
}

// Memory looks up an exported memory of the calling instance (e.g. "memory").
func (c *Caller) Memory(name string) (*Memory, error) {
	e, st, err := c.export(name)
	if err != nil {
		return nil, err
	}
	m := C.keel_extern_as_memory(e)
	if m == nil {
		C.keel_extern_release(e)
		return nil, argErr("export %q is not a memory", name)
	}
	return wrapMemory(m, st), nil
}

// Func looks up an exported function of the calling instance.
func (c *Caller) Func(name string) (*Func, error) {
	e, st, err := c.export(name)
	if err != nil {
		return nil, err
	}
	f := C.keel_extern_as_func(e)
	if f == nil {
		C.keel_extern_release(e)
		return nil, argErr("export %q is not a function", name)
	}
	return wrapFunc(f, st), nil
}

func (c *Caller) export(name string) (*C.keel_extern, *Store, error) {
	st, err := c.Store()
	if err != nil {
		return nil, nil, err
	}
	n, l := cName(name)
	var e *C.keel_extern
	if err := takeError(C.keel_caller_export(c.c, n, l, &e)); err != nil {
		return nil, nil, err
	}
	return e, st, nil
}

// hostFunc is what a host function's hostTable entry names. It must not refer
// to any Store: the handle lives until the store is freed, and a reference
// from it would keep the store's Go object, and so the store, alive forever.
type hostFunc struct {
	ty   FuncType
	call func(c *C.keel_caller, args, results []C.keel_val) error
}

// invoke runs the Go function and converts its outcome for C. A panic stops
// here: it becomes a host error whose payload is the *PanicError.
func (hf *hostFunc) invoke(c *C.keel_caller, args, results []C.keel_val) (ret *C.keel_error) {
	defer func() {
		if p := recover(); p != nil {
			ret = hostError(&PanicError{Value: p, Stack: debug.Stack()})
		}
	}()
	if len(args) != len(hf.ty.Params) || len(results) != len(hf.ty.Results) {
		return C.keel_error_new_trap(nil)
	}
	if err := hf.call(c, args, results); err != nil {
		return hostError(err)
	}
	return nil
}

// hostError turns a Go error into the keel_error a callback returns.
func hostError(err error) *C.keel_error {
	var t *Trap
	if errors.As(err, &t) && t.hostMade {
		if t.Message == "" {
			return C.keel_error_new_trap(nil)
		}
		m := C.CString(t.Message)
		defer C.free(unsafe.Pointer(m))
		return C.keel_error_new_trap(m)
	}
	var x *ExitError
	if errors.As(err, &x) {
		return C.keel_error_new_exit(C.int32_t(x.Code))
	}
	// Any other error travels as the error's payload (per call, never in a
	// global) and comes back out of the outermost Call unchanged.
	h := cgo.NewHandle(&hostPayload{err: err})
	m := C.CString(err.Error())
	defer C.free(unsafe.Pointer(m))
	return C.keel_go_host_error(C.uintptr_t(h), m)
}

// newHostFunc makes a host function in store sp.
func newHostFunc(sp *C.keel_store, hf *hostFunc, st *Store) (*Func, error) {
	ct, err := hf.ty.newC()
	if err != nil {
		return nil, err
	}
	defer C.keel_functype_free(ct)
	env := hostRegister(hf)
	if env == 0 {
		return nil, &Error{Kind: KindLimit, Message: "too many Go host functions alive"}
	}
	var p *C.keel_func
	if err := takeError(C.keel_go_func_new(sp, ct, C.uintptr_t(env), &p)); err != nil {
		hostUnregister(env) // the finalizer is not called on failure (keel/func.h)
		return nil, err
	}
	f := wrapFunc(p, st)
	t := hf.ty
	f.ty.Store(&t)
	return f, nil
}

// NewFunc creates a host function in the store from a typed Go function
// (see Linker.DefineFunc for the accepted forms).
func (s *Store) NewFunc(fn any) (*Func, error) {
	hf, err := hostFuncOf(fn)
	if err != nil {
		return nil, err
	}
	return s.newFunc(hf)
}

// NewFuncType creates a host function of an explicit type (the general form).
func (s *Store) NewFuncType(ty FuncType, fn HostFunc) (*Func, error) {
	hf, err := generalHostFunc(ty, fn)
	if err != nil {
		return nil, err
	}
	return s.newFunc(hf)
}

func (s *Store) newFunc(hf *hostFunc) (*Func, error) {
	sp, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	return newHostFunc(sp, hf, s)
}

// callerStore gives the C store of a callback (a new reference; release it).
func callerStore(c *C.keel_caller) *C.keel_store {
	var p *C.keel_store
	if e := C.keel_caller_store(c, &p); e != nil {
		C.keel_error_free(e)
		return nil
	}
	return p
}

// refArgStore gives the Go store that reference arguments of a callback
// belong to (a *Func argument needs it to be called with a context or
// given extern references), or nil when the function takes no references.
func refArgStore(c *C.keel_caller, params []ValKind) *Store {
	for _, k := range params {
		if k == FuncRef || k == AnyRef || k == ExnRef {
			if p := callerStore(c); p != nil {
				return wrapStore(p, nil)
			}
			return nil
		}
	}
	return nil
}

// writeResults converts Go results of a host function into results owned
// by Keel: extern references are made in the caller's store, functions retained.
func writeResults(c *C.keel_caller, kinds []ValKind, vals []any, out []C.keel_val) error {
	if len(vals) != len(kinds) {
		return fmt.Errorf("keel: host function returned %d results, its type has %d", len(vals), len(kinds))
	}
	// Numbers and vectors need no store, no pins and no references: the
	// common case writes them directly (no allocation on this path).
	numeric := true
	for i, k := range kinds {
		if k > V128Kind {
			numeric = false
			break
		}
		if err := toC(vals[i], k, nil, &out[i], nil); err != nil {
			return err
		}
	}
	if numeric {
		return nil
	}
	return writeRefResults(c, kinds, vals, out)
}

// writeResults for results that include references.
func writeRefResults(c *C.keel_caller, kinds []ValKind, vals []any, out []C.keel_val) error {
	var sp *C.keel_store
	defer func() {
		if sp != nil {
			C.keel_store_release(sp)
		}
	}()
	var pins argPins
	defer pins.done()
	for i, k := range kinds {
		if k == ExternRef && vals[i] != nil && sp == nil {
			if sp = callerStore(c); sp == nil {
				return errors.New("keel: no store for an externref result")
			}
		}
		if err := toC(vals[i], k, sp, &out[i], &pins); err != nil {
			return err
		}
		// toC lends references for the call; a result is given to Keel, so
		// it takes its own reference (pins.done drops ours).
		switch k {
		case FuncRef:
			if p := *valPtr[*C.keel_func](&out[i]); p != nil {
				C.keel_func_retain(p)
			}
		case ExternRef:
			if p := *valPtr[*C.keel_externref](&out[i]); p != nil {
				C.keel_externref_retain(p)
			}
		case AnyRef:
			if p := *valPtr[*C.keel_ref](&out[i]); p != nil {
				C.keel_ref_retain(p)
			}
		case ExnRef:
			if p := *valPtr[*C.keel_exn](&out[i]); p != nil {
				C.keel_exn_retain(p)
			}
		}
	}
	return nil
}

func generalHostFunc(ty FuncType, fn HostFunc) (*hostFunc, error) {
	if fn == nil {
		return nil, argErr("nil host function")
	}
	ty = FuncType{Params: append([]ValKind(nil), ty.Params...), Results: append([]ValKind(nil), ty.Results...)}
	for _, k := range append(append([]ValKind(nil), ty.Params...), ty.Results...) {
		if k > ExnRef {
			return nil, argErr("unknown value kind %s", k)
		}
	}
	return &hostFunc{ty: ty, call: func(c *C.keel_caller, args, results []C.keel_val) error {
		st := refArgStore(c, ty.Params)
		in := make([]any, len(args))
		for i := range args {
			in[i] = fromC(&args[i], st, false)
		}
		out, err := fn(&Caller{c: c}, in)
		if err != nil {
			return err
		}
		return writeResults(c, ty.Results, out, results)
	}}, nil
}

// hostFuncOf builds a host function from a typed Go function. Common
// signatures take a fast path without reflection.
func hostFuncOf(fn any) (*hostFunc, error) {
	switch f := fn.(type) {
	case nil:
		return nil, argErr("nil host function")
	case HostFunc:
		return nil, argErr("a HostFunc needs its type: use DefineFuncType / NewFuncType")
	case func():
		return &hostFunc{ty: FuncType{}, call: func(_ *C.keel_caller, _, _ []C.keel_val) error {
			f()
			return nil
		}}, nil
	case func(int32):
		return &hostFunc{ty: FuncType{Params: []ValKind{I32}}, call: func(_ *C.keel_caller, a, _ []C.keel_val) error {
			f(getI32(&a[0]))
			return nil
		}}, nil
	case func() int32:
		return &hostFunc{ty: FuncType{Results: []ValKind{I32}}, call: func(_ *C.keel_caller, _, r []C.keel_val) error {
			setI32(&r[0], f())
			return nil
		}}, nil
	case func(int32) int32:
		return &hostFunc{ty: FuncType{Params: []ValKind{I32}, Results: []ValKind{I32}}, call: func(_ *C.keel_caller, a, r []C.keel_val) error {
			setI32(&r[0], f(getI32(&a[0])))
			return nil
		}}, nil
	case func(int32, int32) int32:
		return &hostFunc{ty: FuncType{Params: []ValKind{I32, I32}, Results: []ValKind{I32}}, call: func(_ *C.keel_caller, a, r []C.keel_val) error {
			setI32(&r[0], f(getI32(&a[0]), getI32(&a[1])))
			return nil
		}}, nil
	case func(int64, int64) int64:
		return &hostFunc{ty: FuncType{Params: []ValKind{I64, I64}, Results: []ValKind{I64}}, call: func(_ *C.keel_caller, a, r []C.keel_val) error {
			setI64(&r[0], f(getI64(&a[0]), getI64(&a[1])))
			return nil
		}}, nil
	case func(float64, float64) float64:
		return &hostFunc{ty: FuncType{Params: []ValKind{F64, F64}, Results: []ValKind{F64}}, call: func(_ *C.keel_caller, a, r []C.keel_val) error {
			setF64(&r[0], f(getF64(&a[0]), getF64(&a[1])))
			return nil
		}}, nil
	case func(float32, float32) float32:
		return &hostFunc{ty: FuncType{Params: []ValKind{F32, F32}, Results: []ValKind{F32}}, call: func(_ *C.keel_caller, a, r []C.keel_val) error {
			setF32(&r[0], f(getF32(&a[0]), getF32(&a[1])))
			return nil
		}}, nil
	}
	return reflectHostFunc(fn)
}

var (
	typeCaller  = reflect.TypeOf((*Caller)(nil))
	typeError   = reflect.TypeOf((*error)(nil)).Elem()
	typeFunc    = reflect.TypeOf((*Func)(nil))
	typeRef     = reflect.TypeOf((*Ref)(nil))
	typeV128    = reflect.TypeOf(V128{})
	typeFloat32 = reflect.TypeOf(float32(0))
)

// kindOfGoType maps a Go parameter or result type to a wasm value kind.
func kindOfGoType(t reflect.Type) (ValKind, bool) {
	switch t {
	case typeFunc:
		return FuncRef, true
	case typeRef:
		return AnyRef, true
	case typeV128:
		return V128Kind, true
	}
	switch t.Kind() {
	case reflect.Int32, reflect.Uint32:
		return I32, true
	case reflect.Int64, reflect.Uint64:
		return I64, true
	case reflect.Float32:
		return F32, true
	case reflect.Float64:
		return F64, true
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return ExternRef, true
		}
	}
	return 0, false
}

// reflectHostFunc accepts any func whose parameters are int32, uint32,
// int64, uint64, float32, float64, V128, *Func, *Ref or an empty interface
// (externref), optionally preceded by *Caller, and whose results are of the
// same types, optionally followed by an error.
func reflectHostFunc(fn any) (*hostFunc, error) {
	v := reflect.ValueOf(fn)
	t := v.Type()
	if t.Kind() != reflect.Func || v.IsNil() {
		return nil, argErr("host function must be a func, got %T", fn)
	}
	if t.IsVariadic() {
		return nil, argErr("host function %T must not be variadic", fn)
	}
	var ty FuncType
	first := 0
	if t.NumIn() > 0 && t.In(0) == typeCaller {
		first = 1
	}
	for i := first; i < t.NumIn(); i++ {
		k, ok := kindOfGoType(t.In(i))
		if !ok {
			return nil, argErr("host function parameter %d has unsupported type %s", i, t.In(i))
		}
		ty.Params = append(ty.Params, k)
	}
	nout := t.NumOut()
	hasErr := nout > 0 && t.Out(nout-1) == typeError
	if hasErr {
		nout--
	}
	for i := 0; i < nout; i++ {
		k, ok := kindOfGoType(t.Out(i))
		if !ok {
			return nil, argErr("host function result %d has unsupported type %s", i, t.Out(i))
		}
		ty.Results = append(ty.Results, k)
	}
	// Numeric parameters are set in one struct allocated per call (one
	// allocation for all of them, instead of a boxed value plus a Convert
	// per parameter); numeric results are written straight to C.
	var fields []reflect.StructField
	argField := make([]int, len(ty.Params)) // field of a numeric parameter, or -1
	for i, k := range ty.Params {
		argField[i] = -1
		if k <= F64 {
			argField[i] = len(fields)
			fields = append(fields, reflect.StructField{Name: fmt.Sprintf("P%d", i), Type: t.In(first + i)})
		}
	}
	var argsType reflect.Type
	if len(fields) > 0 {
		argsType = reflect.StructOf(fields)
	}
	// f32 results take the general path: float32 -> float64 -> float32
	// would quiet a signalling NaN.
	numericResults := true
	for _, k := range ty.Results {
		if k > F64 || k == F32 {
			numericResults = false
		}
	}
	hasRefParam := false
	for _, k := range ty.Params {
		if k == FuncRef || k == AnyRef || k == ExnRef {
			hasRefParam = true
		}
	}
	nin := t.NumIn()
	return &hostFunc{ty: ty, call: func(c *C.keel_caller, args, results []C.keel_val) error {
		in := make([]reflect.Value, nin)
		if first == 1 {
			in[0] = reflect.ValueOf(&Caller{c: c})
		}
		var st *Store
		if hasRefParam {
			st = refArgStore(c, ty.Params)
		}
		var box reflect.Value
		if argsType != nil {
			box = reflect.New(argsType).Elem()
		}
		for i := range args {
			pt := t.In(first + i)
			if f := argField[i]; f >= 0 {
				fv := box.Field(f)
				a := &args[i]
				switch pt.Kind() {
				case reflect.Int32:
					fv.SetInt(int64(getI32(a)))
				case reflect.Uint32:
					fv.SetUint(uint64(uint32(getI32(a))))
				case reflect.Int64:
					fv.SetInt(getI64(a))
				case reflect.Uint64:
					fv.SetUint(uint64(getI64(a)))
				case reflect.Float32:
					// Stored as bits: SetFloat goes through float64,
					// which would quiet a signalling NaN.
					*(*float32)(fv.Addr().UnsafePointer()) = getF32(a)
				case reflect.Float64:
					*(*float64)(fv.Addr().UnsafePointer()) = getF64(a)
				}
				in[first+i] = fv
				continue
			}
			x := fromC(&args[i], st, false)
			if x == nil {
				in[first+i] = reflect.Zero(pt)
			} else {
				in[first+i] = reflect.ValueOf(x).Convert(pt)
			}
		}
		out := v.Call(in)
		if hasErr {
			if e := out[nout]; !e.IsNil() {
				return e.Interface().(error)
			}
		}
		if numericResults {
			for i := 0; i < nout; i++ {
				r := out[i]
				switch r.Kind() {
				case reflect.Int32:
					setI32(&results[i], int32(r.Int()))
				case reflect.Uint32:
					setI32(&results[i], int32(uint32(r.Uint())))
				case reflect.Int64:
					setI64(&results[i], r.Int())
				case reflect.Uint64:
					setI64(&results[i], int64(r.Uint()))
				case reflect.Float64:
					setF64(&results[i], r.Float())
				}
			}
			return nil
		}
		vals := make([]any, nout)
		for i := 0; i < nout; i++ {
			switch ty.Results[i] {
			case I32:
				if out[i].Kind() == reflect.Uint32 {
					vals[i] = int32(uint32(out[i].Uint()))
				} else {
					vals[i] = int32(out[i].Int())
				}
			case I64:
				if out[i].Kind() == reflect.Uint64 {
					vals[i] = int64(out[i].Uint())
				} else {
					vals[i] = out[i].Int()
				}
			case F32:
				vals[i] = out[i].Convert(typeFloat32).Interface() // exact bits
			case F64:
				vals[i] = out[i].Float()
			default:
				if isNilValue(out[i]) {
					vals[i] = nil
				} else {
					vals[i] = out[i].Interface()
				}
			}
		}
		return writeResults(c, ty.Results, vals, results)
	}}, nil
}

func isNilValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
