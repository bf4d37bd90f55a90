-- crawl-lib.lua: functions shared by the crawl-level scripts; prepended to each of them.
--
-- Crawl-level scripts run inside the crawl's own hash slot: every key shares the tag {<crawl>}.
-- KEYS (the same order for every crawl script):
--   KEYS[1] hosts  HASH  host -> last reported summary
--                        "seq pending leased done failed retired seen items conc delay"
--   KEYS[2] tot    HASH  pending leased done failed retired seen items: sums of the summaries
--   KEYS[3] sched  ZSET  hosts that may have a lease to give, score = when (epoch ms)
--   KEYS[4] lexp   ZSET  hosts with open leases, score = the earliest lease expiry
-- The index only ever lags the host slots (which are the truth): a report applies only when
-- its version is newer than the one held, so reports may arrive late, twice or out of order.
local HOSTS, TOT, SCHED, LEXP = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local FIELDS = { 'pending', 'leased', 'done', 'failed', 'retired', 'seen', 'items' }
local REPORT_WIDTH = 13

local function split(s)
  local t = {}
  for v in string.gmatch(s, '%S+') do t[#t + 1] = v end
  return t
end

-- Applies `count` reports from ARGV[start]: host, then the 12 summary values of host-lib.lua.
local function applyReports(start, count)
  for k = 0, count - 1 do
    local o = start + REPORT_WIDTH * k
    local host, seq = ARGV[o], tonumber(ARGV[o + 1])
    local old = redis.call('HGET', HOSTS, host)
    local prev = old and split(old) or {}
    if seq > (tonumber(prev[1]) or -1) then
      local row = { ARGV[o + 1] }
      for f = 1, 7 do
        local v = tonumber(ARGV[o + 1 + f])
        local delta = v - (tonumber(prev[1 + f]) or 0)
        if delta ~= 0 then redis.call('HINCRBY', TOT, FIELDS[f], delta) end
        row[f + 1] = ARGV[o + 1 + f]
      end
      row[9], row[10] = ARGV[o + 9], ARGV[o + 10]
      redis.call('HSET', HOSTS, host, table.concat(row, ' '))
      local readyAt, leaseExp = tonumber(ARGV[o + 11]), tonumber(ARGV[o + 12])
      if readyAt >= 0 then redis.call('ZADD', SCHED, readyAt, host) else redis.call('ZREM', SCHED, host) end
      if leaseExp >= 0 then redis.call('ZADD', LEXP, leaseExp, host) else redis.call('ZREM', LEXP, host) end
    end
  end
end
