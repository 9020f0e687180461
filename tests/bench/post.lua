-- wrk script for make bench: one relayed JSON POST (or, with BENCH_METHOD
-- GET, the same headers without a body), repeated.
-- The body (about 1 KB) and the relay key come from the driver
-- (tests/bench/bench_wrk.c) in BENCH_BODY and BENCH_KEY, so wrk and the
-- FastCGI client under callgrind send the same request.  Besides the
-- headers the relay forwards, it carries some the relay must drop
-- (cookie, forwarding, user agent), so the header filter does its work.

wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/embeddings"
-- The same request without a body, for GET /health.
if wrk.method == "POST" then
   wrk.body = os.getenv("BENCH_BODY") or "{}"
end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
wrk.headers["OpenAI-Beta"] = "assistants=v2"
wrk.headers["User-Agent"] = "OpenAI/Python 1.54.0"
wrk.headers["X-Forwarded-For"] = "198.51.100.7"
wrk.headers["Cookie"] = "session=not-for-upstream"

-- One machine-readable line for the driver; latency is in microseconds.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d errors=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.duration,
      e.connect + e.read + e.write + e.timeout + e.status,
      latency:percentile(50), latency:percentile(99)))
end
