-- SPDX-License-Identifier: ISC
--
-- wrk script for bench_transit.sh: PUT transit/encrypt of one fixed
-- 64-byte plaintext (the path comes from wrk's URL), with the zone token
-- from the environment (ESCROW_TOKEN) in X-Vault-Token.  Every answer
-- that is not 200 is counted; done() prints, for the calling script,
--   bench: non200 N
--   bench: p99_us N      (99th percentile latency, microseconds)
--   bench: first_bad STATUS BODY...   (only when N > 0)

-- "txn 000042 debit 1250.00 EUR acct DE89370400440532013000 ref bnc",
-- 64 bytes; bench_transit.sh reads this line for its first request.
local plaintext = "dHhuIDAwMDA0MiBkZWJpdCAxMjUwLjAwIEVVUiBhY2N0IERFODkzNzA0MDA0NDA1MzIwMTMwMDAgcmVmIGJuYw=="

wrk.method = "PUT"
wrk.body = '{"plaintext":"' .. plaintext .. '"}'
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
