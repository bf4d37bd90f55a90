/**
 * `superfilter status DIR` on a job directory that a live process holds (read without the
 * lock), and after that process was SIGKILLed: the figures, the owner, the table and --json.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerStatusCommand } from '../../src/cli/commands/status.ts';
import { JobdirStore } from '../../src/stores/jobdir/jobdir-store.ts';
import { readJobdirStatus } from '../../src/stores/jobdir/jobdir-status.ts';
import { crawlPage } from './fixtures/jobdir-graph.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-status-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `superfilter status ...args` through a program holding only the status command; returns stdout. */
async function statusCli(args: string[]): Promise<string> {
  const program = new Command('superfilter').exitOverride();
  registerStatusCommand(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'superfilter', 'status', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

describe('superfilter status (jobdir)', () => {
  it('reports a directory held by a live process, then by a dead one', async () => {
    const store = new JobdirStore({ dir, hostPolicy: { concurrency: 1, delayMs: 0 }, maxDeliveries: 5 });
    await store.open();
    // 30 pages on 5 hosts (h0..h4), 6 each; one page done with 2 items and a feed checkpoint.
    await store.enqueue(Array.from({ length: 30 }, (_, i) => crawlPage(i)));
    const [first] = (await store.lease({ max: 1, now: Date.now(), leaseMs: 60_000 })).leases;
    await store.commit({ id: first.request.id, result: { kind: 'done' }, children: [crawlPage(100)], items: ['{}', '{}'], feed: { path: 'out.jsonl', offset: 42 } });
    await store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'jobdir-crawl-child.ts'), dir, '200', 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('ready')) resolve();
        });
        child.on('exit', () => reject(new Error(`holder exited: ${out}`)));
      });
      const live = readJobdirStatus(dir, 3);
      assert.equal(live.owner?.pid, child.pid);
      assert.equal(live.owner?.alive, true);
      assert.deepEqual(
        { pending: live.pending, leased: live.leased, done: live.done, seen: live.seen, items: live.items, failed: live.failed, retired: live.retired },
        { pending: 28, leased: 2, done: 1, seen: 31, items: 2, failed: 0, retired: 0 },
      );
      assert.deepEqual(live.feed, { path: 'out.jsonl', offset: 42 });
      assert.equal(live.hosts.length, 3);
      assert.equal(live.hostCount, 5);
      assert.equal(live.hosts.reduce((a, h) => a + h.leased, 0) <= 2, true);
      const table = await statusCli([dir, '--top', '3']);
      assert.match(table, new RegExp(`in use by process ${child.pid}`));
      assert.match(table, /pending\s+28/);
      assert.match(table, /and 2 more hosts/);
      const json = JSON.parse(await statusCli([dir, '--json']));
      assert.equal(json.pending, 28);
      assert.equal(json.owner.alive, true);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const dead = readJobdirStatus(dir);
    assert.equal(dead.owner?.alive, false);
    assert.equal(dead.leased, 2, 'the dead holder’s leases, returned on the next open');
    assert.match(await statusCli([dir]), /dead; resumable/);
  });
});
