-- wrk script for the S6 directory levels: S1's request with a fresh random i_customer in
-- 1..$BENCH_ID_MAX on every call, so the ids spread over the whole directory and no cache in
-- front of it sees the same few again. The request is the first one of $BENCH_REQUESTS, its body
-- holding the marker __ID__ where the number goes. Everything else (the summary line) is
-- wrk-post.lua's, loaded from this script's own directory.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "wrk-post.lua")

local template = dofile(os.getenv("BENCH_REQUESTS"))[1]
local max = tonumber(os.getenv("BENCH_ID_MAX"))
local before, after

function init(args)
  local a, b = string.find(template.body, "__ID__", 1, true)
  before = string.sub(template.body, 1, a - 1)
  after = string.sub(template.body, b + 1)
  -- A new sequence per run: ids from an earlier run may still sit in the dispatcher's cache.
  math.randomseed(tonumber(os.getenv("BENCH_SEED")))
end

function request()
  return wrk.format("POST", template.path, template.headers, before .. math.random(1, max) .. after)
end
