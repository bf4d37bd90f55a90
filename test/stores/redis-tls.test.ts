/**
 * The Redis store and the CLI over TLS (`rediss://`), against a redis-server of the test's own
 * that listens on a TLS port only, with a certificate from a throwaway CA made with openssl.
 *
 * Proves: the store works over `rediss://` with the CA trusted (and the server really only
 * speaks TLS); the CLI crawls and exports with the CA given through NODE_EXTRA_CA_CERTS; and a
 * certificate that fails verification, or a refused password, ends the attempt with
 * SF_STORE_TLS / SF_STORE_AUTH and exit 1 instead of reconnecting forever.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ErrorCodes, isSuperfilterError } from '../../src/errors.ts';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { cli, type Run } from '../helpers/cli-process.ts';
import { readJsonLines } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';
import { CONFORMANCE_OPTIONS, makeRequest, T0 } from './conformance.ts';
import { freePort, uniqueCrawl } from './redis-helpers.ts';

const PASSWORD = 'tls-test-secret';
/** A process still connecting after this long is retrying: the failure was not made fatal. */
const HANG_MS = 30_000;

function missingTool(): string | null {
  for (const [tool, arg] of [
    ['redis-server', '--version'],
    ['openssl', 'version'],
  ]) {
    if (spawnSync(tool, [arg]).error) return `${tool} is not installed`;
  }
  return null;
}
const skip = missingTool();

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A CA, and a server certificate it signs for 127.0.0.1 and localhost; returns the file paths. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=superfilter test CA']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.cnf']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/** A client that tries once and gives up: for probes that must not retry. */
function probe(url: string, ca?: Buffer): Redis {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5000, ...(ca ? { tls: { ca } } : {}) });
  client.on('error', () => {});
  return client;
}

/** Settles with `promise`, or rejects if it is still pending after HANG_MS (a retry loop). */
function bounded<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${HANG_MS} ms (retrying instead of failing)`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** Waits for a CLI run, killing it if it is still running after HANG_MS. */
async function finished(run: Run) {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), HANG_MS);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a Redis store on `url` and expects open() to fail, without retrying, with `code` and a
 * message matching `pattern`, logged once as given up.
 */
async function failsToOpen(url: string, tls: ConnectionOptions | undefined, code: string, pattern: RegExp, options: { mayRetry?: boolean } = {}): Promise<void> {
  const logs: string[] = [];
  const store = new RedisStore({ ...CONFORMANCE_OPTIONS, url, tls, crawl: uniqueCrawl('tlsfail'), log: (_level, m) => logs.push(m) });
  try {
    await assert.rejects(bounded('open()', store.open()), (error: unknown) => {
      assert.ok(isSuperfilterError(error), `not a superfilter error: ${(error as Error)?.stack}`);
      assert.equal(error.code, code, error.message);
      assert.equal(error.retryable, false);
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, new RegExp(PASSWORD), 'the password stays out of messages');
      return true;
    });
    assert.ok(
      logs.some((m) => m.includes(code) && /not retrying/.test(m)),
      `the log says it gave up: ${logs.join(' | ')}`,
    );
    // A refused client certificate can show as a reset connection (retried) until the server's alert is read first.
    if (!options.mayRetry) assert.ok(!logs.some((m) => /reconnecting/.test(m)), `reconnect attempts: ${logs.join(' | ')}`);
  } finally {
    // A client still retrying would hold close() in its offline queue: cut it, and do not wait on it for ever.
    store.redis().disconnect();
    await bounded('close', store.close()).catch(() => {});
  }
}

/** A redis-server of the test's own with a TLS port only (plain `--port 0`) and a password. */
interface TlsRedis {
  port: number;
  stop(): Promise<void>;
}

async function startTlsRedis(dir: string, files: { ca: string; cert: string; key: string }, extra: string[] = []): Promise<TlsRedis> {
  const port = await freePort();
  const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', files.cert, '--tls-key-file', files.key];
  args.push('--tls-ca-cert-file', files.ca, '--tls-auth-clients', 'no', '--requirepass', PASSWORD, '--dir', dir, '--save', '', '--appendonly', 'no', ...extra);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = probe(`rediss://:${PASSWORD}@127.0.0.1:${port}`, readFileSync(files.ca));
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { port, stop };
    } catch (error) {
      client.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server with TLS did not start: ${(error as Error).message}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('redis over TLS (rediss://)', { skip: skip ?? false }, () => {
  let dir = '';
  let files: { ca: string; cert: string; key: string };
  let ca: Buffer;
  let caFile = '';
  let port = 0;
  let server: TlsRedis | undefined;
  let admin: Redis;
  let url = '';
  const quiet = () => {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-redis-tls-'));
    files = makeCertificates(dir);
    caFile = files.ca;
    ca = readFileSync(files.ca);
    server = await startTlsRedis(dir, files);
    port = server.port;
    url = `rediss://:${PASSWORD}@127.0.0.1:${port}/0`;
    admin = new Redis(url, { tls: { ca } });
  });

  after(async () => {
    await admin?.quit().catch(() => admin.disconnect());
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the store over rediss:// with the CA trusted, and the server speaks only TLS', async () => {
    const crawl = uniqueCrawl('tls');
    const store = new RedisStore({ ...CONFORMANCE_OPTIONS, url, tls: { ca }, crawl, log: quiet });
    try {
      assert.equal((await store.open()).resumed, false, 'a new crawl: this worker seeds it');
      const requests = ['https://a.test/1', 'https://a.test/2', 'https://b.test/1'].map((u) => makeRequest(u));
      assert.deepEqual(await store.enqueue(requests), [true, true, true]);
      assert.deepEqual(await store.enqueue([makeRequest('https://a.test/1')]), [false], 'the seen set answers over TLS');
      const { leases } = await store.lease({ max: 10, now: T0, leaseMs: 10_000 });
      assert.deepEqual(leases.map((l) => l.request.url).sort(), requests.map((r) => r.url).sort());
      for (const lease of leases) {
        await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: [JSON.stringify({ url: lease.request.url })] });
      }
      const stats = await store.stats();
      assert.equal(stats.done, 3);
      assert.equal(stats.items, 3);
      assert.equal(stats.pending, 0);
      assert.equal(await store.isFinished(), true);
    } finally {
      await store.close();
    }

    // Read back on a connection of its own: the work is in this server.
    const reader = new RedisStore({ ...CONFORMANCE_OPTIONS, url, tls: { ca }, crawl, log: quiet });
    try {
      assert.equal((await reader.open()).resumed, true);
      const stats = await reader.stats();
      assert.equal(stats.done, 3);
      assert.equal(stats.items, 3);
      assert.equal(stats.seen, 3);
    } finally {
      await reader.close();
    }

    // The server has no plain listener, so the store's connections were TLS; plain redis:// to the TLS port gets nowhere.
    assert.deepEqual(await admin.config('GET', 'port'), ['port', '0']);
    assert.deepEqual(await admin.config('GET', 'tls-port'), ['tls-port', String(port)]);
    const plain = probe(`redis://:${PASSWORD}@127.0.0.1:${port}/0`);
    await assert.rejects(
      bounded('plain probe', plain.connect().then(() => plain.ping())),
      (error: Error) => !/still pending/.test(error.message),
      'a plain connection to the TLS port must fail',
    );
    plain.disconnect();
  });

  it('fails open() with SF_STORE_TLS or SF_STORE_AUTH instead of retrying', async () => {
    // No CA: the chain ends in a CA this process does not trust.
    await failsToOpen(url, undefined, ErrorCodes.STORE_TLS, /certificate.*(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    // A trusted certificate for another name.
    await failsToOpen(url, { ca, servername: 'not-this-server.test' }, ErrorCodes.STORE_TLS, /ERR_TLS_CERT_ALTNAME_INVALID/);
    await failsToOpen(`rediss://:wrong-password@127.0.0.1:${port}/0`, { ca }, ErrorCodes.STORE_AUTH, /WRONGPASS/);
    await failsToOpen(`rediss://127.0.0.1:${port}/0`, { ca }, ErrorCodes.STORE_AUTH, /NOAUTH/);
    // A server that asks for client certificates, which the store does not send.
    await admin.config('SET', 'tls-auth-clients', 'yes');
    try {
      await failsToOpen(url, { ca }, ErrorCodes.STORE_TLS, /wants a client certificate .*tls-auth-clients no/, { mayRetry: true });
    } finally {
      await admin.config('SET', 'tls-auth-clients', 'no');
    }
  });

  it('ends a connection that comes back to a refused password with SF_STORE_AUTH, after retrying the outage', async () => {
    const logs: string[] = [];
    const store = new RedisStore({ ...CONFORMANCE_OPTIONS, url, tls: { ca }, crawl: uniqueCrawl('tlsre'), log: (_level, m) => logs.push(m) });
    const changer = probe(url, ca);
    try {
      await store.open();
      await store.enqueue([makeRequest('https://a.test/1')]);
      await changer.connect();
      const id = String(await store.redis().call('CLIENT', 'ID'));
      await changer.config('SET', 'requirepass', 'another-secret');
      await changer.call('CLIENT', 'KILL', 'ID', id);
      await assert.rejects(bounded('stats()', store.stats()), (error: unknown) => {
        assert.ok(isSuperfilterError(error), `not a superfilter error: ${(error as Error)?.stack}`);
        assert.equal(error.code, ErrorCodes.STORE_AUTH, error.message);
        return true;
      });
      assert.ok(
        logs.some((m) => /connection lost; reconnecting/.test(m)),
        `the lost connection was retried: ${logs.join(' | ')}`,
      );
    } finally {
      await changer.config('SET', 'requirepass', PASSWORD).catch(() => {});
      changer.disconnect();
      store.redis().disconnect();
      await bounded('close', store.close()).catch(() => {});
    }
  });

  describe('the CLI', () => {
    let site: TestSite;
    let work = '';
    before(async () => {
      site = await startTestSite({ pages: 30 });
      work = mkdtempSync(join(tmpdir(), 'sf-redis-tls-cli-'));
    });
    after(async () => {
      await site?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('crawls and exports over rediss:// with NODE_EXTRA_CA_CERTS', { timeout: 120_000 }, async () => {
      const crawl = uniqueCrawl('tlscli');
      const env = { NODE_EXTRA_CA_CERTS: caFile };
      const run = await finished(
        cli(['crawl', `${site.origin}/`, '--redis', url, '--crawl', crawl, '--retries', '0', '--no-progress', '--log-level', 'warn'], env),
      );
      assert.equal(run.code, 0, run.stderr);
      for (const path of site.reachable) assert.equal(site.hits(path), 1, `${path} fetched ${site.hits(path)} times`);
      assert.equal(site.hits('/robots.txt'), 1);
      assert.doesNotMatch(run.stderr, /reconnecting|SF_STORE/);
      assert.doesNotMatch(run.stdout + run.stderr, new RegExp(PASSWORD), 'the summary names the store without its password');
      assert.match(run.stdout + run.stderr, /rediss:\/\/:\*\*\*@127\.0\.0\.1/, 'the summary names the store');

      const output = join(work, 'items.jsonl');
      const exported = await finished(cli(['export', '--redis', url, '--crawl', crawl, '-o', output], env));
      assert.equal(exported.code, 0, exported.stderr);
      const urls = readJsonLines(output).map((item) => String(item.url));
      assert.equal(new Set(urls).size, urls.length, 'each item once');
      for (const path of ['/', ...Array.from({ length: 30 }, (_, i) => `/p/${i}`)]) {
        assert.ok(urls.includes(`${site.origin}${path}`), `no item for ${path}`);
      }
      assert.equal((await admin.hgetall(`sf:{${crawl}}:tot`)).items, String(urls.length), 'the export drained every stored item');
    });

    it('exits 1 with SF_STORE_TLS when the certificate is not trusted', { timeout: 120_000 }, async () => {
      const before = site.log.length;
      const run = await finished(cli(['crawl', `${site.origin}/`, '--redis', url, '--crawl', uniqueCrawl('tlsno'), '--no-progress']));
      assert.equal(run.signal, null, `still running after ${HANG_MS} ms: ${run.stderr}`);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /superfilter: SF_STORE_TLS: .*TLS certificate was rejected \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
      assert.match(run.stderr, /NODE_EXTRA_CA_CERTS/, 'the message says how to trust a CA');
      assert.doesNotMatch(run.stderr, /reconnecting/);
      assert.doesNotMatch(run.stderr, new RegExp(PASSWORD), 'the password stays out of the output');
      assert.equal(site.log.length, before, 'nothing was fetched');

      const exported = await finished(cli(['export', '--redis', url, '--crawl', 'any', '-o', join(work, 'none.jsonl')]));
      assert.equal(exported.code, 1, exported.stderr);
      assert.match(exported.stderr, /superfilter: SF_STORE_TLS: /);
    });

    it('exits 1 with SF_STORE_AUTH on a wrong password', { timeout: 120_000 }, async () => {
      const env = { NODE_EXTRA_CA_CERTS: caFile };
      const wrong = `rediss://:wrong-password@127.0.0.1:${port}/0`;
      const run = await finished(cli(['crawl', `${site.origin}/`, '--redis', wrong, '--crawl', uniqueCrawl('tlsauth'), '--no-progress'], env));
      assert.equal(run.signal, null, `still running after ${HANG_MS} ms: ${run.stderr}`);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /superfilter: SF_STORE_AUTH: .*authentication failed \(WRONGPASS/);
      assert.doesNotMatch(run.stderr, /wrong-password/, 'the password stays out of the output');

      const status = await finished(cli(['fleet-status', '--redis', wrong, '--crawl', 'any'], env));
      assert.equal(status.code, 1, status.stderr);
      assert.match(status.stderr, /superfilter: SF_STORE_AUTH: /);
    });
  });

  describe('a Redis Cluster over TLS (rediss+cluster://)', () => {
    let node: TlsRedis | undefined;
    let clusterUrl = '';
    before(async () => {
      const nodeDir = join(dir, 'cluster');
      mkdirSync(nodeDir);
      // One master holding every slot; it announces its TLS port for 127.0.0.1.
      node = await startTlsRedis(nodeDir, files, ['--cluster-enabled', 'yes', '--tls-cluster', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', 'nodes.conf']);
      const setup = new Redis(`rediss://:${PASSWORD}@127.0.0.1:${node.port}`, { tls: { ca } });
      try {
        await setup.call('CLUSTER', 'ADDSLOTS', ...Array.from({ length: 16384 }, (_, i) => String(i)));
        for (let i = 0; !String(await setup.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) {
          if (i > 200) throw new Error('the TLS cluster did not become ok');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        setup.disconnect();
      }
      clusterUrl = `rediss+cluster://:${PASSWORD}@127.0.0.1:${node.port}`;
    });
    after(async () => {
      await node?.stop();
    });

    it('serves the store with the CA trusted', async () => {
      const store = new RedisStore({ ...CONFORMANCE_OPTIONS, url: clusterUrl, tls: { ca }, crawl: uniqueCrawl('tlscluster'), log: quiet });
      try {
        await store.open();
        const requests = ['https://a.test/1', 'https://b.test/1'].map((u) => makeRequest(u));
        assert.deepEqual(await store.enqueue(requests), [true, true]);
        const { leases } = await store.lease({ max: 10, now: T0, leaseMs: 10_000 });
        assert.deepEqual(leases.map((l) => l.request.url).sort(), requests.map((r) => r.url));
        for (const lease of leases) await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: ['{}'] });
        const stats = await store.stats();
        assert.equal(stats.done, 2);
        assert.equal(stats.items, 2);
      } finally {
        await store.close();
      }
    });

    it('fails open() with SF_STORE_TLS without the CA and SF_STORE_AUTH on a wrong password', async () => {
      await failsToOpen(clusterUrl, undefined, ErrorCodes.STORE_TLS, /certificate.*(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
      await failsToOpen(`rediss+cluster://:wrong-password@127.0.0.1:${node?.port}`, { ca }, ErrorCodes.STORE_AUTH, /WRONGPASS/);
    });
  });
});
