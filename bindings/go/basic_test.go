package keel

import (
	"context"
	"errors"
	"testing"
)

const addWat = `(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (memory (export "memory") 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "spin") (loop $l (br $l))))`

func newAdd(t testing.TB) (*Engine, *Store, *Instance) {
	t.Helper()
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.CompileString(addWat)
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
	return e, s, inst
}

func TestSmokeAdd(t *testing.T) {
	_, _, inst := newAdd(t)
	res, err := inst.Func("add").Call(context.Background(), int32(40), int32(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0] != int32(42) {
		t.Fatalf("got %v", res)
	}
	_, err = inst.Func("nope").Call(context.Background())
	if err == nil {
		t.Fatal("missing export: no error")
	}
	t.Log(err)
}

func TestMemoryViewStale(t *testing.T) {
	_, _, inst := newAdd(t)
	mem, err := inst.Memory("memory")
	if err != nil {
		t.Fatal(err)
	}
	v, err := mem.View()
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.Bytes()
	if err != nil || len(b) != 65536 {
		t.Fatalf("view: %v len %d", err, len(b))
	}
	b[10] = 7
	var got [1]byte
	if err := mem.Read(10, got[:]); err != nil || got[0] != 7 {
		t.Fatalf("read back %v %v", got, err)
	}
	if _, err := inst.Func("grow").Call(context.Background(), int32(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Bytes(); !errors.Is(err, ErrStaleView) {
		t.Fatalf("stale view not detected: %v", err)
	}
	if err := mem.Read(1<<20, got[:]); err == nil {
		t.Fatal("out of bounds read: no error")
	}
}

func TestInterruptByContext(t *testing.T) {
	_, _, inst := newAdd(t)
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	_, err := inst.Func("spin").Call(ctx)
	var trap *Trap
	if !errors.As(err, &trap) && !errors.Is(err, context.Canceled) {
		t.Fatalf("want a trap or context error, got %v", err)
	}
	t.Log(err)
	res, err := inst.Func("add").Call(context.Background(), int32(1), int32(2))
	if err != nil || res[0] != int32(3) {
		t.Fatalf("store not usable after interrupt: %v %v", res, err)
	}
}
