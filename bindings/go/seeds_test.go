package keel

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// SEEDS.md section 1 (wazero): module B writes one of its functions into a
// table imported from module A, then traps in its start function. The
// function must stay callable through A's table after every Go reference to
// B (and to everything else but one function of A) is dropped and collected.

const seedsA = `(module
  (table (export "table") 2 funcref)
  (type $t (func (result i32)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))`

const seedsB = `(module
  (import "a" "table" (table 2 funcref))
  (func $f (result i32) (i32.const 42))
  (elem (i32.const 1) $f)
  (func $start (unreachable))
  (start $start))`

func seedsSetup(t *testing.T) *Func {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	ma, err := e.CompileString(seedsA)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := e.CompileString(seedsB)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewStore(e)
	l, _ := NewLinker(e)
	ia, err := l.Instantiate(s, ma)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineInstance("a", ia); err != nil {
		t.Fatal(err)
	}
	_, err = l.Instantiate(s, mb)
	var tr *Trap
	if !errors.As(err, &tr) || tr.Code != TrapUnreachable {
		t.Fatalf("B's start: want unreachable trap, got %v", err)
	}
	return ia.Func("call")
}

func TestSeedsTableOutlivesTrappedInstance(t *testing.T) {
	for round := 0; round < 3; round++ {
		call := seedsSetup(t) // engine, modules, store, linker, instances: all dropped
		for i := 0; i < 5; i++ {
			runtime.GC()
		}
		res, err := call.Call(context.Background(), int32(1))
		if err != nil || res[0] != int32(42) {
			t.Fatalf("round %d: call through the table: %v %v", round, res, err)
		}
		_, err = call.Call(context.Background(), int32(0))
		var tr *Trap
		if !errors.As(err, &tr) || tr.Code != TrapUninitializedElement {
			t.Fatalf("empty slot: %v", err)
		}
		if round == 1 {
			call.Close()
		}
	}
	// Every reference dropped: the store (with both instances) is freed.
	if err := waitNoLiveHandles(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}
