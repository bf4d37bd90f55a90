import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli } from '../helpers/cli-process.ts';
import { readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';

describe('a start URL that redirects to another host (with --resolve)', () => {
  const tmp = tempDir();
  const log: { host: string; path: string }[] = [];
  let server: Server;
  let port = 0;
  before(async () => {
    // One loopback server plays three made-up hosts, told apart by the Host header.
    server = createServer((req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const path = req.url ?? '/';
      log.push({ host, path });
      if (path === '/robots.txt') {
        res.writeHead(404).end();
      } else if (host === 'example.test') {
        res.writeHead(301, { location: `http://www.example.test:${port}${path}` }).end();
      } else if (host === 'www.example.test') {
        const links: Record<string, string> = {
          '/': `<a href="/a">a</a> <a href="http://www.example.test:${port}/b">b</a> <a href="http://other.test:${port}/x">elsewhere</a>`,
          '/a': '<a href="/b">b</a> <a href="/">home</a>',
          '/b': '<a href="/a">a</a>',
        };
        if (links[path] === undefined) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>www ${path}</title>${links[path]}`);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<title>other</title>');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('admits the host it landed on into the scope, and nothing else', async () => {
    const out = join(tmp.dir, 'items.jsonl');
    const resolve = ['example.test', 'www.example.test', 'other.test'].flatMap((h) => ['--resolve', `${h}:${port}:127.0.0.1`]);
    const { code, stderr } = await cli(['crawl', `http://example.test:${port}/`, ...resolve, '--store', 'memory', '-o', out, '--no-progress']).done;
    assert.equal(code, 0, stderr);
    const pages = log.filter((e) => e.path !== '/robots.txt').map((e) => `${e.host}${e.path}`);
    assert.deepEqual(pages.sort(), ['example.test/', 'www.example.test/', 'www.example.test/a', 'www.example.test/b']);
    const urls = readJsonLines(out).map((i) => i.url);
    assert.deepEqual(urls.sort(), ['/', '/a', '/b'].map((p) => `http://www.example.test:${port}${p}`));
    assert.match(stderr, /offsite 1/);
  });
});
