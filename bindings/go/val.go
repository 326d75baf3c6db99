package keel

/*
#include <keel.h>
extern void keelGoDeleteHandle(uintptr_t h);
static void keel_go_ref_finalizer(uintptr_t v) { keelGoDeleteHandle(v); }
// An extern reference carries a runtime/cgo.Handle of the Go value; the
// store deletes the handle when it is freed (wasm code may hold the
// reference until then).
static keel_error *keel_go_externref_new(keel_store *s, uintptr_t v, keel_externref **out) {
	return keel_externref_new(s, v, keel_go_ref_finalizer, out);
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime/cgo"
	"unsafe"
)

// Values cross the API as Go values in an 'any':
//
//	i32       int32 (int, uint32 and int64 are accepted when they fit)
//	i64       int64 (int, uint64 accepted)
//	f32       float32 (float64 accepted, rounded); NaN payloads are kept
//	f64       float64
//	v128      V128
//	funcref   *Func, or nil for the null reference
//	externref any Go value, or nil for the null reference
//	anyref    *Ref, or nil
//	exnref    *Ref, or nil
//
// Results come back with exactly those types (int32, int64, float32,
// float64, V128, *Func, the Go value of an externref, *Ref), null
// references as untyped nil.

// The keel_val union is 16 bytes that cgo shows as a byte array; these
// accessors read and write its members.
func valPtr[T any](v *C.keel_val) *T { return (*T)(unsafe.Pointer(&v.of[0])) }

func setI32(v *C.keel_val, x int32) { v.kind = C.KEEL_I32; v.reserved = 0; *valPtr[int32](v) = x }
func setI64(v *C.keel_val, x int64) { v.kind = C.KEEL_I64; v.reserved = 0; *valPtr[int64](v) = x }
func setF32(v *C.keel_val, x float32) {
	v.kind = C.KEEL_F32
	v.reserved = 0
	*valPtr[uint32](v) = math.Float32bits(x)
}
func setF64(v *C.keel_val, x float64) {
	v.kind = C.KEEL_F64
	v.reserved = 0
	*valPtr[uint64](v) = math.Float64bits(x)
}
func getI32(v *C.keel_val) int32   { return *valPtr[int32](v) }
func getI64(v *C.keel_val) int64   { return *valPtr[int64](v) }
func getF32(v *C.keel_val) float32 { return math.Float32frombits(*valPtr[uint32](v)) }
func getF64(v *C.keel_val) float64 { return math.Float64frombits(*valPtr[uint64](v)) }

// argPins holds what a call borrows from Go for its duration: handles of
// *Func/*Ref arguments (counted in so a concurrent Close waits) and the
// extern references made for Go values (released after the call; the store
// keeps the objects).
type argPins struct {
	handles []*handle
	externs []*C.keel_externref
}

func (p *argPins) done() {
	if len(p.handles) == 0 && len(p.externs) == 0 {
		return
	}
	for _, h := range p.handles {
		h.release()
	}
	for _, e := range p.externs {
		C.keel_externref_release(e)
	}
	p.handles, p.externs = nil, nil
}

// toC writes Go value x as a value of kind k into *out. Reference values
// are borrowed by the C call; pins records what to give back afterwards.
func toC(x any, k ValKind, st *C.keel_store, out *C.keel_val, pins *argPins) error {
	switch k {
	case I32:
		switch v := x.(type) {
		case int32:
			setI32(out, v)
		case int:
			if v < math.MinInt32 || v > math.MaxUint32 {
				return argErr("%d does not fit in i32", v)
			}
			setI32(out, int32(uint32(v)))
		case uint32:
			setI32(out, int32(v))
		case int64:
			if v < math.MinInt32 || v > math.MaxUint32 {
				return argErr("%d does not fit in i32", v)
			}
			setI32(out, int32(uint32(v)))
		default:
			return argErr("want i32 (int32), got %T", x)
		}
	case I64:
		switch v := x.(type) {
		case int64:
			setI64(out, v)
		case int:
			setI64(out, int64(v))
		case uint64:
			setI64(out, int64(v))
		case int32:
			setI64(out, int64(v))
		case uint32:
			setI64(out, int64(v))
		default:
			return argErr("want i64 (int64), got %T", x)
		}
	case F32:
		switch v := x.(type) {
		case float32:
			setF32(out, v)
		case float64:
			setF32(out, float32(v))
		default:
			return argErr("want f32 (float32), got %T", x)
		}
	case F64:
		switch v := x.(type) {
		case float64:
			setF64(out, v)
		case float32:
			setF64(out, float64(v))
		default:
			return argErr("want f64 (float64), got %T", x)
		}
	case V128Kind:
		v, ok := x.(V128)
		if !ok {
			return argErr("want v128 (keel.V128), got %T", x)
		}
		out.kind = C.KEEL_V128
		out.reserved = 0
		*valPtr[V128](out) = v
	case FuncRef:
		out.kind = C.KEEL_FUNCREF
		out.reserved = 0
		*valPtr[*C.keel_func](out) = nil
		switch v := x.(type) {
		case nil:
		case *Func:
			if v == nil {
				break
			}
			p, err := v.acquire()
			if err != nil {
				return err
			}
			pins.handles = append(pins.handles, v.h)
			*valPtr[*C.keel_func](out) = p
		default:
			return argErr("want funcref (*keel.Func or nil), got %T", x)
		}
	case ExternRef:
		out.kind = C.KEEL_EXTERNREF
		out.reserved = 0
		*valPtr[*C.keel_externref](out) = nil
		if x == nil {
			break
		}
		if st == nil {
			return argErr("externref needs a store")
		}
		h := cgo.NewHandle(x)
		var e *C.keel_externref
		if err := takeError(C.keel_go_externref_new(st, C.uintptr_t(h), &e)); err != nil {
			h.Delete() // keel_externref_new did not take it
			return err
		}
		pins.externs = append(pins.externs, e)
		*valPtr[*C.keel_externref](out) = e
	case AnyRef, ExnRef:
		out.kind = C.keel_valkind(k)
		out.reserved = 0
		*valPtr[unsafe.Pointer](out) = nil
		switch v := x.(type) {
		case nil:
		case *Ref:
			if v == nil {
				break
			}
			if v.kind != k {
				return argErr("want %s, got a %s reference", k, v.kind)
			}
			p := v.h.acquireFor(v)
			if p == nil {
				return closedErr("reference")
			}
			pins.handles = append(pins.handles, v.h)
			*valPtr[unsafe.Pointer](out) = p
		default:
			return argErr("want %s (*keel.Ref or nil), got %T", k, x)
		}
	default:
		return argErr("unsupported value kind %s", k)
	}
	return nil
}

// fromC converts a value to Go. With owned set, a reference inside it
// belongs to the caller (call results, table and global reads) and is
// consumed; otherwise it is borrowed (host callback arguments) and retained
// if kept.
func fromC(v *C.keel_val, st *Store, owned bool) any {
	switch ValKind(v.kind) {
	case I32:
		return getI32(v)
	case I64:
		return getI64(v)
	case F32:
		return getF32(v)
	case F64:
		return getF64(v)
	case V128Kind:
		return *valPtr[V128](v)
	case FuncRef:
		p := *valPtr[*C.keel_func](v)
		if p == nil {
			return nil
		}
		if !owned {
			p = C.keel_func_retain(p)
		}
		return wrapFunc(p, st)
	case ExternRef:
		p := *valPtr[*C.keel_externref](v)
		if p == nil {
			return nil
		}
		x := externValue(uintptr(C.keel_externref_value(p)))
		if owned {
			C.keel_externref_release(p)
		}
		return x
	case AnyRef:
		p := *valPtr[*C.keel_ref](v)
		if p == nil {
			return nil
		}
		if !owned {
			p = C.keel_ref_retain(p)
		}
		return wrapRef(unsafe.Pointer(p), AnyRef, st)
	case ExnRef:
		p := *valPtr[*C.keel_exn](v)
		if p == nil {
			return nil
		}
		if !owned {
			p = C.keel_exn_retain(p)
		}
		return wrapRef(unsafe.Pointer(p), ExnRef, st)
	}
	// A kind this binding does not know: tolerate it, as keel.h asks.
	if owned {
		C.keel_val_release(v)
	}
	return fmt.Errorf("keel: value of unknown kind %d", uint32(v.kind))
}

// externValue gives the Go value of an extern reference made by this
// binding. Values made by other code in the process are not handles: they
// come back as their number (uintptr).
func externValue(u uintptr) (x any) {
	defer func() {
		if recover() != nil {
			x = u
		}
	}()
	if u == 0 {
		return u
	}
	return cgo.Handle(u).Value()
}

// Ref is a GC reference (anyref) or an exception reference (exnref) held
// by Go. Pass it back as an argument; Close releases it early.
type Ref struct {
	h     *handle
	kind  ValKind
	store *Store
}

var (
	freeRef = func(p unsafe.Pointer) { C.keel_ref_release((*C.keel_ref)(p)) }
	freeExn = func(p unsafe.Pointer) { C.keel_exn_release((*C.keel_exn)(p)) }
)

func wrapRef(p unsafe.Pointer, k ValKind, st *Store) *Ref {
	r := &Ref{kind: k, store: st}
	if k == ExnRef {
		r.h = newHandle(r, p, freeExn)
	} else {
		r.h = newHandle(r, p, freeRef)
	}
	return r
}

// Kind is AnyRef or ExnRef.
func (r *Ref) Kind() ValKind { return r.kind }

// Close releases the reference. Idempotent.
func (r *Ref) Close() {
	if r != nil {
		r.h.Close()
	}
}
