-- host-push.lua: seen test-and-set and push of requests of ONE host, atomically (enqueue, and
-- the children of a committed page that belong to another host).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now (epoch ms), ARGV[2..4] default concurrency, delay, jitter,
-- ARGV[5] count, then count x (fp | '' for dontFilter, id, score, request json).
-- Returns {flags ("1" pushed / "0" already seen, one per request), summary...}.
-- Idempotent: a retry finds the requests seen and pushes nothing twice.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local flags = pushMany(6, tonumber(ARGV[5]))
local out = summary(now, dc, dd, dj)
table.insert(out, 1, flags)
return out
