-- test_host.lua: the keel-lua scripting host -- runs the shipped example
-- (examples/plugins.lua), a failing script and usage errors. Needs
-- KEEL_LUA_BIN (set by run-tests.sh); without it the cases are skipped.
local U = require "util"
local ok = U.ok

local bin = os.getenv("KEEL_LUA_BIN")
local examples = U.here() .. "/../examples"

local function run(args)
  local p = io.popen('"' .. bin .. '" ' .. args .. ' 2>&1; echo "status=$?"')
  local out = p:read("a")
  p:close()
  return out, tonumber(out:match("status=(%d+)%s*$"))
end

local function skip_without_bin(fn)
  return function() if bin then fn() end end
end

return {
  {"example_plugins", skip_without_bin(function()
    local out, status = run('--check-live "' .. examples .. '/plugins.lua"')
    ok(status == 0, "status 0:\n" .. out)
    for _, line in ipairs({"mathlib: fib(10) = 55, hypot(3, 4) = 5.0", "[greeter] hello from greeter",
                           "[greeter] fib is ready", "greeter.run(20) = 6765 (integer), host counter = 1",
                           "greeter.fail: keel trap: unreachable", "plugins: done",
                           "0 live handles, 0 live stores"}) do
      ok(out:find(line, 1, true), "output has '" .. line .. "':\n" .. out)
    end
  end)},

  {"script_error", skip_without_bin(function()
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write('local keel = require "keel"\n',
            'local e = keel.Engine()\n',
            'keel.Instance(keel.Store(e), keel.Module(e, "(module (func (export \\"f\\") unreachable) (start 0))"))\n')
    f:close()
    local out, status = run('--check-live "' .. tmp .. '"')
    os.remove(tmp)
    ok(status == 1, "status 1:\n" .. out)
    ok(out:find("keel trap: unreachable", 1, true), "error printed with __tostring:\n" .. out)
    ok(out:find("0 live handles", 1, true), "nothing leaked:\n" .. out)
  end)},

  {"usage", skip_without_bin(function()
    local out, status = run("")
    ok(status == 2 and out:find("usage", 1, true), "usage:\n" .. out)
    out, status = run("--bogus x.lua")
    ok(status == 2, "unknown option:\n" .. out)
    out, status = run("/nonexistent/script.lua")
    ok(status == 1 and out:find("cannot open", 1, true), "missing script:\n" .. out)
    out, status = run("--version")
    ok(status == 0 and out:find("keel-lua", 1, true), "version:\n" .. out)
  end)},
}
