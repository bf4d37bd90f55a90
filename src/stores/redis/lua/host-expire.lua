-- host-expire.lua: returns the expired leases of ONE host (expiresAt < now) to its queue;
-- a request that has reached maxDeliveries is retired instead (counted, dropped, still seen).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter, ARGV[5] maxDeliveries,
-- ARGV[6] most leases to handle in this call.
-- Returns {returned, retired, summary...}.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local maxDeliveries, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local due = redis.call('ZRANGEBYSCORE', L, '-inf', '(' .. fmt(now), 'LIMIT', 0, limit)
local returned, retired = 0, 0
for _, id in ipairs(due) do
  redis.call('ZREM', L, id)
  local deliveries = tonumber(string.match(redis.call('HGET', D, id) or '', '^(%d+)')) or 0
  local stored = redis.call('HGET', R, id)
  if deliveries >= maxDeliveries or not stored then
    redis.call('HDEL', R, id)
    redis.call('HDEL', D, id)
    redis.call('HINCRBY', ST, 'retired', 1)
    retired = retired + 1
  else
    redis.call('HSET', D, id, deliveries)
    enqueueId(id, scoreOf(stored))
    returned = returned + 1
  end
end
local out = summary(now, dc, dd, dj)
table.insert(out, 1, tostring(retired))
table.insert(out, 1, tostring(returned))
return out
