package keel

/*
#include <keel.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

// Store holds instances and every runtime object made in them. Objects of a
// store keep it alive: closing the Store only drops the Go reference.
// Share it between goroutines freely; calls into one store run one at a time.
type Store struct {
	h      *handle
	engine *Engine

	mu        sync.Mutex
	hostFuncs map[*hostDef]*Func // linker host functions made in this store
}

var freeStore = func(p unsafe.Pointer) { C.keel_store_release((*C.keel_store)(p)) }

// NewStore creates a store of the engine.
func NewStore(e *Engine) (*Store, error) {
	ep, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.h.release()
	var p *C.keel_store
	if err := takeError(C.keel_store_new(ep, &p)); err != nil {
		return nil, err
	}
	return wrapStore(p, e), nil
}

// wrapStore takes ownership of one reference to p.
func wrapStore(p *C.keel_store, e *Engine) *Store {
	s := &Store{engine: e}
	s.h = newHandle(s, unsafe.Pointer(p), freeStore)
	return s
}

// Close releases the Go reference to the store. The store is freed when
// no object of it is referenced any more and no call runs in it. Idempotent.
func (s *Store) Close() {
	if s != nil {
		s.h.Close()
	}
}

func (s *Store) acquire() (*C.keel_store, error) {
	if s == nil {
		return nil, closedErr("store")
	}
	p := s.h.acquireFor(s)
	if p == nil {
		return nil, closedErr("store")
	}
	return (*C.keel_store)(p), nil
}

// Engine is the engine the store was made from (nil for a store obtained
// inside a host function).
func (s *Store) Engine() *Engine { return s.engine }

// Interrupt makes the call running in the store trap with TrapInterrupted
// at its next function entry or loop back-edge; if none runs, the next call
// traps as soon as it starts. Any goroutine.
func (s *Store) Interrupt() {
	p, err := s.acquire()
	if err != nil {
		return
	}
	defer s.h.release()
	C.keel_store_interrupt(p)
}

// LimitMemory caps the total bytes of the store's memories (0: no limit).
func (s *Store) LimitMemory(maxBytes uint64) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_limit_memory(p, C.uint64_t(maxBytes)))
}

// LimitTableElements caps the total elements of the store's tables (0: no limit).
func (s *Store) LimitTableElements(max uint64) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_limit_table_elements(p, C.uint64_t(max)))
}

// LimitInstances caps the number of instances of the store (0: no limit).
func (s *Store) LimitInstances(max uint32) error {
	p, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return takeError(C.keel_store_limit_instances(p, C.uint32_t(max)))
}

// NewMemory creates a memory of minPages pages (64 KiB) growing up to
// maxPages (NoMax for no maximum).
func (s *Store) NewMemory(minPages, maxPages uint64) (*Memory, error) {
	p, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	var m *C.keel_memory
	if err := takeError(C.keel_memory_new(p, C.uint64_t(minPages), C.uint64_t(maxPages), 0, &m)); err != nil {
		return nil, err
	}
	return wrapMemory(m, s), nil
}

// NoMax means "no maximum" for NewMemory and NewTable.
const NoMax = ^uint64(0)

// NewGlobal creates a global of a value kind with an initial value.
func (s *Store) NewGlobal(kind ValKind, mutable bool, init any) (*Global, error) {
	p, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	var vt *C.keel_valtype
	if err := takeError(C.keel_valtype_new(C.keel_valkind(kind), &vt)); err != nil {
		return nil, err
	}
	defer C.keel_valtype_free(vt)
	var v C.keel_val
	var pins argPins
	defer pins.done()
	if err := toC(init, kind, p, &v, &pins); err != nil {
		return nil, err
	}
	var g *C.keel_global
	if err := takeError(C.keel_global_new(p, vt, C.bool(mutable), &v, &g)); err != nil {
		return nil, err
	}
	return wrapGlobal(g, s), nil
}

// NewTable creates a table of references of kind elem (FuncRef or
// ExternRef, ...) with min elements set to init (nil: null references).
func (s *Store) NewTable(elem ValKind, min, max uint64, init any) (*Table, error) {
	p, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	var vt *C.keel_valtype
	if err := takeError(C.keel_valtype_new(C.keel_valkind(elem), &vt)); err != nil {
		return nil, err
	}
	defer C.keel_valtype_free(vt)
	var v C.keel_val
	var pins argPins
	defer pins.done()
	if err := toC(init, elem, p, &v, &pins); err != nil {
		return nil, err
	}
	var t *C.keel_table
	if err := takeError(C.keel_table_new(p, vt, C.uint64_t(min), C.uint64_t(max), &v, &t)); err != nil {
		return nil, err
	}
	return wrapTable(t, s), nil
}

// Instantiate instantiates a module that has no imports.
func (s *Store) Instantiate(m *Module) (*Instance, error) {
	sp, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.h.release()
	mp, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	var ip *C.keel_instance
	if err := takeError(C.keel_instance_new(sp, mp, nil, 0, &ip)); err != nil {
		return nil, err
	}
	return wrapInstance(ip, s, m), nil
}
