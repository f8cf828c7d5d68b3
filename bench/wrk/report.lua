-- report.lua - the summary line bench/serve.sh reads, printed by wrk at the end.
--
-- Loaded by the other scripts (dofile); alone (wrk -s report.lua) it drives
-- the URL given on the command line, with the -H headers, and reports.
-- BENCH requests=N duration_us=N rps=X p50_us=N p90_us=N p99_us=N max_us=N
--       errors=N status_errors=N
-- errors counts connect, read, write and timeout errors; status_errors the
-- answers with a status above 399 (wrk's own "Non-2xx or 3xx" count).

function done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format(
		"BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d " ..
		"max_us=%d errors=%d status_errors=%d\n",
		summary.requests, summary.duration, summary.requests / secs,
		latency:percentile(50), latency:percentile(90), latency:percentile(99),
		latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
