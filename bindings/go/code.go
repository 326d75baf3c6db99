package keel

// Compiled code, the file cache and serialisation (issue 7, keel/code.h,
// keel/config.h, keel/module.h).

/*
#include <stdlib.h>
#include <keel.h>
*/
import "C"

import (
	"unsafe"
)

// WithCacheDir gives the engine a compiled-code file cache in dir (created
// if missing). Compile then looks up an entry keyed by the BLAKE3 hash of the
// wasm bytes, the engine build and the enabled features; a verified hit is
// mapped read-only and skips validation and compilation (Module.Code's
// Origin is CodeCached). Damaged or foreign entries are misses; a directory
// that cannot be written means "no cache" (one warning on stderr), never a
// failed compile. Processes may share the directory. "" turns it off.
func WithCacheDir(dir string) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		if dir == "" {
			return C.keel_config_set_cache_dir(cfg, nil)
		}
		cs := C.CString(dir)
		defer C.free(unsafe.Pointer(cs))
		return C.keel_config_set_cache_dir(cfg, cs)
	}}
}

// WithCacheMaxBytes limits the cache directory to about bytes: after an
// entry is written, the least recently used ones are removed until the rest
// fit. 0 means no limit (the default).
func WithCacheMaxBytes(bytes uint64) Option {
	return Option{func(cfg *C.keel_config) *C.keel_error {
		return C.keel_config_set_cache_max_bytes(cfg, C.uint64_t(bytes))
	}}
}

// CodeOrigin says where a module's code memory came from. Callers must
// tolerate values this package does not name.
type CodeOrigin uint32

// Code origins (keel/code.h).
const (
	CodeCompiled     CodeOrigin = C.KEEL_CODE_COMPILED     // compiled by this process
	CodeCached       CodeOrigin = C.KEEL_CODE_CACHED       // mapped from the engine's file cache
	CodeDeserialized CodeOrigin = C.KEEL_CODE_DESERIALIZED // from DeserializeModule(File)
)

func (o CodeOrigin) String() string {
	switch o {
	case CodeCompiled:
		return "compiled"
	case CodeCached:
		return "cached"
	case CodeDeserialized:
		return "deserialized"
	}
	return "unknown"
}

// Code is a module's compiled code: one read-only block of code memory that
// stays mapped while the Code, the module or any instance of it lives.
type Code struct {
	h *handle
}

var freeCode = func(p unsafe.Pointer) { C.keel_code_release((*C.keel_code)(p)) }

// Code gives the module's compiled code (a new handle; Close it, or let the
// garbage collector do so).
func (m *Module) Code() (*Code, error) {
	mp, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	var p *C.keel_code
	if err := takeError(C.keel_module_code(mp, &p)); err != nil {
		return nil, err
	}
	c := &Code{}
	c.h = newHandle(c, unsafe.Pointer(p), freeCode)
	return c, nil
}

// Close releases the code handle. Idempotent.
func (c *Code) Close() {
	if c != nil {
		c.h.Close()
	}
}

func (c *Code) acquire() (*C.keel_code, error) {
	if c == nil {
		return nil, closedErr("code")
	}
	p := c.h.acquireFor(c)
	if p == nil {
		return nil, closedErr("code")
	}
	return (*C.keel_code)(p), nil
}

// Size is the size of the code memory in bytes (the serialised size); 0
// after Close.
func (c *Code) Size() int {
	p, err := c.acquire()
	if err != nil {
		return 0
	}
	defer c.h.release()
	return int(C.keel_code_size(p))
}

// Origin says where the code came from; 0 after Close.
func (c *Code) Origin() CodeOrigin {
	p, err := c.acquire()
	if err != nil {
		return 0
	}
	defer c.h.release()
	return CodeOrigin(C.keel_code_origin(p))
}

// Serialize gives the bytes DeserializeModule accepts (the same bytes as
// Module.Serialize).
func (c *Code) Serialize() ([]byte, error) {
	p, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.h.release()
	var out *C.uint8_t
	var n C.size_t
	if err := takeError(C.keel_code_serialize(p, &out, &n)); err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// takeBytes copies bytes the C library gave and frees them.
func takeBytes(p *C.uint8_t, n C.size_t) []byte {
	defer C.keel_bytes_free(p)
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// Serialize gives the module's wasm bytes and compiled code as one checked
// image, for DeserializeModule or DeserializeModuleFile in a process that
// runs the same Keel build.
func (m *Module) Serialize() ([]byte, error) {
	mp, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	var out *C.uint8_t
	var n C.size_t
	if err := takeError(C.keel_module_serialize(mp, &out, &n)); err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// DeserializeModule makes a module from Module.Serialize's bytes without
// validating or compiling again. The bytes are copied and checked (magic,
// format version, engine build, lengths, checksum): damaged, truncated or
// foreign bytes give a *MalformedError; an engine with other features gives
// an *Error of KindUnsupported. A checksum detects damage, not malice:
// never deserialise bytes from an untrusted source.
func DeserializeModule(e *Engine, b []byte) (*Module, error) {
	ep, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.h.release()
	var p *C.keel_module
	if err := takeError(C.keel_module_deserialize(ep, bytesPtr(b), C.size_t(len(b)), &p)); err != nil {
		return nil, err
	}
	m := &Module{engine: e}
	m.h = newHandle(m, unsafe.Pointer(p), freeModule)
	return m, nil
}

// DeserializeModuleFile is DeserializeModule of a file's contents (e.g. one
// written by `keel compile`); the file is read, never mapped. A file that
// cannot be read gives an *Error of KindIO.
func DeserializeModuleFile(e *Engine, path string) (*Module, error) {
	ep, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.h.release()
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	var p *C.keel_module
	if err := takeError(C.keel_module_deserialize_file(ep, cs, &p)); err != nil {
		return nil, err
	}
	m := &Module{engine: e}
	m.h = newHandle(m, unsafe.Pointer(p), freeModule)
	return m, nil
}
