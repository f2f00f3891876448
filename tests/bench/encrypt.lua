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

-- The counting of non-200 answers and the report are shared.
dofile(os.getenv("BENCH_LUA_LIB") or "tests/bench/lib/count.lua")
