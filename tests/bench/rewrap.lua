-- SPDX-License-Identifier: ISC
--
-- wrk script for bench_rewrap.sh: PUT transit/rewrap (the path comes from
-- wrk's URL) of a prepared batch body, read from the file named by
-- REWRAP_BODY, with the zone token from ESCROW_TOKEN in X-Vault-Token.  A
-- batch answers 200 only when every item succeeded, so every answer that
-- is not 200 is counted; done() prints, for the calling script,
--   bench: non200 N
--   bench: p99_us N      (99th percentile latency, microseconds)
--   bench: first_bad STATUS BODY...   (only when N > 0)

local path = os.getenv("REWRAP_BODY")
local f = path and io.open(path, "rb")
if not f then
	error("rewrap.lua: REWRAP_BODY does not name a readable file")
end
wrk.method = "PUT"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Vault-Token"] = os.getenv("ESCROW_TOKEN") or ""

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
