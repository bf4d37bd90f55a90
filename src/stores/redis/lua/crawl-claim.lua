-- crawl-claim.lua: picks the hosts a worker should lease from now, and how many requests to
-- ask each for (hosts take turns: one each, then a second each, ... up to `max`). Picked hosts
-- are held back for `hold` ms so that other workers pick other hosts meanwhile; the picking
-- worker's report of the host's lease script replaces the hold with the real ready time.
-- KEYS: hosts tot sched lexp (crawl-lib.lua), one hash slot.
-- ARGV[1] now, ARGV[2] max, ARGV[3] hold (ms), ARGV[4] report count, then the reports.
-- Returns {next (earliest ready time of a host not picked, '' when none), host, cap, ...}.
local now, max, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
applyReports(5, tonumber(ARGV[4]))
local due = redis.call('ZRANGEBYSCORE', SCHED, '-inf', ARGV[1], 'LIMIT', 0, max)
local room, caps = {}, {}
for i, host in ipairs(due) do
  local s = split(redis.call('HGET', HOSTS, host) or '')
  local pending, leased = tonumber(s[2]) or 1, tonumber(s[3]) or 0
  local conc, delay = tonumber(s[9]) or 1, tonumber(s[10]) or 0
  local r = (delay > 0) and 1 or math.min(pending, conc - leased)
  room[i], caps[i] = math.max(r, 1), 0
end
local left, progress = max, true
while left > 0 and progress do
  progress = false
  for i = 1, #due do
    if left > 0 and caps[i] < room[i] then
      caps[i], left, progress = caps[i] + 1, left - 1, true
    end
  end
end
local out = { '' }
local picked = {}
for i, host in ipairs(due) do
  if caps[i] > 0 then
    redis.call('ZADD', SCHED, now + hold, host)
    picked[host] = true
    out[#out + 1] = host
    out[#out + 1] = tostring(caps[i])
  end
end
local head = redis.call('ZRANGE', SCHED, 0, #out, 'WITHSCORES')
for k = 1, #head, 2 do
  if not picked[head[k]] then out[1] = head[k + 1]; break end
end
return out
