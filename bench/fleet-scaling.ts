/**
 * Fleet scaling on a latency-bound crawl: 1 worker vs N workers (`superfilter crawl --store
 * redis`, real processes) on a site of many host names on loopback whose every response takes
 * 50 ms more. Reports pages/s (measured at the server, first page to last), the speed-up, the
 * most requests one host had open at once (politeness: never above --per-host), and the Redis
 * commands the workers send per crawled page, counted by a proxy in front of a redis-server of
 * the bench's own (an EVALSHA is one command; commands sent together count one each, so this
 * bounds round trips from above). INFO total_commands_processed is reported too: it also
 * counts every command a script runs inside Redis.
 *
 * Usage: node --import tsx bench/fleet-scaling.ts [--pages 3000] [--hosts 200] [--fanout 8]
 *        [--latency 50] [--concurrency 8] [--per-host 2] [--workers 4] [--runs 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startFleetSite } from '../test/fleet/helpers/fleet-site.ts';
import { startWorkers, waitAll } from '../test/fleet/helpers/fleet-workers.ts';
import { RedisStore } from '../src/stores/redis/redis-store.ts';
import { crawlForTest } from '../test/helpers/crawl-helpers.ts';
import { startCommandProxy } from './redis-command-proxy.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const PAGES = arg('pages', 3000);
const HOSTS = arg('hosts', 200);
const FANOUT = arg('fanout', 8);
const LATENCY = arg('latency', 50);
const CONCURRENCY = arg('concurrency', 8);
const PER_HOST = arg('per-host', 2);
const WORKERS = arg('workers', 4);
const RUNS = arg('runs', 3);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function commandsProcessed(client: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))![1]);
}



interface RunResult {
  workers: number;
  pages: number;
  seconds: number;
  pagesPerSecond: number;
  wallSeconds: number;
  commandsPerPage: number;
  /** INFO total_commands_processed delta per page (script-internal commands included). */
  serverCommandsPerPage: number;
  maxOpenPerHost: number;
  pagesByWorker: number[];
  /** Commands per page by command name, largest first. */
  byCommand: Record<string, number>;
}

/**
 * Logical round trips per page (the store's own counter: commands sent together count once),
 * from one in-process worker on the same kind of site: the CLI does not expose the counter.
 */
async function roundTripsPerPage(): Promise<{ pages: number; roundTripsPerPage: number }> {
  const site = await startFleetSite({ pages: PAGES, hosts: HOSTS, fanout: FANOUT, latencyMs: LATENCY });
  try {
    await client.flushall();
    const hostPolicy = { concurrency: PER_HOST, delayMs: 0 };
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}/0`, crawl: 'bench-rt', hostPolicy, maxDeliveries: 5, log: () => {} });
    const settings = {
      store: 'redis' as const,
      concurrency: CONCURRENCY,
      perHost: PER_HOST,
      scope: 'any' as const,
      ignoreRobots: true,
      resolve: site.hostNames.map((h) => `${h}:${site.port}:127.0.0.1`),
    };
    const result = await crawlForTest(site.startUrl, { settings, store });
    const pages = result.stats.pagesFetched;
    if (pages !== site.expected.length) throw new Error(`in-process run fetched ${pages} pages, expected ${site.expected.length}`);
    return { pages, roundTripsPerPage: store.roundTrips / pages };
  } finally {
    await site.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const port = await freePort();
const redisDir = mkdtempSync(join(tmpdir(), 'sf-bench-fleet-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const client = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 100) });
// The server may still be starting: connection errors before it listens are retried.
client.on('error', () => {});
const cleanup = () => {
  server.kill('SIGKILL');
  rmSync(redisDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

async function runOnce(workers: number, run: number): Promise<RunResult> {
  const site = await startFleetSite({ pages: PAGES, hosts: HOSTS, fanout: FANOUT, latencyMs: LATENCY });
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-fleet-run-'));
  try {
    await client.flushall();
    proxy.reset();
    const before = await commandsProcessed(client);
    const started = Date.now();
    const list = startWorkers({
      count: workers,
      site,
      redis: `redis://127.0.0.1:${proxy.port}/0`,
      crawl: `bench-${workers}-${run}`,
      dir,
      args: ['--concurrency', String(CONCURRENCY), '--per-host', String(PER_HOST), '--ignore-robots'],
    });
    const exits = await waitAll(list);
    const wallSeconds = (Date.now() - started) / 1000;
    // The INFO call itself is one command.
    const serverCommands = (await commandsProcessed(client)) - before - 1;
    for (const [i, e] of exits.entries()) if (e.code !== 0) throw new Error(`worker ${i} exited ${e.code}: ${e.stderr}`);
    const pages = site.log.length;
    if (pages !== site.expected.length) throw new Error(`fetched ${pages} pages, expected ${site.expected.length}`);
    const seconds = (site.log[site.log.length - 1].at - site.log[0].at) / 1000;
    return {
      workers,
      pages,
      seconds,
      pagesPerSecond: pages / seconds,
      wallSeconds,
      commandsPerPage: proxy.total() / pages,
      serverCommandsPerPage: serverCommands / pages,
      maxOpenPerHost: Math.max(...site.maxOpen.values()),
      byCommand: Object.fromEntries(
        [...proxy.counts]
          .sort((a, b) => b[1] - a[1])
          .map(([name, calls]) => [name, Number((calls / pages).toFixed(3))]),
      ),
      pagesByWorker: list.map((w) => (JSON.parse(readFileSync(w.statsFile, 'utf8')) as { pagesFetched: number }).pagesFetched),
    };
  } finally {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const proxy = await startCommandProxy(port);
try {
  await client.ping();
  const results: RunResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const w of [1, WORKERS]) {
      const r = await runOnce(w, run);
      results.push(r);
      process.stderr.write(
        `run ${run + 1} workers ${w}: ${r.pages} pages in ${r.seconds.toFixed(2)} s = ${r.pagesPerSecond.toFixed(1)} pages/s; ${r.commandsPerPage.toFixed(2)} commands/page; max open per host ${r.maxOpenPerHost}; by worker ${r.pagesByWorker.join('/')}; per page ${JSON.stringify(r.byCommand)}\n`,
      );
    }
  }
  const summary = (w: number) => {
    const rs = results.filter((r) => r.workers === w);
    return {
      workers: w,
      pagesPerSecond: median(rs.map((r) => r.pagesPerSecond)),
      commandsPerPage: median(rs.map((r) => r.commandsPerPage)),
      maxOpenPerHost: Math.max(...rs.map((r) => r.maxOpenPerHost)),
      wallSeconds: median(rs.map((r) => r.wallSeconds)),
    };
  };
  const rt = await roundTripsPerPage();
  process.stderr.write(`in-process worker: ${rt.roundTripsPerPage.toFixed(2)} logical round trips per page (${rt.pages} pages)\n`);
  const one = summary(1);
  const many = summary(WORKERS);
  const speedup = many.pagesPerSecond / one.pagesPerSecond;
  console.log(`Logical round trips per page (store counter, one in-process worker): ${rt.roundTripsPerPage.toFixed(2)}`);
  console.log(`| workers | pages | pages/s (median of ${RUNS}) | speed-up | Redis commands / page | max open requests per host (limit ${PER_HOST}) | wall s |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of [one, many]) {
    console.log(
      `| ${s.workers} | ${PAGES + HOSTS} | ${s.pagesPerSecond.toFixed(1)} | ${(s.pagesPerSecond / one.pagesPerSecond).toFixed(2)}x | ${s.commandsPerPage.toFixed(2)} | ${s.maxOpenPerHost} | ${s.wallSeconds.toFixed(1)} |`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'fleet-scaling',
      pages: PAGES + HOSTS,
      hosts: HOSTS,
      latencyMs: LATENCY,
      concurrency: CONCURRENCY,
      perHost: PER_HOST,
      runs: RUNS,
      one,
      many,
      speedup: Number(speedup.toFixed(3)),
      roundTripsPerPage: Number(rt.roundTripsPerPage.toFixed(3)),
      politenessHeld: Math.max(one.maxOpenPerHost, many.maxOpenPerHost) <= PER_HOST,
      results,
    }),
  );
} finally {
  client.disconnect();
  await proxy.close();
  cleanup();
}
