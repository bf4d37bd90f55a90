/**
 * The job directory's errors: each a StoreError with a stable code, and nothing that was
 * durable is damaged — a newer format, a damaged format file or queue log, a seen log shorter
 * than recorded, a torn tail (cut with a warning, not an error), a full disk (a real file-size
 * limit on a child process) and a read-only directory (immutable files).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, StoreError } from '../../src/errors.ts';
import { JobdirStore } from '../../src/stores/jobdir/jobdir-store.ts';
import { crawlPage } from './fixtures/jobdir-graph.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    spawnSync('chattr', ['-R', '-i', d]);
    rmSync(d, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-err-'));
  dirs.push(dir);
  return dir;
}

const make = (dir: string, warnings: string[] = []) =>
  new JobdirStore({ dir, hostPolicy: { concurrency: 5, delayMs: 0 }, maxDeliveries: 5, onWarning: (m) => warnings.push(m) });

/** A directory holding `n` pending requests, closed. */
async function filled(n: number): Promise<string> {
  const dir = tempDir();
  const store = make(dir);
  await store.open();
  await store.enqueue(Array.from({ length: n }, (_, i) => crawlPage(i)));
  await store.close();
  return dir;
}

const queueFile = (dir: string) => join(dir, readdirSync(dir).find((f) => /^queue-\d+\.log$/.test(f))!);
const code = (c: string) => (e: unknown) => e instanceof StoreError && e.code === c;

describe('jobdir errors', () => {
  it('refuses a directory from a newer format with SF_STORE_VERSION, touching nothing', async () => {
    const dir = await filled(3);
    writeFileSync(join(dir, 'jobdir.json'), '{"format": 99}\n');
    const before = readFileSync(queueFile(dir));
    await assert.rejects(make(dir).open(), (e: unknown) => code(ErrorCodes.STORE_VERSION)(e) && /format 99/.test((e as Error).message));
    assert.deepEqual(readFileSync(queueFile(dir)), before);
    assert.deepEqual(readdirSync(dir).includes('lock'), false, 'no lock left behind');
  });

  it('reports a damaged format file or queue-log header as SF_STORE_CORRUPT', async () => {
    const a = await filled(3);
    writeFileSync(join(a, 'jobdir.json'), 'not json');
    await assert.rejects(make(a).open(), code(ErrorCodes.STORE_CORRUPT));
    const b = await filled(3);
    const q = queueFile(b);
    const bytes = readFileSync(q);
    bytes[12] ^= 0xff;
    writeFileSync(q, bytes);
    await assert.rejects(make(b).open(), code(ErrorCodes.STORE_CORRUPT));
    const c = await filled(3);
    rmSync(join(c, 'jobdir.json'));
    await assert.rejects(make(c).open(), code(ErrorCodes.STORE_CORRUPT));
  });

  it('reports a seen log shorter than its recorded length as SF_STORE_CORRUPT', async () => {
    const dir = await filled(50);
    truncateSync(join(dir, 'seen.log'), 100);
    await assert.rejects(make(dir).open(), code(ErrorCodes.STORE_CORRUPT));
  });

  it('reports damage in the middle of the queue log as SF_STORE_CORRUPT, not a torn tail', async () => {
    const dir = await filled(2000);
    const store = make(dir);
    await store.open();
    // Push the log well past what one torn write can leave (16 MiB) after the damage.
    const pad = 'x'.repeat(1000);
    for (let b = 0; b < 20; b++) {
      await store.enqueue(Array.from({ length: 1000 }, (_, i) => ({ ...crawlPage(10_000 + b * 1000 + i), userData: { pad } })));
    }
    await store.close();
    const q = queueFile(dir);
    const bytes = readFileSync(q);
    bytes[200] ^= 0xff;
    writeFileSync(q, bytes);
    await assert.rejects(make(dir).open(), code(ErrorCodes.STORE_CORRUPT));
  });

  it('drops a torn tail with a warning and keeps everything before it', async () => {
    const dir = await filled(20);
    appendFileSync(queueFile(dir), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
    appendFileSync(join(dir, 'seen.log'), Buffer.from([5, 0, 0, 0, 9, 9]));
    const warnings: string[] = [];
    const store = make(dir, warnings);
    const info = await store.open();
    assert.equal(info.resumed, true);
    const stats = await store.stats();
    assert.equal(stats.pending, 20);
    assert.equal(stats.seen, 20);
    assert.ok(warnings.some((w) => /torn tail of 11 bytes/.test(w)), warnings.join('\n'));
    assert.deepEqual(await store.enqueue([crawlPage(0), crawlPage(20)]), [false, true]);
    await store.close();
  });

  it('fails a write on a full disk with SF_STORE_DISK_FULL and keeps what was durable', { skip: !hasPrlimit() && 'no prlimit' }, async () => {
    const dir = tempDir();
    const child = join(import.meta.dirname, 'fixtures', 'jobdir-fill-child.ts');
    const run = spawnSync('prlimit', [`--fsize=${256 * 1024}`, process.execPath, '--import', 'tsx', child, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
    assert.equal(result.code, ErrorCodes.STORE_DISK_FULL, `${run.stdout} ${run.stderr}`);
    assert.equal(result.code, ErrorCodes.STORE_DISK_FULL);
    assert.equal(result.retryCode, ErrorCodes.STORE_DISK_FULL);
    assert.ok(Number(result.accepted) > 100);
    assert.equal(result.pending, result.accepted, 'the refused batch changed nothing in memory');
    assert.equal(result.seen, result.accepted);
    const warnings: string[] = [];
    const store = make(dir, warnings);
    await store.open();
    const stats = await store.stats();
    assert.equal(stats.pending, result.accepted);
    assert.equal(stats.seen, result.accepted);
    assert.deepEqual(
      warnings.filter((w) => /torn/.test(w)),
      [],
      'the failed append left no torn bytes',
    );
    await store.close();
  });

  it('refuses a read-only directory with SF_STORE_READ_ONLY, touching nothing', { skip: !canChattr() && 'no chattr +i here' }, async () => {
    const dir = await filled(5);
    const before = readFileSync(queueFile(dir));
    spawnSync('chattr', ['-R', '+i', dir]);
    try {
      await assert.rejects(make(dir).open(), code(ErrorCodes.STORE_READ_ONLY));
    } finally {
      spawnSync('chattr', ['-R', '-i', dir]);
    }
    assert.deepEqual(readFileSync(queueFile(dir)), before);
    const store = make(dir);
    await store.open();
    assert.equal((await store.stats()).pending, 5);
    await store.close();
  });
});

function hasPrlimit(): boolean {
  return spawnSync('prlimit', ['--version']).status === 0;
}

function canChattr(): boolean {
  const dir = tempDir();
  const file = join(dir, 'probe');
  writeFileSync(file, '');
  const ok = spawnSync('chattr', ['+i', file]).status === 0;
  spawnSync('chattr', ['-i', file]);
  return ok;
}
