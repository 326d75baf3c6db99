package keel

/*
#include <keel.h>
*/
import "C"

func liveHandlesOfKind(k int) int { return int(C.keel_debug_live_handles(C.keel_handle_kind(k))) }
func handleKindName(k int) string {
	return C.GoString(C.keel_debug_handle_kind_name(C.keel_handle_kind(k)))
}
