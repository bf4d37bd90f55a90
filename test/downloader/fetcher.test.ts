import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { Fetcher, redirectTarget } from '../../src/downloader/fetcher.ts';
import { ConfigError, ErrorCodes, FetchError } from '../../src/errors.ts';
import { startServer, type TestServer } from './http-test-server.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

function rejectsWith(code: string, retryable?: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof FetchError, `expected FetchError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (retryable !== undefined) assert.equal(error.retryable, retryable, `retryable of ${code}`);
    return true;
  };
}

const PAGE = Buffer.from('<html><head><title>ok</title></head><body>'.concat('hello world '.repeat(2000), '</body></html>'));

describe('Fetcher', () => {
  let server: TestServer;
  const seen: { ua?: string; ae?: string; host?: string }[] = [];
  let dripTimers: NodeJS.Timeout[] = [];

  before(async () => {
    const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = zlib.gzipSync(Buffer.concat(Array(128).fill(member)), { level: 9 }); // 2 GiB inside
    server = await startServer((req, res) => {
      seen.push({ ua: req.headers['user-agent'], ae: req.headers['accept-encoding'], host: req.headers.host });
      const path = req.url ?? '/';
      const send = (encoding: string, body: Buffer) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': encoding });
        res.end(body);
      };
      if (path === '/plain') {
        res.writeHead(200, { 'content-type': 'text/html', 'x-multi': ['a', 'b'], 'set-cookie': ['a=1', 'b=2'] });
        res.end(PAGE);
      } else if (path === '/gzip') send('gzip', zlib.gzipSync(PAGE));
      else if (path === '/deflate') send('deflate', zlib.deflateSync(PAGE));
      else if (path === '/deflate-raw') send('deflate', zlib.deflateRawSync(PAGE));
      else if (path === '/br') send('br', zlib.brotliCompressSync(PAGE));
      else if (path === '/corrupt') send('gzip', Buffer.from('this is not gzip at all'));
      else if (path === '/bomb') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip, gzip', 'content-length': bomb.length });
        res.end(bomb);
      } else if (path === '/endless') {
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      } else if (path === '/declared-huge') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.write('x');
      } else if (path === '/drip') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('.')), 50);
        dripTimers.push(t);
      } else if (path === '/stall') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first bytes, then silence');
      } else if (path === '/silent') {
        // never answers
      } else if (path === '/huge-headers') {
        res.writeHead(200, { 'x-big': 'y'.repeat(100 * 1024) });
        res.end('ok');
      } else if (path === '/redirect') {
        res.writeHead(302, { location: '../target?x=1#frag' });
        res.end();
      } else if (path === '/host') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(req.headers.host);
      } else {
        res.writeHead(404);
        res.end('nope');
      }
    });
  });

  after(async () => {
    for (const t of dripTimers) clearInterval(t);
    dripTimers = [];
    await server.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });

  it('fetches a plain 200 with the user agent, Accept-Encoding and joined headers, reusing the connection', async () => {
    const fetcher = new Fetcher();
    try {
      const before = server.sockets.length;
      const r1 = await fetcher.fetch({ url: `${server.origin}/plain`, method: 'GET' });
      let r2 = r1;
      for (let i = 0; i < 5; i++) r2 = await fetcher.fetch({ url: `${server.origin}/plain`, method: 'GET' });
      assert.equal(r1.status, 200);
      assert.deepEqual(Buffer.from(r1.body), PAGE);
      assert.equal(r1.bytesOnWire, PAGE.length);
      assert.equal(r1.contentType, 'text/html');
      assert.equal(r1.headers['x-multi'], 'a, b');
      assert.deepEqual(r1.setCookie, ['a=1', 'b=2']);
      assert.ok(r1.elapsedMs >= 0);
      assert.equal(r2.status, 200);
      // undici may open a second connection while the first settles; after that they are reused.
      assert.ok(server.sockets.length - before <= 2, 'keep-alive: six requests over at most two connections');
      const last = seen.at(-1)!;
      assert.match(last.ua!, /^superfilter\//);
      assert.equal(last.ae, 'gzip, deflate, br');
    } finally {
      await fetcher.close();
    }
  });

  for (const path of ['/gzip', '/deflate', '/deflate-raw', '/br']) {
    it(`decodes ${path.slice(1)} bodies`, async () => {
      const fetcher = new Fetcher();
      try {
        const r = await fetcher.fetch({ url: `${server.origin}${path}`, method: 'GET' });
        assert.deepEqual(Buffer.from(r.body), PAGE);
        assert.ok(r.bytesOnWire < PAGE.length / 4, `compressed on the wire (${r.bytesOnWire})`);
      } finally {
        await fetcher.close();
      }
    });
  }

  it('fails a corrupt gzip body with SF_FETCH_DECODE (not retryable)', async () => {
    const fetcher = new Fetcher();
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/corrupt`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_DECODE, false));
    await fetcher.close();
  });

  it('stops an endless body at the cap and closes the server socket', async () => {
    const fetcher = new Fetcher({ maxBodyBytes: 256 * 1024 });
    const before = server.sockets.length;
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/endless`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_BODY_TOO_LARGE, false));
    const socket = server.sockets[before];
    assert.ok(socket, 'the request used a fresh connection');
    await server.closed(socket);
    await fetcher.close();
  });

  it('can truncate at the cap instead of failing', async () => {
    const fetcher = new Fetcher({ maxBodyBytes: 100_000 });
    const r = await fetcher.fetch({ url: `${server.origin}/endless`, method: 'GET', truncateBody: true });
    assert.equal(r.truncated, true);
    assert.equal(r.body.length, 100_000);
    await fetcher.close();
  });

  it('rejects a declared Content-Length over the cap before reading', async () => {
    const fetcher = new Fetcher({ maxBodyBytes: 1024 * 1024 });
    await assert.rejects(
      fetcher.fetch({ url: `${server.origin}/declared-huge`, method: 'GET' }),
      (e: unknown) => rejectsWith(ErrorCodes.FETCH_BODY_TOO_LARGE)(e) && (e as FetchError).details.contentLength === 50 * 1024 * 1024,
    );
    await fetcher.close();
  });

  it('stops a gzip bomb (2 KB on the wire, 2 GiB inside) early with little memory', async () => {
    const fetcher = new Fetcher({ maxBodyBytes: 1024 * 1024 });
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const before = server.sockets.length;
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/bomb`, method: 'GET' }), (e: unknown) => {
      rejectsWith(ErrorCodes.FETCH_BODY_TOO_LARGE, false)(e);
      const decoded = Number((e as FetchError).details.decodedBytes);
      assert.ok(decoded > 1024 * 1024 && decoded < 2 * 1024 * 1024, `stopped just past the cap (${decoded})`);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'stopped early');
    const grown = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.ok(grown < 100, `memory stayed low (+${grown.toFixed(1)} MB)`);
    await server.closed(server.sockets[before]);
    await fetcher.close();
  });

  it('tells a slow drip (total timeout) from a stall (idle timeout)', async () => {
    // undici's idle timers tick every ~0.5 s, so the total timeout sits well above the idle one.
    const fetcher = new Fetcher({ idleTimeoutMs: 300, totalTimeoutMs: 2500 });
    const t0 = Date.now();
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/drip`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_TOTAL_TIMEOUT, true));
    assert.ok(Date.now() - t0 >= 2400, 'the drip kept the idle timer quiet until the total timeout');
    const t1 = Date.now();
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/stall`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_IDLE_TIMEOUT, true));
    assert.ok(Date.now() - t1 < 2400, 'the stall hit the idle timeout first');
    await fetcher.close();
  });

  it('times out a server that never answers (idle timeout on headers)', async () => {
    const fetcher = new Fetcher({ idleTimeoutMs: 250, totalTimeoutMs: 5000 });
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/silent`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_IDLE_TIMEOUT, true));
    await fetcher.close();
  });

  it('rejects huge response headers with SF_FETCH_HEADERS_TOO_LARGE', async () => {
    const fetcher = new Fetcher({ maxHeaderBytes: 16 * 1024 });
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/huge-headers`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_HEADERS_TOO_LARGE, false));
    await fetcher.close();
  });

  it('does not follow redirects; redirectTarget resolves Location', async () => {
    const fetcher = new Fetcher();
    const r = await fetcher.fetch({ url: `${server.origin}/a/redirect`, method: 'GET' });
    assert.equal(r.status, 404, 'path /a/redirect is not the redirect route');
    const r2 = await fetcher.fetch({ url: `${server.origin}/redirect`, method: 'GET' });
    assert.equal(r2.status, 302);
    assert.equal(redirectTarget(r2), `${server.origin}/target?x=1`);
    assert.equal(redirectTarget({ ...r2, status: 200 }), null);
    assert.equal(redirectTarget({ ...r2, headers: { location: 'javascript:alert(1)' } }), null);
    assert.equal(redirectTarget({ ...r2, headers: {} }), null);
    await fetcher.close();
  });

  it('reports connection refused as a retryable SF_FETCH_NETWORK', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const fetcher = new Fetcher();
    await assert.rejects(
      fetcher.fetch({ url: `http://127.0.0.1:${port}/`, method: 'GET' }),
      (e: unknown) => rejectsWith(ErrorCodes.FETCH_NETWORK, true)(e) && (e as FetchError).details.causeCode === 'ECONNREFUSED',
    );
    await fetcher.close();
  });

  it('rejects a URL over maxUrlLength with SF_URL_TOO_LONG before any connection', async () => {
    const fetcher = new Fetcher({ maxUrlLength: 100 });
    const before = server.sockets.length;
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/${'a'.repeat(100)}`, method: 'GET' }), rejectsWith(ErrorCodes.URL_TOO_LONG, false));
    assert.equal(server.sockets.length, before);
    await fetcher.close();
  });

  it('aborts on the caller signal with SF_FETCH_ABORTED', async () => {
    const fetcher = new Fetcher({ idleTimeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(fetcher.fetch({ url: `${server.origin}/silent`, method: 'GET' }, controller.signal), rejectsWith(ErrorCodes.FETCH_ABORTED, false));
    await fetcher.close();
  });

  it('--resolve maps a made-up host to loopback and keeps the Host header', async () => {
    const fetcher = new Fetcher({ resolve: [`shop.test:${server.port}:127.0.0.1`] });
    const r = await fetcher.fetch({ url: `http://SHOP.test:${server.port}/host`, method: 'GET' });
    assert.equal(Buffer.from(r.body).toString(), `shop.test:${server.port}`);
    assert.equal(r.url, `http://shop.test:${server.port}/host`);
    await fetcher.close();
  });

  it('rejects malformed --resolve entries with SF_CONFIG_INVALID', () => {
    for (const bad of ['shop.test', 'shop.test:80', 'shop.test:0:127.0.0.1', 'shop.test:http:127.0.0.1', 'shop.test:80:localhost', ':80:127.0.0.1']) {
      assert.throws(
        () => new Fetcher({ resolve: [bad] }),
        (e: unknown) => e instanceof ConfigError && e.code === ErrorCodes.CONFIG_INVALID && e.message.includes(bad),
        bad,
      );
    }
    assert.doesNotThrow(() => new Fetcher({ resolve: ['[::1]:8080:[::1]', 'a.test:443:127.0.0.2'] }).close());
  });

  it('times out a connect that never completes with SF_FETCH_CONNECT_TIMEOUT', async (t) => {
    // A listener whose accept queue is full drops further SYNs, so connect() hangs; node's own
    // servers always accept, hence a tiny python listener that never calls accept().
    const child = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const port = await new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(null));
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    if (port === null) {
      t.skip('python3 not available');
      return;
    }
    const fillers: Socket[] = [];
    try {
      const { connect } = await import('node:net');
      for (let i = 0; i < 3; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        fillers.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));
      const fetcher = new Fetcher({ connectTimeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(fetcher.fetch({ url: `http://127.0.0.1:${port}/`, method: 'GET' }), rejectsWith(ErrorCodes.FETCH_CONNECT_TIMEOUT, true));
      assert.ok(Date.now() - t0 < 3000);
      await fetcher.destroy();
    } finally {
      for (const s of fillers) s.destroy();
      child.kill();
    }
  });
});
