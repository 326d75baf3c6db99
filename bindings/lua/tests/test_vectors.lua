-- test_vectors.lua: the shared test vectors (tests/vectors/*.wat + *.json,
-- format in tests/vectors/README.md), one test per case.
local keel = require "keel"
local json = require "json"
local U = require "util"

local dir = os.getenv("KEEL_VECTORS") or (U.here() .. "/../../../tests/vectors")

-- "18446744073709551615", "-1", "0xdeadbeef" -> Lua integer (wrapping to 64 bits)
local function parse_int(s)
  s = s:gsub("_", "")
  local neg = false
  if s:sub(1, 1) == "-" then neg, s = true, s:sub(2) end
  local v = 0
  if s:match("^0[xX]") then
    for c in s:sub(3):gmatch(".") do v = v * 16 + tonumber(c, 16) end
  else
    for c in s:gmatch(".") do v = v * 10 + tonumber(c) end
  end
  return neg and -v or v
end

local function wrap32(v)
  v = v & 0xffffffff
  if v >= 0x80000000 then v = v - 0x100000000 end
  return v
end

-- A value given to a call (or global_set), bits for floats.
local function arg_value(v)
  if v.type == "i32" then return wrap32(parse_int(v.value))
  elseif v.type == "i64" then return parse_int(v.value)
  elseif v.type == "f32" or v.type == "f64" then return parse_int(v.bits)
  elseif v.type == "externref" or v.type == "funcref" then
    if v.value == json.null or v.value == nil then return nil end
    return parse_int(v.value)
  end
  error("unknown value type " .. tostring(v.type))
end

local function matches(got, want)
  local t = want.type
  if t == "i32" then return got == wrap32(parse_int(want.value))
  elseif t == "i64" then return got == parse_int(want.value)
  elseif t == "f32" or t == "f64" then
    if math.type(got) ~= "integer" then return false end
    if want.nan then
      local canon = t == "f32" and 0x7fc00000 or 0x7ff8000000000000
      local mask = t == "f32" and 0x7fffffff or 0x7fffffffffffffff
      if want.nan == "canonical" then return (got & mask) == canon end
      return (got & canon) == canon
    end
    return got == parse_int(want.bits)
  elseif t == "funcref" then
    if want.value == json.null then return got == nil end
    return getmetatable(got) == keel.Func
  elseif t == "externref" then
    if want.value == json.null then return got == nil end
    return got == parse_int(want.value)
  end
  return false
end

local function show(vals, n)
  local out = {}
  for i = 1, n do out[i] = tostring(vals[i]) end
  return "[" .. table.concat(out, ", ") .. "]"
end

local behaviors = {}
function behaviors.add(params)
  return function(...)
    local sum = 0
    for i = 1, select("#", ...) do sum = sum + select(i, ...) end
    if params[1] == "i32" then sum = wrap32(sum) end
    return sum
  end
end
function behaviors.echo() return function(...) return ... end end
function behaviors.trap() return function() keel.trap("host trap") end end

local function from_hex(h)
  return (h:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end))
end

local function run_case(stem)
  local spec = json.decode(U.read_file(dir .. "/" .. stem .. ".json"))
  local engine <close> = keel.Engine()
  local store <close> = keel.Store(engine)
  local linker <close> = keel.Linker(engine)
  local module <close> = keel.Module.from_wat(engine, U.read_file(dir .. "/" .. stem .. ".wat"))
  for _, imp in ipairs(spec.imports or {}) do
    local make = behaviors[imp.behavior] or error("unknown behavior " .. tostring(imp.behavior))
    linker:func(store, imp.module, imp.name, imp.params, imp.results, make(imp.params))
  end
  if spec.link_error then
    U.fails_keel("unlinkable", spec.link_error, linker.instantiate, linker, store, module)
    return
  end
  if spec.instantiate_trap then
    U.fails_keel("trap", spec.instantiate_trap, linker.instantiate, linker, store, module)
    return
  end
  local inst <close> = linker:instantiate(store, module)
  local problems = {}
  local function bad(i, msg) problems[#problems + 1] = string.format("step %d: %s", i, msg) end
  for i, step in ipairs(spec.steps or {}) do
    local ok, err = pcall(function()
      if step.invoke then
        local f = inst:func(step.invoke)
        local args = {}
        for k, a in ipairs(step.args or {}) do args[k] = arg_value(a) end
        local res = table.pack(pcall(f.call_bits, f, table.unpack(args, 1, #(step.args or {}))))
        if step.trap then
          if res[1] then bad(i, "expected trap '" .. step.trap .. "', got results") return end
          local e = res[2]
          if not (keel.is_error(e) and e.kind == "trap" and e.message:find(step.trap, 1, true)) then
            bad(i, "expected trap '" .. step.trap .. "', got " .. tostring(e))
          end
          return
        end
        if not res[1] then bad(i, "unexpected error: " .. tostring(res[2])) return end
        local want = step.expect or {}
        if res.n - 1 ~= #want then bad(i, "expected " .. #want .. " results, got " .. (res.n - 1)) return end
        for k, w in ipairs(want) do
          if not matches(res[k + 1], w) then
            bad(i, string.format("%s result %d: got %s", step.invoke, k, show({table.unpack(res, 2, res.n)}, res.n - 1)))
          end
        end
      elseif step.memory then
        local m = inst:memory(step.memory.export or "memory")
        local want = from_hex(step.memory.hex)
        local got = m:read(step.memory.offset, #want)
        if got ~= want then bad(i, "memory bytes differ at " .. step.memory.offset) end
      elseif step.memory_write then
        local m = inst:memory(step.memory_write.export or "memory")
        m:write(step.memory_write.offset, from_hex(step.memory_write.hex))
      elseif step.memory_size then
        local m = inst:memory(step.memory_size.export or "memory")
        if m:pages() ~= step.memory_size.pages then bad(i, "memory pages " .. m:pages()) end
      elseif step.table_size then
        local t = inst:table(step.table_size.export or "table")
        if t:size() ~= step.table_size.size then bad(i, "table size " .. t:size()) end
      elseif step.global_get then
        local g = inst:global(step.global_get)
        local v = g:get_bits()
        if not matches(v, step.expect) then bad(i, "global " .. step.global_get .. " = " .. tostring(v)) end
      elseif step.global_set then
        local g = inst:global(step.global_set)
        local ok2, e = pcall(g.set_bits, g, arg_value(step.value))
        if step.error and ok2 then bad(i, "global_set should fail (" .. step.error .. ")") end
        if not step.error and not ok2 then bad(i, "global_set failed: " .. tostring(e)) end
      else
        bad(i, "unknown step")
      end
    end)
    if not ok then bad(i, "runner error: " .. tostring(err)) end
  end
  if #problems > 0 then error(table.concat(problems, "\n  "), 0) end
end

local cases = {}
local p = io.popen('ls "' .. dir .. '"')
for name in p:lines() do
  local stem = name:match("^(.*)%.json$")
  if stem then cases[#cases + 1] = {stem, function() run_case(stem) end} end
end
p:close()
if #cases == 0 then
  cases[1] = {"found", function() error("no vectors in " .. dir) end}
end
cases[#cases + 1] = {"no_leaks", function() U.no_live_handles("after the vectors") end}
return cases
