/**
 * Resume of a big job directory: how long until the first lease, and at what memory.
 *
 * Builds (once, in a child process) a job directory holding `--seen` fingerprints of which
 * `--pending` are queued requests (the rest were added to the seen set directly, as if done
 * earlier), over `--hosts` hosts; then, in a fresh child process, opens it and leases one
 * batch, reporting the time to the first lease and the resident memory.
 *
 * Usage: node --import tsx bench/jobdir-resume.ts [--seen 10000000] [--pending 5000000]
 *        [--hosts 10000] [--dir D] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { QueuedRequest } from '../src/contracts.ts';
import { JobdirStore } from '../src/stores/jobdir/jobdir-store.ts';

const { values } = parseArgs({
  options: {
    seen: { type: 'string', default: '10000000' },
    pending: { type: 'string', default: '5000000' },
    hosts: { type: 'string', default: '10000' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    role: { type: 'string', default: 'main' },
  },
});
const seen = Number(values.seen);
const pending = Number(values.pending);
const hosts = Number(values.hosts);
const policy = { hostPolicy: { concurrency: 4, delayMs: 0 }, maxDeliveries: 5 };

async function build(dir: string): Promise<void> {
  const store = new JobdirStore({ dir, ...policy });
  await store.open();
  const batch = 10_000;
  for (let i = 0; i < pending; i += batch) {
    const reqs: QueuedRequest[] = [];
    for (let k = i; k < Math.min(pending, i + batch); k++) {
      const host = `shop${k % hosts}.example.com`;
      const url = `https://${host}/catalogue/item-${k}.html?ref=list`;
      const fingerprint = createHash('sha1').update(url).digest('hex');
      reqs.push({ id: fingerprint, fingerprint, host, url, method: 'GET', priority: 0, depth: 2 + (k % 4) });
    }
    await store.enqueue(reqs);
  }
  for (let i = pending; i < seen; i += batch) {
    const fps: Uint8Array[] = [];
    for (let k = i; k < Math.min(seen, i + batch); k++) fps.push(createHash('sha1').update(`https://done.example.com/${k}`).digest());
    await store.seen.addMany(fps);
  }
  const stats = await store.stats();
  const disk = store.diskBytes();
  await store.close();
  process.stdout.write(`${JSON.stringify({ built: stats, disk })}\n`);
}

async function measure(dir: string): Promise<void> {
  const t0 = performance.now();
  const store = new JobdirStore({ dir, ...policy });
  const info = await store.open();
  const opened = performance.now();
  const batch = await store.lease({ max: 1000, now: Date.now(), leaseMs: 60_000 });
  const leased = performance.now();
  const stats = await store.stats();
  const rss = process.memoryUsage().rss;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ openMs: opened - t0, firstLeaseMs: leased - t0, leases: batch.leases.length, resumed: info.resumed, stats, rss, maxRss })}\n`,
  );
}

function child(role: string, dir: string): Record<string, unknown> {
  const args = ['--import', 'tsx', import.meta.filename, '--role', role, '--dir', dir, '--seen', String(seen), '--pending', String(pending), '--hosts', String(hosts)];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${role} failed with status ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

if (values.role === 'build') await build(values.dir!);
else if (values.role === 'measure') await measure(values.dir!);
else {
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'sf-bench-resume-'));
  let built: Record<string, unknown> | null = null;
  if (!existsSync(join(dir, 'jobdir.json'))) {
    const t = performance.now();
    built = child('build', dir);
    console.log(`built ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(built)}`);
  }
  const m = child('measure', dir) as { openMs: number; firstLeaseMs: number; leases: number; rss: number; maxRss: number; stats: Record<string, number> };
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  console.log(`resume of ${m.stats.seen.toLocaleString('en-US')} seen / ${m.stats.pending.toLocaleString('en-US')} pending over ${hosts} hosts`);
  console.log(`open                 ${(m.openMs / 1000).toFixed(2)} s`);
  console.log(`first lease (${m.leases})    ${(m.firstLeaseMs / 1000).toFixed(2)} s`);
  console.log(`RSS after lease      ${mb(m.rss)}`);
  console.log(`peak RSS             ${mb(m.maxRss)}`);
  console.log(JSON.stringify({ bench: 'jobdir-resume', seen: m.stats.seen, pending: m.stats.pending, hosts, ...m, built }));
  if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
}
