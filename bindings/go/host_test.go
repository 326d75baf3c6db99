package keel

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

const hostWat = `(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "boom" (func $boom (param i32)))
  (import "env" "fail" (func $fail))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (import "env" "mix" (func $mix (param i64 f32 f64 externref) (result f64 externref)))
  (memory (export "memory") 1)
  (func (export "call_add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "call_boom") (param i32) (call $boom (local.get 0)))
  (func (export "call_fail") (call $fail))
  (func (export "call_reenter") (param i32) (result i32) (call $reenter (local.get 0)))
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "call_mix") (param i64 f32 f64 externref) (result f64 externref)
    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3))))`

var errSentinel = errors.New("sentinel host error")

func hostLinker(t testing.TB, e *Engine) *Linker {
	t.Helper()
	l, err := NewLinker(e)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.DefineFunc("env", "add", func(a, b int32) int32 { return a + b }))
	must(l.DefineFunc("env", "boom", func(x int32) {
		if x > 0 {
			panic("boom " + string(rune('0'+x)))
		}
	}))
	must(l.DefineFunc("env", "fail", func() error { return errSentinel }))
	must(l.DefineFunc("env", "reenter", func(c *Caller, x int32) (int32, error) {
		f, err := c.Func("double")
		if err != nil {
			return 0, err
		}
		r, err := f.Call(context.Background(), x)
		if err != nil {
			return 0, err
		}
		mem, err := c.Memory("memory")
		if err != nil {
			return 0, err
		}
		if err := mem.Write(0, []byte{1, 2, 3}); err != nil {
			return 0, err
		}
		return r[0].(int32) + 1, nil
	}))
	must(l.DefineFunc("env", "mix", func(a int64, b float32, c float64, x any) (float64, any) {
		return float64(a) + float64(b) + c, x
	}))
	return l
}

func TestHostFunctions(t *testing.T) {
	e, _ := NewEngine()
	m, err := e.CompileString(hostWat)
	if err != nil {
		t.Fatal(err)
	}
	l := hostLinker(t, e)
	s, _ := NewStore(e)
	inst, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	r, err := inst.Func("call_add").Call(ctx, int32(2), int32(3))
	if err != nil || r[0] != int32(5) {
		t.Fatalf("add: %v %v", r, err)
	}

	// A panic comes back as *PanicError carrying the value, and the store stays usable.
	_, err = inst.Func("call_boom").Call(ctx, int32(1))
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom 1" || len(pe.Stack) == 0 {
		t.Fatalf("panic: want *PanicError(boom 1), got %T %v", err, err)
	}
	if _, err := inst.Func("call_boom").Call(ctx, int32(0)); err != nil {
		t.Fatalf("after panic: %v", err)
	}

	// A returned error comes back as the very same error.
	if _, err := inst.Func("call_fail").Call(ctx); !errors.Is(err, errSentinel) {
		t.Fatalf("host error: got %v", err)
	}

	// Re-entering the store from a host function (same goroutine) works.
	r, err = inst.Func("call_reenter").Call(ctx, int32(20))
	if err != nil || r[0] != int32(41) {
		t.Fatalf("reenter: %v %v", r, err)
	}

	// Reflection path with externref (any Go value) round trip.
	type payload struct{ s string }
	p := &payload{"hello"}
	r, err = inst.Func("call_mix").Call(ctx, int64(1), float32(2), 3.5, p)
	if err != nil || r[0] != 6.5 || r[1] != p {
		t.Fatalf("mix: %v %v", r, err)
	}
	r, err = inst.Func("call_mix").Call(ctx, int64(1), float32(2), 3.5, nil)
	if err != nil || r[1] != nil {
		t.Fatalf("mix nil: %v %v", r, err)
	}
}

func TestHostTrapAndNewFunc(t *testing.T) {
	e, _ := NewEngine()
	s, _ := NewStore(e)
	f, err := s.NewFunc(func(x int32) (int32, error) {
		if x < 0 {
			return 0, NewTrap("negative")
		}
		return x * 3, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Call(context.Background(), int32(4))
	if err != nil || r[0] != int32(12) {
		t.Fatalf("direct host call: %v %v", r, err)
	}
	_, err = f.Call(context.Background(), int32(-1))
	var tr *Trap
	if !errors.As(err, &tr) || tr.Code != TrapHost || !strings.Contains(tr.Message, "negative") {
		t.Fatalf("host trap: %v", err)
	}
	g, err := s.NewFuncType(FuncType{Params: []ValKind{I32}, Results: []ValKind{I64}},
		func(_ *Caller, args []any) ([]any, error) { return []any{int64(args[0].(int32)) << 40}, nil })
	if err != nil {
		t.Fatal(err)
	}
	r, err = g.Call(context.Background(), int32(1))
	if err != nil || r[0] != int64(1)<<40 {
		t.Fatalf("general form: %v %v", r, err)
	}
	// Wrong result count from the general form is an error, not a crash.
	bad, _ := s.NewFuncType(FuncType{Results: []ValKind{I32}},
		func(_ *Caller, _ []any) ([]any, error) { return nil, nil })
	if _, err := bad.Call(context.Background()); err == nil {
		t.Fatal("wrong result count: no error")
	}
	// A host function may return a function reference. Capturing f (an
	// object of the same store) in the host function makes a cycle the
	// garbage collector cannot see through C (see DefineFunc), so f is
	// and the store are closed explicitly.
	defer f.Close()
	defer s.Close()
	ref, _ := s.NewFunc(func() *Func { return f })
	r, err = ref.Call(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rf, ok := r[0].(*Func)
	if !ok {
		t.Fatalf("funcref result: %T", r[0])
	}
	if r, err := rf.Call(context.Background(), int32(2)); err != nil || r[0] != int32(6) {
		t.Fatalf("call through funcref: %v %v", r, err)
	}
}

func TestHostExitAndFrames(t *testing.T) {
	e, _ := NewEngine()
	s, _ := NewStore(e)
	l, _ := NewLinker(e)
	if err := l.DefineFunc("env", "exit", func(code int32) error { return &ExitError{Code: code} }); err != nil {
		t.Fatal(err)
	}
	m, err := e.CompileString(`(module
	  (import "env" "exit" (func $exit (param i32)))
	  (func $inner (unreachable))
	  (func $outer (export "outer") (call $inner))
	  (func (export "quit") (call $exit (i32.const 7))))`)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	_, err = inst.Func("quit").Call(context.Background())
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 {
		t.Fatalf("exit: %T %v", err, err)
	}
	_, err = inst.Func("outer").Call(context.Background())
	var tr *Trap
	if !errors.As(err, &tr) || len(tr.Frames) < 2 {
		t.Fatalf("frames: %v", err)
	}
	if tr.Frames[0].FuncName != "inner" || tr.Frames[1].FuncName != "outer" {
		t.Errorf("frame names: %+v", tr.Frames)
	}
}

// A funcref given to a host function can be called from Go, with a
// cancellable context and with externref arguments.
func TestHostFuncrefArgument(t *testing.T) {
	e, _ := NewEngine()
	s, _ := NewStore(e)
	l, _ := NewLinker(e)
	var got []any
	if err := l.DefineFunc("env", "apply", func(f *Func, x any) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, err := f.Call(ctx, x)
		got = r
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m, err := e.CompileString(`(module
	  (import "env" "apply" (func $apply (param funcref externref)))
	  (func $id (param externref) (result externref) (local.get 0))
	  (elem declare func $id)
	  (func (export "run") (param externref) (call $apply (ref.func $id) (local.get 0))))`)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("run").Call(context.Background(), "hello"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "hello" {
		t.Fatalf("got %v", got)
	}
}

// The store's finalizer deletes a host function's cgo.Handle: once the
// store is gone, what the Go function captured is collectable.
func TestHostFuncStateFreedWithStore(t *testing.T) {
	collected := make(chan struct{})
	func() {
		e, _ := NewEngine()
		s, _ := NewStore(e)
		state := &struct{ n int }{}
		runtime.AddCleanup(state, func(ch chan struct{}) { close(ch) }, collected)
		f, err := s.NewFunc(func() int32 { state.n++; return int32(state.n) })
		if err != nil {
			t.Fatal(err)
		}
		if r, err := f.Call(context.Background()); err != nil || r[0] != int32(1) {
			t.Fatalf("%v %v", r, err)
		}
	}()
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			return
		case <-deadline:
			t.Fatal("host function state never collected: the cgo.Handle was not deleted")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestABIVersion(t *testing.T) {
	major, minor := ABIVersion()
	if major != ABIMajor || minor < ABIMinor {
		t.Fatalf("library ABI %d.%d, binding %d.%d", major, minor, ABIMajor, ABIMinor)
	}
	if Version() == "" {
		t.Fatal("empty version")
	}
}
