/*
** keel_lua_ctl.c -- the hand-written 'keel_core' functions for execution
** control (ABI 1.1, issue 9), sampling, and WASI output (issue 8):
**
**  - store_sample(store [, cap]): the frames of the call running in a store
**    (keel/sample.h), as a Lua list, innermost first;
**  - set_deadline_callback(store, fn | nil): a Lua function asked, on the
**    calling thread and inside the running call, whether to extend an epoch
**    deadline (keel_store_set_epoch_deadline_callback);
**  - interrupt_after(store, ms [, sample]): a timer on its own OS thread that
**    samples the store and then interrupts it (keel_store_interrupt is the
**    one ABI call meant for another thread), cancellable; this is how a Lua
**    program, which has one OS thread, puts a timeout on a wasm call;
**  - epoch_ticker(engine, ms): a thread calling keel_engine_increment_epoch
**    every ms milliseconds until closed, for store:set_epoch_deadline;
**  - wasi_output(wasi, which): the captured stdout / stderr bytes.
**
** Timer threads never touch Lua: they hold their own store (or engine)
** reference and write into their userdata under a mutex. The reference is
** released on the Lua thread when the timer is closed or collected, which
** first stops and joins the thread, so the last store reference (and the
** finalizers of Lua host functions it runs) is never dropped on the timer
** thread, and the userdata outlives the thread.
**
** Conventions as keel_lua.c: bad Lua arguments raise; results come back
** error first when the ABI can fail.
*/
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <keel.h>
#include "keel_lua.h"

#define KLUA_TIMER_MT "keel.Timer"
#define KLUA_SAMPLE_MAX 64   /* frames a timer keeps; store_sample's default cap */
#define KLUA_SAMPLE_NAME 96  /* bytes kept of each name */
#define KLUA_SAMPLE_WAIT 1000 /* ms a sampling timer waits for a call to start */

/* ------------------------------------------------------------ helpers */

/* A handle argument: SWIG userdata or a keel.lua object with '_raw'. */
static void *check_handle(lua_State *L, int idx, int kind, const char *what)
{
    void *p;
    if (lua_istable(L, idx)) {
        lua_getfield(L, idx, "_raw");
        p = klua_toptr(L, -1, kind);
        lua_pop(L, 1);
    } else {
        p = klua_toptr(L, idx, kind);
    }
    if (p == NULL)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s expected (released or wrong type?)", what));
    return p;
}

/* Pushes one frame as {index =, offset =, name =, module =} (the shape of
** keel.Error frames). */
static void push_frame(lua_State *L, uint32_t index, uint32_t offset, const char *name,
                       const char *module)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)index);
    lua_setfield(L, -2, "index");
    if (offset != UINT32_MAX) {
        lua_pushinteger(L, (lua_Integer)offset);
        lua_setfield(L, -2, "offset");
    }
    if (name != NULL) {
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
    }
    if (module != NULL) {
        lua_pushstring(L, module);
        lua_setfield(L, -2, "module");
    }
}

/* ------------------------------------------------------------ sampling */

/* store_sample(store [, cap]) -> frames, truncated
** Callable while no call runs (no frames) or from a host function running in
** the store (the wasm frames below it). The names are copied at once: they
** are borrowed from the store. */
static int l_store_sample(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    lua_Integer cap = luaL_optinteger(L, 2, KLUA_SAMPLE_MAX);
    keel_frame_sample *buf;
    size_t n = 0, i;
    int rc;

    luaL_argcheck(L, cap >= 1 && cap <= 4096, 2, "cap must be 1..4096");
    buf = lua_newuserdatauv(L, (size_t)cap * sizeof *buf, 0); /* freed by Lua even on error */
    rc = keel_store_sample(store, buf, (size_t)cap, &n);
    if (rc == KEEL_SAMPLE_INVALID)
        return luaL_argerror(L, 1, "store expected (released?)");
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        push_frame(L, buf[i].func_index, buf[i].offset, buf[i].func_name, buf[i].module_name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushboolean(L, rc == KEEL_SAMPLE_TRUNCATED);
    return 2;
}

/* ------------------------------------------------------------ deadlines */

/* Runs the store's Lua deadline function on the thread of the running call.
** It returns a number of ticks to extend by, or nil/false to trap; a Lua
** error in it traps too (KEEL_TRAP_DEADLINE), since no error can cross the
** interpreter here. */
static bool deadline_callback(void *envp, uint64_t *extend_ticks)
{
    klua_ctx *c = envp;
    lua_State *L;
    lua_Integer n = 0;
    int top, isnum = 0;

    if (c == NULL || c->magic != KLUA_CTX_MAGIC || c->L == NULL || c->deadline_fn == 0)
        return false;
    L = c->L;
    if (!lua_checkstack(L, 4))
        return false;
    top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS);
    lua_rawgeti(L, -1, c->deadline_fn);
    if (lua_isfunction(L, -1) && lua_pcall(L, 0, 1, 0) == LUA_OK)
        n = lua_tointegerx(L, -1, &isnum);
    lua_settop(L, top);
    if (!isnum || n < 1)
        return false;
    *extend_ticks = (uint64_t)n;
    return true;
}

/* set_deadline_callback(store, fn | nil) -> err | nil, id
** Like host functions, fn is kept only in the weak KLUA_HOSTFNS table: the
** Store object must hold it (keel.lua keeps it with the host functions). */
static int l_set_deadline_callback(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    klua_ctx *c = keel_store_user_data(store);
    lua_Integer id = 0;
    keel_error *err;

    if (c == NULL || c->magic != KLUA_CTX_MAGIC)
        return luaL_argerror(L, 1, "store not made by keel_core.store_new");
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
        lua_getfield(L, LUA_REGISTRYINDEX, KLUA_HOSTFNS);
        lua_getfield(L, -1, "n");
        id = lua_tointeger(L, -1) + 1;
        lua_pop(L, 1);
        lua_pushinteger(L, id);
        lua_setfield(L, -2, "n");
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, id);
        lua_pop(L, 1);
    }
    err = keel_store_set_epoch_deadline_callback(store, id != 0 ? deadline_callback : NULL, c);
    if (err != NULL) {
        klua_pushptr(L, err, KLUA_ERROR, 1);
        return 1;
    }
    c->deadline_fn = id;
    lua_pushnil(L);
    lua_pushinteger(L, id);
    return 2;
}

/* ------------------------------------------------------------ timers */

typedef struct timer_frame {
    uint32_t index, offset;
    char name[KLUA_SAMPLE_NAME], module[KLUA_SAMPLE_NAME];
    bool has_name, has_module;
} timer_frame;

/* A timer thread and what it reports, in a Lua userdata. */
typedef struct klua_timer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running;   /* a thread was started and not joined yet */
    bool stop;      /* asked to stop (under mu) */
    bool fired;     /* the interrupt was sent (under mu) */
    bool sample;    /* sample before interrupting */
    bool truncated; /* the sample had more than KLUA_SAMPLE_MAX frames */
    long ms;
    uint64_t ticks; /* epoch ticks sent (under mu) */
    keel_store *store;   /* interrupt_after: a reference of ours */
    keel_engine *engine; /* epoch_ticker: a reference of ours */
    size_t nframes;
    timer_frame frames[KLUA_SAMPLE_MAX];
} klua_timer;

static void copy_name(char *dst, const char *src, bool *has)
{
    size_t n;
    *has = src != NULL;
    if (src == NULL)
        return;
    n = strlen(src);
    if (n >= KLUA_SAMPLE_NAME)
        n = KLUA_SAMPLE_NAME - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Waits (under t->mu) until 'at' or a stop request; true when stopped. */
static bool timer_wait(klua_timer *t, const struct timespec *at)
{
    while (!t->stop)
        if (pthread_cond_timedwait(&t->cv, &t->mu, at) == ETIMEDOUT)
            break;
    return t->stop;
}

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *interrupt_thread(void *arg)
{
    klua_timer *t = arg;
    keel_frame_sample buf[KLUA_SAMPLE_MAX];
    struct timespec at;
    size_t n = 0, i;
    int rc = KEEL_SAMPLE_OK, waited = 0;
    bool stopped;

    clock_gettime(CLOCK_REALTIME, &at); /* the condition variable's clock */
    add_ms(&at, t->ms);
    pthread_mutex_lock(&t->mu);
    stopped = timer_wait(t, &at);
    /* A sampling timer that fires while no call runs (the call not started
    ** yet on a loaded machine) polls each millisecond, up to
    ** KLUA_SAMPLE_WAIT, for one to start, so its sample shows the call. */
    while (!stopped && t->sample) {
        /* keel/sample.h: any thread, lock-free, while the store lives (our
        ** reference keeps it alive). */
        rc = keel_store_sample(t->store, buf, KLUA_SAMPLE_MAX, &n);
        if (n > 0 || waited++ >= KLUA_SAMPLE_WAIT)
            break;
        clock_gettime(CLOCK_REALTIME, &at);
        add_ms(&at, 1);
        stopped = timer_wait(t, &at);
    }
    if (!stopped) {
        if (t->sample) {
            t->truncated = rc == KEEL_SAMPLE_TRUNCATED;
            for (i = 0; i < n; i++) {
                t->frames[i].index = buf[i].func_index;
                t->frames[i].offset = buf[i].offset;
                copy_name(t->frames[i].name, buf[i].func_name, &t->frames[i].has_name);
                copy_name(t->frames[i].module, buf[i].module_name, &t->frames[i].has_module);
            }
            t->nframes = n;
        }
        keel_store_interrupt(t->store);
        t->fired = true;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

static void *ticker_thread(void *arg)
{
    klua_timer *t = arg;
    struct timespec at;

    clock_gettime(CLOCK_REALTIME, &at);
    pthread_mutex_lock(&t->mu);
    for (;;) {
        add_ms(&at, t->ms);
        if (timer_wait(t, &at))
            break;
        keel_engine_increment_epoch(t->engine);
        t->ticks++;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Stops and joins the thread, then drops our reference (on this thread). */
static void timer_stop(klua_timer *t)
{
    if (t->running) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
        t->running = false;
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
    }
    if (t->store != NULL) {
        keel_store_release(t->store);
        t->store = NULL;
    }
    if (t->engine != NULL) {
        keel_engine_release(t->engine);
        t->engine = NULL;
    }
}

static klua_timer *check_timer(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, KLUA_TIMER_MT);
}

static int timer_start(lua_State *L, klua_timer *t, void *(*fn)(void *))
{
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->thread, NULL, fn, t) != 0) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        timer_stop(t); /* drops the reference */
        return luaL_error(L, "cannot start a timer thread");
    }
    t->running = true;
    return 1;
}

static klua_timer *timer_new(lua_State *L, lua_Integer ms)
{
    klua_timer *t;
    luaL_argcheck(L, ms >= 0 && ms <= 86400000, 2, "milliseconds must be 0..86400000");
    t = lua_newuserdatauv(L, sizeof *t, 0);
    memset(t, 0, sizeof *t);
    t->ms = (long)ms;
    luaL_setmetatable(L, KLUA_TIMER_MT);
    return t;
}

/* interrupt_after(store, ms [, sample]) -> timer
** After ms milliseconds (unless cancelled first) the timer thread samples
** the store when 'sample' is true, then calls keel_store_interrupt: the
** running call traps with KEEL_TRAP_INTERRUPTED (or the next call does, if
** none runs then). */
static int l_interrupt_after(lua_State *L)
{
    keel_store *store = check_handle(L, 1, KLUA_STORE, "store");
    klua_timer *t = timer_new(L, luaL_checkinteger(L, 2));
    t->sample = lua_toboolean(L, 3);
    t->store = keel_store_retain(store);
    if (t->store == NULL)
        return luaL_argerror(L, 1, "store expected (released?)");
    return timer_start(L, t, interrupt_thread);
}

/* epoch_ticker(engine, ms) -> timer: keel_engine_increment_epoch every ms
** milliseconds (at least 1) until closed. */
static int l_epoch_ticker(lua_State *L)
{
    keel_engine *engine = check_handle(L, 1, KLUA_ENGINE, "engine");
    klua_timer *t = timer_new(L, luaL_checkinteger(L, 2));
    luaL_argcheck(L, t->ms >= 1, 2, "milliseconds must be at least 1");
    t->engine = keel_engine_retain(engine);
    if (t->engine == NULL)
        return luaL_argerror(L, 1, "engine expected (released?)");
    return timer_start(L, t, ticker_thread);
}

/* timer_close(timer [, clear]): stops the thread, drops its reference; with
** 'clear', an interrupt it sent that no call consumed is withdrawn
** (keel_store_interrupt_clear), so it cannot hit a later call. Harmless twice. */
static int l_timer_close(lua_State *L)
{
    klua_timer *t = check_timer(L, 1);
    if (lua_toboolean(L, 2) && t->store != NULL && t->fired)
        keel_store_interrupt_clear(t->store);
    timer_stop(t);
    return 0;
}

/* timer_state(timer) -> fired, ticks (reads the thread's results) */
static int l_timer_state(lua_State *L)
{
    klua_timer *t = check_timer(L, 1);
    bool fired;
    uint64_t ticks;
    if (t->running)
        pthread_mutex_lock(&t->mu);
    fired = t->fired;
    ticks = t->ticks;
    if (t->running)
        pthread_mutex_unlock(&t->mu);
    lua_pushboolean(L, fired);
    lua_pushinteger(L, (lua_Integer)ticks);
    return 2;
}

/* timer_sample(timer) -> frames (innermost first), truncated; or nil when
** the timer has not fired or did not sample. */
static int l_timer_sample(lua_State *L)
{
    klua_timer *t = check_timer(L, 1);
    size_t i;
    bool fired;
    if (t->running)
        pthread_mutex_lock(&t->mu);
    fired = t->fired;
    if (t->running)
        pthread_mutex_unlock(&t->mu);
    if (!fired || !t->sample) { /* after 'fired' the thread writes nothing more */
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, (int)t->nframes, 0);
    for (i = 0; i < t->nframes; i++) {
        const timer_frame *f = &t->frames[i];
        push_frame(L, f->index, f->offset, f->has_name ? f->name : NULL,
                   f->has_module ? f->module : NULL);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushboolean(L, t->truncated);
    return 2;
}

static int l_timer_gc(lua_State *L)
{
    timer_stop(check_timer(L, 1));
    return 0;
}

/* ------------------------------------------------------------ WASI */

/* wasi_output(wasi, "stdout" | "stderr") -> string | nil (not captured) */
static int l_wasi_output(lua_State *L)
{
    static const char *const names[] = {"stdout", "stderr", NULL};
    keel_wasi *wasi = check_handle(L, 1, KLUA_WASI, "wasi");
    int which = luaL_checkoption(L, 2, "stdout", names);
    size_t len = 0;
    const uint8_t *p = which == 0 ? keel_wasi_stdout_bytes(wasi, &len) : keel_wasi_stderr_bytes(wasi, &len);
    if (p == NULL) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, (const char *)p, len);
    return 1;
}

/* ------------------------------------------------------------ open */

static const luaL_Reg ctl_funcs[] = {
    {"store_sample", l_store_sample},
    {"set_deadline_callback", l_set_deadline_callback},
    {"interrupt_after", l_interrupt_after},
    {"epoch_ticker", l_epoch_ticker},
    {"timer_close", l_timer_close},
    {"timer_state", l_timer_state},
    {"timer_sample", l_timer_sample},
    {"wasi_output", l_wasi_output},
    {NULL, NULL},
};

void klua_open_ctl(lua_State *L)
{
    if (luaL_newmetatable(L, KLUA_TIMER_MT)) {
        lua_pushcfunction(L, l_timer_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, ctl_funcs, 0);
}
