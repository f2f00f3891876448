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

-- The counting of non-200 answers and the report are shared.
dofile(os.getenv("BENCH_LUA_LIB") or "tests/bench/lib/count.lua")
