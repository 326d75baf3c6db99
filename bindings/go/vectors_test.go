package keel

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The shared test vectors (tests/vectors, format in its README.md): every
// Keel front end runs the same cases.

func vectorsDir() string {
	if d := os.Getenv("KEEL_VECTORS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "tests", "vectors")
}

type vecValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
	Bits  string          `json:"bits"`
	NaN   string          `json:"nan"`
}

type vecImport struct {
	Module   string   `json:"module"`
	Name     string   `json:"name"`
	Params   []string `json:"params"`
	Results  []string `json:"results"`
	Behavior string   `json:"behavior"`
}

type vecMem struct {
	Export string `json:"export"`
	Offset uint64 `json:"offset"`
	Hex    string `json:"hex"`
	Pages  uint64 `json:"pages"`
	Size   uint64 `json:"size"`
}

type vecStep struct {
	Invoke      *string    `json:"invoke"`
	Args        []vecValue `json:"args"`
	Expect      json.RawMessage
	Trap        *string   `json:"trap"`
	Memory      *vecMem   `json:"memory"`
	MemoryWrite *vecMem   `json:"memory_write"`
	MemorySize  *vecMem   `json:"memory_size"`
	TableSize   *vecMem   `json:"table_size"`
	GlobalGet   *string   `json:"global_get"`
	GlobalSet   *string   `json:"global_set"`
	Value       *vecValue `json:"value"`
	Error       *string   `json:"error"`
}

type vecCase struct {
	Description     string      `json:"description"`
	Imports         []vecImport `json:"imports"`
	LinkError       *string     `json:"link_error"`
	InstantiateTrap *string     `json:"instantiate_trap"`
	Steps           []vecStep   `json:"steps"`
}

func kindOf(name string) (ValKind, error) {
	switch name {
	case "i32":
		return I32, nil
	case "i64":
		return I64, nil
	case "f32":
		return F32, nil
	case "f64":
		return F64, nil
	case "funcref":
		return FuncRef, nil
	case "externref":
		return ExternRef, nil
	}
	return 0, fmt.Errorf("unknown type %q", name)
}

func parseInt(s string, bits int) (uint64, error) {
	var u uint64
	var err error
	neg := strings.HasPrefix(s, "-")
	t := strings.ReplaceAll(strings.TrimPrefix(s, "-"), "_", "")
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		u, err = strconv.ParseUint(t[2:], 16, 64)
	} else {
		u, err = strconv.ParseUint(t, 10, 64)
	}
	if err != nil {
		return 0, err
	}
	if neg {
		u = -u
	}
	if bits == 32 {
		u &= 0xffffffff
	}
	return u, nil
}

// goValue converts a vector value to the Go value Call takes.
func goValue(v vecValue) (any, error) {
	var s *string
	if len(v.Value) > 0 && string(v.Value) != "null" {
		var str string
		if err := json.Unmarshal(v.Value, &str); err != nil {
			return nil, err
		}
		s = &str
	}
	switch v.Type {
	case "i32":
		u, err := parseInt(*s, 32)
		return int32(uint32(u)), err
	case "i64":
		u, err := parseInt(*s, 64)
		return int64(u), err
	case "f32":
		u, err := strconv.ParseUint(strings.TrimPrefix(v.Bits, "0x"), 16, 32)
		return math.Float32frombits(uint32(u)), err
	case "f64":
		u, err := strconv.ParseUint(strings.TrimPrefix(v.Bits, "0x"), 16, 64)
		return math.Float64frombits(u), err
	case "funcref":
		if s == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("funcref argument %q unsupported", *s)
	case "externref":
		if s == nil {
			return nil, nil
		}
		u, err := parseInt(*s, 64)
		return int64(u), err
	}
	return nil, fmt.Errorf("unknown type %q", v.Type)
}

// match compares a result with an expected vector value.
func match(got any, want vecValue) error {
	switch want.Type {
	case "f32":
		g, ok := got.(float32)
		if !ok {
			return fmt.Errorf("want f32, got %T", got)
		}
		b := math.Float32bits(g)
		switch want.NaN {
		case "canonical":
			if b&0x7fffffff != 0x7fc00000 {
				return fmt.Errorf("want canonical NaN, got 0x%08x", b)
			}
			return nil
		case "arithmetic":
			if b&0x7fc00000 != 0x7fc00000 {
				return fmt.Errorf("want arithmetic NaN, got 0x%08x", b)
			}
			return nil
		}
	case "f64":
		g, ok := got.(float64)
		if !ok {
			return fmt.Errorf("want f64, got %T", got)
		}
		b := math.Float64bits(g)
		switch want.NaN {
		case "canonical":
			if b&0x7fffffffffffffff != 0x7ff8000000000000 {
				return fmt.Errorf("want canonical NaN, got 0x%016x", b)
			}
			return nil
		case "arithmetic":
			if b&0x7ff8000000000000 != 0x7ff8000000000000 {
				return fmt.Errorf("want arithmetic NaN, got 0x%016x", b)
			}
			return nil
		}
	case "funcref":
		if string(want.Value) == `"nonnull"` {
			if f, ok := got.(*Func); !ok || f == nil {
				return fmt.Errorf("want a non-null funcref, got %v", got)
			}
			return nil
		}
	}
	exp, err := goValue(want)
	if err != nil {
		return err
	}
	switch e := exp.(type) {
	case float32:
		if g, ok := got.(float32); !ok || math.Float32bits(g) != math.Float32bits(e) {
			return fmt.Errorf("want f32 0x%08x, got %v", math.Float32bits(e), got)
		}
		return nil
	case float64:
		if g, ok := got.(float64); !ok || math.Float64bits(g) != math.Float64bits(e) {
			return fmt.Errorf("want f64 0x%016x, got %v", math.Float64bits(e), got)
		}
		return nil
	}
	if got != exp {
		return fmt.Errorf("want %v (%T), got %v (%T)", exp, exp, got, got)
	}
	return nil
}

// behavior builds the host function of an import.
func behavior(imp vecImport) (FuncType, HostFunc, error) {
	var ty FuncType
	for _, p := range imp.Params {
		k, err := kindOf(p)
		if err != nil {
			return ty, nil, err
		}
		ty.Params = append(ty.Params, k)
	}
	for _, r := range imp.Results {
		k, err := kindOf(r)
		if err != nil {
			return ty, nil, err
		}
		ty.Results = append(ty.Results, k)
	}
	switch imp.Behavior {
	case "add":
		return ty, func(_ *Caller, args []any) ([]any, error) {
			switch ty.Results[0] {
			case I32:
				var s int32
				for _, a := range args {
					s += a.(int32)
				}
				return []any{s}, nil
			case I64:
				var s int64
				for _, a := range args {
					s += a.(int64)
				}
				return []any{s}, nil
			case F32:
				var s float32
				for i, a := range args {
					if i == 0 {
						s = a.(float32)
					} else {
						s += a.(float32)
					}
				}
				return []any{s}, nil
			case F64:
				var s float64
				for i, a := range args {
					if i == 0 {
						s = a.(float64)
					} else {
						s += a.(float64)
					}
				}
				return []any{s}, nil
			}
			return nil, errors.New("add: unsupported result type")
		}, nil
	case "echo":
		return ty, func(_ *Caller, args []any) ([]any, error) { return args, nil }, nil
	case "trap":
		return ty, func(_ *Caller, args []any) ([]any, error) { return nil, NewTrap("host trap") }, nil
	}
	return ty, nil, fmt.Errorf("unknown behavior %q", imp.Behavior)
}

func TestVectors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(vectorsDir(), "*.json"))
	if len(files) == 0 {
		t.Skip("no test vectors found in " + vectorsDir())
	}
	for _, jf := range files {
		stem := strings.TrimSuffix(filepath.Base(jf), ".json")
		t.Run(stem, func(t *testing.T) { runVector(t, jf) })
	}
}

func runVector(t *testing.T, jf string) {
	data, err := os.ReadFile(jf)
	if err != nil {
		t.Fatal(err)
	}
	var vc vecCase
	if err := json.Unmarshal(data, &vc); err != nil {
		t.Fatal(err)
	}
	wat, err := os.ReadFile(strings.TrimSuffix(jf, ".json") + ".wat")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := e.Compile(wat)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
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
	for _, imp := range vc.Imports {
		ty, fn, err := behavior(imp)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.DefineFuncType(imp.Module, imp.Name, ty, fn); err != nil {
			t.Fatal(err)
		}
	}
	inst, err := l.Instantiate(s, m)
	if vc.LinkError != nil {
		var le *LinkError
		if !errors.As(err, &le) || le.Kind() != KindUnlinkable || !strings.Contains(le.Message, *vc.LinkError) {
			t.Fatalf("want link error %q, got %v", *vc.LinkError, err)
		}
		return
	}
	if vc.InstantiateTrap != nil {
		var tr *Trap
		if !errors.As(err, &tr) || !strings.Contains(tr.Message, *vc.InstantiateTrap) {
			t.Fatalf("want instantiation trap %q, got %v", *vc.InstantiateTrap, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	ctx := context.Background()
	for i, st := range vc.Steps {
		if err := runStep(ctx, inst, st); err != nil {
			t.Errorf("step %d: %v", i, err)
		}
	}
}

func runStep(ctx context.Context, inst *Instance, st vecStep) error {
	exportOr := func(m *vecMem, def string) string {
		if m.Export != "" {
			return m.Export
		}
		return def
	}
	switch {
	case st.Invoke != nil:
		args := make([]any, len(st.Args))
		for i, a := range st.Args {
			v, err := goValue(a)
			if err != nil {
				return err
			}
			args[i] = v
		}
		res, err := inst.Func(*st.Invoke).Call(ctx, args...)
		if st.Trap != nil {
			var tr *Trap
			if !errors.As(err, &tr) || !strings.Contains(tr.Message, *st.Trap) {
				return fmt.Errorf("%s: want trap %q, got %v (results %v)", *st.Invoke, *st.Trap, err, res)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", *st.Invoke, err)
		}
		var want []vecValue
		if len(st.Expect) > 0 {
			if err := json.Unmarshal(st.Expect, &want); err != nil {
				return err
			}
		}
		if len(res) != len(want) {
			return fmt.Errorf("%s: want %d results, got %v", *st.Invoke, len(want), res)
		}
		for i := range want {
			if err := match(res[i], want[i]); err != nil {
				return fmt.Errorf("%s: result %d: %v", *st.Invoke, i, err)
			}
		}
	case st.Memory != nil:
		mem, err := inst.Memory(exportOr(st.Memory, "memory"))
		if err != nil {
			return err
		}
		want, _ := hex.DecodeString(st.Memory.Hex)
		got := make([]byte, len(want))
		if err := mem.Read(st.Memory.Offset, got); err != nil {
			return err
		}
		if string(got) != string(want) {
			return fmt.Errorf("memory at %d: want %x, got %x", st.Memory.Offset, want, got)
		}
	case st.MemoryWrite != nil:
		mem, err := inst.Memory(exportOr(st.MemoryWrite, "memory"))
		if err != nil {
			return err
		}
		b, _ := hex.DecodeString(st.MemoryWrite.Hex)
		return mem.Write(st.MemoryWrite.Offset, b)
	case st.MemorySize != nil:
		mem, err := inst.Memory(exportOr(st.MemorySize, "memory"))
		if err != nil {
			return err
		}
		if p := mem.Pages(); p != st.MemorySize.Pages {
			return fmt.Errorf("memory pages: want %d, got %d", st.MemorySize.Pages, p)
		}
	case st.TableSize != nil:
		tab, err := inst.Table(exportOr(st.TableSize, "table"))
		if err != nil {
			return err
		}
		if n := tab.Size(); n != st.TableSize.Size {
			return fmt.Errorf("table size: want %d, got %d", st.TableSize.Size, n)
		}
	case st.GlobalGet != nil:
		g, err := inst.Global(*st.GlobalGet)
		if err != nil {
			return err
		}
		v, err := g.Get()
		if err != nil {
			return err
		}
		var want vecValue
		if err := json.Unmarshal(st.Expect, &want); err != nil {
			return err
		}
		return match(v, want)
	case st.GlobalSet != nil:
		g, err := inst.Global(*st.GlobalSet)
		if err != nil {
			return err
		}
		v, err := goValue(*st.Value)
		if err != nil {
			return err
		}
		err = g.Set(v)
		if st.Error != nil {
			if err == nil {
				return fmt.Errorf("global %s: set must fail (%s)", *st.GlobalSet, *st.Error)
			}
			return nil
		}
		return err
	default:
		return errors.New("unknown step")
	}
	return nil
}
