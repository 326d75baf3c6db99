package keel

// WASI preview 1 (issue 8, keel/wasi.h): run programs compiled for
// wasm32-wasi, sandboxed. A WASIConfig is plain Go data; it becomes a C
// keel_wasi_config only for the duration of DefineWASI (the C side copies
// it), so a config may be reused and shared freely.

/*
#include <stdlib.h>
#include <keel.h>
*/
import "C"

import (
	"context"
	"errors"
	"os"
	"runtime"
	"unsafe"
)

// WASIModule is the import module name WASI functions are defined under.
const WASIModule = C.KEEL_WASI_MODULE

// WASIConfig describes what a WASI guest sees. The zero value is a guest
// with no arguments, no environment, no directory, an empty stdin and
// stdout/stderr that discard what is written.
type WASIConfig struct {
	Args       []string  // argv; Args[0] is the program name
	Env        []string  // "NAME=VALUE" entries, after the host's when InheritEnv
	InheritEnv bool      // pass every variable of this process's environment
	Dirs       []WASIDir // preopened directories: all the file system the guest reaches
	Stdin      WASIStream
	Stdout     WASIStream
	Stderr     WASIStream
}

// WASIDir is a preopened host directory. The guest sees it as GuestPath
// ("" means HostPath) and reaches what lies below it, nothing above: "..",
// absolute paths and symlinks out of it fail. ReadOnly forbids creating,
// writing, truncating, renaming and removing below it.
type WASIDir struct {
	HostPath  string
	GuestPath string
	ReadOnly  bool
}

// WASIStream says where a standard stream goes. The zero value is the
// default (stdin: end of file; stdout, stderr: discarded). Make one with
// WASIInherit, WASIFile, WASICapture, WASIBytes or WASIFD.
type WASIStream struct {
	kind streamKind
	path string
	data []byte
	file *os.File
}

type streamKind uint8

const (
	streamDefault streamKind = iota
	streamInherit
	streamFile
	streamCapture
	streamBytes
	streamFD
)

// WASIInherit connects the stream to this process's own stdin, stdout or stderr.
func WASIInherit() WASIStream { return WASIStream{kind: streamInherit} }

// WASIFile connects the stream to a host file: stdin reads it, stdout and
// stderr create or truncate it (when DefineWASI runs; failing to open it is
// an *Error of KindIO there).
func WASIFile(path string) WASIStream { return WASIStream{kind: streamFile, path: path} }

// WASICapture captures what the guest writes to stdout or stderr in
// memory: read it with WASI.Stdout / WASI.Stderr. For stdout and stderr only.
func WASICapture() WASIStream { return WASIStream{kind: streamCapture} }

// WASIBytes makes stdin read b (copied), then end of file. For stdin only.
func WASIBytes(b []byte) WASIStream { return WASIStream{kind: streamBytes, data: b} }

// WASIFD connects the stream to an open file: a pipe (os.Pipe, to feed or
// read the guest from a goroutine), a socket or a regular file. The C
// library duplicates the descriptor in DefineWASI; f may be closed after.
func WASIFD(f *os.File) WASIStream { return WASIStream{kind: streamFD, file: f} }

func noNUL(what, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return argErr("WASI %s %q contains a NUL byte", what, s)
		}
	}
	return nil
}

// newC builds the C configuration; the caller frees it.
func (cfg *WASIConfig) newC() (*C.keel_wasi_config, error) {
	var c *C.keel_wasi_config
	if err := takeError(C.keel_wasi_config_new(&c)); err != nil {
		return nil, err
	}
	if err := cfg.fill(c); err != nil {
		C.keel_wasi_config_free(c)
		return nil, err
	}
	return c, nil
}

// cstr calls f with a C copy of s. An s containing NUL cannot cross as a C
// string: refused rather than silently cut.
func cstr(what, s string, f func(*C.char) *C.keel_error) error {
	if err := noNUL(what, s); err != nil {
		return err
	}
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return takeError(f(cs))
}

func (cfg *WASIConfig) fill(c *C.keel_wasi_config) error {
	for _, a := range cfg.Args {
		if err := cstr("argument", a, func(s *C.char) *C.keel_error { return C.keel_wasi_config_push_arg(c, s) }); err != nil {
			return err
		}
	}
	if cfg.InheritEnv {
		if err := takeError(C.keel_wasi_config_inherit_env(c)); err != nil {
			return err
		}
	}
	for _, kv := range cfg.Env {
		if err := cstr("environment entry", kv, func(s *C.char) *C.keel_error { return C.keel_wasi_config_push_env_spec(c, s) }); err != nil {
			return err
		}
	}
	for _, d := range cfg.Dirs {
		if d.HostPath == "" {
			return argErr("WASI preopened directory with an empty host path")
		}
		if err := noNUL("directory", d.HostPath); err != nil {
			return err
		}
		if err := noNUL("guest path", d.GuestPath); err != nil {
			return err
		}
		h, g := C.CString(d.HostPath), C.CString(d.GuestPath)
		err := takeError(C.keel_wasi_config_preopen_dir(c, h, g, C.bool(d.ReadOnly)))
		C.free(unsafe.Pointer(h))
		C.free(unsafe.Pointer(g))
		if err != nil {
			return err
		}
	}
	streams := []struct {
		which C.keel_wasi_stream
		name  string
		s     *WASIStream
	}{{C.KEEL_WASI_STDIN, "stdin", &cfg.Stdin}, {C.KEEL_WASI_STDOUT, "stdout", &cfg.Stdout}, {C.KEEL_WASI_STDERR, "stderr", &cfg.Stderr}}
	for _, st := range streams {
		if err := st.s.apply(c, st.which, st.name); err != nil {
			return err
		}
	}
	return nil
}

func (s *WASIStream) apply(c *C.keel_wasi_config, which C.keel_wasi_stream, name string) error {
	isIn := which == C.KEEL_WASI_STDIN
	switch s.kind {
	case streamDefault:
		return nil
	case streamInherit:
		return takeError(C.keel_wasi_config_inherit_stdio(c, which))
	case streamFile:
		return cstr(name+" file", s.path, func(p *C.char) *C.keel_error { return C.keel_wasi_config_stdio_file(c, which, p) })
	case streamCapture:
		if isIn {
			return argErr("WASI stdin cannot be captured (use WASIBytes)")
		}
		if which == C.KEEL_WASI_STDOUT {
			return takeError(C.keel_wasi_config_capture_stdout(c))
		}
		return takeError(C.keel_wasi_config_capture_stderr(c))
	case streamBytes:
		if !isIn {
			return argErr("WASI %s cannot read bytes (WASIBytes is for stdin)", name)
		}
		return takeError(C.keel_wasi_config_stdin_bytes(c, bytesPtr(s.data), C.size_t(len(s.data))))
	case streamFD:
		if s.file == nil {
			return argErr("WASI %s: nil *os.File", name)
		}
		// Fd() keeps the descriptor valid only while s.file lives; DefineWASI
		// keeps the config (and so the file) alive until the C library has
		// duplicated it.
		return takeError(C.keel_wasi_config_stdio_fd(c, which, C.int(s.file.Fd())))
	}
	return argErr("WASI %s: unknown stream setting", name)
}

// WASI is the WASI context DefineWASI made for one store: the file table,
// streams and preopens its guests share. It gives back captured output.
type WASI struct {
	h *handle
}

var freeWASI = func(p unsafe.Pointer) { C.keel_wasi_free((*C.keel_wasi)(p)) }

// DefineWASI defines every wasi_snapshot_preview1 function in the linker
// as functions of store s sharing one WASI context made from cfg (nil: the
// zero WASIConfig). Modules then instantiated from the linker in s use it.
// The definitions belong to s: to run WASI guests in another store, call
// DefineWASI again for that store (it replaces these) or use another
// linker. A preopened directory or stream file that cannot be opened is an
// *Error of KindIO naming it. A guest calling proc_exit makes its call
// return an *ExitError; the store stays usable.
func (l *Linker) DefineWASI(s *Store, cfg *WASIConfig) (*WASI, error) {
	if cfg == nil {
		cfg = &WASIConfig{}
	}
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
	c, err := cfg.newC()
	if err != nil {
		return nil, err
	}
	defer C.keel_wasi_config_free(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	var w *C.keel_wasi
	err = takeError(C.keel_linker_define_wasi(lp, sp, c, &w))
	// The descriptors of WASIFD streams were borrowed up to here, where
	// the C library duplicated them: the files must not be collected (and
	// closed by their finalizers) before.
	runtime.KeepAlive(cfg)
	if err != nil {
		return nil, err
	}
	x := &WASI{}
	x.h = newHandle(x, unsafe.Pointer(w), freeWASI)
	return x, nil
}

// Close drops the Go reference to the WASI context; the store keeps the
// context (and the defined functions keep working) until it is freed.
func (w *WASI) Close() {
	if w != nil {
		w.h.Close()
	}
}

func (w *WASI) captured(which C.keel_wasi_stream) []byte {
	if w == nil {
		return nil
	}
	p := w.h.acquireFor(w)
	if p == nil {
		return nil
	}
	defer w.h.release()
	var n C.size_t
	var b *C.uint8_t
	if which == C.KEEL_WASI_STDOUT {
		b = C.keel_wasi_stdout_bytes((*C.keel_wasi)(p), &n)
	} else {
		b = C.keel_wasi_stderr_bytes((*C.keel_wasi)(p), &n)
	}
	if b == nil || n == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(b), C.int(n))
}

// Stdout gives a copy of what the guest has written to a captured stdout
// (WASICapture) so far; nil when nothing was written or stdout is not
// captured. Read it only while no call runs in the store.
func (w *WASI) Stdout() []byte { return w.captured(C.KEEL_WASI_STDOUT) }

// Stderr is Stdout for stderr.
func (w *WASI) Stderr() []byte { return w.captured(C.KEEL_WASI_STDERR) }

// WASIResult is what RunWASI gives back.
type WASIResult struct {
	ExitCode int32  // 0 when _start returned, else proc_exit's status
	Stdout   []byte // captured stdout (WASICapture), else nil
	Stderr   []byte // captured stderr (WASICapture), else nil
}

// RunWASI runs a WASI command module: a new store, WASI from cfg, the
// module instantiated, then its "_start" export called with ctx (its
// cancellation or deadline interrupts the guest, even one blocked in a
// WASI sleep or pipe read, within about 50 ms). A guest that exits with
// proc_exit is not an error: see ExitCode. Errors: *LinkError for imports
// other than WASI, *Trap, and the errors of DefineWASI and Call.
func RunWASI(ctx context.Context, m *Module, cfg *WASIConfig) (*WASIResult, error) {
	if m == nil {
		return nil, closedErr("module")
	}
	e := m.engine
	s, err := NewStore(e)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	l, err := NewLinker(e)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	w, err := l.DefineWASI(s, cfg)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	res := &WASIResult{}
	inst, err := l.Instantiate(s, m)
	if err == nil {
		defer inst.Close()
		start := inst.Func("_start")
		_, err = start.Call(ctx)
		start.Close()
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		res.ExitCode, err = exit.Code, nil
	}
	if err != nil {
		return nil, err
	}
	res.Stdout, res.Stderr = w.Stdout(), w.Stderr()
	return res, nil
}
