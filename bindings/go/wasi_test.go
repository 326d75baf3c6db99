package keel

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 8: WASI preview 1, with captured output and exit codes.

// helloWAT writes "hello, wasi\n" to fd 1 and "oops\n" to fd 2 with
// fd_write, then exits with proc_exit(7).
const helloWAT = `(module $hello
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasi\n")
  (data (i32.const 32) "oops\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 7))))`

func TestWASIHelloWAT(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := e.CompileString(helloWAT)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	// The linker way: DefineWASI, instantiate, call _start.
	s, err := NewStore(e)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := NewLinker(e)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err := l.DefineWASI(s, &WASIConfig{Stdout: WASICapture(), Stderr: WASICapture()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	inst, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	_, err = inst.Func("_start").Call(context.Background())
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 7 {
		t.Fatalf("want exit 7, got %v", err)
	}
	if got := string(w.Stdout()); got != "hello, wasi\n" {
		t.Fatalf("stdout %q", got)
	}
	if got := string(w.Stderr()); got != "oops\n" {
		t.Fatalf("stderr %q", got)
	}
	// The store stays usable after proc_exit; output accumulates.
	if _, err := inst.Func("_start").Call(context.Background()); !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if got := string(w.Stdout()); got != "hello, wasi\nhello, wasi\n" {
		t.Fatalf("stdout after two runs %q", got)
	}

	// The one-call way.
	res, err := RunWASI(context.Background(), m, &WASIConfig{Stdout: WASICapture()})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || string(res.Stdout) != "hello, wasi\n" || res.Stderr != nil {
		t.Fatalf("RunWASI: %+v", res)
	}
	// Not captured: discarded.
	res, err = RunWASI(context.Background(), m, nil)
	if err != nil || res.ExitCode != 7 || res.Stdout != nil {
		t.Fatalf("RunWASI nil config: %+v %v", res, err)
	}
}

// Streams on files and pipes.
func TestWASIStreamsFileAndPipe(t *testing.T) {
	e, _ := NewEngine()
	defer e.Close()
	m, err := e.CompileString(helloWAT)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := filepath.Join(t.TempDir(), "out.txt")
	r, wpipe, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := RunWASI(context.Background(), m, &WASIConfig{Stdout: WASIFile(out), Stderr: WASIFD(wpipe)})
	wpipe.Close()
	if err != nil || res.ExitCode != 7 {
		t.Fatalf("%+v %v", res, err)
	}
	if b, _ := os.ReadFile(out); string(b) != "hello, wasi\n" {
		t.Fatalf("stdout file %q", b)
	}
	// Keel's duplicate of the pipe's write end is closed with the store.
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "oops\n" {
		t.Fatalf("stderr pipe %q %v", b, err)
	}
}

func TestWASIConfigErrors(t *testing.T) {
	e, _ := NewEngine()
	defer e.Close()
	m, err := e.CompileString(helloWAT)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	bad := []*WASIConfig{
		{Dirs: []WASIDir{{HostPath: filepath.Join(t.TempDir(), "missing")}}},
		{Dirs: []WASIDir{{HostPath: ""}}},
		{Env: []string{"NOEQUALS"}},
		{Args: []string{"a\x00b"}},
		{Stdin: WASICapture()},
		{Stdout: WASIBytes([]byte("x"))},
		{Stdin: WASIFile(filepath.Join(t.TempDir(), "missing-input"))},
		{Stdout: WASIFD(nil)},
	}
	for i, cfg := range bad {
		res, err := RunWASI(context.Background(), m, cfg)
		if err == nil {
			t.Errorf("config %d accepted: %+v", i, res)
			continue
		}
		var ke *Error
		if !errors.As(err, &ke) || (ke.Kind != KindIO && ke.Kind != KindInvalidArgument) {
			t.Errorf("config %d: %T %v", i, err, err)
		}
		t.Logf("config %d: %v", i, err)
	}
	// A module importing something other than WASI cannot run.
	m2, err := e.CompileString(`(module (import "env" "f" (func)) (func (export "_start")))`)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	var le *LinkError
	if _, err := RunWASI(context.Background(), m2, nil); !errors.As(err, &le) {
		t.Fatalf("want *LinkError, got %v", err)
	}
}

// A guest blocked in a WASI sleep is interrupted by the context.
func TestWASISleepCancelled(t *testing.T) {
	e, _ := NewEngine()
	defer e.Close()
	// poll_oneoff with one relative clock subscription of 60 s.
	m, err := e.CompileString(`(module
	  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
	  (memory (export "memory") 1)
	  (func (export "_start")
	    (i64.store (i32.const 0) (i64.const 1))              ;; userdata
	    (i32.store8 (i32.const 8) (i32.const 0))             ;; tag: clock
	    (i32.store (i32.const 16) (i32.const 1))             ;; clock id: monotonic
	    (i64.store (i32.const 24) (i64.const 60000000000))   ;; timeout ns
	    (i64.store (i32.const 32) (i64.const 0))             ;; precision
	    (i32.store16 (i32.const 40) (i32.const 0))           ;; flags: relative
	    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))`)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = RunWASI(ctx, m, nil)
	if time.Since(start) > 20*time.Second {
		t.Fatalf("sleep not interrupted (%v)", time.Since(start))
	}
	var tr *Trap
	if !errors.As(err, &tr) || tr.Code != TrapInterrupted || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an interrupted trap from the deadline, got %v", err)
	}
}

const helloC = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
	char line[64] = {0};
	if (!fgets(line, sizeof line, stdin)) strcpy(line, "(none)\n");
	printf("hello from C: argc=%d argv1=%s env=%s stdin=%s", argc, argc > 1 ? argv[1] : "-",
	       getenv("GREETING") ? getenv("GREETING") : "-", line);
	FILE *f = fopen("/data/in.txt", "r");
	if (f) { char b[32] = {0}; fgets(b, sizeof b, f); printf("file=%s", b); fclose(f); }
	fprintf(stderr, "bye\n");
	return argc == 2 ? 3 : 0;
}
`

// A C program compiled with clang --target=wasm32-wasi at test time, when
// this machine's clang can (else the test says why and skips).
func TestWASIHelloC(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("no clang: the C WASI program is not built (the WAT one runs in TestWASIHelloWAT)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.c")
	wasm := filepath.Join(dir, "hello.wasm")
	if err := os.WriteFile(src, []byte(helloC), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-o", wasm, src).CombinedOutput(); err != nil {
		t.Skipf("clang cannot build for wasm32-wasi here (install wasi-libc, lld, libclang-rt-dev-wasm32): %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "in.txt"), []byte("from a file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := NewEngine()
	defer e.Close()
	m, err := e.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := RunWASI(context.Background(), m, &WASIConfig{
		Args:   []string{"hello", "world"},
		Env:    []string{"GREETING=hi"},
		Dirs:   []WASIDir{{HostPath: data, GuestPath: "/data", ReadOnly: true}},
		Stdin:  WASIBytes([]byte("typed in\n")),
		Stdout: WASICapture(),
		Stderr: WASICapture(),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "hello from C: argc=2 argv1=world env=hi stdin=typed in\nfile=from a file\n"
	if string(res.Stdout) != want || string(res.Stderr) != "bye\n" || res.ExitCode != 3 {
		t.Fatalf("got exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	// No arguments, no stdin: main returns 0.
	res, err = RunWASI(context.Background(), m, &WASIConfig{Stdout: WASICapture()})
	if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "stdin=(none)") {
		t.Fatalf("%+v %v", res, err)
	}
}
