import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { QueuedRequest } from '../../src/contracts.ts';
import { CrawlResponse } from '../../src/spider/crawl-response.ts';
import type { Item } from '../../src/spider/collect-output.ts';
import { genericSpider, spiderNameFor } from '../../src/spider/generic-spider.ts';

// A small site on loopback: relative forms, a duplicate, a fragment, an external link, a
// windows-1252 page, a JSON document and a rel=next page only reachable through <link>.
const PAGES: Record<string, { type: string; body: string | Buffer }> = {
  '/': {
    type: 'text/html; charset=utf-8',
    body: `<html><head><title>  Home &amp;
      Garden </title><link rel="next" href="/next"></head><body>
      <a href="a.html">A</a> <a href="./a.html#top">A again</a> <a href="/dir/b.html?x=1">B</a>
      <a href="http://external.invalid/">out</a> <a href="mailto:x@y.z">mail</a> <a href="/data.json">json</a></body></html>`,
  },
  '/a.html': { type: 'text/html', body: '<title>Page A</title><a href="/">home</a><a href="/latin.html">latin</a>' },
  '/dir/b.html': { type: 'text/html', body: '<title>B</title><a href="../a.html">a</a>' },
  '/latin.html': { type: 'text/html; charset=windows-1252', body: Buffer.from([...Buffer.from('<title>Caf'), 0xe9, 0x20, 0x96, 0x20, ...Buffer.from('Men&uacute;</title>')]) },
  '/data.json': { type: 'application/json', body: '{"a":"<a href=\\"/never\\">"}' },
  '/next': { type: 'text/html', body: '<title>Next</title>' },
};

let server: Server;
let origin: string;

before(async () => {
  server = createServer((req, res) => {
    const page = PAGES[new URL(req.url ?? '/', 'http://x').pathname];
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title>');
      return;
    }
    res.writeHead(200, { 'content-type': page.type }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A breadth-first loop over the spider, just enough to drive it without the engine. */
async function crawl(startUrl: string): Promise<Item[]> {
  const spider = genericSpider([startUrl]);
  const seen = new Set<string>();
  const queue: QueuedRequest[] = [];
  for await (const r of spider.startRequests()) queue.push({ id: r.url, fingerprint: r.url, host: '', url: r.url, method: 'GET', priority: 0, depth: 0 });
  const items: Item[] = [];
  while (queue.length > 0) {
    const request = queue.shift()!;
    if (seen.has(request.url)) continue;
    seen.add(request.url);
    const res = await fetch(request.url);
    const response = new CrawlResponse({ url: res.url, status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()), request });
    const out = await spider.handle(response);
    items.push(...out.items);
    for (const child of out.requests) {
      if (!seen.has(child.url)) queue.push({ id: child.url, fingerprint: child.url, host: '', url: child.url, method: 'GET', priority: 0, depth: request.depth + 1 });
    }
  }
  return items;
}

describe('genericSpider', () => {
  it('writes one item per in-scope page with url, status, title and depth', async () => {
    const items = await crawl(`${origin}/`);
    const byUrl = new Map(items.map((i) => [i.url, i]));
    assert.equal(items.length, byUrl.size, 'each page once');
    assert.deepEqual([...byUrl.keys()].sort(), [`${origin}/`, `${origin}/a.html`, `${origin}/data.json`, `${origin}/dir/b.html?x=1`, `${origin}/latin.html`, `${origin}/next`].sort());
    assert.deepEqual(byUrl.get(`${origin}/`), { url: `${origin}/`, status: 200, title: 'Home & Garden', depth: 0 });
    assert.deepEqual(byUrl.get(`${origin}/latin.html`), { url: `${origin}/latin.html`, status: 200, title: 'Café – Menú', depth: 2 });
    assert.equal(byUrl.get(`${origin}/data.json`)?.title, null);
    assert.equal(byUrl.get(`${origin}/next`)?.depth, 1);
  });

  it('derives a safe name from the first URL', () => {
    assert.equal(spiderNameFor('http://127.0.0.1:8080/x'), '127.0.0.1-8080');
    assert.equal(spiderNameFor('https://www.example.com/'), 'www.example.com');
    assert.equal(spiderNameFor('http://[::1]:80/'), '1');
    assert.equal(genericSpider(['https://docs.example.org/a']).name, 'docs.example.org');
    assert.equal(genericSpider(['https://docs.example.org/a'], { name: 'mine' }).name, 'mine');
  });
});
