-- crawl-report.lua: applies host summaries to the crawl-level index, and registers hosts
-- about to receive requests (so the census and the export can find them even if a worker
-- dies before its report).
-- KEYS: hosts tot sched lexp (crawl-lib.lua), one hash slot.
-- ARGV[1] report count, then the reports (13 values each), then the count of hosts to
-- register, then their names.
-- Returns the totals {pending, leased, done, failed, retired, seen, items}.
local n = tonumber(ARGV[1])
applyReports(2, n)
local at = 2 + REPORT_WIDTH * n
for k = 1, tonumber(ARGV[at]) do
  redis.call('HSETNX', HOSTS, ARGV[at + k], '0 0 0 0 0 0 0 0 0 0')
end
return redis.call('HMGET', TOT, unpack(FIELDS))
