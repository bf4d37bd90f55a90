/**
 * Redis memory per seen URL: adds N random fingerprints, spread over H hosts, to the seen
 * sets of a crawl on a redis-server of its own (free loopback port, no persistence) and
 * reports the growth of INFO used_memory per URL. Also checks every fingerprint is found again.
 *
 * Usage: node --import tsx bench/redis-seen-memory.ts [--urls 10000000] [--hosts 1] [--batch 2000]
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RedisKeys } from '../src/stores/redis/redis-keys.ts';
import { defineScripts } from '../src/stores/redis/redis-scripts.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('urls', 10_000_000);
const HOSTS = arg('hosts', 1);
const BATCH = arg('batch', 2000);
const INFLIGHT = 4;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

const port = await freePort();
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.kill('SIGKILL');
    process.exit(130);
  });
}
const client = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 100) });
try {
  await client.ping();
  const scripts = defineScripts(client);
  const keys = new RedisKeys('sf', 'bench');
  const before = await usedMemory(client);
  const started = Date.now();
  // Fingerprints are SHA-1 digests (as request fingerprints are), regenerable for the check pass.
  const seed = randomBytes(8).toString('hex');
  const fpAt = (i: number): string => createHash('sha1').update(`${seed}:${i}`).digest('hex').slice(0, 20);
  const hostOf = (i: number) => `h${i % HOSTS}.test`;
  let added = 0;
  const run = async (from: number, check: boolean) => {
    const groups = new Map<string, string[]>();
    for (let i = from; i < Math.min(from + BATCH, N); i++) {
      const h = hostOf(i);
      const g = groups.get(h);
      if (g) g.push(fpAt(i));
      else groups.set(h, [fpAt(i)]);
    }
    await Promise.all(
      [...groups].map(async ([host, fps]) => {
        const reply = await scripts['host-seen'](keys.host(host), ['0', '1', '0', '0', String(fps.length), ...fps]);
        const n = [...reply[0]].filter((c) => c === '1').length;
        if (check && n !== 0) throw new Error(`check failed: ${n} fingerprints not found again`);
        if (!check) added += n;
      }),
    );
  };
  for (let from = 0; from < N; from += BATCH * INFLIGHT) {
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < INFLIGHT && from + k * BATCH < N; k++) jobs.push(run(from + k * BATCH, false));
    await Promise.all(jobs);
    if (from % 1_000_000 < BATCH * INFLIGHT) process.stderr.write(`\r${from.toLocaleString()} / ${N.toLocaleString()}`);
  }
  const seconds = (Date.now() - started) / 1000;
  const after = await usedMemory(client);
  const sample = Math.min(N, 200_000);
  for (let from = 0; from < sample; from += BATCH) await run(from, true);
  const hostInfo = await scripts['host-summary'](keys.host(hostOf(0)), ['0', '1', '0', '0']);
  const encodings = new Map<string, number>();
  let cursor = '0';
  let scanned = 0;
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${keys.hostBase(hostOf(0))}s:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found.slice(0, 50)) {
      const e = (await client.object('ENCODING', key)) as string;
      encodings.set(e, (encodings.get(e) ?? 0) + 1);
    }
    scanned += found.length;
  } while (cursor !== '0' && scanned < 2000);
  const perUrl = (after - before) / added;
  process.stderr.write('\n');
  console.log('| urls | hosts | distinct added | used_memory delta | bytes / URL | insert rate | bucket encodings (sample) |');
  console.log('|---:|---:|---:|---:|---:|---:|---|');
  console.log(
    `| ${N.toLocaleString()} | ${HOSTS} | ${added.toLocaleString()} | ${((after - before) / 1048576).toFixed(1)} MiB | ${perUrl.toFixed(2)} | ${Math.round(added / seconds).toLocaleString()} /s | ${[...encodings].map(([e, n]) => `${e}:${n}`).join(' ')} |`,
  );
  console.log(JSON.stringify({ bench: 'redis-seen-memory', urls: N, hosts: HOSTS, added, bytesPerUrl: Number(perUrl.toFixed(3)), seconds, seenOfHost0: Number(hostInfo[6]) }));
} finally {
  client.disconnect();
  server.kill('SIGKILL');
}
