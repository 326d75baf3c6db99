-- test_wasi.lua: WASI preview 1 through keel.wasi (issue 8): a hand-written
-- WAT hello world with captured stdout and an exit code (always), and a C
-- program compiled with `clang --target=wasm32-wasi` at test time (skipped,
-- with a message, when clang cannot build for WASI): arguments, environment,
-- stdin bytes, a read-only preopen, stderr, the exit status.
local keel = require "keel"
local U = require "util"
local eq, ok, fails_keel = U.eq, U.ok, U.fails_keel

-- writes "hello, wasi\n" to fd 1, then proc_exit(7); "add" is an ordinary export
local HELLO = [[(module $hello
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))  ;; iovec: base
    (i32.store (i32.const 4) (i32.const 12))  ;; iovec: length
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 7)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))]]

-- writes "err\n" to fd 2 and returns from _start (exit status 0)
local TO_STDERR = [[(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "err\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))]]

local C_PROGRAM = [[
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    char line[128];
    FILE *f;
    printf("hello from C, %d args:", argc);
    for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
    printf("\nGREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
    if (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
    f = fopen("/data/in.txt", "r");
    if (f != NULL && fgets(line, sizeof line, f)) printf("file: %s", line);
    if (f != NULL) fclose(f);
    f = fopen("/data/new.txt", "w");
    printf("write in a read-only dir: %s\n", f != NULL ? "allowed" : "refused");
    if (f != NULL) fclose(f);
    f = fopen("/etc/passwd", "r");
    printf("outside the preopens: %s\n", f != NULL ? "open" : "refused");
    fprintf(stderr, "to stderr\n");
    return argc > 2 ? atoi(argv[2]) : 0;
}
]]

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d .. "'"))
  return d
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The C program as wasm bytes, or nil and why (compiled once per run).
local c_wasm, c_why
local function c_program()
  if c_wasm or c_why then return c_wasm, c_why end
  local dir = tmpdir()
  local f = assert(io.open(dir .. "/hello.c", "w"))
  f:write(C_PROGRAM)
  f:close()
  local clang = os.getenv("CLANG") or "clang"
  local okc = os.execute(string.format("%s --target=wasm32-wasi -O2 -o '%s/hello.wasm' '%s/hello.c' 2>/dev/null",
                                       clang, dir, dir))
  c_wasm = okc and slurp(dir .. "/hello.wasm") or nil
  if not c_wasm then c_why = clang .. " --target=wasm32-wasi cannot build here" end
  os.execute("rm -rf '" .. dir .. "'")
  return c_wasm, c_why
end

return {
  {"hello_wat_captured_stdout", function()
    local engine = keel.Engine()
    local code, out, err = keel.wasi.run(engine, HELLO, {args = {"hello"}, stdout = "capture"})
    eq(code, 7, "proc_exit status")
    eq(out, "hello, wasi\n", "captured stdout")
    eq(err, nil, "stderr not captured")
    local code2, out2, err2 = keel.wasi.run(engine, TO_STDERR, {stdout = "capture", stderr = "capture"})
    eq(code2, 0, "returning from _start is status 0")
    eq(out2, "", "nothing on stdout")
    eq(err2, "err\n", "captured stderr")
  end},

  {"linker_define_wasi", function()
    local engine = keel.Engine()
    local store = keel.Store(engine)
    local linker = keel.Linker(engine)
    local config <close> = keel.wasi.Config():stdout("capture")
    local wasi <close> = linker:define_wasi(store, config)
    local inst = linker:instantiate(store, keel.Module(engine, HELLO))
    local e = fails_keel("exit", nil, inst.exports._start)
    eq(e.exit_code, 7, "exit_code on the error")
    eq(wasi:stdout(), "hello, wasi\n")
    eq(wasi:stderr(), nil)
    eq(inst.exports.add(2, 3), 5, "the store stays usable after proc_exit")
    -- the config was copied: the same one serves a second store
    local store2 = keel.Store(engine)
    local linker2 = keel.Linker(engine)
    local wasi2 = linker2:define_wasi(store2, config)
    fails_keel("exit", nil, linker2:instantiate(store2, keel.Module(engine, HELLO)).exports._start)
    eq(wasi2:stdout(), "hello, wasi\n", "each context captures its own output")
    eq(wasi:stdout(), "hello, wasi\n")
  end},

  {"stdout_to_file", function()
    local path = os.tmpname()
    eq(keel.wasi.run(keel.Engine(), HELLO, {stdout = {file = path}}), 7, "keel_wasi_run's status")
    eq(slurp(path), "hello, wasi\n", "the file holds stdout")
    os.remove(path)
  end},

  {"hello_c_compiled_with_clang", function()
    local wasm, why = c_program()
    if not wasm then
      io.write("skip test_wasi.hello_c_compiled_with_clang: ", why, "\n")
      return
    end
    local dir = tmpdir()
    local f = assert(io.open(dir .. "/in.txt", "w"))
    f:write("from the host\n")
    f:close()
    local engine = keel.Engine()
    local code, out, err = keel.wasi.run(engine, wasm, {
      args = {"hello", "x", "3"},
      env = {GREETING = "hi"},
      stdin = {bytes = "typed line\n"},
      preopens = {{host = dir, guest = "/data", read_only = true}},
      stdout = "capture", stderr = "capture",
    })
    eq(code, 3, "exit status from main")
    eq(out, "hello from C, 3 args: hello x 3\nGREETING=hi\nstdin: typed line\nfile: from the host\n" ..
            "write in a read-only dir: refused\noutside the preopens: refused\n", "captured stdout")
    eq(err, "to stderr\n", "captured stderr")
    eq(slurp(dir .. "/new.txt"), nil, "nothing created in the read-only preopen")
    -- writable preopen given as "HOST::GUEST", and the method API
    local cfg <close> = keel.wasi.Config():arg("hello"):env("GREETING=yo"):preopen(dir .. "::/data")
                          :stdout("capture")
    local code2, out2 = keel.wasi.run(engine, keel.Module(engine, wasm), cfg)
    eq(code2, 0)
    ok(out2:find("GREETING=yo\n", 1, true) and out2:find("read-only dir: allowed", 1, true), out2)
    ok(slurp(dir .. "/new.txt") ~= nil, "created in the writable preopen")
    os.execute("rm -rf '" .. dir .. "'")
  end},

  {"bad_config", function()
    local engine = keel.Engine()
    ok(tostring(U.fails(keel.wasi.Config, {stdout = "loud"})):find("stdout", 1, true), "bad stdout spec")
    ok(tostring(U.fails(keel.wasi.Config, {stdin = "capture"})):find("stdin", 1, true), "bad stdin spec")
    ok(tostring(U.fails(keel.wasi.Config, 5)):find("table", 1, true), "options type")
    ok(tostring(U.fails(keel.wasi.Config, {args = {1}})):find("string", 1, true), "argument type")
    fails_keel("invalid argument", nil, keel.wasi.Config, {env = {"NOEQUALS"}})
    local e = fails_keel("i/o", nil, keel.wasi.run, engine, HELLO,
                         {preopens = {{host = "/nonexistent/keel-dir", guest = "/d"}}, stdout = "capture"})
    ok(e.message:find("nonexistent", 1, true), "the message names the directory: " .. e.message)
    -- a non-WASI import is unlinkable for keel_wasi_run
    fails_keel("unlinkable", nil, keel.wasi.run, engine,
               '(module (import "env" "f" (func)) (func (export "_start")))', {})
    local store = keel.Store(engine)
    ok(tostring(U.fails(keel.Linker(engine).define_wasi, keel.Linker(engine), store, 5)):find("table", 1, true))
  end},

  {"no_leaks", function() U.no_live_handles("after the WASI tests") end},
}
