package keel

/*
#include <keel.h>
*/
import "C"

import (
	"unsafe"
)

// Feature is a WebAssembly proposal an engine can switch (keel_feature).
type Feature uint32

// Features (keel/config.h). All are on by default.
const (
	FeatureSIMD               Feature = C.KEEL_FEATURE_SIMD
	FeatureThreads            Feature = C.KEEL_FEATURE_THREADS
	FeatureGC                 Feature = C.KEEL_FEATURE_GC
	FeatureExceptions         Feature = C.KEEL_FEATURE_EXCEPTIONS
	FeatureTailCalls          Feature = C.KEEL_FEATURE_TAIL_CALLS
	FeatureMemory64           Feature = C.KEEL_FEATURE_MEMORY64
	FeatureMultiMemory        Feature = C.KEEL_FEATURE_MULTI_MEMORY
	FeatureFunctionReferences Feature = C.KEEL_FEATURE_FUNCTION_REFERENCES
	FeatureExtendedConst      Feature = C.KEEL_FEATURE_EXTENDED_CONST
	FeatureCustomPageSizes    Feature = C.KEEL_FEATURE_CUSTOM_PAGE_SIZES
	FeatureWideArithmetic     Feature = C.KEEL_FEATURE_WIDE_ARITHMETIC
)

// Option adjusts an engine's configuration in NewEngine.
type Option struct {
	apply func(cfg *C.keel_config) *C.keel_error
}

// WithFeature switches a proposal on or off.
func WithFeature(f Feature, enable bool) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		return C.keel_config_set_feature(cfg, C.keel_feature(f), C.bool(enable))
	}}
}

// WithMaxCallDepth sets how many nested wasm calls trap with TrapStackExhausted.
func WithMaxCallDepth(depth uint32) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		return C.keel_config_set_max_call_depth(cfg, C.uint32_t(depth))
	}}
}

// WithValueStackSize sets each store's value stack size in bytes (at least 4096).
func WithValueStackSize(bytes int) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		if bytes < 0 {
			bytes = 0
		}
		return C.keel_config_set_value_stack_size(cfg, C.size_t(bytes))
	}}
}

// WithDebugGuard turns on the C library's process-wide handle guard.
func WithDebugGuard(enable bool) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		return C.keel_config_set_debug_guard(cfg, C.bool(enable))
	}}
}

// Engine compiles modules. Immutable; share it between goroutines freely.
type Engine struct {
	h *handle
}

var freeEngine = func(p unsafe.Pointer) { C.keel_engine_release((*C.keel_engine)(p)) }

// NewEngine creates an engine. The first call checks that the loaded C
// library speaks the ABI this package was written for.
func NewEngine(opts ...Option) (*Engine, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	var cfg *C.keel_config
	if err := takeError(C.keel_config_new(&cfg)); err != nil {
		return nil, err
	}
	defer C.keel_config_free(cfg)
	for _, o := range opts {
		if o.apply == nil {
			continue
		}
		if err := takeError(o.apply(cfg)); err != nil {
			return nil, err
		}
	}
	var p *C.keel_engine
	if err := takeError(C.keel_engine_new(cfg, &p)); err != nil {
		return nil, err
	}
	e := &Engine{}
	e.h = newHandle(e, unsafe.Pointer(p), freeEngine)
	return e, nil
}

// Close releases the engine handle. Modules and stores made from it keep
// the engine alive as long as they need it. Idempotent.
func (e *Engine) Close() {
	if e != nil {
		e.h.Close()
	}
}

func (e *Engine) acquire() (*C.keel_engine, error) {
	if e == nil {
		return nil, closedErr("engine")
	}
	p := e.h.acquireFor(e)
	if p == nil {
		return nil, closedErr("engine")
	}
	return (*C.keel_engine)(p), nil
}

// isWasmBinary tells the binary format from text by its magic number.
func isWasmBinary(b []byte) bool {
	return len(b) >= 4 && b[0] == 0 && b[1] == 'a' && b[2] == 's' && b[3] == 'm'
}

// bytesPtr gives C a pointer to the bytes of b, or NULL when b is empty.
// The C functions copy what they keep, so Go memory is only borrowed for
// the call (cgo's pointer-passing rules hold: []byte holds no Go pointers).
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// Compile decodes, validates and compiles a module from the binary format
// or, when the bytes do not start with the wasm magic number, from the text
// format (WAT). Errors are *MalformedError or *InvalidError.
func (e *Engine) Compile(wasmOrWat []byte) (*Module, error) {
	ep, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.h.release()
	var p *C.keel_module
	if isWasmBinary(wasmOrWat) {
		err = takeError(C.keel_module_new(ep, bytesPtr(wasmOrWat), C.size_t(len(wasmOrWat)), &p))
	} else {
		err = takeError(C.keel_module_new_wat(ep, (*C.char)(unsafe.Pointer(bytesPtr(wasmOrWat))),
			C.size_t(len(wasmOrWat)), &p))
	}
	if err != nil {
		return nil, err
	}
	m := &Module{engine: e}
	m.h = newHandle(m, unsafe.Pointer(p), freeModule)
	return m, nil
}

// CompileString is Compile of a WAT (or binary) string.
func (e *Engine) CompileString(wat string) (*Module, error) { return e.Compile([]byte(wat)) }

// Validate decodes and validates a binary module without compiling it.
func (e *Engine) Validate(wasm []byte) error {
	ep, err := e.acquire()
	if err != nil {
		return err
	}
	defer e.h.release()
	return takeError(C.keel_module_validate(ep, bytesPtr(wasm), C.size_t(len(wasm))))
}

// WatToWasm converts WebAssembly text to the binary format.
func WatToWasm(wat string) ([]byte, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	b := []byte(wat)
	var out *C.uint8_t
	var n C.size_t
	if err := takeError(C.keel_wat_to_wasm((*C.char)(unsafe.Pointer(bytesPtr(b))), C.size_t(len(b)), &out, &n)); err != nil {
		return nil, err
	}
	defer C.keel_bytes_free(out)
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

// Module is a compiled module: immutable, shareable between goroutines and
// instantiable in any number of stores of its engine.
type Module struct {
	h      *handle
	engine *Engine
}

var freeModule = func(p unsafe.Pointer) { C.keel_module_release((*C.keel_module)(p)) }

// Close releases the module handle; instances keep the module alive. Idempotent.
func (m *Module) Close() {
	if m != nil {
		m.h.Close()
	}
}

func (m *Module) acquire() (*C.keel_module, error) {
	if m == nil {
		return nil, closedErr("module")
	}
	p := m.h.acquireFor(m)
	if p == nil {
		return nil, closedErr("module")
	}
	return (*C.keel_module)(p), nil
}

// ImportType describes one import of a module.
type ImportType struct {
	Module, Name string
	Kind         ExternKind
	Func         *FuncType // for function imports
}

// ExportType describes one export of a module.
type ExportType struct {
	Name string
	Kind ExternKind
	Func *FuncType // for function exports
}

// ExternKind is the kind of an import or export (keel_externkind).
type ExternKind uint32

// External kinds (keel/types.h).
const (
	ExternFunc   ExternKind = C.KEEL_EXTERN_FUNC
	ExternTable  ExternKind = C.KEEL_EXTERN_TABLE
	ExternMemory ExternKind = C.KEEL_EXTERN_MEMORY
	ExternGlobal ExternKind = C.KEEL_EXTERN_GLOBAL
	ExternTag    ExternKind = C.KEEL_EXTERN_TAG
)

// Name is the module's name from the name section, or "".
func (m *Module) Name() string {
	mp, err := m.acquire()
	if err != nil {
		return ""
	}
	defer m.h.release()
	if s := C.keel_module_name(mp); s != nil {
		return C.GoString(s)
	}
	return ""
}

// Imports lists the module's imports in order.
func (m *Module) Imports() ([]ImportType, error) {
	mp, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	n := int(C.keel_module_import_count(mp))
	out := make([]ImportType, 0, n)
	for i := 0; i < n; i++ {
		var mod, name *C.char
		var modLen, nameLen C.size_t
		var et *C.keel_externtype
		if err := takeError(C.keel_module_import(mp, C.size_t(i), &mod, &modLen, &name, &nameLen, &et)); err != nil {
			return nil, err
		}
		it := ImportType{Module: C.GoStringN(mod, C.int(modLen)), Name: C.GoStringN(name, C.int(nameLen))}
		it.Kind, it.Func = describeExternType(et)
		C.keel_externtype_free(et)
		out = append(out, it)
	}
	return out, nil
}

// Exports lists the module's exports in order.
func (m *Module) Exports() ([]ExportType, error) {
	mp, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	n := int(C.keel_module_export_count(mp))
	out := make([]ExportType, 0, n)
	for i := 0; i < n; i++ {
		var name *C.char
		var nameLen C.size_t
		var et *C.keel_externtype
		if err := takeError(C.keel_module_export(mp, C.size_t(i), &name, &nameLen, &et)); err != nil {
			return nil, err
		}
		ex := ExportType{Name: C.GoStringN(name, C.int(nameLen))}
		ex.Kind, ex.Func = describeExternType(et)
		C.keel_externtype_free(et)
		out = append(out, ex)
	}
	return out, nil
}

func describeExternType(et *C.keel_externtype) (ExternKind, *FuncType) {
	if et == nil {
		return ExternKind(^uint32(0)), nil
	}
	k := ExternKind(C.keel_externtype_kind(et))
	if k == ExternFunc {
		return k, funcTypeFromC(C.keel_externtype_functype(et))
	}
	return k, nil
}
