import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crawlForTest } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

/** Gaps in ms between consecutive request arrivals (robots.txt left out), from index `from` on. */
function startGaps(site: TestSite, since: number): number[] {
  const starts = site.log
    .slice(since)
    .filter((e) => e.path !== '/robots.txt')
    .map((e) => e.at)
    .sort((a, b) => a - b);
  return starts.slice(1).map((t, i) => t - starts[i]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The store spaces lease starts; the server sees arrivals, a few ms of loopback and robots
// look-up later. An arrival gap may therefore fall short of the delay by that much. The first
// request of a crawl also opens the connection (later ones reuse it), so the first gap may fall
// short by a connection setup on a busy machine.
const ARRIVAL_SLACK_MS = 25;
const FIRST_CONNECT_SLACK_MS = 100;

/** Asserts every gap is at least `delay`, less the slack above. */
function assertSpaced(gaps: number[], delay: number): void {
  gaps.forEach((gap, i) => {
    const slack = i === 0 ? FIRST_CONNECT_SLACK_MS : ARRIVAL_SLACK_MS;
    assert.ok(gap >= delay - slack, `gap ${i} is ${gap} ms, below ${delay} ms: ${gaps.join(', ')}`);
  });
}

describe('robots.txt crawl-delay', () => {
  let site: TestSite;
  before(async () => {
    site = await startTestSite({ pages: 30, crawlDelay: 0.3 });
  });
  after(() => site.close());

  it('spaces request starts to the host by the crawl-delay, whatever the concurrency', async () => {
    const since = site.log.length;
    const result = await crawlForTest(`${site.origin}/p/0`, { settings: { maxPages: 6, concurrency: 8, perHost: 8 } });
    assert.equal(result.reason, 'max-pages');
    const gaps = startGaps(site, since);
    assert.equal(gaps.length, 5);
    assertSpaced(gaps, 300);
    assert.ok(median(gaps) >= 300, `gaps ${gaps.join(', ')} ms`);
  });

  it('a configured delay larger than the crawl-delay wins', async () => {
    const since = site.log.length;
    await crawlForTest(`${site.origin}/p/1`, { settings: { maxPages: 4, delayMs: 450 } });
    const gaps = startGaps(site, since);
    assert.equal(gaps.length, 3);
    assertSpaced(gaps, 450);
  });
});

describe('autoThrottle', () => {
  const LATENCY = 120;
  let site: TestSite;
  before(async () => {
    site = await startTestSite({ pages: 60, latencyMs: LATENCY });
  });
  after(() => site.close());

  it('without it, a slow host still gets bursts of concurrent requests', async () => {
    const since = site.log.length;
    await crawlForTest(`${site.origin}/p/0`, { settings: { maxPages: 12, concurrency: 8, perHost: 8, ignoreRobots: true } });
    const gaps = startGaps(site, since);
    assert.ok(gaps.filter((g) => g < 30).length >= gaps.length / 2, `gaps ${gaps.join(', ')} ms`);
  });

  it('spaces request starts by the observed response time once the host has answered', async () => {
    const since = site.log.length;
    const result = await crawlForTest(`${site.origin}/p/0`, {
      settings: { maxPages: 12, concurrency: 8, perHost: 8, ignoreRobots: true, autoThrottle: true },
    });
    assert.equal(result.reason, 'max-pages');
    const gaps = startGaps(site, since);
    assert.equal(gaps.length, 11);
    // The first request has no observation yet; every start after its response waits about one response time.
    assertSpaced(gaps, LATENCY);
  });

  it('never goes below the configured delay', async () => {
    const since = site.log.length;
    await crawlForTest(`${site.origin}/p/1`, { settings: { maxPages: 4, ignoreRobots: true, autoThrottle: true, delayMs: 350 } });
    const gaps = startGaps(site, since);
    assert.equal(gaps.length, 3);
    assertSpaced(gaps, 350);
  });
});
