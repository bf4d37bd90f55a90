/**
 * Real processes, real signals: a child crawls a synthetic graph through a job directory and
 * is SIGKILLed in the middle of its commits, several times; then the directory is reopened and
 * checked — every committed outcome kept, every lease of the dead process back in the queue,
 * every seen fingerprint done or pending — and the crawl is finished. Also the lock: a second
 * owner of a live directory is refused; a SIGKILLed owner's lock is taken over.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, StoreError } from '../../src/errors.ts';
import { JobdirStore } from '../../src/stores/jobdir/jobdir-store.ts';
import { pageChildren } from './fixtures/jobdir-graph.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'jobdir-crawl-child.ts');
const PAGES = 600;
const dirs: string[] = [];
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-crash-'));
  dirs.push(dir);
  return dir;
}

/** Spawns the child; resolves with its output lines once `until(lines)` holds (or it exits). */
function runChild(args: string[], until: (lines: string[]) => boolean): Promise<{ child: ChildProcess; lines: string[]; exited: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const lines: string[] = [];
  let rest = '';
  return new Promise((resolve, reject) => {
    let done = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
      if (!done && until(lines)) {
        done = true;
        resolve({ child, lines, exited: false });
      }
    });
    child.on('exit', () => {
      children.delete(child);
      if (!done) {
        done = true;
        resolve({ child, lines, exited: true });
      }
    });
    child.on('error', reject);
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const open = (dir: string) => new JobdirStore({ dir, hostPolicy: { concurrency: 50, delayMs: 0 }, maxDeliveries: 100 });

describe('jobdir under kill -9', () => {
  it('keeps every committed outcome, returns dead leases, never loses a seen request', async () => {
    const dir = tempDir();
    const committed = new Set<number>();
    let kills = 0;
    for (let round = 0; round < 4; round++) {
      const target = committed.size + 40 + Math.floor(Math.random() * 80);
      const { child, lines, exited } = await runChild([dir, String(PAGES)], (l) => l.filter((x) => x.startsWith('C ')).length + committed.size >= target);
      await killed(child);
      if (!exited) kills++;
      // Leases the child reported and did not report settled were open when it died.
      let openLeases = 0;
      for (const line of lines) {
        if (line.startsWith('L ')) openLeases += Number(line.slice(2));
        if (line.startsWith('C ')) openLeases--;
        if (!line.startsWith('C ')) continue;
        const page = Number(line.slice(2));
        assert.ok(!committed.has(page), `page ${page} committed twice across crashes`);
        committed.add(page);
      }
      // Reopen in this process and check the invariants, then close for the next round.
      const store = open(dir);
      const info = await store.open();
      assert.equal(info.resumed, true);
      const stats = await store.stats();
      assert.equal(stats.leased, 0);
      assert.ok(stats.done >= committed.size, `done ${stats.done} >= reported commits ${committed.size}`);
      assert.equal(stats.seen, stats.done + stats.failed + stats.retired + stats.pending, 'every seen request is done or pending');
      // Those, less at most one commit durable but not yet reported (commits run one at a
      // time), plus at most one lease batch logged but not yet reported.
      assert.ok(info.recoveredLeases >= openLeases - 1, `recovered ${info.recoveredLeases} >= reported open ${openLeases} - 1`);
      assert.ok(info.recoveredLeases <= openLeases + 20, `recovered ${info.recoveredLeases} <= ${openLeases} + one batch`);
      await store.close();
    }
    assert.ok(kills >= 3, `killed mid-crawl ${kills} times`);
    // Finish the crawl here: no page reported committed may be leased again.
    const store = open(dir);
    await store.open();
    let now = Date.now();
    for (let guard = 0; guard < 10_000 && !(await store.isFinished()); guard++) {
      const { leases } = await store.lease({ max: 50, now: now++, leaseMs: 60_000 });
      for (const lease of leases) {
        const page = Number(lease.request.url.split('/').pop());
        assert.ok(!committed.has(page), `page ${page} was committed before the crash and leased again`);
        committed.add(page);
        await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: pageChildren(page, PAGES), items: [] });
      }
    }
    const stats = await store.stats();
    assert.equal(stats.done, PAGES, 'every page done exactly once');
    assert.equal(stats.seen, PAGES);
    assert.equal(stats.pending, 0);
    await store.close();
  });

  it('refuses a second owner of a live directory and takes over a SIGKILLed owner', async () => {
    const dir = tempDir();
    const { child, lines } = await runChild([dir, String(PAGES), 'hold'], (l) => l.includes('ready'));
    assert.ok(lines.includes('ready'));
    const second = open(dir);
    await assert.rejects(second.open(), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, ErrorCodes.STORE_LOCKED);
      assert.match(e.message, new RegExp(`process ${child.pid}\\b`));
      return true;
    });
    await killed(child);
    const warnings: string[] = [];
    const store = new JobdirStore({ dir, hostPolicy: { concurrency: 50, delayMs: 0 }, maxDeliveries: 100, onWarning: (m) => warnings.push(m) });
    const info = await store.open();
    assert.equal(info.resumed, true);
    assert.equal(info.recoveredLeases, 1, 'the one seeded request the holder had leased');
    assert.ok(warnings.some((w) => w.includes(`dead process ${child.pid}`)), warnings.join('\n'));
    const third = open(dir);
    await assert.rejects(third.open(), (e: unknown) => e instanceof StoreError && e.code === ErrorCodes.STORE_LOCKED);
    await store.close();
    const again = open(dir);
    await again.open();
    await again.close();
  });
});
