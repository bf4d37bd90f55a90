import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, waitFor } from '../helpers/cli-process.ts';
import { readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe('superfilter crawl (CLI)', () => {
  let site: TestSite;
  const tmp = tempDir();
  before(async () => {
    site = await startTestSite({ pages: 400, latencyMs: 100 });
  });
  after(async () => {
    await site.close();
    tmp.cleanup();
  });

  it('exits 2 with a clear message on bad arguments', async () => {
    const cases: [string[], RegExp][] = [
      [['crawl', 'http://127.0.0.1:1/', '--concurrency', 'lots', '--store', 'memory'], /concurrency.*expected a number/],
      [['crawl', 'http://127.0.0.1:1/', '--scope', 'planet'], /planet/],
      [['crawl', './no-such-spider.ts'], /neither an http\(s\) URL nor an existing spider file/],
      [['crawl', 'ftp://example.com/'], /only http and https/],
      [['crawl', 'http://127.0.0.1:1/', '--resolve', 'nonsense', '--store', 'memory'], /--resolve "nonsense"/],
      [['crawl'], /missing required argument/],
      [['crawl', 'http://127.0.0.1:1/', '--no-such-flag'], /unknown option/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args).done));
    cases.forEach(([args, message], i) => {
      const { code, stderr } = runs[i];
      assert.equal(code, 2, `${args.join(' ')} → ${code}: ${stderr}`);
      assert.match(stderr, message);
    });
  });

  it('crawls a URL to a CSV feed and writes --stats-json', async () => {
    const out = join(tmp.dir, 'small.csv');
    const stats = join(tmp.dir, 'stats.json');
    const { code, stderr } = await cli([
      'crawl', `${site.origin}/p/100`, '-o', out, '--stats-json', stats, '--store', 'memory', '--max-pages', '5', '--no-progress',
    ]).done;
    assert.equal(code, 0, stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines[0], 'url,status,title,depth');
    assert.ok(lines.length >= 2 && lines.length <= 6);
    assert.equal(lines[1], `${site.origin}/p/100,200,Page 100,0`);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    assert.equal(s.finishReason, 'max-pages');
    assert.equal(s.items, lines.length - 1);
  });

  it('stops gracefully on one SIGINT: exit 0, every line complete, in-flight pages committed', async () => {
    const out = join(tmp.dir, 'graceful.jsonl');
    const stats = join(tmp.dir, 'graceful-stats.json');
    const run = cli(['crawl', `${site.origin}/`, '-o', out, '--stats-json', stats, '--store', 'memory', '--concurrency', '8', '--no-progress']);
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 20, 15_000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const items = readJsonLines(out);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    assert.equal(s.finishReason, 'stopped');
    assert.equal(items.length, s.items);
    assert.ok(items.length < 400, 'stopped before the end');
    // Every response the server sent a page for (after robots.txt) became an item: nothing in flight was dropped.
    const served = site.log.filter((e) => e.status === 200 && e.path !== '/robots.txt' && e.at >= Date.parse(s.startedAt)).length;
    assert.ok(items.length >= served - 1, `items ${items.length}, pages served ${served}`);
  });

  it('aborts on a second SIGINT: exit 130 and no torn line', async () => {
    const out = join(tmp.dir, 'abort.jsonl');
    const run = cli(['crawl', `${site.origin}/`, '-o', out, '--store', 'memory', '--concurrency', '8', '--no-progress']);
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 10, 15_000);
    run.child.kill('SIGINT');
    // Soon after the first, while pages (100 ms of server latency each) are surely in flight;
    // on a busy machine a longer gap can let the graceful stop finish first.
    await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.ok(readJsonLines(out).length > 0);
  });
});

