-- host-summary.lua: reads ONE host's summary under a fresh version (the census that heals
-- the crawl-level index after a worker died between a host script and its report).
-- KEYS: the eight host keys of host-lib.lua (st q w r l d ak i), one hash slot.
-- ARGV[1] now, ARGV[2..4] default concurrency, delay, jitter.
-- Returns the summary.
return summary(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
