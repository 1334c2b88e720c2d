-- wrk script: POST the subscribe form with a fresh address per request.
-- Environment: BENCH_ORIGIN (Origin header), BENCH_TAG (address prefix, unique per run).
-- Each wrk thread gets its own id, so addresses never repeat across threads (the per-address
-- rate limit and the resend interval would otherwise change what is measured).
local origin = os.getenv("BENCH_ORIGIN") or "http://127.0.0.1"
local tag = os.getenv("BENCH_TAG") or "bench"
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counter = 0
statuses = {}  -- global: done() reads it from each thread with thread:get

function init(args)
  wrk.method = "POST"
  wrk.headers["Origin"] = origin
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local body = "email=" .. tag .. "-" .. thread_id .. "-" .. counter ..
    "%40example.org&topics=ptsd&topics=stress&language=en&website="
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes = {}
  for _, thread in ipairs(threads) do
    -- statuses is a table in each thread's Lua state; wrk copies it back on get().
    local seen = thread:get("statuses")
    for status, n in pairs(seen) do
      codes[status] = (codes[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(codes) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ", ")))
end
