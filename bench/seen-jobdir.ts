/**
 * Benchmark of the durable seen set: bytes on disk per fingerprint and the time to reopen a job
 * directory (load the seen log into memory) in a fresh process.
 *
 * Usage: taskset -c 0 node --import tsx bench/seen-jobdir.ts [--count 10000000] [--batch 1000] [--dir D]
 * Prints a table and, last, one JSON line. A temporary directory is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JobdirSeenFilter } from '../src/seen/jobdir-seen-filter.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: '1000' },
    dir: { type: 'string' },
    reopen: { type: 'string' },
  },
});

if (values.reopen) {
  const t0 = performance.now();
  const filter = JobdirSeenFilter.open(values.reopen);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ size: filter.size, reopenSeconds: seconds, rssBytes: process.memoryUsage.rss() })}\n`);
  filter.closeSync();
} else {
  const count = Number(values.count);
  const batch = Number(values.batch);
  const temp = values.dir ? undefined : mkdtempSync(join(tmpdir(), 'sf-bench-jobdir-'));
  const dir = values.dir ?? join(temp!, 'job');
  try {
    const filter = JobdirSeenFilter.open(dir);
    const buf = new Uint8Array(batch * 20);
    const views = Array.from({ length: batch }, (_, i) => buf.subarray(i * 20, i * 20 + 20));
    const t0 = performance.now();
    for (let done = 0; done < count; done += batch) {
      randomFillSync(buf);
      filter.addManySync(done + batch <= count ? views : views.slice(0, count - done));
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const size = filter.size;
    const diskBytes = filter.diskBytes();
    filter.closeSync();
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--reopen', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`reopen child failed with status ${run.status}`);
    const reopened = JSON.parse(run.stdout.trim().split('\n').pop()!);
    if (reopened.size !== size) throw new Error(`reopened ${reopened.size} fingerprints, expected ${size}`);
    const result = { bench: 'seen-jobdir', count, batch, size, diskBytes, diskBytesPerFp: diskBytes / size, fillSeconds, reopenSeconds: reopened.reopenSeconds };
    console.log('fingerprints  disk MB   B/fp on disk  fill s   reopen s');
    console.log(
      [String(size).padEnd(13), (diskBytes / 2 ** 20).toFixed(1).padEnd(9), result.diskBytesPerFp.toFixed(3).padEnd(13), fillSeconds.toFixed(1).padEnd(8), reopened.reopenSeconds.toFixed(2)].join(' '),
    );
    console.log(JSON.stringify(result));
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
