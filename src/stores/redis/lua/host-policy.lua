-- host-policy.lua: sets ONE host's politeness overrides ('' leaves a field as it is).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now (0: unknown), ARGV[2..4] default concurrency, delay, jitter,
-- ARGV[5] concurrency | '', ARGV[6] delayMs | '', ARGV[7] jitterMs | ''.
-- Returns the summary.
local now, dc, dd, dj = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local names = { 'pc', 'pd', 'pj' }
for k = 1, 3 do
  if ARGV[4 + k] ~= '' then redis.call('HSET', ST, names[k], ARGV[4 + k]) end
end
return summary(now, dc, dd, dj)
