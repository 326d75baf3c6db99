package keel

/*
#include <keel.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

// Linker resolves a module's imports by (module, name). Go host functions
// defined with DefineFunc belong to no store: the linker makes one function
// per store the first time it instantiates into that store. A Linker is
// guarded by a mutex, so goroutines may share it.
type Linker struct {
	mu      sync.Mutex
	h       *handle
	engine  *Engine
	shadow  bool
	defined map[string]bool // "module\x00name" of every definition
	host    []*hostDef
}

// hostDef is a host function defined in a linker, not yet tied to a store.
type hostDef struct {
	module, name string
	hf           *hostFunc
}

var freeLinker = func(p unsafe.Pointer) { C.keel_linker_free((*C.keel_linker)(p)) }

// NewLinker creates an empty linker for modules of the engine.
func NewLinker(e *Engine) (*Linker, error) {
	ep, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.h.release()
	var p *C.keel_linker
	if err := takeError(C.keel_linker_new(ep, &p)); err != nil {
		return nil, err
	}
	// The C linker always shadows: host functions are defined again for
	// each store at instantiation. Duplicate names are refused here instead.
	C.keel_linker_allow_shadowing(p, true)
	l := &Linker{engine: e, defined: map[string]bool{}}
	l.h = newHandle(l, unsafe.Pointer(p), freeLinker)
	return l, nil
}

// Close frees the linker and drops the handles defined in it. Idempotent.
func (l *Linker) Close() {
	if l != nil {
		l.h.Close()
	}
}

func (l *Linker) acquire() (*C.keel_linker, error) {
	if l == nil {
		return nil, closedErr("linker")
	}
	p := l.h.acquireFor(l)
	if p == nil {
		return nil, closedErr("linker")
	}
	return (*C.keel_linker)(p), nil
}

// AllowShadowing lets later definitions replace earlier ones of the same name.
func (l *Linker) AllowShadowing(allow bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.shadow = allow
	l.mu.Unlock()
}

// claim records a definition; l.mu is held.
func (l *Linker) claim(module, name string) error {
	key := module + "\x00" + name
	if l.defined[key] && !l.shadow {
		return argErr("%s::%s is already defined", module, name)
	}
	l.defined[key] = true
	return nil
}

// DefineFunc defines (module, name) as a Go host function. fn is one of:
//
//   - a func whose parameters are int32, uint32, int64, uint64, float32,
//     float64, V128, *Func (funcref), *Ref (anyref) or an empty interface
//     (externref: any Go value), optionally preceded by *Caller, and whose
//     results are of the same types, optionally followed by an error.
//     func(int32, int32) int32, func(int32) int32, func() int32, func(int32),
//     func(), func(int64, int64) int64, func(float32, float32) float32 and
//     func(float64, float64) float64 take a fast path without reflection.
//
// A returned error unwinds the wasm call and comes back out of Call; a
// panic comes back as *PanicError. Use NewTrap for a wasm trap.
//
// A store keeps its host functions (and what their closures capture) until
// the store is freed. A closure that captures an object of the same store
// (a *Func, *Memory, *Store, ...) therefore keeps that store alive: the
// cycle runs through C, where Go's garbage collector cannot see it, and
// every object refers to its *Store. Reach the store's objects through the
// *Caller argument instead, or Close the captured objects and the Store
// explicitly.
func (l *Linker) DefineFunc(module, name string, fn any) error {
	hf, err := hostFuncOf(fn)
	if err != nil {
		return err
	}
	return l.defineHost(module, name, hf)
}

// DefineFuncType defines (module, name) as a host function of an explicit
// type (the general form).
func (l *Linker) DefineFuncType(module, name string, ty FuncType, fn HostFunc) error {
	hf, err := generalHostFunc(ty, fn)
	if err != nil {
		return err
	}
	return l.defineHost(module, name, hf)
}

func (l *Linker) defineHost(module, name string, hf *hostFunc) error {
	if _, err := l.acquire(); err != nil {
		return err
	}
	defer l.h.release()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.claim(module, name); err != nil {
		return err
	}
	for i, d := range l.host { // shadowing an earlier host definition
		if d.module == module && d.name == name {
			l.host = append(l.host[:i], l.host[i+1:]...)
			break
		}
	}
	l.host = append(l.host, &hostDef{module: module, name: name, hf: hf})
	return nil
}

// Define defines (module, name) as a function, memory, table or global of a store.
func (l *Linker) Define(module, name string, item Extern) error {
	lp, err := l.acquire()
	if err != nil {
		return err
	}
	defer l.h.release()
	if item == nil {
		return argErr("nil item for %s::%s", module, name)
	}
	ep, ih, err := item.externHandle()
	if err != nil {
		return err
	}
	defer ih.release()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.claim(module, name); err != nil {
		return err
	}
	for i, d := range l.host {
		if d.module == module && d.name == name {
			l.host = append(l.host[:i], l.host[i+1:]...)
			break
		}
	}
	mn, ml := cName(module)
	nn, nl := cName(name)
	return takeError(C.keel_linker_define(lp, mn, ml, nn, nl, ep))
}

// DefineInstance defines every export of an instance under a module name.
func (l *Linker) DefineInstance(module string, inst *Instance) error {
	lp, err := l.acquire()
	if err != nil {
		return err
	}
	defer l.h.release()
	ip, err := inst.acquire()
	if err != nil {
		return err
	}
	defer inst.h.release()
	l.mu.Lock()
	defer l.mu.Unlock()
	mn, ml := cName(module)
	return takeError(C.keel_linker_define_instance(lp, mn, ml, ip))
}

// Instantiate instantiates a module in a store, resolving its imports; the
// start function runs before it returns. Errors: *LinkError for imports
// that are missing or do not match, *Trap for a trapping start function.
// The linker stays locked meanwhile: a host function run by the start
// function must not use this linker.
func (l *Linker) Instantiate(s *Store, m *Module) (*Instance, error) {
	lp, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer l.h.release()
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

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range l.host {
		f, err := s.hostFuncFor(sp, d)
		if err != nil {
			return nil, err
		}
		fp, err := f.acquire()
		if err != nil {
			return nil, err
		}
		mn, ml := cName(d.module)
		nn, nl := cName(d.name)
		err = takeError(C.keel_linker_define_func(lp, mn, ml, nn, nl, fp))
		f.h.release()
		if err != nil {
			return nil, err
		}
	}
	var ip *C.keel_instance
	if err := takeError(C.keel_linker_instantiate(lp, sp, mp, &ip)); err != nil {
		return nil, err
	}
	return wrapInstance(ip, s, m), nil
}

// hostFuncFor gives the store's function for a linker host definition,
// making it on first use.
func (s *Store) hostFuncFor(sp *C.keel_store, d *hostDef) (*Func, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.hostFuncs[d]; f != nil {
		return f, nil
	}
	f, err := newHostFunc(sp, d.hf, s)
	if err != nil {
		return nil, err
	}
	if s.hostFuncs == nil {
		s.hostFuncs = map[*hostDef]*Func{}
	}
	s.hostFuncs[d] = f
	return f, nil
}
