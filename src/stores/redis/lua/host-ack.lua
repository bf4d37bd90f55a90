-- host-ack.lua: commits a leased page of ONE host as one atomic unit: ends the lease, counts
-- the outcome, appends the page's items to the host's item stream, and pushes the children
-- that belong to this same host (seen test-and-set + push).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter, ARGV[5] page id, ARGV[6] lease
-- token, ARGV[7] 'done' | 'failed', ARGV[8] how long acked tokens are remembered (ms),
-- ARGV[9] item count, then the items (json), then the child count, then count x (fp | '', id,
-- score, json).
-- Returns {status, flags, summary...}: status 1 committed, 2 already committed by this same
-- lease (a retried call: nothing is applied twice), 0 not our lease (unknown or expired).
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id, token, kind, retain = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local nItems = tonumber(ARGV[9])
local childAt = 10 + nItems
local nChildren = tonumber(ARGV[childAt])
local held = redis.call('HGET', D, id)
if not (held and redis.call('ZSCORE', L, id) and string.match(held, ':(%d+)$') == token) then
  local status = redis.call('ZSCORE', AK, token) and '2' or '0'
  local out = summary(now, dc, dd, dj)
  table.insert(out, 1, string.rep('0', nChildren))
  table.insert(out, 1, status)
  return out
end
redis.call('ZREM', L, id)
redis.call('HDEL', R, id)
redis.call('HDEL', D, id)
redis.call('HINCRBY', ST, kind == 'done' and 'done' or 'failed', 1)
redis.call('ZADD', AK, now, token)
redis.call('ZREMRANGEBYSCORE', AK, '-inf', '(' .. fmt(now - retain))
for k = 0, nItems - 1 do redis.call('XADD', IT, '*', 'p', id, 'j', ARGV[10 + k]) end
if nItems > 0 then redis.call('HINCRBY', ST, 'items', nItems) end
local flags = pushMany(childAt + 1, nChildren)
local out = summary(now, dc, dd, dj)
table.insert(out, 1, flags)
table.insert(out, 1, '1')
return out
