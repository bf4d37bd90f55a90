/**
 * Test helpers for the Redis store: unique crawl names, deleting a crawl's keys from the
 * shared server (never FLUSHDB), and private redis-server processes on free loopback ports.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from '../../src/stores/redis/redis-keys.ts';

/** The shared Redis the test machine runs. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

let counter = 0;

/** A crawl name no other test (or test process) uses. */
export function uniqueCrawl(label: string): string {
  return `t-${label}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** Deletes every key of a crawl (SCAN + UNLINK over the crawl's patterns). */
export async function deleteCrawl(client: Redis, keys: RedisKeys): Promise<void> {
  for (const pattern of keys.patterns()) {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await client.unlink(...found);
    } while (cursor !== '0');
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server process of the test's own. */
export interface OwnRedis {
  port: number;
  dir: string;
  url: string;
  process: ChildProcess;
  /** Stops the server (SIGKILL when `hard`), keeping its directory. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

async function waitReady(port: number, password?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const info = await probe.info('persistence');
      probe.disconnect();
      if (!/loading:1/.test(info)) return;
    } catch {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts redis-server on a free port in a temp dir with extra `args` (e.g. --appendonly yes). */
export async function startRedis(args: string[] = [], options: { password?: string; port?: number; dir?: string } = {}): Promise<OwnRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sf-redis-'));
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'no', ...args];
  if (options.password) argv.push('--requirepass', options.password);
  const own: OwnRedis = {
    port,
    dir,
    url: options.password ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    process: spawn('redis-server', argv, { stdio: 'ignore' }),
    async stop(hard = false) {
      const child = own.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
    async restart() {
      await own.stop();
      own.process = spawn('redis-server', argv, { stdio: 'ignore' });
      await waitReady(port, options.password);
    },
    async destroy() {
      await own.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitReady(port, options.password);
  return own;
}

/** A Redis Cluster of this test's own: its masters, a `redis+cluster://` URL and an admin client. */
export interface OwnCluster {
  servers: OwnRedis[];
  url: string;
  admin: Cluster;
  destroy(): Promise<void>;
}

/** Starts `masters` cluster-enabled redis-servers on free loopback ports and joins them into one cluster. */
export async function startRedisCluster(masters = 3): Promise<OwnCluster> {
  const servers: OwnRedis[] = [];
  for (let i = 0; i < masters; i++) {
    servers.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--appendonly', 'no']));
  }
  const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`cluster create failed: ${created.stdout}${created.stderr}`);
  for (const s of servers) {
    for (let i = 0; ; i++) {
      const info = spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      if (i > 200) throw new Error('cluster did not become ok');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const admin = new Cluster(servers.map((s) => ({ host: '127.0.0.1', port: s.port })));
  return {
    servers,
    url: `redis+cluster://${nodes.join(',')}`,
    admin,
    async destroy() {
      await admin.quit().catch(() => {});
      for (const s of servers) await s.destroy();
    },
  };
}
