package keel

/*
#include <keel.h>
*/
import "C"

import (
	"unsafe"
)

// Instance is an instance of a module in a store.
type Instance struct {
	h      *handle
	store  *Store
	module *Module
}

var freeInstance = func(p unsafe.Pointer) { C.keel_instance_release((*C.keel_instance)(p)) }

func wrapInstance(p *C.keel_instance, s *Store, m *Module) *Instance {
	i := &Instance{store: s, module: m}
	i.h = newHandle(i, unsafe.Pointer(p), freeInstance)
	return i
}

// Close releases the instance handle (the instance lives as long as its
// store). Idempotent.
func (i *Instance) Close() {
	if i != nil {
		i.h.Close()
	}
}

func (i *Instance) acquire() (*C.keel_instance, error) {
	if i == nil {
		return nil, closedErr("instance")
	}
	p := i.h.acquireFor(i)
	if p == nil {
		return nil, closedErr("instance")
	}
	return (*C.keel_instance)(p), nil
}

// Store is the store the instance lives in.
func (i *Instance) Store() *Store { return i.store }

// cName passes a Go string's bytes to C for the duration of a call.
func cName(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// Func looks up an exported function. It never returns nil: when the
// export is missing or not a function, the returned Func reports that error
// from Call (so inst.Func("add").Call(ctx, 1, 2) reads naturally). Use
// GetFunc to see the error at once.
func (i *Instance) Func(name string) *Func {
	f, err := i.GetFunc(name)
	if err != nil {
		return &Func{err: err}
	}
	return f
}

// GetFunc looks up an exported function.
func (i *Instance) GetFunc(name string) (*Func, error) {
	ip, err := i.acquire()
	if err != nil {
		return nil, err
	}
	defer i.h.release()
	n, l := cName(name)
	var p *C.keel_func
	if err := takeError(C.keel_instance_export_func(ip, n, l, &p)); err != nil {
		return nil, err
	}
	return wrapFunc(p, i.store), nil
}

// Memory looks up an exported memory.
func (i *Instance) Memory(name string) (*Memory, error) {
	ip, err := i.acquire()
	if err != nil {
		return nil, err
	}
	defer i.h.release()
	n, l := cName(name)
	var p *C.keel_memory
	if err := takeError(C.keel_instance_export_memory(ip, n, l, &p)); err != nil {
		return nil, err
	}
	return wrapMemory(p, i.store), nil
}

// Table looks up an exported table.
func (i *Instance) Table(name string) (*Table, error) {
	ip, err := i.acquire()
	if err != nil {
		return nil, err
	}
	defer i.h.release()
	n, l := cName(name)
	var p *C.keel_table
	if err := takeError(C.keel_instance_export_table(ip, n, l, &p)); err != nil {
		return nil, err
	}
	return wrapTable(p, i.store), nil
}

// Global looks up an exported global.
func (i *Instance) Global(name string) (*Global, error) {
	ip, err := i.acquire()
	if err != nil {
		return nil, err
	}
	defer i.h.release()
	n, l := cName(name)
	var p *C.keel_global
	if err := takeError(C.keel_instance_export_global(ip, n, l, &p)); err != nil {
		return nil, err
	}
	return wrapGlobal(p, i.store), nil
}

// Extern is a function, memory, table or global: what a linker can define
// and an instance can export.
type Extern interface {
	Close()
	// externHandle counts the caller in and returns the handle as an extern.
	externHandle() (*C.keel_extern, *handle, error)
}

func (f *Func) externHandle() (*C.keel_extern, *handle, error) {
	p, err := f.acquire()
	if err != nil {
		return nil, nil, err
	}
	return C.keel_func_as_extern(p), f.h, nil
}

func (m *Memory) externHandle() (*C.keel_extern, *handle, error) {
	p, err := m.acquire()
	if err != nil {
		return nil, nil, err
	}
	return C.keel_memory_as_extern(p), m.h, nil
}

func (t *Table) externHandle() (*C.keel_extern, *handle, error) {
	p, err := t.acquire()
	if err != nil {
		return nil, nil, err
	}
	return C.keel_table_as_extern(p), t.h, nil
}

func (g *Global) externHandle() (*C.keel_extern, *handle, error) {
	p, err := g.acquire()
	if err != nil {
		return nil, nil, err
	}
	return C.keel_global_as_extern(p), g.h, nil
}

// Exports lists the instance's exports by name, in the module's order.
func (i *Instance) Exports() (map[string]Extern, error) {
	ip, err := i.acquire()
	if err != nil {
		return nil, err
	}
	defer i.h.release()
	n := int(C.keel_instance_export_count(ip))
	out := make(map[string]Extern, n)
	for k := 0; k < n; k++ {
		var name *C.char
		var nameLen C.size_t
		var e *C.keel_extern
		if err := takeError(C.keel_instance_export_nth(ip, C.size_t(k), &name, &nameLen, &e)); err != nil {
			return nil, err
		}
		key := C.GoStringN(name, C.int(nameLen))
		switch ExternKind(C.keel_extern_kind(e)) {
		case ExternFunc:
			out[key] = wrapFunc(C.keel_extern_as_func(e), i.store)
		case ExternMemory:
			out[key] = wrapMemory(C.keel_extern_as_memory(e), i.store)
		case ExternTable:
			out[key] = wrapTable(C.keel_extern_as_table(e), i.store)
		case ExternGlobal:
			out[key] = wrapGlobal(C.keel_extern_as_global(e), i.store)
		default: // tags and kinds this binding does not know
			C.keel_extern_release(e)
		}
	}
	return out, nil
}
