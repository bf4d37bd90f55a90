-- host-lease.lua: leases up to `cap` requests of ONE host, honouring its politeness: fewer
-- than `concurrency` leases open, and `delay` (+ jitter drawn at the last start) between starts.
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter, ARGV[5] cap, ARGV[6] leaseMs,
-- ARGV[7] a random number in [0, 1) for the jitter of this call's starts.
-- Returns {summary (12 values), then per lease: id, request json, deliveries, token}.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cap, leaseMs, rand = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
promote(now)
local conc, delay, jitter = policy(dc, dd, dj)
local s = redis.call('HMGET', ST, 'last', 'jit')
local last, jit = tonumber(s[1]) or 0, tonumber(s[2]) or 0
local leased = redis.call('ZCARD', L)
local got = {}
local k = 0
while k < cap and leased < conc and now >= last + delay + jit do
  local top = redis.call('ZRANGE', Q, 0, 0)[1]
  if not top then break end
  redis.call('ZREM', Q, top)
  local id = string.sub(top, 13)
  local stored = redis.call('HGET', R, id)
  if stored then
    local json = string.sub(stored, #scoreOf(stored) + 2)
    local deliveries = (tonumber(string.match(redis.call('HGET', D, id) or '', '^(%d+)')) or 0) + 1
    local tok = redis.call('HINCRBY', ST, 'tok', 1)
    redis.call('HSET', D, id, deliveries .. ':' .. tok)
    redis.call('ZADD', L, now + leaseMs, id)
    last, jit = now, math.floor(rand * jitter)
    leased = leased + 1
    k = k + 1
    got[#got + 1] = id
    got[#got + 1] = json
    got[#got + 1] = tostring(deliveries)
    got[#got + 1] = tostring(tok)
  end
end
if k > 0 then redis.call('HSET', ST, 'last', fmt(last), 'jit', jit) end
local out = summary(now, dc, dd, dj)
-- A host that stays ready goes behind hosts that were ready before it: hosts take turns.
if k > 0 and tonumber(out[11]) >= 0 and tonumber(out[11]) <= now then out[11] = fmt(now + 0.5) end
for _, v in ipairs(got) do out[#out + 1] = v end
return out
