-- SPDX-License-Identifier: ISC
--
-- Loaded by the wrk scripts of tests/bench/ (path in BENCH_LUA_LIB): counts
-- every answer that is not 200, keeping the first one, and prints for the
-- calling script "bench: non200 N", "bench: p99_us N" and, when there was
-- one, "bench: first_bad STATUS BODY".

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	non200 = 0
	first_bad = ""
end

function response(status, headers, body)
	if status ~= 200 then
		non200 = non200 + 1
		if first_bad == "" then
			first_bad = status .. " " .. string.sub(body or "", 1, 200)
		end
	end
end

function done(summary, latency, requests)
	local n, bad = 0, ""
	for _, t in ipairs(threads) do
		n = n + t:get("non200")
		if bad == "" then
			bad = t:get("first_bad")
		end
	end
	io.write(string.format("bench: non200 %d\n", n))
	io.write(string.format("bench: p99_us %d\n", latency:percentile(99)))
	if n > 0 then
		io.write("bench: first_bad " .. bad .. "\n")
	end
end
