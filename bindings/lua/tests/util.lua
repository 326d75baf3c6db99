-- util.lua: helpers shared by the Lua binding's tests.
local keel = require "keel"
local U = {}

function U.here()
  local src = debug.getinfo(2, "S").source
  return (src:match("^@(.*)/[^/]*$")) or "."
end

function U.repo_root()
  return os.getenv("KEEL_ROOT") or (U.here() .. "/../../..")
end

function U.eq(a, b, what)
  if a ~= b then
    error(string.format("%s: expected %s, got %s", what or "value", tostring(b), tostring(a)), 2)
  end
end

function U.ok(v, what)
  if not v then error((what or "check") .. " failed", 2) end
  return v
end

-- Runs fn, which must fail; returns the error value.
function U.fails(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error, the call succeeded", 2) end
  return err
end

-- fn must fail with a keel.Error of 'kind' whose message contains 'text'.
function U.fails_keel(kind, text, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected a keel error (" .. kind .. "), the call succeeded", 2) end
  if not keel.is_error(err) then error("expected a keel.Error, got: " .. tostring(err), 2) end
  if err.kind ~= kind then error("expected kind " .. kind .. ", got " .. tostring(err), 2) end
  if text and not err.message:find(text, 1, true) then
    error("expected message containing '" .. text .. "', got " .. tostring(err), 2)
  end
  return err
end

-- Collects until nothing more is freed (finalizers may free more).
function U.full_gc()
  for _ = 1, 4 do collectgarbage("collect") end
end

function U.no_live_handles(what)
  U.full_gc()
  local n = keel.live_handles()
  if n ~= 0 then
    local kinds = {}
    for _, k in ipairs({"engine", "module", "store", "linker", "instance", "func", "memory",
                        "table", "global", "externref", "config", "functype", "valtype",
                        "externtype", "code"}) do
      local c = keel.live_handles(k)
      if c ~= 0 then kinds[#kinds + 1] = k .. "=" .. c end
    end
    error(string.format("%s: %d live handle(s) (%s)", what or "leak check", n, table.concat(kinds, " ")), 2)
  end
  if keel.live_stores() ~= 0 then
    error(string.format("%s: %d live store(s)", what or "leak check", keel.live_stores()), 2)
  end
end

function U.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

return U
