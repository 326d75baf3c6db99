package keel

/*
#include <keel.h>
*/
import "C"

import (
	"unsafe"
)

// Global is a global variable.
type Global struct {
	h     *handle
	store *Store
}

var freeGlobal = func(p unsafe.Pointer) { C.keel_global_release((*C.keel_global)(p)) }

func wrapGlobal(p *C.keel_global, s *Store) *Global {
	g := &Global{store: s}
	g.h = newHandle(g, unsafe.Pointer(p), freeGlobal)
	return g
}

// Close releases the global handle. Idempotent.
func (g *Global) Close() {
	if g != nil {
		g.h.Close()
	}
}

func (g *Global) acquire() (*C.keel_global, error) {
	if g == nil {
		return nil, closedErr("global")
	}
	p := g.h.acquireFor(g)
	if p == nil {
		return nil, closedErr("global")
	}
	return (*C.keel_global)(p), nil
}

// Type reports the global's value kind and mutability.
func (g *Global) Type() (kind ValKind, mutable bool, err error) {
	p, err := g.acquire()
	if err != nil {
		return 0, false, err
	}
	defer g.h.release()
	var et *C.keel_externtype
	if err := takeError(C.keel_global_type(p, &et)); err != nil {
		return 0, false, err
	}
	defer C.keel_externtype_free(et)
	return ValKind(C.keel_valtype_kind(C.keel_externtype_valtype(et))), bool(C.keel_externtype_mutable(et)), nil
}

// Get reads the global.
func (g *Global) Get() (any, error) {
	p, err := g.acquire()
	if err != nil {
		return nil, err
	}
	defer g.h.release()
	var v C.keel_val
	if err := takeError(C.keel_global_get(p, &v)); err != nil {
		return nil, err
	}
	return fromC(&v, g.store, true), nil
}

// Set writes the global; immutable globals give an error.
func (g *Global) Set(x any) error {
	k, _, err := g.Type()
	if err != nil {
		return err
	}
	p, err := g.acquire()
	if err != nil {
		return err
	}
	defer g.h.release()
	var v C.keel_val
	var pins argPins
	defer pins.done()
	if err := storeVal(g.store, x, k, &v, &pins); err != nil {
		return err
	}
	return takeError(C.keel_global_set(p, &v))
}
