import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { adaptSpider } from '../../src/engine/adapt-spider.ts';
import { createLogger } from '../../src/engine/logger.ts';
import { runCrawl } from '../../src/engine/run-crawl.ts';
import { genericSpider } from '../../src/spider/generic-spider.ts';
import { tempDir } from '../helpers/crawl-helpers.ts';

const tmp = tempDir();
let runs = 0;

/** A site whose robots.txt answers 503 `failures` times, then 200 (allow all); pages link /a → /b. */
async function flakyRobotsSite(failures: number) {
  const log: { path: string; status: number; at: number }[] = [];
  let robotsHits = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/robots.txt') {
      robotsHits++;
      const status = robotsHits <= failures ? 503 : 200;
      log.push({ path, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'User-agent: *\nAllow: /\n' : 'try later');
      return;
    }
    log.push({ path, status: 200, at: Date.now() });
    const next = path === '/' ? '<a href="/a">a</a>' : path === '/a' ? '<a href="/b">b</a>' : '';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<title>${path}</title>${next}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    log,
    hits: (p: string) => log.filter((e) => e.path === p).length,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function crawl(origin: string, robots: { unreachableRetryMs: number; unreachableWaits: number }) {
  const config = parseConfig({ store: 'memory', output: join(tmp.dir, `items-${++runs}.jsonl`), retryBaseMs: 20 }, {});
  const lines: string[] = [];
  const result = await runCrawl({
    config,
    spider: adaptSpider(genericSpider([`${origin}/`]), config),
    logger: createLogger('warn', { write: (s: string) => lines.push(s) }),
    progress: false,
    robots,
  });
  return { result, lines };
}

describe('an unreachable robots.txt', () => {
  const sites: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of sites) await s.close();
    tmp.cleanup();
  });

  it('holds the origin\'s requests until robots.txt answers, then crawls everything', async () => {
    const site = await flakyRobotsSite(2);
    sites.push(site);
    const started = Date.now();
    const { result } = await crawl(site.origin, { unreachableRetryMs: 150, unreachableWaits: 3 });
    assert.equal(result.reason, 'finished');
    assert.equal(site.hits('/robots.txt'), 3, 'fetched again after each unreachable period');
    for (const p of ['/', '/a', '/b']) assert.equal(site.hits(p), 1, p);
    // Nothing was fetched while robots.txt was unreachable.
    const firstOk = site.log.find((e) => e.path === '/robots.txt' && e.status === 200);
    assert.ok(firstOk && site.log.filter((e) => e.path !== '/robots.txt').every((e) => e.at >= firstOk.at));
    assert.ok(Date.now() - started >= 2 * 150 - 20);
    assert.equal(result.stats.robotsBlocked, 0);
    assert.equal(result.stats.failed, 0);
    assert.equal(result.stats.retries, 2, 'two waits for the one start request');
    assert.equal(result.stats.items, 3);
  });

  it('fails the requests with SF_ROBOTS_DISALLOWED after the allowed waits, counted', async () => {
    const site = await flakyRobotsSite(1_000);
    sites.push(site);
    const { result } = await crawl(site.origin, { unreachableRetryMs: 100, unreachableWaits: 2 });
    assert.equal(result.reason, 'finished');
    assert.equal(site.hits('/'), 0, 'never fetched');
    assert.equal(site.hits('/robots.txt'), 3, 'the first fetch and one per wait');
    assert.equal(result.stats.robotsBlocked, 1);
    assert.equal(result.stats.robotsUnreachable, 1);
    assert.equal(result.stats.failed, 1);
    assert.deepEqual(result.stats.errorsByCode, { SF_ROBOTS_DISALLOWED: 1 });
    assert.equal(result.stats.retries, 2);
  });

  it('with no waits allowed, fails at once (RFC 9309 complete disallow)', async () => {
    const site = await flakyRobotsSite(1_000);
    sites.push(site);
    const { result } = await crawl(site.origin, { unreachableRetryMs: 60_000, unreachableWaits: 0 });
    assert.equal(site.hits('/robots.txt'), 1);
    assert.equal(site.hits('/'), 0);
    assert.equal(result.stats.errorsByCode.SF_ROBOTS_DISALLOWED, 1);
  });
});
