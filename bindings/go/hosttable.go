package keel

import (
	"sync"
	"sync/atomic"
)

// hostTable gives each host function made in a store a small number, the
// env pointer its C trampoline passes back. It replaces runtime/cgo.Handle
// for this one hot lookup: cgo.Handle.Value is a sync.Map load on every
// wasm -> Go call, while a lookup here is two atomic loads and never
// allocates. Entries are added when a host function is made and removed by
// its C finalizer when the store is freed; the C library never calls a
// function after its finalizer, so a number is reused only once unused.
const (
	hostChunkBits = 9
	hostChunkSize = 1 << hostChunkBits
	hostMaxChunks = 1 << 14 // up to 8M host functions alive at once
)

type hostChunk [hostChunkSize]atomic.Pointer[hostFunc]

var hostTable struct {
	mu     sync.Mutex
	chunks [hostMaxChunks]atomic.Pointer[hostChunk]
	free   []uintptr
	next   uintptr
}

// hostRegister stores hf and gives its env number (never 0), or 0 when the
// table is full.
func hostRegister(hf *hostFunc) uintptr {
	t := &hostTable
	t.mu.Lock()
	defer t.mu.Unlock()
	var i uintptr
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if t.next >= hostMaxChunks*hostChunkSize {
			return 0
		}
		i = t.next
		t.next++
	}
	c := t.chunks[i>>hostChunkBits].Load()
	if c == nil {
		c = new(hostChunk)
		t.chunks[i>>hostChunkBits].Store(c)
	}
	c[i&(hostChunkSize-1)].Store(hf)
	return i + 1
}

// hostLookup gives the host function of an env number, or nil.
func hostLookup(env uintptr) *hostFunc {
	i := env - 1
	if env == 0 || i>>hostChunkBits >= hostMaxChunks {
		return nil
	}
	c := hostTable.chunks[i>>hostChunkBits].Load()
	if c == nil {
		return nil
	}
	return c[i&(hostChunkSize-1)].Load()
}

// hostUnregister frees an env number.
func hostUnregister(env uintptr) {
	i := env - 1
	if env == 0 || i>>hostChunkBits >= hostMaxChunks {
		return
	}
	t := &hostTable
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.chunks[i>>hostChunkBits].Load()
	if c == nil || c[i&(hostChunkSize-1)].Swap(nil) == nil {
		return
	}
	t.free = append(t.free, i)
}

// hostLive counts the host functions whose store is not freed yet (the
// leak check of the tests).
func hostLive() int {
	t := &hostTable
	t.mu.Lock()
	defer t.mu.Unlock()
	return int(t.next) - len(t.free)
}
