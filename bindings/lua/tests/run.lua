-- run.lua: the Lua binding's test runner, for lua5.4 and keel-lua.
--   lua5.4 run.lua [test_file.lua ...] [-k pattern]
-- Each test file returns a list of {name, function}. A test passes when its
-- function returns without error. The last line is "N passed, N failed";
-- the exit status is non-zero when a test failed.
local here = (arg and arg[0] or "run.lua"):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. here .. "/../?.lua;" .. package.path

local files, pattern = {}, nil
local i = 1
while arg and arg[i] do
  if arg[i] == "-k" then pattern = arg[i + 1]; i = i + 2
  else files[#files + 1] = arg[i]; i = i + 1 end
end
if #files == 0 then
  files = {"test_api.lua", "test_vectors.lua", "test_badinput.lua", "test_gc.lua", "test_seeds.lua",
           "test_host.lua", "test_control.lua", "test_wasi.lua"}
end

local passed, failed = 0, 0
for _, file in ipairs(files) do
  local path = file:find("/") and file or (here .. "/" .. file)
  local ok, cases = pcall(dofile, path)
  if not ok then
    failed = failed + 1
    io.write("FAIL ", file, ": cannot load: ", tostring(cases), "\n")
  else
    for _, case in ipairs(cases) do
      local name = file:gsub("%.lua$", ""):gsub("^.*/", "") .. "." .. case[1]
      if not pattern or name:find(pattern, 1, true) then
        local ok2, err = xpcall(case[2], function(e) return debug.traceback(tostring(e), 2) end)
        if ok2 then
          passed = passed + 1
        else
          failed = failed + 1
          io.write("FAIL ", name, ": ", tostring(err), "\n")
        end
      end
    end
  end
end
io.write(string.format("%d passed, %d failed\n", passed, failed))
io.stdout:flush()
if failed > 0 and not KEEL_LUA then os.exit(1) end
return failed > 0 and 1 or 0
