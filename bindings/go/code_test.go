package keel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Issue 7: the code cache and serialisation.

const codeWAT = `(module (func (export "add") (param i32 i32) (result i32)
  (i32.add (local.get 0) (local.get 1))))`

func callAdd(t *testing.T, e *Engine, m *Module) {
	t.Helper()
	s, err := NewStore(e)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inst, err := s.Instantiate(m)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	res, err := inst.Func("add").Call(context.Background(), int32(40), int32(2))
	if err != nil || res[0] != int32(42) {
		t.Fatalf("add: %v %v", res, err)
	}
}

func codeOrigin(t *testing.T, m *Module) CodeOrigin {
	t.Helper()
	c, err := m.Code()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Size() <= 0 {
		t.Fatalf("code size %d", c.Size())
	}
	return c.Origin()
}

// A second engine with the same cache directory maps the module from the cache.
func TestCacheDirRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	wasm, err := WatToWasm(codeWAT)
	if err != nil {
		t.Fatal(err)
	}
	e1, err := NewEngine(WithCacheDir(dir), WithCacheMaxBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer e1.Close()
	m1, err := e1.Compile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer m1.Close()
	if o := codeOrigin(t, m1); o != CodeCompiled {
		t.Fatalf("first compile origin %v, want compiled", o)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		t.Fatal("no cache entry written")
	}

	e2, err := NewEngine(WithCacheDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	m2, err := e2.Compile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if o := codeOrigin(t, m2); o != CodeCached {
		t.Fatalf("second engine origin %v, want cached", o)
	}
	callAdd(t, e2, m2)

	// Without a cache: compiled again.
	e3, err := NewEngine(WithCacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	defer e3.Close()
	m3, err := e3.Compile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	if o := codeOrigin(t, m3); o != CodeCompiled {
		t.Fatalf("no-cache origin %v", o)
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := e.CompileString(codeWAT)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	img, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Code()
	if err != nil {
		t.Fatal(err)
	}
	img2, err := c.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img, img2) || c.Size() != len(img) {
		t.Fatalf("Module.Serialize (%d bytes) and Code.Serialize (%d bytes, Size %d) differ",
			len(img), len(img2), c.Size())
	}
	c.Close()
	if _, err := c.Serialize(); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed code: %v", err)
	}

	m2, err := DeserializeModule(e, img)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if o := codeOrigin(t, m2); o != CodeDeserialized {
		t.Fatalf("origin %v", o)
	}
	callAdd(t, e, m2)

	path := filepath.Join(t.TempDir(), "add.keelc")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	m3, err := DeserializeModuleFile(e, path)
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	callAdd(t, e, m3)
}

// Damaged, truncated and foreign bytes are refused with a clear error.
func TestDeserializeRejectsDamage(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := e.CompileString(codeWAT)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	img, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), img...)
	flipped[len(flipped)/2] ^= 0x40
	wasm, _ := WatToWasm(codeWAT)
	cases := map[string][]byte{
		"empty":       nil,
		"truncated":   img[:len(img)/2],
		"one byte":    img[:1],
		"flipped bit": flipped,
		"plain wasm":  wasm,
		"garbage":     bytes.Repeat([]byte{0xAB}, 4096),
	}
	for name, b := range cases {
		m, err := DeserializeModule(e, b)
		if err == nil {
			m.Close()
			t.Errorf("%s: accepted", name)
			continue
		}
		var me *MalformedError
		var ke *Error
		if !errors.As(err, &me) && !(errors.As(err, &ke) && ke.Kind == KindInvalidArgument) {
			t.Errorf("%s: want *MalformedError, got %T %v", name, err, err)
		}
		if err.Error() == "" {
			t.Errorf("%s: empty message", name)
		}
		t.Logf("%s: %v", name, err)
	}
	// A file that is not there: KindIO, naming the problem.
	_, err = DeserializeModuleFile(e, filepath.Join(t.TempDir(), "missing.keelc"))
	var ke *Error
	if !errors.As(err, &ke) || ke.Kind != KindIO {
		t.Fatalf("missing file: %T %v", err, err)
	}
	// Another engine configuration (features) is refused, not misused.
	e2, err := NewEngine(WithFeature(FeatureSIMD, false))
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if m, err := DeserializeModule(e2, img); err == nil {
		m.Close()
		t.Fatal("image of another feature set accepted")
	} else {
		t.Logf("other features: %v", err)
	}
	if _, err := DeserializeModule(nil, img); !errors.Is(err, ErrClosed) {
		t.Fatalf("nil engine: %v", err)
	}
}
