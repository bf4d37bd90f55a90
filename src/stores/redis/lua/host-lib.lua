-- host-lib.lua: functions shared by every host-slot script; prepended to each of them at load.
--
-- Every host script runs inside ONE host's hash slot: all keys below share the tag
-- {<crawl>|<host>}. KEYS (the same order for every host script):
--   KEYS[1] st  HASH   host state: L S n (seen set shape and size), seq (summary version),
--                      fifo, tok (counters), last jit (politeness clock), pc pd pj (policy
--                      overrides), done failed retired items (cumulative counts)
--   KEYS[2] q   ZSET   ready requests: score = -priority*2^20 + depth, member = fifo(12 hex)..id
--   KEYS[3] w   ZSET   released requests waiting for their retry time: member id, score retryAt
--   KEYS[4] r   HASH   id -> "<score> <request json>" for every pending or leased request
--   KEYS[5] l   ZSET   open leases: member id, score expiresAt
--   KEYS[6] d   HASH   id -> "<deliveries>" or "<deliveries>:<lease token>" while leased
--   KEYS[7] ak  ZSET   lease tokens acked recently (idempotent commit retries), score = ack time
--   KEYS[8] i   STREAM items of committed pages: fields p (page id), j (item json)
-- Seen buckets <base>s:<level>:<prefix> are HASHes derived from KEYS[1] (same tag, same slot).
local ST, Q, W, R, L, D, AK, IT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local BASE = string.sub(ST, 1, -3)
-- Average entries per seen bucket before the next bucket splits (linear hashing).
local SEEN_LOAD = 160

local function fmt(x) return string.format('%.17g', x) end

local function fpBytes(hex)
  local b = {}
  for i = 1, 10 do b[i] = tonumber(string.sub(hex, 2 * i - 1, 2 * i), 16) end
  return b
end

-- Bits [offset, offset + nbits) of the byte table b, packed MSB first, zero padded.
local function shiftBits(b, offset, nbits)
  local nb = math.ceil(nbits / 8)
  local byte0 = math.floor(offset / 8)
  local r = offset % 8
  local out = {}
  for k = 1, nb do
    local hi = b[byte0 + k] or 0
    local lo = b[byte0 + k + 1] or 0
    out[k] = (hi * 2 ^ r + math.floor(lo / 2 ^ (8 - r))) % 256
  end
  local pad = nb * 8 - nbits
  if pad > 0 then out[nb] = out[nb] - out[nb] % (2 ^ pad) end
  return string.char(unpack(out))
end

-- The top l bits of b as a number.
local function prefixOf(b, l)
  local v = 0
  local full = math.floor(l / 8)
  for i = 1, full do v = v * 256 + b[i] end
  local rem = l - full * 8
  if rem > 0 then v = v * 2 ^ rem + math.floor(b[full + 1] / 2 ^ (8 - rem)) end
  return v
end

local function bucketKey(level, p) return BASE .. 's:' .. level .. ':' .. fmt(p) end

-- Splits bucket (level, s) into (level+1, 2s) and (level+1, 2s+1). A field at level l holds
-- fingerprint bits [l, 80); its first bit picks the half, the rest is the field one level down.
local function splitBucket(level, s)
  local old = bucketKey(level, s)
  local k0, k1 = bucketKey(level + 1, 2 * s), bucketKey(level + 1, 2 * s + 1)
  local fields = redis.call('HKEYS', old)
  for _, f in ipairs(fields) do
    local fb = { string.byte(f, 1, -1) }
    local target = (fb[1] >= 128) and k1 or k0
    redis.call('HSET', target, shiftBits(fb, 1, 79 - level), '1')
  end
  redis.call('DEL', old)
end

-- Seen test-and-set of one fingerprint (the first 20 hex digits = 80 bits are kept).
local function seenAdd(hex)
  local b = fpBytes(hex)
  local st = redis.call('HMGET', ST, 'L', 'S')
  local lv, sv = tonumber(st[1]) or 0, tonumber(st[2]) or 0
  local level, p = lv, prefixOf(b, lv)
  if p < sv then level, p = lv + 1, prefixOf(b, lv + 1) end
  if redis.call('HSETNX', bucketKey(level, p), shiftBits(b, level, 80 - level), '1') == 0 then return false end
  local n = redis.call('HINCRBY', ST, 'n', 1)
  if n > SEEN_LOAD * (2 ^ lv + sv) then
    splitBucket(lv, sv)
    sv = sv + 1
    if sv >= 2 ^ lv then lv, sv = lv + 1, 0 end
    redis.call('HSET', ST, 'L', lv, 'S', sv)
  end
  return true
end

-- Queues request id (already in r or about to be) at the back of its score class.
local function enqueueId(id, score)
  local fifo = redis.call('HINCRBY', ST, 'fifo', 1)
  redis.call('ZADD', Q, score, string.format('%012x', fifo) .. id)
end

-- Seen test-and-set (unless fp is '') and push; true when pushed.
local function pushOne(fp, id, score, json)
  if fp ~= '' then
    if not seenAdd(fp) then return false end
  elseif redis.call('HEXISTS', R, id) == 1 then
    return false
  end
  redis.call('HSET', R, id, score .. ' ' .. json)
  enqueueId(id, score)
  return true
end

-- Pushes `count` requests given as (fp, id, score, json) from ARGV[start]; returns "0"/"1" flags.
local function pushMany(start, count)
  local flags = {}
  for k = 0, count - 1 do
    local o = start + 4 * k
    flags[k + 1] = pushOne(ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3]) and '1' or '0'
  end
  return table.concat(flags)
end

local function scoreOf(stored) return string.match(stored, '^(%S+) ') end

-- Effective politeness: the host's overrides, else the defaults dc dd dj.
local function policy(dc, dd, dj)
  local p = redis.call('HMGET', ST, 'pc', 'pd', 'pj')
  return tonumber(p[1]) or dc, tonumber(p[2]) or dd, tonumber(p[3]) or dj
end

-- Moves released requests whose retry time has come into the ready queue.
local function promote(now)
  local due = redis.call('ZRANGEBYSCORE', W, '-inf', now)
  for _, id in ipairs(due) do
    redis.call('ZREM', W, id)
    local stored = redis.call('HGET', R, id)
    if stored then enqueueId(id, scoreOf(stored)) end
  end
end

-- The host's summary for the crawl-level index, under a fresh version number:
-- {seq, pending, leased, done, failed, retired, seen, items, conc, delay, readyAt, leaseExp}
-- readyAt: when a lease could next start (-1: nothing pending); leaseExp: earliest lease expiry.
local function summary(now, dc, dd, dj)
  local conc, delay = policy(dc, dd, dj)
  local s = redis.call('HMGET', ST, 'n', 'done', 'failed', 'retired', 'items', 'last', 'jit')
  local queued, waiting, leased = redis.call('ZCARD', Q), redis.call('ZCARD', W), redis.call('ZCARD', L)
  local pending = queued + waiting
  local leaseExp = -1
  if leased > 0 then leaseExp = tonumber(redis.call('ZRANGE', L, 0, 0, 'WITHSCORES')[2]) end
  local readyAt = -1
  if pending > 0 then
    if leased >= conc then
      readyAt = leaseExp
      if now > 0 and readyAt <= now then readyAt = now + 250 end
    else
      readyAt = (tonumber(s[6]) or 0) + delay + (tonumber(s[7]) or 0)
      if queued == 0 then
        local first = tonumber(redis.call('ZRANGE', W, 0, 0, 'WITHSCORES')[2])
        if first > readyAt then readyAt = first end
      end
    end
  end
  local seq = redis.call('HINCRBY', ST, 'seq', 1)
  return { tostring(seq), tostring(pending), tostring(leased), s[2] or '0', s[3] or '0', s[4] or '0', s[1] or '0',
    s[5] or '0', tostring(conc), tostring(delay), fmt(readyAt), fmt(leaseExp) }
end
