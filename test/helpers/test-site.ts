/**
 * A generated test site on a real loopback HTTP server, with an access log the tests read.
 *
 * Pages `/p/0 … /p/{n-1}` form a tree (page i links to 2i+1 and 2i+2) written with every link
 * form a crawler must normalise: absolute paths, `../` relative links, full URLs with fragments,
 * repeated links, and the same query in two orders. The index adds the awkward cases: a
 * redirect, a redirect loop, an endless redirect chain, robots.txt with a disallowed path, an
 * external host, non-HTML with link-looking text, 404 / 500 / bad gzip, and (with `hostile`)
 * an endless body, a gzip bomb and a slow drip.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request the server saw. */
export interface AccessLogEntry {
  method: string;
  /** Path and query as sent. */
  path: string;
  host: string;
  status: number;
  at: number;
}

/** Options of {@link startTestSite}. */
export interface TestSiteOptions {
  /** Pages in the tree (default 60). */
  pages?: number;
  /** Link the endless body, gzip bomb and slow drip from the index (default false). */
  hostile?: boolean;
  /** robots.txt Crawl-delay in seconds, if any. */
  crawlDelay?: number;
  /** Milliseconds added to every page response. */
  latencyMs?: number;
}

/** A running test site. */
export interface TestSite {
  readonly origin: string;
  readonly port: number;
  readonly log: AccessLogEntry[];
  /** Paths every correct crawl of `/` fetches (each exactly once, except `/broken/500` with retries). */
  readonly reachable: string[];
  /** Number of requests the server got for `path` (exact match on path and query). */
  hits(path: string): number;
  close(): Promise<void>;
}

let bombCache: Buffer | null = null;
function gzipBomb(): Buffer {
  // 64 MiB of zeros compress to ~64 KiB: a crawler that does not cap the decompressed size balloons.
  bombCache ??= gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return bombCache;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

/** Starts the site on 127.0.0.1 on a free port. */
export async function startTestSite(options: TestSiteOptions = {}): Promise<TestSite> {
  const n = options.pages ?? 60;
  // Compressing the bomb blocks the event loop for a moment: do it before serving anything.
  if (options.hostile) gzipBomb();
  const log: AccessLogEntry[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let origin = '';
  const timers = new Set<NodeJS.Timeout>();

  const treePage = (i: number): string => {
    const links: string[] = [];
    for (const c of [2 * i + 1, 2 * i + 2]) {
      if (c >= n) continue;
      links.push(`<a href="/p/${c}">child ${c}</a>`);
      links.push(`<a href="../p/${c}#section">again</a>`);
      links.push(`<a href="${origin}/p/${c}#top">full</a>`);
      links.push(`<a href="/p/${c}">duplicate</a>`);
    }
    links.push(`<a href="/">home</a>`);
    if (i % 10 === 0) {
      links.push(`<a href="/q?a=${i}&amp;b=1">query</a>`);
      links.push(`<a href="/q?b=1&amp;a=${i}">same query reordered</a>`);
    }
    return page(`Page ${i}`, `<p>${'lorem ipsum '.repeat(20)}</p>${links.join('\n')}`);
  };

  const index = (): string => {
    const links = [
      '<a href="/p/0">tree</a>',
      '<a href="p/1">relative</a>',
      '<a href="/redirect/p3">redirect</a>',
      '<a href="/loop/a">loop</a>',
      '<a href="/chain/0">chain</a>',
      '<a href="/private/secret">private</a>',
      '<a href="/broken/500">500</a>',
      '<a href="/broken/404">404</a>',
      '<a href="/broken/bad-gzip">bad gzip</a>',
      '<a href="/data.txt">text</a>',
      `<a href="http://localhost:${new URL(origin).port}/external">external host</a>`,
      '<a href="mailto:someone@example.invalid">mail</a>',
      '<a href="javascript:void(0)">js</a>',
    ];
    if (options.hostile) links.push('<a href="/endless">endless</a>', '<a href="/bomb">bomb</a>', '<a href="/slow">slow</a>');
    return page('Index', links.join('\n'));
  };

  const html = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): unknown => {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const entry: AccessLogEntry = { method: req.method ?? 'GET', path: req.url ?? '/', host: req.headers.host ?? '', status: 0, at: Date.now() };
    log.push(entry);
    const send = (status: number, fn: () => void) => {
      entry.status = status;
      fn();
    };
    if (path === '/robots.txt') {
      const delay = options.crawlDelay ? `Crawl-delay: ${options.crawlDelay}\n` : '';
      return send(200, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`User-agent: *\nDisallow: /private/\n${delay}`);
      });
    }
    if (path === '/') return send(200, () => html(res, 200, index()));
    const m = /^\/p\/(\d+)$/.exec(path);
    if (m && Number(m[1]) < n) return send(200, () => html(res, 200, treePage(Number(m[1]))));
    if (path === '/q') return send(200, () => html(res, 200, page(`Query ${url.searchParams.get('a')}`, '<a href="/">home</a>')));
    if (path === '/redirect/p3') {
      return send(301, () => {
        res.writeHead(301, { location: '/p/3' });
        res.end();
      });
    }
    if (path === '/loop/a' || path === '/loop/b') {
      return send(302, () => {
        res.writeHead(302, { location: path === '/loop/a' ? '/loop/b' : '/loop/a' });
        res.end();
      });
    }
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain) {
      return send(302, () => {
        res.writeHead(302, { location: `/chain/${Number(chain[1]) + 1}` });
        res.end();
      });
    }
    if (path === '/broken/500') return send(500, () => html(res, 500, page('Error', '')));
    if (path === '/broken/bad-gzip') {
      return send(200, () => {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        res.end(Buffer.from('this is not gzip at all, not even close'));
      });
    }
    if (path === '/data.txt') {
      return send(200, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('<a href="/never-linked">not a link: this is text</a>');
      });
    }
    if (path === '/endless') {
      return send(200, () => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) {}
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
    }
    if (path === '/bomb') {
      return send(200, () => {
        const body = gzipBomb();
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
      });
    }
    if (path === '/slow') {
      return send(200, () => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const t = setInterval(() => {
          if (res.destroyed) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          res.write('.');
        }, 100);
        timers.add(t);
      });
    }
    return send(404, () => html(res, 404, page('Not found', '')));
  };

  const server: Server = createServer((req, res) => {
    if (options.latencyMs) setTimeout(() => handle(req, res), options.latencyMs);
    else handle(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  const reachable = ['/', '/redirect/p3', '/loop/a', '/loop/b', '/broken/404', '/broken/500', '/broken/bad-gzip', '/data.txt'];
  for (let i = 0; i < n; i++) reachable.push(`/p/${i}`);
  return {
    origin,
    port,
    log,
    reachable,
    hits: (p) => log.filter((e) => e.path === p).length,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
