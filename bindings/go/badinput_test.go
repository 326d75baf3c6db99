package keel

import (
	"context"
	"errors"
	"testing"
)

// Bad input for every entry point: each gives an error value, never a
// panic or a crash.

func wantErr(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: want an error, got nil", what)
	}
}

func TestBadModules(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated":   []byte("\x00asm\x01\x00"),
		"bad version": []byte("\x00asm\x02\x00\x00\x00"),
		"bad section": []byte("\x00asm\x01\x00\x00\x00\x7f\x01\x00"),
		"garbage wat": []byte("(module (func (i32.frob)))"),
		"unbalanced":  []byte("(module (func"),
	}
	for name, b := range cases {
		m, err := e.Compile(b)
		var me *MalformedError
		if !errors.As(err, &me) {
			t.Errorf("%s: want *MalformedError, got %T %v (module %v)", name, err, err, m)
		}
	}
	_, err = e.CompileString(`(module (func (result i32) (i64.const 1)))`)
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Errorf("type mismatch: want *InvalidError, got %T %v", err, err)
	}
	wantErr(t, "validate garbage", e.Validate([]byte("\x00asm\x01\x00\x00\x00\x01\xff")))
	bin, err := WatToWasm(`(module)`)
	if err != nil || e.Validate(bin) != nil {
		t.Errorf("WatToWasm/Validate of an empty module: %v", err)
	}
	_, err = WatToWasm(`(module (`)
	wantErr(t, "WatToWasm", err)
	// Empty text is a valid empty module (WAT's module-field abbreviation).
}

func TestNilAndClosedObjects(t *testing.T) {
	ctx := context.Background()
	var e *Engine
	_, err := e.Compile([]byte("(module)"))
	wantErr(t, "nil engine compile", err)
	_, err = NewStore(nil)
	wantErr(t, "NewStore(nil)", err)
	_, err = NewLinker(nil)
	wantErr(t, "NewLinker(nil)", err)
	var f *Func
	_, err = f.Call(ctx)
	wantErr(t, "nil func call", err)
	var m *Memory
	wantErr(t, "nil memory read", m.Read(0, make([]byte, 1)))
	_, err = m.View()
	wantErr(t, "nil memory view", err)
	var tb *Table
	_, err = tb.Get(0)
	wantErr(t, "nil table get", err)
	var g *Global
	_, err = g.Get()
	wantErr(t, "nil global get", err)
	var inst *Instance
	_, err = inst.Memory("memory")
	wantErr(t, "nil instance", err)
	_, err = inst.Func("f").Call(ctx)
	wantErr(t, "nil instance func", err)
	var s *Store
	_, err = s.NewMemory(1, 1)
	wantErr(t, "nil store", err)
	s.Interrupt() // no-op
	var l *Linker
	wantErr(t, "nil linker", l.DefineFunc("a", "b", func() {}))

	// Closed objects, each kind.
	eng, _ := NewEngine()
	mod, err := eng.CompileString(addWat)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := NewStore(eng)
	in, err := st.Instantiate(mod)
	if err != nil {
		t.Fatal(err)
	}
	add := in.Func("add")
	mem, _ := in.Memory("memory")
	lk, _ := NewLinker(eng)
	for _, c := range []interface{ Close() }{add, mem, in, mod, st, eng, lk} {
		c.Close()
		c.Close() // idempotent
	}
	_, err = add.Call(ctx, int32(1), int32(2))
	if !errors.Is(err, ErrClosed) {
		t.Errorf("closed func: want ErrClosed, got %v", err)
	}
	wantErr(t, "closed memory", mem.Write(0, []byte{1}))
	_, err = in.GetFunc("add")
	wantErr(t, "closed instance", err)
	_, err = eng.Compile([]byte("(module)"))
	wantErr(t, "closed engine", err)
	_, err = NewStore(eng)
	wantErr(t, "NewStore(closed engine)", err)
	_, err = st.Instantiate(mod)
	wantErr(t, "closed store/module", err)
	wantErr(t, "closed linker", lk.DefineFunc("a", "b", func() {}))
}

func TestBadCalls(t *testing.T) {
	_, s, inst := newAdd(t)
	ctx := context.Background()
	add := inst.Func("add")
	_, err := add.Call(ctx, int32(1))
	wantErr(t, "arity", err)
	_, err = add.Call(ctx, "1", int32(2))
	wantErr(t, "string argument", err)
	_, err = add.Call(ctx, 1<<40, int32(2))
	wantErr(t, "int out of range", err)
	_, err = add.Call(ctx, int32(1), 2.5)
	wantErr(t, "float for i32", err)
	if r, err := add.Call(ctx, 1, uint32(2)); err != nil || r[0] != int32(3) {
		t.Errorf("int and uint32 for i32: %v %v", r, err)
	}
	_, err = inst.Memory("add")
	wantErr(t, "memory lookup of a function", err)
	_, err = inst.Table("nope")
	wantErr(t, "table lookup", err)
	_, err = inst.Global("nope")
	wantErr(t, "global lookup", err)

	mem, _ := inst.Memory("memory")
	wantErr(t, "read out of bounds", mem.Read(65535, make([]byte, 2)))
	wantErr(t, "write out of bounds", mem.Write(^uint64(0), []byte{1}))
	_, err = mem.Grow(10)
	wantErr(t, "grow past max", err)
	if err := mem.Read(0, nil); err != nil {
		t.Errorf("empty read: %v", err)
	}

	// Globals and tables made by the host.
	g, err := s.NewGlobal(I32, false, int32(5))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "set immutable global", g.Set(int32(1)))
	_, err = s.NewGlobal(I64, true, "x")
	wantErr(t, "global init of the wrong type", err)
	mg, _ := s.NewGlobal(F64, true, 1.5)
	wantErr(t, "global set of the wrong type", mg.Set(int32(1)))
	if err := mg.Set(2.5); err != nil {
		t.Error(err)
	}
	if v, _ := mg.Get(); v != 2.5 {
		t.Errorf("global get: %v", v)
	}
	tab, err := s.NewTable(FuncRef, 2, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Get(2)
	wantErr(t, "table get out of bounds", err)
	wantErr(t, "table set of the wrong type", tab.Set(0, int32(1)))
	if err := tab.Set(1, add); err != nil {
		t.Error(err)
	}
	v, err := tab.Get(1)
	if f, ok := v.(*Func); err != nil || !ok {
		t.Errorf("table get of a func: %v %v", v, err)
	} else if r, err := f.Call(ctx, int32(2), int32(2)); err != nil || r[0] != int32(4) {
		t.Errorf("call from table: %v %v", r, err)
	}
	_, err = tab.Grow(3, nil)
	wantErr(t, "table grow past max", err)
	_, err = s.NewTable(I32, 1, 1, nil)
	wantErr(t, "table of i32", err)
	_, err = s.NewMemory(2, 1)
	wantErr(t, "memory min > max", err)

	// Objects of another store.
	e2, _ := NewEngine()
	s2, _ := NewStore(e2)
	tab2, _ := s2.NewTable(FuncRef, 1, 1, nil)
	err = tab2.Set(0, add)
	wantErr(t, "func of another store in a table", err)
	var ke *Error
	if errors.As(err, &ke) && ke.Kind != KindStoreMismatch {
		t.Errorf("store mismatch kind: %v", ke.Kind)
	}
}

func TestBadHostDefinitions(t *testing.T) {
	e, _ := NewEngine()
	l, _ := NewLinker(e)
	wantErr(t, "nil fn", l.DefineFunc("m", "n", nil))
	wantErr(t, "not a func", l.DefineFunc("m", "n", 42))
	wantErr(t, "string param", l.DefineFunc("m", "n", func(string) {}))
	wantErr(t, "variadic", l.DefineFunc("m", "n", func(...int32) {}))
	wantErr(t, "chan result", l.DefineFunc("m", "n", func() chan int { return nil }))
	wantErr(t, "HostFunc without type", l.DefineFunc("m", "n", HostFunc(func(*Caller, []any) ([]any, error) { return nil, nil })))
	wantErr(t, "nil general", l.DefineFuncType("m", "n", FuncType{}, nil))
	if err := l.DefineFunc("m", "n", func() {}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "duplicate", l.DefineFunc("m", "n", func() {}))
	l.AllowShadowing(true)
	if err := l.DefineFunc("m", "n", func(int32) {}); err != nil {
		t.Errorf("shadowing: %v", err)
	}
	wantErr(t, "nil item", l.Define("m", "x", nil))
	wantErr(t, "bad kinds", l.DefineFuncType("m", "k", FuncType{Params: []ValKind{ValKind(99)}},
		func(*Caller, []any) ([]any, error) { return nil, nil }))
	s, _ := NewStore(e)
	mod, _ := e.CompileString(`(module (import "m" "n" (func (param i64))))`)
	_, err := l.Instantiate(s, mod)
	var le *LinkError
	if !errors.As(err, &le) {
		t.Errorf("type mismatch at link: want *LinkError, got %T %v", err, err)
	}
	_, err = l.Instantiate(s, nil)
	wantErr(t, "instantiate nil module", err)
}
