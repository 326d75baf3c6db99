package keel

import (
	"context"
	"errors"
	"math/rand"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Cleanup torture: objects created, called and dropped from many goroutines,
// with collections between the steps, so that cleanups run in every order
// and while calls are in progress.

const tortureWat = `(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "wait" (func $wait (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (table (export "table") 2 funcref)
  (global (export "g") (mut i64) (i64.const 0))
  (type $ii (func (param i32) (result i32)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (elem (i32.const 0) $inc)
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "wait") (param i32) (result i32) (call $wait (local.get 0)))
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $ii) (local.get 0) (i32.const 0)))
  (func (export "count") (param i32) (result i32) (local $n i32)
    (loop $l (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (local.get 0))))
    (local.get $n)))`

type tortureEnv struct {
	engine *Engine
	module *Module
	linker *Linker
	gate   chan struct{} // host "wait" blocks on it when non-nil
	inside chan struct{}
}

func newTortureEnv(t testing.TB) *tortureEnv {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.CompileString(tortureWat)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLinker(e)
	if err != nil {
		t.Fatal(err)
	}
	env := &tortureEnv{engine: e, module: m, linker: l,
		gate: make(chan struct{}), inside: make(chan struct{}, 64)}
	if err := l.DefineFunc("env", "add", func(a, b int32) int32 { return a + b }); err != nil {
		t.Fatal(err)
	}
	gate, inside := env.gate, env.inside
	if err := l.DefineFunc("env", "wait", func(x int32) int32 {
		if x != 0 {
			inside <- struct{}{}
			<-gate
		}
		return x * 2
	}); err != nil {
		t.Fatal(err)
	}
	return env
}

func (env *tortureEnv) instance(t testing.TB) (*Store, *Instance) {
	s, err := NewStore(env.engine)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := env.linker.Instantiate(s, env.module)
	if err != nil {
		t.Fatal(err)
	}
	return s, inst
}

func TestTortureManyGoroutines(t *testing.T) {
	env := newTortureEnv(t)
	workers, rounds := 8, 30
	if testing.Short() || DebugBuild {
		rounds = 6
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			ctx := context.Background()
			for r := 0; r < rounds; r++ {
				s, inst := env.instance(t)
				add := inst.Func("add")
				mem, err := inst.Memory("memory")
				if err != nil {
					errs <- err
					return
				}
				if rng.Intn(2) == 0 {
					s.Close() // the objects keep the store alive
				}
				s = nil
				runtime.GC()
				res, err := add.Call(ctx, int32(r), int32(seed))
				if err != nil || res[0] != int32(r)+int32(seed) {
					errs <- errors.Join(err, errors.New("add result"))
					return
				}
				if err := mem.Write(8, []byte{byte(r)}); err != nil {
					errs <- err
					return
				}
				tab, _ := inst.Table("table")
				fv, err := tab.Get(0)
				if err != nil {
					errs <- err
					return
				}
				switch rng.Intn(3) {
				case 0:
					inst.Close()
				case 1:
					mem.Close()
				}
				inst, mem = nil, nil
				runtime.GC()
				if res, err := fv.(*Func).Call(ctx, int32(r)); err != nil || res[0] != int32(r+1) {
					errs <- errors.Join(err, errors.New("funcref from table"))
					return
				}
				if rng.Intn(2) == 0 {
					add.Close()
				}
			}
		}(int64(w))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Every handle dropped (and collected) while another goroutine is inside a
// call of that store: the call completes; destruction waits for it.
func TestTortureDropDuringCall(t *testing.T) {
	env := newTortureEnv(t)
	s, inst := env.instance(t)
	wait := inst.Func("wait")
	done := make(chan error, 1)
	go func() {
		res, err := wait.Call(context.Background(), int32(21))
		if err == nil && res[0] != int32(42) {
			err = errors.New("wrong result")
		}
		done <- err
	}()
	<-env.inside // the call is inside the host function now
	wait.Close()
	inst.Close()
	s.Close()
	wait, inst, s = nil, nil, nil
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	env.gate <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Calls into one store from many goroutines (serialised by the C library)
// and into separate stores in parallel.
func TestConcurrentCallsOneStore(t *testing.T) {
	env := newTortureEnv(t)
	_, inst := env.instance(t)
	count := inst.Func("count")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx := context.Background()
			if g%2 == 1 { // half of them wait through the cancellable path
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			for i := 0; i < 50; i++ {
				res, err := count.Call(ctx, int32(1000+i))
				if err != nil || res[0] != int32(1000+i) {
					t.Errorf("count: %v %v", res, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// A cancelled context while waiting for a busy store interrupts nobody:
// the running call completes, the waiting one returns the context error.
func TestCancelWhileWaitingForStore(t *testing.T) {
	env := newTortureEnv(t)
	_, inst := env.instance(t)
	wait := inst.Func("wait")
	first := make(chan error, 1)
	go func() {
		res, err := wait.Call(context.Background(), int32(1))
		if err == nil && res[0] != int32(2) {
			err = errors.New("wrong result")
		}
		first <- err
	}()
	<-env.inside
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := inst.Func("count").Call(ctx, int32(10))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting call: want DeadlineExceeded, got %v", err)
	}
	env.gate <- struct{}{}
	if err := <-first; err != nil {
		t.Fatalf("running call was disturbed: %v", err)
	}
}

// A deadline interrupts a long-running call; the error is a *Trap with
// TrapInterrupted that also matches the context's error.
func TestDeadlineInterruptsLoop(t *testing.T) {
	env := newTortureEnv(t)
	_, inst := env.instance(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := inst.Func("count").Call(ctx, int32(-1)) // 2^32 iterations
	var tr *Trap
	if !errors.As(err, &tr) || tr.Code != TrapInterrupted || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want interrupted trap wrapping DeadlineExceeded, got %T %v", err, err)
	}
	if res, err := inst.Func("count").Call(context.Background(), int32(5)); err != nil || res[0] != int32(5) {
		t.Fatalf("store unusable after interrupt: %v %v", res, err)
	}
}

// Close racing with calls of the same function on other goroutines: every
// call either completes or reports ErrClosed; nothing crashes.
func TestCloseRacesWithCalls(t *testing.T) {
	env := newTortureEnv(t)
	for round := 0; round < 5; round++ {
		_, inst := env.instance(t)
		add := inst.Func("add")
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				<-start
				for i := 0; i < 40; i++ {
					res, err := add.Call(context.Background(), int32(i), int32(g))
					if err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Errorf("call: %v", err)
						}
						return
					}
					if res[0] != int32(i+g) {
						t.Errorf("call: got %v", res)
						return
					}
				}
			}(g)
		}
		close(start)
		time.Sleep(time.Duration(round) * 100 * time.Microsecond)
		add.Close()
		inst.Close()
		wg.Wait()
	}
}

// After the torture, once everything is dropped, the C library has no
// live handle and no live store left.
func TestTortureLeavesNothingLive(t *testing.T) {
	func() {
		env := newTortureEnv(t)
		s, inst := env.instance(t)
		_, _ = inst.Func("add").Call(context.Background(), int32(1), int32(2))
		tab, _ := inst.Table("table")
		_, _ = tab.Get(0)
		mem, _ := inst.Memory("memory")
		_, _ = mem.View()
		_ = s
	}()
	if err := waitNoLiveHandles(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}
