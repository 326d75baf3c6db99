/*
** keel_lua.c -- the hand-written functions of the 'keel_core' Lua module:
** what SWIG cannot express well over keel.h.
**
**  - calls: Lua values <-> keel_val arrays, multi-value results;
**  - host functions made from Lua functions, with the Lua error of a failing
**    callback carried through the wasm call in the host payload of its
**    keel_error and raised again, as the same value, when the call returns;
**  - bounds-checked memory copies as Lua strings, globals, tables;
**  - instantiation (it may run a start function that calls Lua).
**
** Conventions: every function returns the error first (nil on success, else
** SWIG userdata of an owned keel_error, or a message string for an invalid
** argument found here) followed by its results; only bad
** Lua arguments raise directly (luaL_argerror), and a host function's Lua
** error is raised again unchanged.
**
** Which Lua thread runs a host function: each store created here carries a
** small context as its user data (keel_store_set_user_data) holding the
** lua_State of the call that is running in it. Calls set it and restore it,
** so a callback runs on the coroutine that called into wasm. Nothing is
** global: the error of one call lives in that call's keel_error.
**
** Keel calls never longjmp: no Lua error may cross a Keel frame, so a host
** callback runs its Lua code under lua_pcall.
*/
#include <stdlib.h>
#include <string.h>

#include <keel.h>
#include "keel_lua.h"

#define KLUA_PAYLOAD_MAGIC 0x4b4c5059u /* 'KLPY' */
#define KLUA_EXTREF_MAGIC 0x4b4c4552u  /* 'KLER' */
#define KLUA_ENV_MAGIC 0x4b4c4556u     /* 'KLEV' */
#define KLUA_SMALL 16                  /* values kept on the C stack */

/* A Lua value kept alive in the registry: host error payloads and
** extern references. 'main' is the state's main thread, whose registry it is. */
typedef struct klua_ref {
    uint32_t magic;
    lua_State *main;
    int ref;
} klua_ref;

/* A host function's env: the id of its Lua function and its kinds. */
typedef struct klua_env {
    uint32_t magic;
    lua_State *main;
    lua_Integer id;
    size_t np, nr;
    int with_caller; /* pass a caller object as the first argument */
    unsigned char kinds[]; /* np parameter kinds, then nr result kinds */
} klua_env;

/* ------------------------------------------------------------ helpers */

static lua_State *main_thread(lua_State *L)
{
    lua_State *m;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    m = lua_tothread(L, -1);
    lua_pop(L, 1);
    return m;
}

/* A handle argument: SWIG userdata, or a keel.lua object whose '_raw' field
** holds it. NULL when it is neither. */
static void *opt_handle(lua_State *L, int idx, int kind)
{
    void *p;
    if (lua_istable(L, idx)) {
        lua_getfield(L, idx, "_raw");
        p = klua_toptr(L, -1, kind);
        lua_pop(L, 1);
        return p;
    }
    return klua_toptr(L, idx, kind);
}

static void *check_handle(lua_State *L, int idx, int kind, const char *what)
{
    void *p = opt_handle(L, idx, kind);
    if (p == NULL)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s expected (released or wrong type?)", what));
    return p;
}

static uint64_t check_u64(lua_State *L, int idx, const char *what)
{
    int ok = 0;
    lua_Integer v = 0;
    if (lua_type(L, idx) == LUA_TNUMBER)
        v = lua_tointegerx(L, idx, &ok);
    if (!ok || v < 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s must be a non-negative integer", what));
    return (uint64_t)v;
}

/* Returns an owned error as 'err' userdata: the call's single result. A host
** error whose payload is a Lua value of this state is raised again instead,
** as the very value the callback raised. */
static int push_error(lua_State *L, keel_error *err)
{
    klua_ref *p;
    if (keel_error_kind(err) == KEEL_ERROR_HOST) {
        p = keel_error_host_payload(err);
        if (p != NULL && p->magic == KLUA_PAYLOAD_MAGIC && p->main == main_thread(L)) {
            keel_error_take_host_payload(err);
            keel_error_free(err);
            lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref);
            luaL_unref(L, LUA_REGISTRYINDEX, p->ref);
            free(p);
            return lua_error(L);
        }
    }
    klua_pushptr(L, err, KLUA_ERROR, 1);
    return 1;
}

static void ref_finalize(void *data)
{
    klua_ref *p = data;
    /* Runs when an error that left the binding's hands is freed (payloads)
    ** or when a store is freed (extern references): in both cases from a
    ** release the binding made, so the state is alive (lua_close runs all
    ** pending __gc before it frees the registry). */
    if (p != NULL && p->main != NULL)
        luaL_unref(p->main, LUA_REGISTRYINDEX, p->ref);
    free(p);
}

static void extref_finalize(uintptr_t value)
{
    ref_finalize((void *)value);
}

/* Sets the store's running thread to L; returns the previous one. */
static lua_State *ctx_enter(keel_store *store, lua_State *L)
{
    klua_ctx *c = store != NULL ? keel_store_user_data(store) : NULL;
    lua_State *prev;
    if (c == NULL || c->magic != KLUA_CTX_MAGIC)
        return NULL;
    prev = c->L;
    c->L = L;
    return prev;
}

static void ctx_leave(keel_store *store, lua_State *prev)
{
    klua_ctx *c = store != NULL ? keel_store_user_data(store) : NULL;
    if (c != NULL && c->magic == KLUA_CTX_MAGIC)
        c->L = prev;
}

/* ------------------------------------------------------------ values */

static const char *kind_name(unsigned kind)
{
    static const char *const names[] = {"i32", "i64", "f32", "f64", "v128",
                                        "funcref", "externref", "anyref", "exnref"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* f32 <-> Lua float (a double) keeping NaN payloads: the hardware's
** conversions quiet signalling NaNs, so NaNs move their payload by hand
** (f32 mantissa = the top 23 bits of the f64 mantissa). Other values
** convert exactly (f32 -> f64) or round to nearest (f64 -> f32). */
static lua_Number f32_to_number(float f)
{
    uint32_t b;
    uint64_t d;
    double out;
    memcpy(&b, &f, 4);
    if ((b & 0x7f800000u) != 0x7f800000u || (b & 0x007fffffu) == 0)
        return (lua_Number)f;
    d = ((uint64_t)(b >> 31) << 63) | 0x7ff0000000000000ull | ((uint64_t)(b & 0x007fffffu) << 29);
    memcpy(&out, &d, 8);
    return out;
}

static float number_to_f32(lua_Number n)
{
    double dn = (double)n;
    uint64_t d;
    uint32_t b;
    float out;
    memcpy(&d, &dn, 8);
    if ((d & 0x7ff0000000000000ull) != 0x7ff0000000000000ull || (d & 0x000fffffffffffffull) == 0)
        return (float)n;
    b = ((uint32_t)(d >> 63) << 31) | 0x7f800000u | (uint32_t)((d & 0x000fffffffffffffull) >> 29);
    if ((b & 0x007fffffu) == 0)
        b |= 0x00400000u; /* a payload only in the low bits: keep it a NaN */
    memcpy(&out, &b, 4);
    return out;
}

/* Checks that the Lua value at idx fits 'kind'; NULL when it does, else why
** not. 'bits': floats may also be given as integer bit patterns. */
static const char *val_check(lua_State *L, int idx, unsigned kind, int bits)
{
    int ok = 0;
    lua_Integer i;
    size_t len;
    switch (kind) {
    case KEEL_I32:
        if (lua_type(L, idx) != LUA_TNUMBER)
            return "integer expected for i32";
        i = lua_tointegerx(L, idx, &ok);
        if (!ok)
            return "number has no integer representation (i32)";
        if (i < INT32_MIN || i > (lua_Integer)UINT32_MAX)
            return "integer out of range for i32";
        return NULL;
    case KEEL_I64:
        if (lua_type(L, idx) != LUA_TNUMBER)
            return "integer expected for i64";
        lua_tointegerx(L, idx, &ok);
        return ok ? NULL : "number has no integer representation (i64)";
    case KEEL_F32:
    case KEEL_F64:
        if (lua_type(L, idx) != LUA_TNUMBER)
            return kind == KEEL_F32 ? "number expected for f32" : "number expected for f64";
        if (bits && !lua_isinteger(L, idx))
            return "integer bit pattern expected";
        return NULL;
    case KEEL_V128:
        if (lua_type(L, idx) != LUA_TSTRING || (lua_tolstring(L, idx, &len), len != 16))
            return "16-byte string expected for v128";
        return NULL;
    case KEEL_FUNCREF:
        if (lua_isnil(L, idx) || opt_handle(L, idx, KLUA_FUNC) != NULL)
            return NULL;
        return "function handle or nil expected for funcref";
    case KEEL_EXTERNREF:
        return NULL; /* any Lua value; nil is null */
    default:
        return "value type not supported by the Lua binding";
    }
}

/* Converts a checked value. An externref made here is owned by the caller
** (*made is set); everything else is borrowed. */
static keel_error *val_to(lua_State *L, int idx, unsigned kind, int bits, keel_store *store,
                          keel_val *v, int *made)
{
    klua_ref *r;
    keel_externref *ext;
    keel_error *err;
    memset(v, 0, sizeof *v);
    v->kind = kind;
    *made = 0;
    switch (kind) {
    case KEEL_I32:
        v->of.i32 = (int32_t)(uint32_t)lua_tointeger(L, idx);
        break;
    case KEEL_I64:
        v->of.i64 = (int64_t)lua_tointeger(L, idx);
        break;
    case KEEL_F32:
        if (bits)
            v->of.f32_bits = (uint32_t)lua_tointeger(L, idx);
        else
            v->of.f32 = number_to_f32(lua_tonumber(L, idx));
        break;
    case KEEL_F64:
        if (bits)
            v->of.f64_bits = (uint64_t)lua_tointeger(L, idx);
        else
            v->of.f64 = (double)lua_tonumber(L, idx);
        break;
    case KEEL_V128:
        memcpy(v->of.v128, lua_tostring(L, idx), 16);
        break;
    case KEEL_FUNCREF:
        v->of.funcref = lua_isnil(L, idx) ? NULL : opt_handle(L, idx, KLUA_FUNC);
        break;
    case KEEL_EXTERNREF:
        if (lua_isnil(L, idx))
            break;
        if ((ext = klua_toptr(L, idx, KLUA_EXTERNREF)) != NULL) {
            v->of.externref = ext;
            break;
        }
        /* Any other Lua value becomes a host reference that keeps the value
        ** in the registry until the store is freed (wasm may hold it). */
        if ((r = malloc(sizeof *r)) == NULL)
            return keel_error_new_trap("out of memory making an externref");
        r->magic = KLUA_EXTREF_MAGIC;
        r->main = main_thread(L);
        lua_pushvalue(L, idx);
        r->ref = luaL_ref(L, LUA_REGISTRYINDEX);
        err = keel_externref_new(store, (uintptr_t)r, extref_finalize, &ext);
        if (err != NULL) {
            ref_finalize(r);
            return err;
        }
        v->of.externref = ext;
        *made = 1;
        break;
    default:
        return keel_error_new_trap("value type not supported by the Lua binding");
    }
    return NULL;
}

/* Pushes a value, taking ownership of its reference. */
static void val_push(lua_State *L, keel_val *v, int bits)
{
    klua_ref *r;
    switch (v->kind) {
    case KEEL_I32: lua_pushinteger(L, v->of.i32); break;
    case KEEL_I64: lua_pushinteger(L, v->of.i64); break;
    case KEEL_F32:
        if (bits)
            lua_pushinteger(L, v->of.f32_bits);
        else
            lua_pushnumber(L, f32_to_number(v->of.f32));
        break;
    case KEEL_F64:
        if (bits)
            lua_pushinteger(L, (lua_Integer)v->of.f64_bits);
        else
            lua_pushnumber(L, v->of.f64);
        break;
    case KEEL_V128: lua_pushlstring(L, (const char *)v->of.v128, 16); break;
    case KEEL_FUNCREF:
        klua_pushptr(L, v->of.funcref, KLUA_FUNC, 1);
        v->of.funcref = NULL;
        break;
    case KEEL_EXTERNREF:
        if (v->of.externref == NULL) {
            lua_pushnil(L);
            break;
        }
        r = (klua_ref *)keel_externref_value(v->of.externref);
        if (r != NULL && r->magic == KLUA_EXTREF_MAGIC && r->main == main_thread(L)) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, r->ref);
            keel_externref_release(v->of.externref);
        } else {
            klua_pushptr(L, v->of.externref, KLUA_EXTERNREF, 1);
        }
        v->of.externref = NULL;
        break;
    default:
        /* anyref / exnref: not exposed by this binding yet */
        keel_val_release(v);
        lua_pushnil(L);
        break;
    }
}

/* ------------------------------------------------------------ stores */

/* store_new(engine) -> err | nil, store */
static int l_store_new(lua_State *L)
{
    keel_engine *engine = check_handle(L, 1, KLUA_ENGINE, "engine");
    keel_store *store = NULL;
    keel_error *err;
    klua_ctx *c = malloc(sizeof *c);
    if (c == NULL)
        return luaL_error(L, "out of memory");
    c->magic = KLUA_CTX_MAGIC;
    c->L = NULL;
    c->deadline_fn = 0;
    if ((err = keel_store_new(engine, &store)) != NULL) {
        free(c);
        return push_error(L, err);
    }
    if ((err = keel_store_set_user_data(store, c, free)) != NULL) {
        free(c);
        keel_store_release(store);
        return push_error(L, err);
    }
    lua_pushnil(L);
    klua_pushptr(L, store, KLUA_STORE, 1);
    return 2;
}

/* ------------------------------------------------------------ calls */

/* func_kinds(func) -> err | nil, param kinds, result kinds (one byte per kind) */
static int l_func_kinds(lua_State *L)
{
    keel_func *f = check_handle(L, 1, KLUA_FUNC, "function");
    keel_functype *ft = NULL;
    keel_error *err;
    luaL_Buffer b;
    size_t i;
    if ((err = keel_func_type(f, &ft)) != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    luaL_buffinit(L, &b);
    for (i = 0; i < keel_functype_param_count(ft); i++)
        luaL_addchar(&b, (char)keel_valtype_kind(keel_functype_param(ft, i)));
    luaL_pushresult(&b);
    luaL_buffinit(L, &b);
    for (i = 0; i < keel_functype_result_count(ft); i++)
        luaL_addchar(&b, (char)keel_valtype_kind(keel_functype_result(ft, i)));
    luaL_pushresult(&b);
    keel_functype_free(ft);
    return 3;
}

/* call(func, store, pkinds, rkinds, args...) -> err | nil, results...
** 'store' must be the function's store (it selects which thread host
** callbacks run on). */
static int do_call(lua_State *L, int bits)
{
    keel_func *f = check_handle(L, 1, KLUA_FUNC, "function");
    keel_store *store = check_handle(L, 2, KLUA_STORE, "store");
    size_t np, nr, i;
    const char *pk = luaL_checklstring(L, 3, &np);

    (void)luaL_checklstring(L, 4, &nr);
    int nargs = lua_gettop(L) - 4;
    keel_val small[2 * KLUA_SMALL], *args = small, *res;
    int made[KLUA_SMALL], *mades = made;
    keel_error *err = NULL;
    lua_State *prev;
    const char *why;

    if ((size_t)nargs != np)
        return luaL_error(L, "wrong number of arguments: expected %d, got %d", (int)np, nargs);
    for (i = 0; i < np; i++)
        if ((why = val_check(L, 5 + (int)i, (unsigned char)pk[i], bits)) != NULL)
            return luaL_error(L, "bad argument #%d (%s): %s", (int)i + 1,
                              kind_name((unsigned char)pk[i]), why);
    if (np > KLUA_SMALL || nr > KLUA_SMALL) {
        /* Scratch as userdata, so a Lua error cannot leak it. */
        args = lua_newuserdatauv(L, (np + nr) * sizeof(keel_val) + np * sizeof(int) + 1, 0);
        mades = (int *)(args + np + nr);
    }
    res = args + np;
    if (!lua_checkstack(L, (int)nr + 4))
        return luaL_error(L, "too many results");
    for (i = 0; i < np && err == NULL; i++)
        err = val_to(L, 5 + (int)i, (unsigned char)pk[i], bits, store, &args[i], &mades[i]);
    if (err == NULL) {
        memset(res, 0, nr * sizeof *res);
        prev = ctx_enter(store, L);
        err = keel_func_call(f, args, np, res, nr);
        ctx_leave(store, prev);
    } else {
        np = i - 1; /* the failed one made nothing */
    }
    for (i = 0; i < np; i++)
        if (mades[i])
            keel_externref_release(args[i].of.externref);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    for (i = 0; i < nr; i++)
        val_push(L, &res[i], bits);
    return (int)nr + 1;
}

static int l_call(lua_State *L) { return do_call(L, 0); }
static int l_call_bits(lua_State *L) { return do_call(L, 1); }

/* ------------------------------------------------------------ host functions */

/* The Lua face of a keel_caller: valid only while its callback runs. */
#define KLUA_CALLER_MT "keel.caller"
typedef struct klua_caller {
    keel_caller *caller;
} klua_caller;

typedef struct host_frame {
    klua_env *env;
    keel_caller *caller;
    klua_caller *lc; /* the caller userdata handed to Lua, invalidated after */
    keel_store *store;
    const keel_val *args;
    keel_val *results;
    keel_error *err; /* a failure that is not a Lua error */
} host_frame;

/* The Lua half of a host call, under lua_pcall: arguments in, the Lua
** function, results out. Any Lua error here becomes the call's error. */
static int host_body(lua_State *L)
{
    host_frame *hf = lua_touserdata(L, 1);
    klua_env *env = hf->env;
    const unsigned char *rk = env->kinds + env->np;
    keel_val tmp;
    int base, nret, made;
    size_t i;
    const char *why;

    lua_getfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS);
    lua_rawgeti(L, -1, env->id);
    if (!lua_isfunction(L, -1)) {
        hf->err = keel_error_new_trap("host function's Lua function was collected "
                                      "(keep its Store object alive)");
        return 0;
    }
    base = lua_gettop(L);
    luaL_checkstack(L, (int)env->np + 4, "too many arguments");
    if (env->with_caller) {
        hf->lc = lua_newuserdatauv(L, sizeof *hf->lc, 0);
        hf->lc->caller = hf->caller;
        luaL_setmetatable(L, KLUA_CALLER_MT);
    }
    for (i = 0; i < env->np; i++) {
        tmp = hf->args[i];
        if (tmp.kind == KEEL_FUNCREF)
            keel_func_retain(tmp.of.funcref); /* args are borrowed: the userdata owns one */
        else if (tmp.kind == KEEL_EXTERNREF)
            keel_externref_retain(tmp.of.externref);
        val_push(L, &tmp, 0);
    }
    lua_call(L, (int)env->np + (env->with_caller ? 1 : 0), LUA_MULTRET);
    nret = lua_gettop(L) - base + 1;
    if ((size_t)nret != env->nr)
        return luaL_error(L, "host function returned %d value(s), expected %d", nret, (int)env->nr);
    for (i = 0; i < env->nr; i++)
        if ((why = val_check(L, base + (int)i, rk[i], 0)) != NULL)
            return luaL_error(L, "host function result %d (%s): %s", (int)i + 1, kind_name(rk[i]),
                              why);
    for (i = 0; i < env->nr; i++) {
        keel_error *err = val_to(L, base + (int)i, rk[i], 0, hf->store, &tmp, &made);
        if (err != NULL) {
            hf->err = err;
            return 0;
        }
        /* results are given to Keel: a borrowed reference needs its own count */
        if (!made && tmp.kind == KEEL_FUNCREF)
            keel_func_retain(tmp.of.funcref);
        else if (!made && tmp.kind == KEEL_EXTERNREF)
            keel_externref_retain(tmp.of.externref);
        hf->results[i] = tmp;
    }
    return 0;
}

/* luaL_ref under lua_pcall: a memory error must not longjmp through Keel. */
static int ref_protected(lua_State *L)
{
    int *ref = lua_touserdata(L, 1);
    lua_settop(L, 2);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* Turns the Lua error value at the top of L into a keel_error: a keel.trap()
** value becomes a wasm trap; anything else travels as the host payload. */
static keel_error *error_from_lua(lua_State *L)
{
    klua_ref *p;
    const char *msg = NULL;
    int ref = LUA_NOREF;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "__keel_trap");
        if (lua_type(L, -1) == LUA_TSTRING) {
            keel_error *e = keel_error_new_trap(lua_tostring(L, -1));
            lua_pop(L, 1);
            return e;
        }
        lua_pop(L, 1);
    }
    if ((p = malloc(sizeof *p)) == NULL)
        return keel_error_new_trap("out of memory keeping a Lua error");
    p->magic = KLUA_PAYLOAD_MAGIC;
    p->main = main_thread(L);
    lua_pushcfunction(L, ref_protected);
    lua_pushlightuserdata(L, &ref);
    lua_pushvalue(L, -3);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        free(p);
        return keel_error_new_trap("out of memory keeping a Lua error");
    }
    p->ref = ref;
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
        msg = lua_tostring(L, -1);
    return keel_error_new_host(p, ref_finalize, msg != NULL ? msg : "Lua error in host function");
}

static keel_error *host_callback(void *envp, keel_caller *caller, const keel_val *args,
                                 size_t nargs, keel_val *results, size_t nresults)
{
    klua_env *env = envp;
    keel_store *store = NULL;
    klua_ctx *c;
    lua_State *L;
    host_frame hf;
    keel_error *err;
    int top, status;
    size_t i;

    if (env == NULL || env->magic != KLUA_ENV_MAGIC || nargs != env->np || nresults != env->nr)
        return keel_error_new_trap("Lua host function called with a wrong signature");
    if ((err = keel_caller_store(caller, &store)) != NULL)
        return err;
    c = keel_store_user_data(store);
    L = (c != NULL && c->magic == KLUA_CTX_MAGIC && c->L != NULL) ? c->L : env->main;
    if (!lua_checkstack(L, 8)) {
        keel_store_release(store);
        return keel_error_new_trap("Lua stack overflow in host function");
    }
    hf.env = env;
    hf.caller = caller;
    hf.lc = NULL;
    hf.store = store;
    hf.args = args;
    hf.results = results;
    hf.err = NULL;
    top = lua_gettop(L);
    lua_pushcfunction(L, host_body);
    lua_pushlightuserdata(L, &hf);
    status = lua_pcall(L, 1, 0, 0);
    if (hf.lc != NULL)
        hf.lc->caller = NULL; /* Lua may keep the object; it no longer works */
    if (status != LUA_OK)
        err = error_from_lua(L);
    else
        err = hf.err;
    if (err != NULL)
        for (i = 0; i < nresults; i++)
            keel_val_release(&results[i]);
    lua_settop(L, top);
    keel_store_release(store);
    return err;
}

static void env_finalize(void *envp)
{
    /* No Lua here: the function id's slot in the weak table empties itself. */
    free(envp);
}

/* func_new(store, pkinds, rkinds, fn [, with_caller]) -> err | nil, func, id
** The Lua function is kept in a weak table: the caller (keel.lua's Store)
** must hold it strongly for as long as the store can call it. */
static int l_func_new(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    size_t np, nr, i;
    const char *pk = luaL_checklstring(L, 2, &np);
    const char *rk = luaL_checklstring(L, 3, &nr);
    keel_valkind kinds[2 * 256];
    keel_functype *ft = NULL;
    keel_func *f = NULL;
    keel_error *err;
    klua_env *env;
    lua_Integer id;

    luaL_checktype(L, 4, LUA_TFUNCTION);
    luaL_argcheck(L, np <= 256 && nr <= 256, 2, "too many parameters or results");
    for (i = 0; i < np; i++)
        kinds[i] = (unsigned char)pk[i];
    for (i = 0; i < nr; i++)
        kinds[np + i] = (unsigned char)rk[i];
    if ((err = keel_functype_new_kinds(kinds, np, kinds + np, nr, &ft)) != NULL)
        return push_error(L, err);
    env = malloc(sizeof *env + np + nr);
    if (env == NULL) {
        keel_functype_free(ft);
        return luaL_error(L, "out of memory");
    }
    lua_getfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS);
    lua_getfield(L, -1, "n");
    id = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "n");
    lua_pushvalue(L, 4);
    lua_rawseti(L, -2, id);
    lua_pop(L, 1);
    env->magic = KLUA_ENV_MAGIC;
    env->main = main_thread(L);
    env->id = id;
    env->np = np;
    env->nr = nr;
    env->with_caller = lua_toboolean(L, 5);
    memcpy(env->kinds, pk, np);
    memcpy(env->kinds + np, rk, nr);
    err = keel_func_new(store, ft, host_callback, env, env_finalize, &f);
    keel_functype_free(ft);
    if (err != NULL) {
        free(env); /* not called on failure */
        return push_error(L, err);
    }
    lua_pushnil(L);
    klua_pushptr(L, f, KLUA_FUNC, 1);
    lua_pushinteger(L, id);
    return 3;
}

/* ------------------------------------------------------------ instantiation */

/* instantiate(linker, store, module) -> err | nil, instance */
static int l_instantiate(lua_State *L)
{
    keel_linker *linker = check_handle(L, 1, KLUA_LINKER, "linker");
    keel_store *store = check_handle(L, 2, KLUA_STORE, "store");
    keel_module *module = check_handle(L, 3, KLUA_MODULE, "module");
    keel_instance *inst = NULL;
    keel_error *err;
    lua_State *prev = ctx_enter(store, L);
    err = keel_linker_instantiate(linker, store, module, &inst);
    ctx_leave(store, prev);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    klua_pushptr(L, inst, KLUA_INSTANCE, 1);
    return 2;
}

/* The extern an import value names: a function, memory, table, global or
** tag (handle or keel.lua object). */
static keel_extern *opt_extern(lua_State *L, int idx)
{
    void *p;
    if ((p = opt_handle(L, idx, KLUA_EXTERN)) != NULL) return p;
    if ((p = opt_handle(L, idx, KLUA_FUNC)) != NULL) return keel_func_as_extern(p);
    if ((p = opt_handle(L, idx, KLUA_MEMORY)) != NULL) return keel_memory_as_extern(p);
    if ((p = opt_handle(L, idx, KLUA_TABLE)) != NULL) return keel_table_as_extern(p);
    if ((p = opt_handle(L, idx, KLUA_GLOBAL)) != NULL) return keel_global_as_extern(p);
    if ((p = opt_handle(L, idx, KLUA_TAG)) != NULL) return keel_tag_as_extern(p);
    return NULL;
}

/* instance_new(store, module, {imports in module order}) -> err | nil, instance */
static int l_instance_new(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    keel_module *module = check_handle(L, 2, KLUA_MODULE, "module");
    keel_extern **ext;
    keel_instance *inst = NULL;
    keel_error *err;
    lua_State *prev;
    lua_Integer n, i;

    luaL_checktype(L, 3, LUA_TTABLE);
    n = luaL_len(L, 3);
    luaL_argcheck(L, n >= 0 && n < 100000, 3, "too many imports");
    ext = lua_newuserdatauv(L, (size_t)n * sizeof *ext + 1, 0);
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, 3, i + 1);
        ext[i] = opt_extern(L, -1);
        if (ext[i] == NULL)
            return luaL_error(L, "import %d: function, memory, table, global or tag expected",
                              (int)i + 1);
        lua_pop(L, 1);
    }
    prev = ctx_enter(store, L);
    err = keel_instance_new(store, module, ext, (size_t)n, &inst);
    ctx_leave(store, prev);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    klua_pushptr(L, inst, KLUA_INSTANCE, 1);
    return 2;
}

/* ------------------------------------------------------------ memory */

/* memory_read(mem, offset, len) -> err | nil, string */
static int l_memory_read(lua_State *L)
{
    keel_memory *mem = check_handle(L, 1, KLUA_MEMORY, "memory");
    uint64_t off = check_u64(L, 2, "offset");
    uint64_t len = check_u64(L, 3, "length");
    uint64_t size = keel_memory_size(mem);
    keel_error *err;
    luaL_Buffer b;
    char *dst;
    /* Check before allocating, so a huge length cannot exhaust the host. */
    if (len > size || off > size - len) {
        /* the ABI's wording and kind (invalid argument); a string error is
        ** made into a keel.Error of that kind by keel.lua */
        lua_pushliteral(L, "out of bounds memory access");
        return 1;
    }
    dst = luaL_buffinitsize(L, &b, (size_t)len);
    if ((err = keel_memory_read(mem, off, dst, (size_t)len)) != NULL)
        return push_error(L, err);
    luaL_pushresultsize(&b, (size_t)len);
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* memory_write(mem, offset, string) -> err | nil */
static int l_memory_write(lua_State *L)
{
    keel_memory *mem = check_handle(L, 1, KLUA_MEMORY, "memory");
    uint64_t off = check_u64(L, 2, "offset");
    size_t len;
    const char *src = luaL_checklstring(L, 3, &len);
    keel_error *err = keel_memory_write(mem, off, src, len);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    return 1;
}

/* ------------------------------------------------------------ globals and tables */

/* The value kind of a global's or table's type (after 'err = ..._type(obj, &t)'). */
static keel_error *extern_valkind(keel_error *err, keel_externtype *t, unsigned *kind)
{
    if (err == NULL)
        *kind = keel_valtype_kind(keel_externtype_valtype(t));
    keel_externtype_free(t);
    return err;
}

/* global_get(g [, bits]) -> err | nil, value */
static int l_global_get(lua_State *L)
{
    keel_global *g = check_handle(L, 1, KLUA_GLOBAL, "global");
    keel_val v;
    keel_error *err = keel_global_get(g, &v);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    val_push(L, &v, lua_toboolean(L, 2));
    return 2;
}

/* Converts argument 'idx' to the kind of a global or table and calls 'op'. */
typedef keel_error *(*setter)(void *obj, uint64_t index, const keel_val *v);

static keel_error *global_setter(void *obj, uint64_t index, const keel_val *v)
{
    (void)index;
    return keel_global_set(obj, v);
}

static keel_error *table_setter(void *obj, uint64_t index, const keel_val *v)
{
    return keel_table_set(obj, index, v);
}

static int set_value(lua_State *L, void *obj, unsigned kind, int idx, int bits, uint64_t index,
                     setter op, keel_store *store)
{
    keel_val v;
    int made = 0;
    const char *why = val_check(L, idx, kind, bits);
    keel_error *err;
    if (why != NULL)
        return luaL_argerror(L, idx, why);
    if ((err = val_to(L, idx, kind, bits, store, &v, &made)) == NULL)
        err = op(obj, index, &v);
    if (made)
        keel_externref_release(v.of.externref);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    return 1;
}

/* global_set(g, store, value [, bits]) -> err | nil */
static int l_global_set(lua_State *L)
{
    keel_global *g = check_handle(L, 1, KLUA_GLOBAL, "global");
    keel_store *store = check_handle(L, 2, KLUA_STORE, "store");
    keel_externtype *t = NULL;
    unsigned kind = 0;
    keel_error *err = keel_global_type(g, &t);
    err = extern_valkind(err, t, &kind);
    if (err != NULL)
        return push_error(L, err);
    lua_settop(L, 4);
    return set_value(L, g, kind, 3, lua_toboolean(L, 4), 0, global_setter, store);
}

/* global_new(store, kind, mutable, value) -> err | nil, global */
static int l_global_new(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    unsigned kind = (unsigned)check_u64(L, 2, "kind");
    int mut = lua_toboolean(L, 3);
    keel_valtype *vt = NULL;
    keel_global *g = NULL;
    keel_val v;
    int made = 0;
    const char *why;
    keel_error *err;
    lua_settop(L, 4);
    if ((why = val_check(L, 4, kind, 0)) != NULL)
        return luaL_argerror(L, 4, why);
    if ((err = keel_valtype_new(kind, &vt)) != NULL)
        return push_error(L, err);
    if ((err = val_to(L, 4, kind, 0, store, &v, &made)) == NULL)
        err = keel_global_new(store, vt, mut, &v, &g);
    if (made)
        keel_externref_release(v.of.externref);
    keel_valtype_free(vt);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    klua_pushptr(L, g, KLUA_GLOBAL, 1);
    return 2;
}

/* table_get(t, index) -> err | nil, value */
static int l_table_get(lua_State *L)
{
    keel_table *t = check_handle(L, 1, KLUA_TABLE, "table");
    uint64_t i = check_u64(L, 2, "index");
    keel_val v;
    keel_error *err = keel_table_get(t, i, &v);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    val_push(L, &v, 0);
    return 2;
}

/* table_set(t, store, index, value) -> err | nil */
static int l_table_set(lua_State *L)
{
    keel_table *t = check_handle(L, 1, KLUA_TABLE, "table");
    keel_store *store = check_handle(L, 2, KLUA_STORE, "store");
    uint64_t i = check_u64(L, 3, "index");
    keel_externtype *ty = NULL;
    unsigned kind = 0;
    keel_error *err = keel_table_type(t, &ty);
    err = extern_valkind(err, ty, &kind);
    if (err != NULL)
        return push_error(L, err);
    lua_settop(L, 4);
    return set_value(L, t, kind, 4, 0, i, table_setter, store);
}

/* table_grow(t, store, delta [, init]) -> err | nil, old size */
static int l_table_grow(lua_State *L)
{
    keel_table *t = check_handle(L, 1, KLUA_TABLE, "table");
    keel_store *store = check_handle(L, 2, KLUA_STORE, "store");
    uint64_t delta = check_u64(L, 3, "delta"), old = 0;
    keel_externtype *ty = NULL;
    unsigned kind = 0;
    keel_val v;
    int made = 0;
    const char *why;
    keel_error *err = keel_table_type(t, &ty);
    err = extern_valkind(err, ty, &kind);
    if (err != NULL)
        return push_error(L, err);
    lua_settop(L, 4);
    if ((why = val_check(L, 4, kind, 0)) != NULL)
        return luaL_argerror(L, 4, why);
    if ((err = val_to(L, 4, kind, 0, store, &v, &made)) == NULL)
        err = keel_table_grow(t, delta, &v, &old);
    if (made)
        keel_externref_release(v.of.externref);
    if (err != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)old);
    return 2;
}

/* new_trap(message) -> err: a trap error object (for tests and hosts) */
static int l_new_trap(lua_State *L)
{
    klua_pushptr(L, keel_error_new_trap(luaL_optstring(L, 1, NULL)), KLUA_ERROR, 1);
    return 1;
}

/* caller_export(caller, name) -> err | nil, handle, kind
** The export of the instance that called the running host function;
** 'kind' is "func", "table", "memory", "global" or "tag". */
static int l_caller_export(lua_State *L)
{
    klua_caller *lc = luaL_checkudata(L, 1, KLUA_CALLER_MT);
    size_t len;
    const char *name = luaL_checklstring(L, 2, &len);
    keel_extern *ext = NULL;
    keel_error *err;
    if (lc->caller == NULL)
        return luaL_error(L, "caller used after its host function returned");
    if ((err = keel_caller_export(lc->caller, name, len, &ext)) != NULL)
        return push_error(L, err);
    lua_pushnil(L);
    /* The extern is the same handle as the object it names (keel/extern.h):
    ** hand its reference over as userdata of that type. */
    switch (keel_extern_kind(ext)) {
    case KEEL_EXTERN_FUNC: klua_pushptr(L, keel_extern_as_func(ext), KLUA_FUNC, 1); lua_pushliteral(L, "func"); break;
    case KEEL_EXTERN_TABLE: klua_pushptr(L, keel_extern_as_table(ext), KLUA_TABLE, 1); lua_pushliteral(L, "table"); break;
    case KEEL_EXTERN_MEMORY: klua_pushptr(L, keel_extern_as_memory(ext), KLUA_MEMORY, 1); lua_pushliteral(L, "memory"); break;
    case KEEL_EXTERN_GLOBAL: klua_pushptr(L, keel_extern_as_global(ext), KLUA_GLOBAL, 1); lua_pushliteral(L, "global"); break;
    default: klua_pushptr(L, ext, KLUA_EXTERN, 1); lua_pushliteral(L, "extern"); break;
    }
    return 3;
}

/* is_func(v) -> whether v is function handle userdata */
static int l_is_func(lua_State *L)
{
    lua_pushboolean(L, klua_toptr(L, 1, KLUA_FUNC) != NULL);
    return 1;
}

/* ------------------------------------------------------------ open */

static const luaL_Reg klua_funcs[] = {
    {"store_new", l_store_new},
    {"func_kinds", l_func_kinds},
    {"call", l_call},
    {"call_bits", l_call_bits},
    {"func_new", l_func_new},
    {"instantiate", l_instantiate},
    {"instance_new", l_instance_new},
    {"memory_read", l_memory_read},
    {"memory_write", l_memory_write},
    {"global_get", l_global_get},
    {"global_set", l_global_set},
    {"global_new", l_global_new},
    {"table_get", l_table_get},
    {"table_set", l_table_set},
    {"table_grow", l_table_grow},
    {"new_trap", l_new_trap},
    {"is_func", l_is_func},
    {"caller_export", l_caller_export},
    {NULL, NULL},
};

void klua_open(lua_State *L)
{
    /* The weak table of host functions' Lua functions, shared by every
    ** store of this Lua state. */
    if (lua_getfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushliteral(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushinteger(L, 0);
        lua_setfield(L, -2, "n");
        lua_setfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS);
    } else {
        lua_pop(L, 1);
    }
    if (luaL_newmetatable(L, KLUA_CALLER_MT)) {
        lua_pushliteral(L, "keel.Caller");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, klua_funcs, 0);
    klua_open_ctl(L);
}
