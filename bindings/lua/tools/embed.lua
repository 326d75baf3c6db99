-- embed.lua IN OUT NAME: writes a C file defining 'const char NAME[]' (the
-- bytes of IN) and 'const unsigned long NAME_len', so keel-lua can preload
-- keel.lua without finding it on disk.
local src, out, name = arg[1], arg[2], arg[3]
local f = assert(io.open(src, "rb")); local data = f:read("a"); f:close()
local parts = {"/* generated from " .. src:match("[^/]*$") .. " by tools/embed.lua: do not edit */\n",
  "const char " .. name .. "[] = {\n"}
for i = 1, #data, 16 do
  local row = {}
  for j = i, math.min(i + 15, #data) do row[#row + 1] = string.format("%d,", data:byte(j)) end
  parts[#parts + 1] = table.concat(row) .. "\n"
end
parts[#parts + 1] = "0};\nconst unsigned long " .. name .. "_len = " .. #data .. ";\n"
local o = assert(io.open(out, "wb")); o:write(table.concat(parts)); o:close()
