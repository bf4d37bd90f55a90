/**
 * Benchmark of the in-memory seen set: RAM per fingerprint (process RSS growth ÷ count) at
 * each size, each size in a fresh child process, and checks per second at the first size.
 *
 * Usage: taskset -c 0 node --import tsx bench/seen-memory.ts [--sizes 10000000,100000000] [--checks 2000000] [--batch 1000]
 * Prints a table and, last, one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompactFingerprintSet } from '../src/seen/compact-fingerprint-set.ts';

interface ChildResult {
  count: number;
  size: number;
  rssGrowthBytes: number;
  bytesPerFp: number;
  estimateBytesPerFp: number;
  /** Highest RSS growth ÷ size sampled (every 500 batches) over the second half of the fill. */
  worstBytesPerFp: number;
  fillSeconds: number;
  checksPerSecond: number | null;
  /** Checks per second of CPU time (less disturbed when other processes share the core). */
  checksPerCpuSecond: number | null;
  checkNewShare: number | null;
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000000,100000000' },
    checks: { type: 'string', default: '2000000' },
    batch: { type: 'string', default: '1000' },
    child: { type: 'string' },
    'measure-checks': { type: 'boolean', default: false },
  },
});
const batchSize = Number(values.batch);

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss();
}

/** A batch of views over one buffer refilled with random bytes for every batch. */
function batchViews(n: number): { buf: Uint8Array; views: Uint8Array[] } {
  const buf = new Uint8Array(n * 20);
  return { buf, views: Array.from({ length: n }, (_, i) => buf.subarray(i * 20, i * 20 + 20)) };
}

function child(count: number, measureChecks: boolean): ChildResult {
  const set = new CompactFingerprintSet();
  const { buf, views } = batchViews(batchSize);
  // Fingerprints kept aside for the check phase's repeats (about 30% of checks).
  const checks = Number(values.checks);
  const keepEvery = Math.max(1, Math.floor(count / Math.ceil(checks * 0.3 + 1)));
  const kept: Uint8Array[] = [];
  const before = rss();
  let worst = 0;
  const t0 = performance.now();
  for (let done = 0; done < count; done += batchSize) {
    const n = Math.min(batchSize, count - done);
    randomFillSync(buf);
    set.addMany(n === batchSize ? views : views.slice(0, n));
    // RSS per fingerprint at its worst point of the growth cycle, over the second half of the fill.
    if ((done / batchSize) % 500 === 0 && done >= count / 2) worst = Math.max(worst, (process.memoryUsage.rss() - before) / set.size);
    if (measureChecks && (done / batchSize) % keepEvery === 0) kept.push(views[0].slice());
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  const after = rss();
  const filled = set.size;
  const estimate = set.bytesUsed() / filled;
  const keptBytes = kept.length * 100; // rough cost of the kept sample, subtracted below
  const growth = after - before - keptBytes;
  let checksPerSecond: number | null = null;
  let checkNewShare: number | null = null;
  let checksPerCpuSecond: number | null = null;
  if (measureChecks) {
    // Precomputed check fingerprints, back to back; each batch is copied into the reused batch
    // buffer (as the fill does), so the timing covers the set, not a million view objects.
    const batchCount = Math.ceil(checks / batchSize);
    const all = new Uint8Array(batchCount * batchSize * 20);
    randomFillSync(all);
    for (let i = 0; i < batchCount * batchSize; i++) {
      if (Math.random() < 0.3) all.set(kept[Math.floor(Math.random() * kept.length)], i * 20);
    }
    let fresh = 0;
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let b = 0; b < batchCount; b++) {
      buf.set(all.subarray(b * batchSize * 20, (b + 1) * batchSize * 20));
      for (const isNew of set.addMany(views)) if (isNew) fresh++;
    }
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t1) / 1000;
    const done = batchCount * batchSize;
    checksPerSecond = done / seconds;
    checksPerCpuSecond = done / ((cpu.user + cpu.system) / 1e6);
    checkNewShare = fresh / done;
  }
  return {
    count,
    size: filled,
    rssGrowthBytes: growth,
    bytesPerFp: growth / filled,
    estimateBytesPerFp: estimate,
    worstBytesPerFp: Math.max(worst, growth / filled),
    fillSeconds,
    checksPerSecond,
    checksPerCpuSecond,
    checkNewShare,
  };
}

if (values.child) {
  const result = child(Number(values.child), values['measure-checks'] ?? false);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const sizes = values.sizes!.split(',').map(Number);
  const results: ChildResult[] = [];
  for (const [i, size] of sizes.entries()) {
    const args = ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), '--child', String(size), '--batch', String(batchSize), '--checks', values.checks!];
    if (i === 0) args.push('--measure-checks');
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`child for ${size} failed with status ${run.status}`);
    results.push(JSON.parse(run.stdout.trim().split('\n').pop()!));
  }
  console.log('count        distinct     RSS growth MB  B/fp (RSS)  worst B/fp  B/fp (estimate)  fill s   checks/s (batch ' + batchSize + ')');
  for (const r of results) {
    console.log(
      [
        String(r.count).padEnd(12),
        String(r.size).padEnd(12),
        (r.rssGrowthBytes / 2 ** 20).toFixed(1).padEnd(14),
        r.bytesPerFp.toFixed(2).padEnd(11),
        r.worstBytesPerFp.toFixed(2).padEnd(11),
        r.estimateBytesPerFp.toFixed(2).padEnd(16),
        r.fillSeconds.toFixed(1).padEnd(8),
        r.checksPerSecond === null
          ? '-'
          : `${Math.round(r.checksPerSecond).toLocaleString('en-US')} wall, ${Math.round(r.checksPerCpuSecond!).toLocaleString('en-US')} per CPU s (${(r.checkNewShare! * 100).toFixed(0)}% new)`,
      ].join(' '),
    );
  }
  console.log(JSON.stringify({ bench: 'seen-memory', batch: batchSize, results }));
}
