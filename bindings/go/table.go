package keel

/*
#include <keel.h>
*/
import "C"

import (
	"unsafe"
)

// Table is a table of references.
type Table struct {
	h     *handle
	store *Store
}

var freeTable = func(p unsafe.Pointer) { C.keel_table_release((*C.keel_table)(p)) }

func wrapTable(p *C.keel_table, s *Store) *Table {
	t := &Table{store: s}
	t.h = newHandle(t, unsafe.Pointer(p), freeTable)
	return t
}

// Close releases the table handle. Idempotent.
func (t *Table) Close() {
	if t != nil {
		t.h.Close()
	}
}

func (t *Table) acquire() (*C.keel_table, error) {
	if t == nil {
		return nil, closedErr("table")
	}
	p := t.h.acquireFor(t)
	if p == nil {
		return nil, closedErr("table")
	}
	return (*C.keel_table)(p), nil
}

// elemKind is the kind of the table's elements.
func (t *Table) elemKind(p *C.keel_table) (ValKind, error) {
	var et *C.keel_externtype
	if err := takeError(C.keel_table_type(p, &et)); err != nil {
		return 0, err
	}
	defer C.keel_externtype_free(et)
	return ValKind(C.keel_valtype_kind(C.keel_externtype_valtype(et))), nil
}

// Size is the number of elements.
func (t *Table) Size() uint64 {
	p, err := t.acquire()
	if err != nil {
		return 0
	}
	defer t.h.release()
	return uint64(C.keel_table_size(p))
}

// Get reads element i (*Func, an externref's Go value, *Ref or nil).
func (t *Table) Get(i uint64) (any, error) {
	p, err := t.acquire()
	if err != nil {
		return nil, err
	}
	defer t.h.release()
	var v C.keel_val
	if err := takeError(C.keel_table_get(p, C.uint64_t(i), &v)); err != nil {
		return nil, err
	}
	return fromC(&v, t.store, true), nil
}

// withStoreVal converts x for a table/global write; the store is needed
// for extern references.
func storeVal(st *Store, x any, k ValKind, v *C.keel_val, pins *argPins) error {
	var sp *C.keel_store
	if k == ExternRef && x != nil {
		var err error
		if sp, err = st.acquire(); err != nil {
			return err
		}
		pins.handles = append(pins.handles, st.h)
	}
	return toC(x, k, sp, v, pins)
}

// Set writes element i.
func (t *Table) Set(i uint64, x any) error {
	p, err := t.acquire()
	if err != nil {
		return err
	}
	defer t.h.release()
	k, err := t.elemKind(p)
	if err != nil {
		return err
	}
	var v C.keel_val
	var pins argPins
	defer pins.done()
	if err := storeVal(t.store, x, k, &v, &pins); err != nil {
		return err
	}
	return takeError(C.keel_table_set(p, C.uint64_t(i), &v))
}

// Grow adds delta elements set to init and returns the previous size.
func (t *Table) Grow(delta uint64, init any) (uint64, error) {
	p, err := t.acquire()
	if err != nil {
		return 0, err
	}
	defer t.h.release()
	k, err := t.elemKind(p)
	if err != nil {
		return 0, err
	}
	var v C.keel_val
	var pins argPins
	defer pins.done()
	if err := storeVal(t.store, init, k, &v, &pins); err != nil {
		return 0, err
	}
	var old C.uint64_t
	if err := takeError(C.keel_table_grow(p, C.uint64_t(delta), &v, &old)); err != nil {
		return 0, err
	}
	return uint64(old), nil
}
