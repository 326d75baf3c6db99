package keel

/*
#include <keel.h>
*/
import "C"

// LiveHandlesByKind reports the live C handles per kind ("func", "store",
// ...), omitting kinds with none: what a leak report prints.
func LiveHandlesByKind() map[string]int {
	out := map[string]int{}
	for k := C.keel_handle_kind(1); k < C.KEEL_HANDLE_KIND_COUNT; k++ {
		if n := int(C.keel_debug_live_handles(k)); n > 0 {
			out[C.GoString(C.keel_debug_handle_kind_name(k))] = n
		}
	}
	return out
}
