//go:build keeldebug

package keel

import "runtime"

// debugHook forces a garbage collection at every handle use, so cleanups of
// unreachable objects run as early and as often as possible: any handle
// that the binding forgot to keep alive is freed at once and the test that
// uses it fails (or the C library's guard reports it) instead of passing by luck.
func debugHook() { runtime.GC() }

// DebugBuild reports whether the package was built with the keeldebug tag.
const DebugBuild = true
