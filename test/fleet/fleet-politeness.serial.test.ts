/**
 * Politeness is global: four worker processes with a 200 ms per-host delay crawl a 3-host
 * site; the server, timing arrivals itself, must never see two page requests to one host
 * closer than the delay (a few ms of tolerance for clock granularity), and the whole crawl
 * must still be fetched exactly once. The workers run with `politenessSlackMs` set for a loaded
 * machine; without the slack and hold-backs (`politenessSlackMs=0`) gaps of 6-90 ms were seen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { SHARED_REDIS_URL, uniqueCrawl } from '../stores/redis-helpers.ts';
import { type FleetSite, minGaps, startFleetSite } from './helpers/fleet-site.ts';
import { adminClient, deleteFleetCrawl, notExactlyOnce, startWorkers, stopAll, type Worker, waitAllOrStall } from './helpers/fleet-workers.ts';

const REDIS = `${SHARED_REDIS_URL}/0`;
const DELAY_MS = 200;
const TOLERANCE_MS = 5;
// The guarantee holds while the time from the fetch call to the server varies by less than half
// the slack (docs/crawling.md). On this 2-core test machine, with tests in parallel (load average
// 7-9), that time was measured at up to ~140 ms (connection setup in the worker, scheduling of
// the site's process), far more than half the 25 ms default; so the workers run with the slack
// such a machine needs. No worker dies here, so `maxDeliveries` is raised: a request may then be
// held back as often as the load makes it late, instead of being fetched late once hold-backs
// would bring it near retirement. The assertion is the guarantee itself, unchanged.
const SLACK_MS = 400;

describe('fleet: per-host politeness across workers', () => {
  let site: FleetSite;
  let workers: Worker[] = [];
  const tmp = tempDir('sf-fleet-polite-');
  const crawl = uniqueCrawl('fleetpolite');
  const admin = adminClient(REDIS);

  before(async () => {
    site = await startFleetSite({ pages: 60, hosts: 3, fanout: 3 });
  });

  after(async () => {
    stopAll(workers);
    await deleteFleetCrawl(admin, crawl);
    admin.disconnect();
    await site.close();
    tmp.cleanup();
  });

  it(`keeps ${DELAY_MS} ms between requests to one host with 4 workers`, { timeout: 90_000 }, async () => {
    workers = startWorkers({ count: 4, site, redis: REDIS, crawl, dir: tmp.dir, args: ['--concurrency', '8', '--delay', String(DELAY_MS), '--set', `politenessSlackMs=${SLACK_MS}`, '--set', 'maxDeliveries=20'] });
    const { exits, stalled } = await waitAllOrStall(workers, site);
    assert.deepEqual(stalled, [], 'workers still running 15 s after the last request to the site');
    for (const [i, e] of exits.entries()) assert.equal(e.code, 0, `worker ${i} exited ${e.code}: ${e.stderr}`);
    const bad = notExactlyOnce(site.expected, site.counts());
    assert.deepEqual(bad, []);

    const pages = site.log.filter((e) => e.path !== '/robots.txt');
    const uas = new Set(pages.map((e) => e.ua));
    assert.ok(uas.size >= 2, `several workers fetched (${[...uas].join(', ')})`);
    const gaps = minGaps(pages);
    assert.equal(gaps.size, 3);
    for (const [host, g] of gaps) {
      assert.ok(g.gaps >= 15, `${host}: ${g.gaps} gaps`);
      assert.ok(g.min >= DELAY_MS - TOLERANCE_MS, `${host}: two requests ${g.min.toFixed(1)} ms apart (delay ${DELAY_MS} ms): ${g.pair.join(' then ')}`);
    }
  });
});
