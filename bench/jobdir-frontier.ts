/**
 * Frontier throughput of the jobdir store on one core: enqueue (push) in batches, then lease in
 * batches, then commit. Requests are spread over many hosts with no politeness delay so that
 * the store, not the clock, is measured.
 *
 * Usage: taskset -c 0 node --import tsx bench/jobdir-frontier.ts [--count N] [--hosts H] [--batch B] [--dir D]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { QueuedRequest } from '../src/contracts.ts';
import { JobdirStore } from '../src/stores/jobdir/jobdir-store.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500000' },
    hosts: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '1000' },
    dir: { type: 'string' },
  },
});
const count = Number(values.count);
const hosts = Number(values.hosts);
const batch = Number(values.batch);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'sf-bench-jobdir-'));

const hostOf = (k: number) => `host${k % hosts}.example.com`;
const urlOf = (k: number) => `https://${hostOf(k)}/catalogue/page-${k}.html`;

function makeRequests(from: number, n: number): QueuedRequest[] {
  const out: QueuedRequest[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = from + i;
    const fingerprint = fingerprints[k];
    out[i] = { id: fingerprint, fingerprint, host: hostOf(k), url: urlOf(k), method: 'GET', priority: 0, depth: 1 + (k % 3) };
  }
  return out;
}

const store = new JobdirStore({ dir, hostPolicy: { concurrency: 1_000_000, delayMs: 0 }, maxDeliveries: 5 });
await store.open();
// Fingerprints are computed up front and each batch's request objects are built just before
// its enqueue, outside the timed span: only the store is measured, and request objects are
// short-lived, as in a crawl.
const fingerprints: string[] = [];
for (let k = 0; k < count; k++) fingerprints.push(createHash('sha1').update(urlOf(k)).digest('hex'));

/** CPU seconds of this process since `from` (on a shared machine, wall time also counts other work). */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
let pushSec = 0;
let pushCpu = 0;
let t = 0;
let c = process.cpuUsage();
for (let i = 0; i < count; i += batch) {
  const requests = makeRequests(i, Math.min(batch, count - i));
  t = performance.now();
  c = process.cpuUsage();
  await store.enqueue(requests);
  pushSec += (performance.now() - t) / 1000;
  pushCpu += cpuSince(c);
}

// Steady state: lease a batch, then commit it; the two are timed apart.
let leaseSec = 0;
let commitSec = 0;
let leaseCpu = 0;
let commitCpu = 0;
let leased = 0;
let now = 1_700_000_000_000;
for (;;) {
  t = performance.now();
  c = process.cpuUsage();
  const { leases } = await store.lease({ max: batch, now: now++, leaseMs: 600_000 });
  leaseSec += (performance.now() - t) / 1000;
  leaseCpu += cpuSince(c);
  if (leases.length === 0) break;
  leased += leases.length;
  t = performance.now();
  c = process.cpuUsage();
  for (const l of leases) await store.commit({ id: l.request.id, result: { kind: 'done' }, children: [], items: [] });
  commitSec += (performance.now() - t) / 1000;
  commitCpu += cpuSince(c);
}
const disk = store.diskBytes();
await store.close();
if (!values.dir) rmSync(dir, { recursive: true, force: true });

const rows = [
  ['push (enqueue)', count / pushSec, count / pushCpu],
  ['lease', leased / leaseSec, leased / leaseCpu],
  ['commit (no children)', leased / commitSec, leased / commitCpu],
] as const;
const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(12);
console.log(`jobdir frontier: ${count} requests, ${hosts} hosts, batches of ${batch}`);
console.log(`${'operation'.padEnd(22)} ${'per wall s'.padStart(12)} ${'per CPU s'.padStart(12)}`);
for (const [name, wall, cpu] of rows) console.log(`${name.padEnd(22)} ${fmt(wall)} ${fmt(cpu)}`);
console.log(`queue log at the end: ${(disk.queue / count).toFixed(1)} bytes/request`);
console.log(
  JSON.stringify({
    bench: 'jobdir-frontier',
    count,
    hosts,
    batch,
    pushPerSec: Math.round(count / pushSec),
    leasePerSec: Math.round(leased / leaseSec),
    commitPerSec: Math.round(leased / commitSec),
    pushPerCpuSec: Math.round(count / pushCpu),
    leasePerCpuSec: Math.round(leased / leaseCpu),
    commitPerCpuSec: Math.round(leased / commitCpu),
    leased,
  }),
);
