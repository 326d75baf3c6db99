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

func TestIntrospectionAndRefs(t *testing.T) {
	e, _ := NewEngine()
	m, err := e.CompileString(`(module $demo
	  (import "env" "f" (func (param i32) (result i64)))
	  (import "env" "mem" (memory 1))
	  (table (export "t") 2 externref)
	  (global (export "g") (mut externref) (ref.null extern))
	  (func (export "h") (param f32) (result f64) (f64.promote_f32 (local.get 0))))`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "demo" {
		t.Errorf("module name %q", m.Name())
	}
	imps, err := m.Imports()
	if err != nil || len(imps) != 2 || imps[0].Module != "env" || imps[0].Name != "f" ||
		imps[0].Kind != ExternFunc || imps[1].Kind != ExternMemory {
		t.Fatalf("imports: %+v %v", imps, err)
	}
	if ft := imps[0].Func; ft == nil || len(ft.Params) != 1 || ft.Params[0] != I32 || ft.Results[0] != I64 {
		t.Errorf("import type: %+v", imps[0].Func)
	}
	exps, err := m.Exports()
	if err != nil || len(exps) != 3 || exps[2].Name != "h" || exps[2].Func.Results[0] != F64 {
		t.Fatalf("exports: %+v %v", exps, err)
	}

	s, _ := NewStore(e)
	l, _ := NewLinker(e)
	mem, _ := s.NewMemory(1, 2)
	if err := l.Define("env", "mem", mem); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineFunc("env", "f", func(x int32) int64 { return int64(x) }); err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(s, m)
	if err != nil {
		t.Fatal(err)
	}
	all, err := inst.Exports()
	if err != nil || len(all) != 3 {
		t.Fatalf("instance exports: %v %v", all, err)
	}
	if _, ok := all["h"].(*Func); !ok {
		t.Errorf("export h: %T", all["h"])
	}
	tab := all["t"].(*Table)
	type hostThing struct{ name string }
	thing := &hostThing{"x"}
	if err := tab.Set(1, thing); err != nil {
		t.Fatal(err)
	}
	if v, err := tab.Get(1); err != nil || v != thing {
		t.Fatalf("externref from table: %v %v", v, err)
	}
	if v, err := tab.Get(0); err != nil || v != nil {
		t.Fatalf("null externref: %v %v", v, err)
	}
	if old, err := tab.Grow(1, "grown"); err != nil || old != 2 {
		t.Fatalf("table grow: %v %v", old, err)
	}
	g := all["g"].(*Global)
	if err := g.Set(thing); err != nil {
		t.Fatal(err)
	}
	if v, err := g.Get(); err != nil || v != thing {
		t.Fatalf("externref global: %v %v", v, err)
	}
	if k, mut, err := g.Type(); err != nil || k != ExternRef || !mut {
		t.Fatalf("global type: %v %v %v", k, mut, err)
	}
	r, err := all["h"].(*Func).Call(context.Background(), float32(1.5))
	if err != nil || r[0] != 1.5 {
		t.Fatalf("h: %v %v", r, err)
	}
}
