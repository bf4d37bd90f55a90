/**
 * Frontier throughput on one core: push and lease in batches, on the bare MemoryFrontier and
 * through the MemoryStore (which adds validation and the seen test-and-set).
 *
 * Usage: taskset -c 0 node --import tsx bench/frontier.ts [requests=1000000] [hosts=1000] [batch=1000]
 * Prints a table and a final JSON line.
 */
import { randomBytes } from 'node:crypto';
import type { QueuedRequest } from '../src/contracts.ts';
import { MemoryFrontier } from '../src/frontier/memory-frontier.ts';
import { MemoryStore } from '../src/stores/memory/memory-store.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const hostCount = Number(process.argv[3] ?? 1000);
const batch = Number(process.argv[4] ?? 1000);
const policy = { concurrency: 1_000_000, delayMs: 0 };

function makeRequests(): QueuedRequest[] {
  const raw = randomBytes(20 * n);
  const out = new Array<QueuedRequest>(n);
  for (let i = 0; i < n; i++) {
    const fingerprint = raw.toString('hex', i * 20, i * 20 + 20);
    const host = `h${i % hostCount}.example`;
    out[i] = { id: fingerprint, fingerprint, host, url: `https://${host}/p/${i}`, method: 'GET', priority: 0, depth: (i >> 16) & 3 };
  }
  return out;
}

interface Row {
  name: string;
  ops: number;
  ms: number;
}
const rows: Row[] = [];
function time(name: string, ops: number, fn: () => void): void {
  const t = process.hrtime.bigint();
  fn();
  rows.push({ name, ops, ms: Number(process.hrtime.bigint() - t) / 1e6 });
}
async function timeAsync(name: string, ops: number, fn: () => Promise<void>): Promise<void> {
  const t = process.hrtime.bigint();
  await fn();
  rows.push({ name, ops, ms: Number(process.hrtime.bigint() - t) / 1e6 });
}

const requests = makeRequests();

// Bare frontier.
{
  const frontier = new MemoryFrontier({ hostPolicy: policy, maxDeliveries: 5 });
  time('frontier push', n, () => {
    for (let i = 0; i < n; i += batch) {
      const end = Math.min(n, i + batch);
      for (let j = i; j < end; j++) frontier.push(requests[j]);
    }
  });
  const ids: string[] = [];
  let leasedTotal = 0;
  let settleMs = 0;
  time('frontier lease', n, () => {
    let now = 1;
    for (;;) {
      const { leases } = frontier.lease(batch, now++, 60_000);
      if (leases.length === 0) break;
      leasedTotal += leases.length;
      // Settle outside the lease timing so each figure stands alone.
      const t = process.hrtime.bigint();
      for (const l of leases) ids.push(l.request.id);
      for (const id of ids) frontier.settle(id);
      ids.length = 0;
      settleMs += Number(process.hrtime.bigint() - t) / 1e6;
    }
  });
  rows[rows.length - 1].ms -= settleMs;
  rows.push({ name: 'frontier settle', ops: leasedTotal, ms: settleMs });
  if (leasedTotal !== n) throw new Error(`leased ${leasedTotal} of ${n}`);
}

// Through the store: validation + seen test-and-set + push; lease; commit.
{
  const store = new MemoryStore({ hostPolicy: policy, maxDeliveries: 5 });
  await store.open();
  await timeAsync('store enqueue (new)', n, async () => {
    for (let i = 0; i < n; i += batch) await store.enqueue(requests.slice(i, i + batch));
  });
  await timeAsync('store enqueue (all dupes)', n, async () => {
    for (let i = 0; i < n; i += batch) await store.enqueue(requests.slice(i, i + batch));
  });
  let leased = 0;
  let commitMs = 0;
  await timeAsync('store lease', n, async () => {
    let now = 1;
    for (;;) {
      const { leases } = await store.lease({ max: batch, now: now++, leaseMs: 60_000 });
      if (leases.length === 0) break;
      leased += leases.length;
      const t = process.hrtime.bigint();
      for (const l of leases) await store.commit({ id: l.request.id, result: { kind: 'done' }, children: [], items: [] });
      commitMs += Number(process.hrtime.bigint() - t) / 1e6;
    }
  });
  rows[rows.length - 1].ms -= commitMs;
  rows.push({ name: 'store commit (no children)', ops: leased, ms: commitMs });
  await store.close();
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`requests=${n} hosts=${hostCount} batch=${batch} node=${process.version}`);
console.log('| operation | requests | ms | requests/s |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.ops)} | ${fmt(r.ms)} | ${fmt((r.ops / r.ms) * 1000)} |`);
console.log(
  JSON.stringify({
    bench: 'frontier',
    requests: n,
    hosts: hostCount,
    batch,
    results: Object.fromEntries(rows.map((r) => [r.name, Math.round((r.ops / r.ms) * 1000)])),
  }),
);
