/**
 * A worker that finds every host busy must not sleep past what another worker can change.
 * Worker A holds a host's only concurrency slot with a long lease; worker B (a real crawl run
 * in this process) asks for work and is told by the store to ask again at A's lease expiry,
 * which is right by the store contract. B cannot be woken by A's commit (another process), so
 * the engine must poll a shared store soon instead: once A commits, B fetches the second page
 * and finishes within seconds, not at A's lease expiry (leaseMs later).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { adaptSpider } from '../../src/engine/adapt-spider.ts';
import type { Crawler } from '../../src/engine/crawler.ts';
import { createLogger } from '../../src/engine/logger.ts';
import { type RunCrawlResult, runCrawl } from '../../src/engine/run-crawl.ts';
import { genericSpider } from '../../src/spider/generic-spider.ts';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';
import { makeRequest } from '../stores/conformance.ts';
import { SHARED_REDIS_URL, uniqueCrawl } from '../stores/redis-helpers.ts';
import { adminClient, deleteFleetCrawl } from './helpers/fleet-workers.ts';

const REDIS = `${SHARED_REDIS_URL}/0`;
const LEASE_MS = 120_000;
/** B must be done this soon after A's commit (the claim hold is 2 s, the poll 0.5 s). */
const DONE_WITHIN_MS = 8_000;

describe('fleet: a worker facing a host busy in another worker', () => {
  let site: TestSite;
  const crawl = uniqueCrawl('fleetwake');
  const admin = adminClient(REDIS);
  const storeOptions = { url: REDIS, crawl, hostPolicy: { concurrency: 1, delayMs: 0 }, maxDeliveries: 3, log: () => {} };
  const a = new RedisStore(storeOptions);

  before(async () => {
    site = await startTestSite({ pages: 10 });
  });

  after(async () => {
    await a.close();
    await deleteFleetCrawl(admin, crawl);
    admin.disconnect();
    await site.close();
  });

  it('takes the host up soon after the other worker commits, not at its lease expiry', { timeout: 60_000 }, async () => {
    await a.open();
    const first = `${site.origin}/p/1`;
    const second = `${site.origin}/p/2`;
    await a.enqueue([makeRequest(first), makeRequest(second)]);
    const held = await a.lease({ max: 4, now: Date.now(), leaseMs: LEASE_MS, owner: 'a' });
    assert.equal(held.leases.length, 1, 'the host allows one lease at a time');

    // Past A's claim hold, once A's report of the busy host has reached the crawl index.
    await new Promise((r) => setTimeout(r, 2_200));
    const config = parseConfig(
      { store: 'redis', redis: REDIS, crawlName: crawl, perHost: 1, concurrency: 4, leaseMs: LEASE_MS, ignoreRobots: true, maxDeliveries: 3 },
      {},
    );
    let crawler: Crawler | undefined;
    const run: Promise<RunCrawlResult> = runCrawl({
      config,
      spider: adaptSpider(genericSpider([first]), config),
      store: new RedisStore({ ...storeOptions, hostPolicy: { concurrency: 1, delayMs: 0 } }),
      logger: createLogger('error', { write: () => {} }),
      progress: false,
      onCrawler: (c) => {
        crawler = c;
      },
    });

    // B has asked, found the host busy and gone to sleep; then A's page is done.
    await new Promise((r) => setTimeout(r, 1_500));
    const before = site.log.length;
    await a.commit({ id: held.leases[0].request.id, deliveries: held.leases[0].deliveries, result: { kind: 'done', status: 200 }, children: [], items: [] });
    const committedAt = Date.now();

    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), DONE_WITHIN_MS);
    });
    const outcome = await Promise.race([run, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      crawler?.stop('abort');
      await run;
      assert.fail(`worker B still idle ${DONE_WITHIN_MS} ms after the busy host was freed (its lease hint: ${LEASE_MS} ms)`);
    }
    assert.equal(outcome.reason, 'finished');
    assert.ok(Date.now() - committedAt < DONE_WITHIN_MS);
    assert.deepEqual(
      site.log.slice(before).map((e) => e.path),
      ['/p/2'],
      'B fetched the second page, once',
    );
  });
});
