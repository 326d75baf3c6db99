package keel

/*
#include <keel.h>
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Memory is a linear memory.
type Memory struct {
	h     *handle
	store *Store
}

var freeMemory = func(p unsafe.Pointer) { C.keel_memory_release((*C.keel_memory)(p)) }

func wrapMemory(p *C.keel_memory, s *Store) *Memory {
	m := &Memory{store: s}
	m.h = newHandle(m, unsafe.Pointer(p), freeMemory)
	return m
}

// Close releases the memory handle. Idempotent.
func (m *Memory) Close() {
	if m != nil {
		m.h.Close()
	}
}

func (m *Memory) acquire() (*C.keel_memory, error) {
	if m == nil {
		return nil, closedErr("memory")
	}
	p := m.h.acquireFor(m)
	if p == nil {
		return nil, closedErr("memory")
	}
	return (*C.keel_memory)(p), nil
}

// ErrStaleView is returned by MemoryView.Bytes after the memory grew: the
// view's slice may point at memory that has moved.
var ErrStaleView = errors.New("keel: memory view is stale (the memory grew)")

// MemoryView is a direct view of a memory's bytes, tagged with the memory's
// generation number. The C library changes the generation on every grow, so
// Bytes refuses a view taken before a grow instead of handing out a slice
// that may point at unmapped memory.
type MemoryView struct {
	mem  *Memory
	data []byte
	gen  uint64
}

// View takes a view of the memory's current bytes.
func (m *Memory) View() (*MemoryView, error) {
	p, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.h.release()
	var size C.size_t
	var gen C.uint64_t
	d := C.keel_memory_data(p, &size, &gen)
	v := &MemoryView{mem: m, gen: uint64(gen)}
	if d != nil && size > 0 {
		v.data = unsafe.Slice((*byte)(unsafe.Pointer(d)), int(size))
	}
	return v, nil
}

// Generation is the generation the view was taken at.
func (v *MemoryView) Generation() uint64 { return v.gen }

// Stale reports whether the memory grew (or was closed) since the view was taken.
func (v *MemoryView) Stale() bool {
	p, err := v.mem.acquire()
	if err != nil {
		return true
	}
	defer v.mem.h.release()
	var gen C.uint64_t
	C.keel_memory_data(p, nil, &gen)
	return uint64(gen) != v.gen
}

// Bytes returns the view's slice after checking that the memory has not
// grown since the view was taken. The slice aliases wasm memory: it is
// valid until the memory grows (by wasm code or Grow) and only while the
// MemoryView, the Memory or another object of the store is reachable; keep
// one of them alive (e.g. with the view) while using the slice. For copies
// that need no care, use Memory.Read and Memory.Write.
func (v *MemoryView) Bytes() ([]byte, error) {
	if v.Stale() {
		return nil, ErrStaleView
	}
	return v.data, nil
}

// Read copies len(dst) bytes from offset, bounds-checked.
func (m *Memory) Read(offset uint64, dst []byte) error {
	p, err := m.acquire()
	if err != nil {
		return err
	}
	defer m.h.release()
	return takeError(C.keel_memory_read(p, C.uint64_t(offset), unsafe.Pointer(bytesPtr(dst)), C.size_t(len(dst))))
}

// Write copies src into the memory at offset, bounds-checked.
func (m *Memory) Write(offset uint64, src []byte) error {
	p, err := m.acquire()
	if err != nil {
		return err
	}
	defer m.h.release()
	return takeError(C.keel_memory_write(p, C.uint64_t(offset), unsafe.Pointer(bytesPtr(src)), C.size_t(len(src))))
}

// Grow adds delta pages and returns the previous size in pages. Views taken
// before become stale.
func (m *Memory) Grow(delta uint64) (uint64, error) {
	p, err := m.acquire()
	if err != nil {
		return 0, err
	}
	defer m.h.release()
	var old C.uint64_t
	if err := takeError(C.keel_memory_grow(p, C.uint64_t(delta), &old)); err != nil {
		return 0, err
	}
	return uint64(old), nil
}

// Pages is the current size in pages.
func (m *Memory) Pages() uint64 {
	p, err := m.acquire()
	if err != nil {
		return 0
	}
	defer m.h.release()
	return uint64(C.keel_memory_pages(p))
}

// Size is the current size in bytes.
func (m *Memory) Size() uint64 {
	p, err := m.acquire()
	if err != nil {
		return 0
	}
	defer m.h.release()
	return uint64(C.keel_memory_size(p))
}
