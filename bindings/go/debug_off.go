//go:build !keeldebug

package keel

// debugHook runs at every handle use. In normal builds it does nothing; the
// keeldebug build tag makes it force a garbage collection (debug_on.go).
func debugHook() {}

// DebugBuild reports whether the package was built with the keeldebug tag.
const DebugBuild = false
