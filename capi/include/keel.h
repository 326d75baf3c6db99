/*
** keel.h -- the Keel WebAssembly runtime's public C ABI (version 1).
**
** Include this one header; it includes one header per object under keel/.
** Link with libkeel (pkg-config --cflags --libs keel).
**
** Conventions
**  - Fallible calls return 'keel_error *': NULL on success, else an error the
**    caller owns and frees with keel_error_free. Results go through
**    out-parameters, which are untouched on error unless documented.
**  - "borrowed" parameters are only used during the call; "owned" results
**    belong to the caller. Each declaration ends with its ownership sentence.
**  - Enumerations are uint32_t typedefs with #define values; callers must
**    tolerate values they do not know. No struct can grow: the only struct
**    passed by value is keel_val (keel/val.h, which also states how
**    references inside it are owned).
**  - Passing NULL where a handle is required gives KEEL_ERROR_INVALID_ARGUMENT
**    (or a neutral value from accessors); every *_release and *_free accepts NULL.
**
** Threads
**  - Engines and modules are immutable and may be used from any thread at once.
**  - Reference counts are atomic: every *_retain and *_release may be called on any
**    thread (a garbage collector's finalizer thread included), in any order.
**    Release never calls into foreign code, except that dropping the last
**    reference of a store runs the finalizers documented at keel_store_release.
**  - One thread at a time runs inside a store: calls, instantiation and
**    memory/table/global operations take the store's lock (reentrant for host
**    callbacks on the same thread), so a second thread waits, or gets
**    KEEL_ERROR_BUSY from keel_func_try_call. Different stores run in parallel.
**    A running call keeps its store alive even if every handle is released.
**  - keel_store_interrupt may be called from any thread at any time; the
**    async-signal-safe entry points are listed in keel/sample.h.
**  - A linker, a config and type objects have one owner: use each from one
**    thread at a time. Errors are plain owned objects (no thread-local "last error").
**  - Pointers from keel_memory_data are valid until the memory grows; use
**    the generation number to detect that.
*/
#ifndef KEEL_H
#define KEEL_H

#include "keel/common.h"
#include "keel/error.h"
#include "keel/config.h"
#include "keel/engine.h"
#include "keel/types.h"
#include "keel/val.h"
#include "keel/module.h"
#include "keel/code.h"
#include "keel/store.h"
#include "keel/linker.h"
#include "keel/instance.h"
#include "keel/extern.h"
#include "keel/func.h"
#include "keel/memory.h"
#include "keel/table.h"
#include "keel/global.h"
#include "keel/tag.h"
#include "keel/debug.h"
#include "keel/wasi.h"
#include "keel/sample.h"

#endif
