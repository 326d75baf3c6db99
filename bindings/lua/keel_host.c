/*
** keel_host.c -- keel-lua: Lua 5.4 with the Keel binding preloaded, a small
** scripting host (e.g. a plugin host whose script loads .wasm/.wat plugins
** and wires host functions between them).
**
**   keel-lua [--check-live] script.lua [args...]
**
** require "keel" and require "keel_core" work without any file on disk:
** keel_core is linked in and keel.lua is embedded (tools/embed.lua). The
** script gets its arguments in 'arg' as lua5.4 gives them, and the global
** KEEL_LUA = true.
**
** Exit status: the script's return value when it returns an integer, 0
** when it returns anything else, 1 when it raises an error (printed with
** its __tostring, then a traceback), 2 for a usage error. With --check-live
** (or KEEL_LUA_CHECK_LIVE=1 in the environment) the Lua state is closed --
** which runs every pending __gc in whatever order Lua picks -- and then
** every Keel handle and store must be gone: otherwise the counts are
** printed and the status is 3.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include <keel.h>
#include "keel_lua.h"

extern const char klua_keel_lua_src[];
extern const unsigned long klua_keel_lua_src_len;

/* package.preload.keel: runs the embedded keel.lua */
static int load_keel(lua_State *L)
{
    if (luaL_loadbuffer(L, klua_keel_lua_src, klua_keel_lua_src_len, "=keel.lua") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    return 1;
}

/* Message handler: the error's text (its __tostring for tables) plus a traceback. */
static int on_error(lua_State *L)
{
    const char *msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: keel-lua [--check-live] script.lua [args...]\n");
}

int main(int argc, char **argv)
{
    int check = 0, first = 1, status, code = 0, handler, i;
    const char *env = getenv("KEEL_LUA_CHECK_LIVE");
    lua_State *L;

    if (env != NULL && strcmp(env, "1") == 0)
        check = 1;
    while (first < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strcmp(argv[first], "--check-live") == 0) {
            check = 1;
        } else if (strcmp(argv[first], "--version") == 0) {
            printf("keel-lua %s (libkeel %s, %s)\n", KEEL_VERSION_STRING, keel_version(), LUA_RELEASE);
            return 0;
        } else {
            usage();
            return 2;
        }
        first++;
    }
    if (first >= argc) {
        usage();
        return 2;
    }
    if ((L = luaL_newstate()) == NULL) {
        fprintf(stderr, "keel-lua: cannot create a Lua state\n");
        return 1;
    }
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_keel_core);
    lua_setfield(L, -2, "keel_core");
    lua_pushcfunction(L, load_keel);
    lua_setfield(L, -2, "keel");
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_setglobal(L, "KEEL_LUA");

    /* arg: script at 0, its arguments from 1, the host before it */
    lua_createtable(L, argc - first - 1, first + 1);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - first);
    }
    lua_setglobal(L, "arg");

    lua_pushcfunction(L, on_error);
    handler = lua_gettop(L);
    status = luaL_loadfile(L, argv[first]);
    if (status == LUA_OK) {
        for (i = first + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = lua_pcall(L, argc - first - 1, 1, handler);
    }
    if (status != LUA_OK) {
        fprintf(stderr, "keel-lua: %s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        code = 1;
    } else if (lua_isinteger(L, -1)) {
        code = (int)lua_tointeger(L, -1);
    }
    lua_close(L);

    if (check) {
        size_t live = keel_debug_live_handles(KEEL_HANDLE_ALL);
        size_t stores = keel_debug_live_stores();
        if (live != 0 || stores != 0) {
            fprintf(stderr, "keel-lua: after lua_close: %zu live handle(s), %zu live store(s)\n",
                    live, stores);
            for (i = 1; i < KEEL_HANDLE_KIND_COUNT; i++)
                if (keel_debug_live_handles((keel_handle_kind)i) != 0)
                    fprintf(stderr, "  %s: %zu\n", keel_debug_handle_kind_name((keel_handle_kind)i),
                            keel_debug_live_handles((keel_handle_kind)i));
            code = 3;
        } else {
            fprintf(stderr, "keel-lua: after lua_close: 0 live handles, 0 live stores\n");
        }
    }
    return code;
}
