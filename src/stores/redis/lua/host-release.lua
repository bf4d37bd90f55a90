-- host-release.lua: gives a leased request of ONE host back, ready again at retryAt; its
-- delivery count is kept.
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter, ARGV[5] id, ARGV[6] lease token,
-- ARGV[7] retryAt (epoch ms).
-- Returns {status (1 released, 0 not our lease), summary...}.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id, token, retryAt = ARGV[5], ARGV[6], ARGV[7]
local held = redis.call('HGET', D, id)
local status = '0'
if held and redis.call('ZSCORE', L, id) and string.match(held, ':(%d+)$') == token then
  redis.call('ZREM', L, id)
  redis.call('HSET', D, id, string.match(held, '^(%d+)'))
  redis.call('ZADD', W, retryAt, id)
  status = '1'
end
local out = summary(now, dc, dd, dj)
table.insert(out, 1, status)
return out
