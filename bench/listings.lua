-- wrk script: every request is a path picked at random from a file of listing searches
-- (one per line, made by bench/listing_paths.py), so both servers get the same mix.
--   wrk -t2 -c32 -d20s --latency -s bench/listings.lua http://127.0.0.1:8000 -- paths.txt
-- At the end it prints one line "BENCH_JSON {...}" for bench/run_listings.py to read.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local paths = {}

function init(args)
  local file = assert(io.open(args[1], "r"), "no paths file: pass it after --")
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  -- A fixed seed per thread: both servers are sent the same sequence of paths.
  math.randomseed(1000 + (thread_number or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
