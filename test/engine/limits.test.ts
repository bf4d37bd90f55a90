import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crawlForTest } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe('limits against a hostile server', () => {
  let site: TestSite;
  before(async () => {
    site = await startTestSite({ pages: 4, hostile: true });
  });
  after(() => site.close());

  it('stops an endless body, a gzip bomb, a slow drip and a redirect loop, and the crawl completes', async () => {
    const rssBefore = process.memoryUsage.rss();
    const started = Date.now();
    const result = await crawlForTest(`${site.origin}/`, {
      settings: { maxBodyBytes: 1024 * 1024, totalTimeoutMs: 3000, idleTimeoutMs: 2000, retries: 0, maxRedirects: 3 },
    });
    assert.equal(result.reason, 'finished');
    assert.ok(Date.now() - started < 15_000, 'the slow drip costs one total timeout, not the crawl');
    const codes = result.stats.errorsByCode;
    assert.equal(codes.SF_FETCH_BODY_TOO_LARGE, 2, JSON.stringify(codes)); // endless body and gzip bomb
    assert.equal(codes.SF_FETCH_TOTAL_TIMEOUT, 1, JSON.stringify(codes)); // slow drip
    assert.equal(codes.SF_FETCH_TOO_MANY_REDIRECTS, 1, JSON.stringify(codes)); // /chain/0 → … → /chain/3
    // The redirect loop ends in the seen set: /loop/a → /loop/b → /loop/a is a duplicate.
    assert.equal(site.hits('/loop/a'), 1);
    assert.equal(site.hits('/loop/b'), 1);
    for (const p of ['/endless', '/bomb', '/slow']) assert.equal(site.hits(p), 1);
    for (const p of ['/p/0', '/p/1', '/p/2', '/p/3']) assert.equal(site.hits(p), 1, `${p} still crawled`);
    // A 64 MiB bomb and an endless body cost at most a few MiB each.
    assert.ok(process.memoryUsage.rss() - rssBefore < 150 * 1024 * 1024);
  });
});
