package keel

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain runs every test with the C library's handle guard on (a stale
// handle passed back is reported instead of corrupting memory) and then
// checks that nothing leaked: once every Go object is unreachable and its
// cleanup has run, the C library has no live handle and no live store.
func TestMain(m *testing.M) {
	flag.Parse()
	// Benchmarks measure the production configuration: no guard.
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		SetDebugGuard(true)
	}
	code := m.Run()
	if code == 0 {
		if err := waitNoLiveHandles(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLiveHandles collects until the cleanups have released every handle.
// Cleanups run on their own goroutine after a collection, so this polls.
func waitNoLiveHandles(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		if LiveHandles() == 0 && LiveStores() == 0 && hostLive() == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d live handles %v, %d live stores and %d host functions after every object was dropped",
				LiveHandles(), LiveHandlesByKind(), LiveStores(), hostLive())
		}
	}
}
