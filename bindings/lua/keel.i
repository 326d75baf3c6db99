/*
** keel.i -- SWIG interface that generates 'keel_core', the raw Lua 5.4 C
** module over Keel's public C ABI (capi/include/keel.h).
**
** The real headers are %included, so every keel_* function of the ABI
** appears in keel_core under its C name. What SWIG cannot express well is
** left to keel_lua.c (calls with keel_val arrays, host callbacks, memory
** copies, globals, tables) and registered into the same module table at
** load time; those functions are %ignored here.
**
** Ownership: SWIG's userdata carries an 'own' flag and runs the class
** destructor in __gc when it is set. Every handle type is declared below as
** a class whose destructor is the ABI's *_release / *_free, and:
**  - out-parameters 'T **out' are returned as owned userdata (own = 1),
**  - *_retain is %newobject (a new reference, owned),
**  - *_release / *_free is %delobject (the flag is cleared, so the later
**    __gc does nothing),
**  - conversions such as keel_func_as_extern return borrowed userdata (own = 0).
** So SWIG's flag always says whether the userdata holds one reference.
*/
%module keel_core

%{
#include <keel.h>
#include "keel_lua.h"
%}

/* ------------------------------------------------------------ integers */
/* Lua 5.4 has a real integer subtype: keep 64-bit values exact instead of
** SWIG's default of going through lua_Number (double). */
%typemap(in, checkfn="lua_isinteger") uint64_t, int64_t, uint32_t, int32_t, size_t, uintptr_t,
    keel_errkind, keel_trapcode, keel_valkind, keel_externkind, keel_heaptype, keel_feature,
    keel_handle_kind
%{ $1 = ($1_ltype)lua_tointeger(L, $input); %}
%typemap(out) uint64_t, int64_t, uint32_t, int32_t, size_t, uintptr_t,
    keel_errkind, keel_trapcode, keel_valkind, keel_externkind, keel_heaptype
%{ lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++; %}
%typemap(typecheck, precedence=SWIG_TYPECHECK_INTEGER) uint64_t, int64_t, uint32_t, int32_t,
    size_t, uintptr_t %{ $1 = lua_isinteger(L, $input); %}

/* Integer out-parameters become extra return values. */
%typemap(in, numinputs=0) uint64_t *old_pages (uint64_t tmp = 0), uint64_t *old_size (uint64_t tmp = 0),
    uint64_t *min (uint64_t tmp = 0), uint64_t *max (uint64_t tmp = 0), uint64_t *fuel (uint64_t tmp = 0),
    int32_t *exit_code (int32_t tmp = 0) %{ $1 = &tmp; %}
%typemap(argout) uint64_t *old_pages, uint64_t *old_size, uint64_t *min, uint64_t *max, uint64_t *fuel,
    int32_t *exit_code
%{ lua_pushinteger(L, (lua_Integer)tmp$argnum); SWIG_arg++; %}

/* Bytes the ABI allocates (keel_module_serialize, keel_code_serialize):
** returned as one Lua string, the C copy freed with keel_bytes_free. */
%typemap(in, numinputs=0) (uint8_t **out_bytes, size_t *out_size) (uint8_t *b = NULL, size_t n = 0)
%{ $1 = &b; $2 = &n; %}
%typemap(argout) (uint8_t **out_bytes, size_t *out_size)
%{ if (b$argnum) { lua_pushlstring(L, (const char *)b$argnum, n$argnum); keel_bytes_free(b$argnum); }
   else lua_pushnil(L);
   SWIG_arg++; %}

/* ------------------------------------------------------------ strings */
/* (pointer, length) pairs are one Lua string; embedded NULs are kept. */
%typemap(in, checkfn="lua_isstring") (const char *text, size_t len), (const char *module, size_t module_len),
    (const char *name, size_t name_len), (const uint8_t *bytes, size_t size),
    (const uint8_t *bytes, size_t len)
{
  size_t n_ = 0;
  $1 = ($1_ltype)lua_tolstring(L, $input, &n_);
  $2 = n_;
}
%typemap(in, numinputs=0) (const char **module_name, size_t *module_len) (const char *s = NULL, size_t n = 0),
    (const char **name, size_t *name_len) (const char *s = NULL, size_t n = 0)
%{ $1 = ($1_ltype)&s; $2 = &n; %}
%typemap(argout) (const char **module_name, size_t *module_len), (const char **name, size_t *name_len)
%{ if (s$argnum) lua_pushlstring(L, s$argnum, n$argnum); else lua_pushnil(L); SWIG_arg++; %}

/* ------------------------------------------------------------ errors */
/* NULL (success) is nil; an error is owned userdata freed by __gc. */
%typemap(out) keel_error *
%{ SWIG_NewPointerObj(L, $1, SWIGTYPE_p_keel_error, 1); SWIG_arg++; %}

/* ------------------------------------------------------------ handles */
/* 'T **out' (and 'keel_externtype **type'): returned after the error as an
** owned handle, or nil when the call failed. */
%define KEEL_OUT(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) TYPE **out %{ SWIG_NewPointerObj(L, tmp$argnum, $*descriptor, 1); SWIG_arg++; %}
%enddef
KEEL_OUT(keel_config)
KEEL_OUT(keel_engine)
KEEL_OUT(keel_module)
KEEL_OUT(keel_store)
KEEL_OUT(keel_linker)
KEEL_OUT(keel_instance)
KEEL_OUT(keel_func)
KEEL_OUT(keel_memory)
KEEL_OUT(keel_table)
KEEL_OUT(keel_global)
KEEL_OUT(keel_tag)
KEEL_OUT(keel_extern)
KEEL_OUT(keel_valtype)
KEEL_OUT(keel_functype)
KEEL_OUT(keel_externtype)
KEEL_OUT(keel_code)
KEEL_OUT(keel_wasi_config)
KEEL_OUT(keel_wasi)
%typemap(in, numinputs=0) keel_externtype **type (keel_externtype *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) keel_externtype **type
%{ SWIG_NewPointerObj(L, tmp$argnum, SWIGTYPE_p_keel_externtype, 1); SWIG_arg++; %}

/* One class per handle type, whose destructor is the ABI's release/free.
** The structs stay opaque to C: SWIG only ever handles pointers to them. */
%define KEEL_HANDLE(TYPE, DTOR)
%nodefaultctor TYPE;
struct TYPE {};
%extend TYPE { ~TYPE() { DTOR($self); } }
%newobject TYPE ## _retain;
%delobject DTOR;
/* klua_disown_<type>(h): does nothing but clear SWIG's flag, for keel.lua
** objects that take over the reference (their own __gc/__close release it). */
%delobject klua_disown_ ## TYPE;
%inline %{ static void klua_disown_ ## TYPE(TYPE *h) { (void)h; } %}
%enddef
KEEL_HANDLE(keel_config, keel_config_free)
KEEL_HANDLE(keel_engine, keel_engine_release)
KEEL_HANDLE(keel_module, keel_module_release)
KEEL_HANDLE(keel_store, keel_store_release)
KEEL_HANDLE(keel_linker, keel_linker_free)
KEEL_HANDLE(keel_instance, keel_instance_release)
KEEL_HANDLE(keel_func, keel_func_release)
KEEL_HANDLE(keel_memory, keel_memory_release)
KEEL_HANDLE(keel_table, keel_table_release)
KEEL_HANDLE(keel_global, keel_global_release)
KEEL_HANDLE(keel_tag, keel_tag_release)
KEEL_HANDLE(keel_exn, keel_exn_release)
KEEL_HANDLE(keel_extern, keel_extern_release)
KEEL_HANDLE(keel_externref, keel_externref_release)
KEEL_HANDLE(keel_ref, keel_ref_release)
KEEL_HANDLE(keel_valtype, keel_valtype_free)
KEEL_HANDLE(keel_functype, keel_functype_free)
KEEL_HANDLE(keel_externtype, keel_externtype_free)
KEEL_HANDLE(keel_error, keel_error_free)
KEEL_HANDLE(keel_code, keel_code_release)
KEEL_HANDLE(keel_wasi_config, keel_wasi_config_free)
KEEL_HANDLE(keel_wasi, keel_wasi_free)
%nodefaultctor keel_caller;
%nodefaultdtor keel_caller;
struct keel_caller {};

/* ------------------------------------------------------------ left to keel_lua.c */
/* keel_val arrays, callbacks, raw pointers and caller-provided buffers. */
%ignore keel_val;
%ignore keel_val_of;
%ignore keel_val::of;
%ignore keel_val_release;
%ignore keel_val_copy;
%ignore keel_externref_new;
%ignore keel_externref_value;
%ignore keel_func_new;
%ignore keel_func_call;
%ignore keel_func_try_call;
%ignore keel_host_callback;
%ignore keel_caller_export;
%ignore keel_caller_store;
%ignore keel_global_new;
%ignore keel_global_get;
%ignore keel_global_set;
%ignore keel_table_new;
%ignore keel_table_get;
%ignore keel_table_set;
%ignore keel_table_grow;
%ignore keel_table_fill;
%ignore keel_memory_data;
%ignore keel_memory_read;
%ignore keel_memory_write;
%ignore keel_exn_new;
%ignore keel_exn_payload;
%ignore keel_functype_new;
%ignore keel_functype_new_kinds;
%ignore keel_instance_new;
%ignore keel_linker_instantiate;
%ignore keel_store_new;
%ignore keel_store_set_user_data;
%ignore keel_store_user_data;
%ignore keel_error_new_host;
%ignore keel_error_host_payload;
%ignore keel_error_take_host_payload;
%ignore keel_error_exception;
%ignore keel_wat_to_wasm;
%ignore keel_bytes_free;
/* keel_lua_ctl.c: sampling into a caller buffer, the deadline callback,
** captured WASI output (pointer + length), argv arrays. */
%ignore keel_frame_sample;
%ignore keel_store_sample;
%ignore keel_frame_format;
%ignore keel_deadline_callback;
%ignore keel_store_set_epoch_deadline_callback;
%ignore keel_wasi_stdout_bytes;
%ignore keel_wasi_stderr_bytes;
%ignore keel_wasi_config_set_args;

#define KEEL_API
%include <keel/common.h>
%include <keel/error.h>
%include <keel/config.h>
%include <keel/engine.h>
%include <keel/types.h>
%include <keel/val.h>
%include <keel/module.h>
%include <keel/store.h>
%include <keel/linker.h>
%include <keel/instance.h>
%include <keel/extern.h>
%include <keel/func.h>
%include <keel/memory.h>
%include <keel/table.h>
%include <keel/global.h>
%include <keel/tag.h>
%include <keel/debug.h>
%include <keel/code.h>
%include <keel/sample.h>
%include <keel/wasi.h>

/* ------------------------------------------------------------ bridge */
/* keel_lua.c is a separate translation unit: it reaches SWIG's userdata
** only through these two functions. */
%{
static swig_type_info *klua_type_of(int kind)
{
    switch (kind) {
    case KLUA_CONFIG: return SWIGTYPE_p_keel_config;
    case KLUA_ENGINE: return SWIGTYPE_p_keel_engine;
    case KLUA_MODULE: return SWIGTYPE_p_keel_module;
    case KLUA_STORE: return SWIGTYPE_p_keel_store;
    case KLUA_LINKER: return SWIGTYPE_p_keel_linker;
    case KLUA_INSTANCE: return SWIGTYPE_p_keel_instance;
    case KLUA_FUNC: return SWIGTYPE_p_keel_func;
    case KLUA_MEMORY: return SWIGTYPE_p_keel_memory;
    case KLUA_TABLE: return SWIGTYPE_p_keel_table;
    case KLUA_GLOBAL: return SWIGTYPE_p_keel_global;
    case KLUA_TAG: return SWIGTYPE_p_keel_tag;
    case KLUA_EXTERN: return SWIGTYPE_p_keel_extern;
    case KLUA_EXTERNREF: return SWIGTYPE_p_keel_externref;
    case KLUA_ERROR: return SWIGTYPE_p_keel_error;
    case KLUA_CODE: return SWIGTYPE_p_keel_code;
    case KLUA_WASI: return SWIGTYPE_p_keel_wasi;
    case KLUA_WASI_CONFIG: return SWIGTYPE_p_keel_wasi_config;
    default: return NULL;
    }
}

void *klua_toptr(lua_State *L, int idx, int kind)
{
    void *p = NULL;
    swig_type_info *t = klua_type_of(kind);
    if (t == NULL || !lua_isuserdata(L, idx))
        return NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(L, idx, &p, t, 0)))
        return NULL;
    return p;
}

void klua_pushptr(lua_State *L, void *p, int kind, int own)
{
    SWIG_NewPointerObj(L, p, klua_type_of(kind), own);
}
%}

%init %{
    klua_open(L);
%}
