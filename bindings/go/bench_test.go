package keel

import (
	"context"
	"testing"
)

// Benchmarks: a trivial export call and a wasm -> Go host -> wasm round trip.
// Target: under 300 ns per call.

func benchInstance(b *testing.B) *Instance {
	e, err := NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	m, err := e.CompileString(`(module
	  (import "env" "add" (func $add (param i32 i32) (result i32)))
	  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
	  (func (export "nop"))
	  (func (export "host_add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1))))`)
	if err != nil {
		b.Fatal(err)
	}
	l, _ := NewLinker(e)
	if err := l.DefineFunc("env", "add", func(a, b int32) int32 { return a + b }); err != nil {
		b.Fatal(err)
	}
	s, _ := NewStore(e)
	inst, err := l.Instantiate(s, m)
	if err != nil {
		b.Fatal(err)
	}
	return inst
}

func BenchmarkCallNop(b *testing.B) {
	f := benchInstance(b).Func("nop")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallAdd(b *testing.B) {
	f := benchInstance(b).Func("add")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(ctx, int32(1), int32(2)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallAddCancellable(b *testing.B) {
	f := benchInstance(b).Func("add")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(ctx, int32(1), int32(2)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHostRoundTrip(b *testing.B) {
	f := benchInstance(b).Func("host_add")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(ctx, int32(1), int32(2)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallAddParallel(b *testing.B) {
	e, _ := NewEngine()
	m, _ := e.CompileString(`(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		s, _ := NewStore(e) // one store per goroutine: calls run in parallel
		inst, err := s.Instantiate(m)
		if err != nil {
			b.Error(err)
			return
		}
		f := inst.Func("add")
		ctx := context.Background()
		for pb.Next() {
			if _, err := f.Call(ctx, int32(1), int32(2)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCgoFloor is the cost of one empty cgo call (keel_abi_version) on
// this machine: the floor under every call above.
func BenchmarkCgoFloor(b *testing.B) {
	for b.Loop() {
		ABIVersion()
	}
}

// hostBench instantiates "call" -> env.f (i32, i32) -> i32 with the given
// definition of env.f.
func hostBench(b *testing.B, define func(l *Linker) error) *Func {
	e, err := NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	m, err := e.CompileString(`(module
	  (import "env" "f" (func $f (param i32 i32) (result i32)))
	  (func (export "call") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1))))`)
	if err != nil {
		b.Fatal(err)
	}
	l, _ := NewLinker(e)
	if err := define(l); err != nil {
		b.Fatal(err)
	}
	s, _ := NewStore(e)
	inst, err := l.Instantiate(s, m)
	if err != nil {
		b.Fatal(err)
	}
	return inst.Func("call")
}

func benchHostCall(b *testing.B, f *Func) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(ctx, int32(1000), int32(2000)); err != nil {
			b.Fatal(err)
		}
	}
}

// A typed host function outside the reflection-free set (a *Caller and an
// error): the reflective path.
func BenchmarkHostRoundTripReflect(b *testing.B) {
	benchHostCall(b, hostBench(b, func(l *Linker) error {
		return l.DefineFunc("env", "f", func(c *Caller, x, y int32) (int32, error) { return x + y, nil })
	}))
}

// The general form (DefineFuncType).
func BenchmarkHostRoundTripGeneral(b *testing.B) {
	benchHostCall(b, hostBench(b, func(l *Linker) error {
		return l.DefineFuncType("env", "f", FuncType{Params: []ValKind{I32, I32}, Results: []ValKind{I32}},
			func(c *Caller, args []any) ([]any, error) {
				return []any{args[0].(int32) + args[1].(int32)}, nil
			})
	}))
}
