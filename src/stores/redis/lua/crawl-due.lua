-- crawl-due.lua: lists hosts holding leases that expired before `now` (for expireLeases), and
-- holds them back for `hold` ms so that workers expiring at the same time split the work.
-- KEYS: hosts tot sched lexp (crawl-lib.lua), one hash slot.
-- ARGV[1] now, ARGV[2] most hosts, ARGV[3] hold (ms), ARGV[4] report count, then the reports.
-- Returns the host names.
local now, limit, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
applyReports(5, tonumber(ARGV[4]))
local due = redis.call('ZRANGEBYSCORE', LEXP, '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit)
for _, host in ipairs(due) do redis.call('ZADD', LEXP, now + hold, host) end
return due
