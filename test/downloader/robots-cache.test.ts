import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Fetcher } from '../../src/downloader/fetcher.ts';
import { MemoryKV } from '../../src/kv/memory-kv.ts';
import { RobotsPolicy } from '../../src/downloader/robots-cache.ts';
import type { SharedKV } from '../../src/contracts.ts';
import { startServer, type TestServer } from './http-test-server.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('RobotsPolicy', () => {
  let server: TestServer;
  let fetcher: Fetcher;
  let handler: Handler;
  let hits: Map<string, number>;

  const text = (status: number, body: string, delayMs = 0): Handler => (_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    }, delayMs);
  };
  const policy = (kv: SharedKV = new MemoryKV(), extra: Partial<ConstructorParameters<typeof RobotsPolicy>[0]> = {}) =>
    new RobotsPolicy({ kv, fetcher, userAgent: 'superfilter/0.1 (+https://example.test)', ...extra });

  before(async () => {
    server = await startServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      handler(req, res);
    });
    fetcher = new Fetcher({ idleTimeoutMs: 2000, totalTimeoutMs: 4000 });
  });
  beforeEach(() => {
    hits = new Map();
  });
  after(async () => {
    await fetcher.close();
    await server.close();
  });

  it('404 allows everything', async () => {
    handler = text(404, 'not here');
    const p = policy();
    assert.deepEqual(await p.decide(`${server.origin}/anything`), { allowed: true, status: 'unavailable' });
    assert.equal(await p.crawlDelayMs(server.origin), null);
  });

  it('500 disallows everything, then is fetched again after the retry period', async () => {
    let now = 1_000_000;
    const kv = new MemoryKV(() => now);
    handler = text(500, 'oops');
    const p = policy(kv, { now: () => now, unreachableRetryMs: 60_000 });
    const first = await p.decide(`${server.origin}/page`);
    assert.equal(first.allowed, false);
    assert.equal(first.status, 'unreachable');
    assert.equal(first.retryAt, now + 60_000);
    assert.equal(await p.isAllowed(`${server.origin}/other`), false);
    assert.equal(hits.get('/robots.txt'), 1, 'the outcome is cached while it lasts');
    handler = text(200, 'user-agent: *\ndisallow: /private\n');
    now += 60_001;
    assert.equal(await p.isAllowed(`${server.origin}/page`), true);
    assert.equal(await p.isAllowed(`${server.origin}/private/x`), false);
    assert.equal(hits.get('/robots.txt'), 2);
  });

  it('429 counts as unreachable, not as "no rules"', async () => {
    handler = text(429, 'slow down');
    assert.equal((await policy().decide(`${server.origin}/x`)).status, 'unreachable');
  });

  it('fetches once for many concurrent callers, and a second worker reads the shared KV', async () => {
    handler = text(200, 'user-agent: superfilter\ndisallow: /no\ncrawl-delay: 2\n', 150);
    const kv = new MemoryKV();
    const p = policy(kv);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => p.isAllowed(`${server.origin}/${i % 2 === 0 ? 'yes' : 'no'}/${i}`)));
    assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => i % 2 === 0));
    assert.equal(hits.get('/robots.txt'), 1);
    const worker2 = policy(kv);
    assert.equal(await worker2.isAllowed(`${server.origin}/no/1`), false);
    assert.equal(await worker2.crawlDelayMs(`${server.origin}/whatever`), 2000);
    assert.equal(hits.get('/robots.txt'), 1, 'the second worker used the KV record');
  });

  it('two workers starting together still fetch once (claim in the KV)', async () => {
    handler = text(200, 'user-agent: *\ndisallow: /no\n', 300);
    const kv = new MemoryKV();
    const [a, b] = await Promise.all([policy(kv).isAllowed(`${server.origin}/no`), policy(kv).isAllowed(`${server.origin}/yes`)]);
    assert.deepEqual([a, b], [false, true]);
    assert.equal(hits.get('/robots.txt'), 1);
  });

  it('follows redirects up to 5 hops and applies the rules to the first origin', async () => {
    handler = (req, res) => {
      if (req.url === '/robots.txt') {
        res.writeHead(301, { location: '/moved/robots.txt' });
        res.end();
      } else text(200, 'user-agent: *\ndisallow: /secret\n')(req, res);
    };
    const p = policy();
    assert.equal(await p.isAllowed(`${server.origin}/secret/1`), false);
    assert.equal(await p.isAllowed(`${server.origin}/open`), true);
  });

  it('a redirect loop ends as unavailable (allow all) after 6 fetches', async () => {
    handler = (req, res) => {
      res.writeHead(302, { location: req.url === '/robots.txt' ? '/loop' : '/robots.txt' });
      res.end();
    };
    assert.deepEqual(await policy().decide(`${server.origin}/x`), { allowed: true, status: 'unavailable' });
    assert.equal((hits.get('/robots.txt') ?? 0) + (hits.get('/loop') ?? 0), 6);
  });

  it('a network failure disallows the origin', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const decision = await policy().decide(`http://127.0.0.1:${port}/page`);
    assert.equal(decision.allowed, false);
    assert.equal(decision.status, 'unreachable');
  });

  it('reads only the first 500 KiB of an oversized robots.txt', async () => {
    handler = text(200, `user-agent: *\ndisallow: /early\n${'# filler line\n'.repeat(60_000)}disallow: /late\n`);
    const p = policy();
    assert.equal(await p.isAllowed(`${server.origin}/early`), false);
    assert.equal(await p.isAllowed(`${server.origin}/late`), true);
  });

  it('keeps a KV record at most 24 hours and survives a broken KV', async () => {
    handler = text(200, 'user-agent: *\ndisallow: /x\n');
    let ttl = -1;
    const kv = new MemoryKV();
    const spy = Object.assign(Object.create(kv), {
      set: (k: string, v: string, t?: number) => {
        ttl = t ?? -1;
        return kv.set(k, v, t);
      },
    });
    await policy(spy, { cacheTtlMs: 7 * 24 * 3600_000 }).isAllowed(`${server.origin}/x`);
    assert.ok(ttl > 0 && ttl <= 24 * 3600_000, `ttl ${ttl}`);
    const broken = {
      get: async () => Promise.reject(new Error('kv down')),
      set: async () => Promise.reject(new Error('kv down')),
      setIfAbsent: async () => Promise.reject(new Error('kv down')),
      delete: async () => Promise.reject(new Error('kv down')),
    };
    assert.equal(await policy(broken).isAllowed(`${server.origin}/x/1`), false);
  });
});
