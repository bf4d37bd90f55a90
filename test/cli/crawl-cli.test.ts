import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    // Timing-free: a site that answers its first pages and then holds every request, so pages
    // are surely in flight and a graceful stop cannot finish before the second SIGINT. Each
    // SIGINT is sent only once the crawl has reported the one before: two signals sent close
    // together to a process that is not running (a loaded machine) merge into one.
    const held = new Set<ServerResponse>();
    let answered = 0;
    const server = createServer((req, res) => {
      if (req.url === '/robots.txt' || answered >= 12) {
        if (req.url === '/robots.txt') res.writeHead(404).end();
        else held.add(res);
        return;
      }
      answered++;
      const links = Array.from({ length: 40 }, (_, i) => `<a href="/p/${answered * 40 + i}">p</a>`).join('');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>t${answered}</title>${links}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = join(tmp.dir, 'abort.jsonl');
      const run = cli(['crawl', `${origin}/`, '-o', out, '--store', 'memory', '--concurrency', '8', '--no-progress']);
      let stderr = '';
      run.child.stderr?.on('data', (d) => {
        stderr += d;
      });
      await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 10 && held.size > 0, 15_000);
      run.child.kill('SIGINT');
      await waitFor(() => stderr.includes('finishing the pages in flight'), 15_000);
      run.child.kill('SIGINT');
      const done = await run.done;
      assert.equal(done.code, 130, done.stderr);
      assert.match(done.stderr, /aborting the pages in flight/);
      assert.ok(readJsonLines(out).length > 0);
    } finally {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
