-- wrk script: POSTs a fixed set of pre-formatted requests in turn (formatted once in init, so the
-- load generator spends no Lua time per request), and prints one JSON summary line at the end.
-- The requests come from the Lua table file named by $BENCH_REQUESTS (written by bench/wrk.ts).
local spec = dofile(os.getenv("BENCH_REQUESTS"))
local reqs = {}
local n = 0
local i = 0

function init(args)
  for k, r in ipairs(spec) do
    reqs[k] = wrk.format("POST", r.path, r.headers, r.body)
  end
  n = #reqs
end

function request()
  i = i % n + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
