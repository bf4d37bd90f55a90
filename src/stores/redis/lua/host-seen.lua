-- host-seen.lua: seen test-and-set only, no push (Store.seen: imports, exports, benchmarks).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter, ARGV[5] count, then count
-- fingerprints (at least 20 hex digits each; the first 80 bits are kept).
-- Returns {flags ("1" new / "0" seen before, one per fingerprint), summary...}.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local flags = {}
for k = 1, tonumber(ARGV[5]) do flags[k] = seenAdd(ARGV[5 + k]) and '1' or '0' end
local out = summary(now, dc, dd, dj)
table.insert(out, 1, table.concat(flags))
return out
