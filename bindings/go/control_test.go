package keel

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 9: interrupts, deadlines, fuel and samples.

const spinWAT = `(module $spinmod
  (func $spin (export "spin") (loop $l (br $l)))
  (func $outer (export "outer") (call $spin))
  (func $count (export "count") (param $n i32) (result i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
    (local.get $n))
  (func (export "nop")))`

func newSpin(t testing.TB) (*Engine, *Store, *Instance) {
	t.Helper()
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.CompileString(spinWAT)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(e)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.Instantiate(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(); m.Close(); s.Close(); e.Close() })
	return e, s, inst
}

func wantTrap(t *testing.T, err error, code TrapCode) *Trap {
	t.Helper()
	var tr *Trap
	if !errors.As(err, &tr) {
		t.Fatalf("want a %v trap, got %v (%T)", code, err, err)
	}
	if tr.Code != code {
		t.Fatalf("want trap %v, got %v: %v", code, tr.Code, err)
	}
	return tr
}

// waitSample polls Sample until the store runs wasm code at least minFrames deep.
func waitSample(t *testing.T, s *Store, minFrames int) []Frame {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		fr, err := s.Sample()
		if err != nil {
			t.Fatal(err)
		}
		if len(fr) >= minFrames {
			return fr
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no sample: the guest never ran")
	return nil
}

// An endless loop is sampled from another goroutine (innermost frame first,
// with names), then interrupted.
func TestSampleThenInterrupt(t *testing.T) {
	_, s, inst := newSpin(t)
	if fr, err := s.Sample(); err != nil || len(fr) != 0 {
		t.Fatalf("idle store sample: %v %v", fr, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := inst.Func("outer").Call(context.Background())
		done <- err
	}()
	fr := waitSample(t, s, 2)
	if len(fr) < 2 || fr[0].FuncName != "spin" || fr[1].FuncName != "outer" {
		t.Fatalf("sample frames %+v, want spin then outer", fr)
	}
	if fr[0].ModuleName != "spinmod" {
		t.Errorf("module name %q, want spinmod", fr[0].ModuleName)
	}
	s.Interrupt()
	select {
	case err := <-done:
		wantTrap(t, err, TrapInterrupted)
	case <-time.After(10 * time.Second):
		t.Fatal("interrupt did not stop the loop")
	}
	// The store stays usable and the interrupt was consumed.
	if _, err := inst.Func("nop").Call(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A timer-driven interrupt (context deadline) with a sample taken first.
func TestContextDeadlineInterrupts(t *testing.T) {
	_, s, inst := newSpin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	sampled := make(chan []Frame, 1)
	go func() {
		for {
			fr, _ := s.Sample()
			if len(fr) > 0 {
				sampled <- fr
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := inst.Func("spin").Call(ctx)
	tr := wantTrap(t, err, TrapInterrupted)
	if !errors.Is(err, context.DeadlineExceeded) || tr.Cause == nil {
		t.Fatalf("want errors.Is(err, DeadlineExceeded): %v", err)
	}
	if fr := <-sampled; fr[0].FuncName != "spin" {
		t.Fatalf("sample %+v", fr)
	}
}

// Store.InterruptClear withdraws a request made while nothing ran.
func TestInterruptClear(t *testing.T) {
	_, s, inst := newSpin(t)
	s.Interrupt()
	_, err := inst.Func("nop").Call(context.Background())
	wantTrap(t, err, TrapInterrupted)
	s.Interrupt()
	s.InterruptClear()
	if _, err := inst.Func("nop").Call(context.Background()); err != nil {
		t.Fatalf("cleared interrupt still trapped: %v", err)
	}
}

// Cancellations racing with the end of short calls must never leave an
// interrupt pending for the store's next call (keel_store_interrupt_clear).
func TestCancelRaceDoesNotLeak(t *testing.T) {
	_, _, inst := newSpin(t)
	count := inst.Func("count")
	nop := inst.Func("nop")
	bg := context.Background()
	for i := 0; i < 300; i++ {
		ctx, cancel := context.WithCancel(bg)
		delay := time.Duration(i%30) * 10 * time.Microsecond
		go func() { time.Sleep(delay); cancel() }()
		_, err := count.Call(ctx, int32(2000+i*37))
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("iteration %d: %v", i, err)
		}
		cancel()
		if _, err := nop.Call(bg); err != nil {
			t.Fatalf("iteration %d: the next call inherited an interrupt: %v", i, err)
		}
	}
}

func TestFuel(t *testing.T) {
	_, s, inst := newSpin(t)
	if _, err := s.Fuel(); err == nil {
		t.Fatal("Fuel with metering off should fail")
	} else {
		var ke *Error
		if !errors.As(err, &ke) || ke.Kind != KindInvalidArgument {
			t.Fatalf("want KindInvalidArgument, got %v", err)
		}
	}
	if err := s.SetFuel(1000); err != nil {
		t.Fatal(err)
	}
	// count(10) runs 1 entry + 10 iterations.
	if _, err := inst.Func("count").Call(context.Background(), int32(10)); err != nil {
		t.Fatal(err)
	}
	left, err := s.Fuel()
	if err != nil || left >= 1000 || left < 900 {
		t.Fatalf("fuel left %d (%v), want a little under 1000", left, err)
	}
	_, err = inst.Func("outer").Call(context.Background())
	wantTrap(t, err, TrapOutOfFuel)
	if left, err := s.Fuel(); err != nil || left != 0 {
		t.Fatalf("fuel after exhaustion %d %v", left, err)
	}
	// Not refilled: the next call traps too; more fuel lets it run.
	_, err = inst.Func("nop").Call(context.Background())
	wantTrap(t, err, TrapOutOfFuel)
	if err := s.SetFuel(10); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("nop").Call(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableFuel(); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("count").Call(context.Background(), int32(100000)); err != nil {
		t.Fatal(err)
	}
}

// ticker increments the engine's epoch until stopped.
func ticker(e *Engine, every time.Duration) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-quit:
				return
			case <-time.After(every):
				e.IncrementEpoch()
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

func TestEpochDeadline(t *testing.T) {
	e, s, inst := newSpin(t)
	before := e.Epoch()
	if err := s.SetEpochDeadline(2); err != nil {
		t.Fatal(err)
	}
	stop := ticker(e, 2*time.Millisecond)
	_, err := inst.Func("outer").Call(context.Background())
	stop()
	tr := wantTrap(t, err, TrapDeadline)
	if len(tr.Frames) == 0 || tr.Frames[0].FuncName != "spin" {
		t.Errorf("deadline trap frames %+v", tr.Frames)
	}
	if e.Epoch() < before+2 {
		t.Fatalf("epoch %d, started at %d", e.Epoch(), before)
	}
	// The deadline stays: a new call traps at once; cleared, calls run.
	_, err = inst.Func("nop").Call(context.Background())
	wantTrap(t, err, TrapDeadline)
	if err := s.ClearEpochDeadline(); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("nop").Call(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The deadline callback extends twice (sampling the store each time), then
// lets the call trap.
func TestEpochDeadlineCallback(t *testing.T) {
	e, s, inst := newSpin(t)
	var calls atomic.Int32
	var names []string
	// The callback may sample its own store; it captures s, which the test
	// closes explicitly (see the cycle caveat in SetEpochDeadlineCallback).
	err := s.SetEpochDeadlineCallback(func() (uint64, bool) {
		fr, _ := s.Sample()
		if len(fr) > 0 {
			names = append(names, fr[0].FuncName)
		}
		return 1, calls.Add(1) < 3
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetEpochDeadline(1); err != nil {
		t.Fatal(err)
	}
	stop := ticker(e, 2*time.Millisecond)
	_, err = inst.Func("outer").Call(context.Background())
	stop()
	wantTrap(t, err, TrapDeadline)
	if calls.Load() != 3 {
		t.Fatalf("callback ran %d times, want 3", calls.Load())
	}
	// A deadline checked at spin's entry may still sample outer as the
	// innermost frame (keel/sample.h: the position is published at calls,
	// entries and back-edges); the later ones are inside spin's loop.
	if len(names) != 3 || names[2] != "spin" {
		t.Fatalf("samples in the callback: %v", names)
	}
	// A panicking callback traps instead of crashing; nil removes it.
	if err := s.SetEpochDeadlineCallback(func() (uint64, bool) { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEpochDeadline(0); err != nil {
		t.Fatal(err)
	}
	_, err = inst.Func("nop").Call(context.Background())
	wantTrap(t, err, TrapDeadline)
	if err := s.SetEpochDeadlineCallback(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearEpochDeadline(); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("nop").Call(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestControlClosed(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(e)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.Close()
	e.IncrementEpoch()
	s.Interrupt()
	s.InterruptClear()
	if e.Epoch() != 0 {
		t.Fatal("closed engine epoch")
	}
	for _, err := range []error{s.SetFuel(1), s.DisableFuel(), s.SetEpochDeadline(1), s.ClearEpochDeadline(),
		s.SetEpochDeadlineCallback(nil)} {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("want ErrClosed, got %v", err)
		}
	}
	if _, err := s.Fuel(); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if _, err := s.Sample(); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}
