import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, isSuperfilterError } from '../../src/errors.ts';
import { JobdirSeenFilter, SEEN_LOG_FILE } from '../../src/seen/jobdir-seen-filter.ts';
import { SEEN_LOG_VERSION, SeenLog } from '../../src/seen/seen-log.ts';
import { hex, randomFps, tempDir } from './helpers.ts';

const temp = tempDir();
after(temp.cleanup);
let n = 0;
const freshDir = () => join(temp.dir, `d${n++}`);

function collect(filter: JobdirSeenFilter): string[] {
  const out: string[] = [];
  filter.forEachBatch((payload, count) => {
    for (let i = 0; i < count; i++) out.push(hex(payload.subarray(i * 20, i * 20 + 20)));
  });
  return out;
}

describe('SeenLog and JobdirSeenFilter', () => {
  it('reopens exactly what was added, 20 bytes kept per fingerprint', async () => {
    const dir = freshDir();
    const fps = randomFps(3_000);
    const a = JobdirSeenFilter.open(dir);
    assert.deepEqual(await a.addMany([fps[0], fps[0], fps[1]]), [true, false, true]);
    await a.addMany(fps.slice(0, 2_000));
    await a.close();
    const b = JobdirSeenFilter.open(dir);
    assert.equal(b.size, 2_000);
    assert.equal(b.openInfo.droppedBytes, 0);
    assert.deepEqual(await b.addMany(fps.slice(1_990, 2_010)), [...Array(10).fill(false), ...Array(10).fill(true)]);
    assert.deepEqual(collect(b).sort(), fps.slice(0, 2_010).map(hex).sort());
    assert.ok(b.diskBytes() <= 16 + 2_010 * 20 + 3 * 8);
    await b.close();
    await assert.rejects(b.addMany([fps[0]]), (e) => isSuperfilterError(e, ErrorCodes.STORE_CLOSED));
  });

  it('drops a torn tail with a warning, keeps whole batches, and appends after it', async () => {
    const dir = freshDir();
    const fps = randomFps(300);
    const a = JobdirSeenFilter.open(dir);
    await a.addMany(fps.slice(0, 100));
    await a.addMany(fps.slice(100, 200));
    await a.close();
    const path = join(dir, SEEN_LOG_FILE);
    const whole = fs.statSync(path).size;
    fs.truncateSync(path, whole - 7); // the second batch loses its last 7 bytes
    const warnings: string[] = [];
    const b = JobdirSeenFilter.open(dir, { onWarning: (m) => warnings.push(m) });
    assert.equal(b.size, 100);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /torn or corrupt tail/);
    assert.equal(b.openInfo.droppedBytes, 100 * 20 + 8 - 7);
    assert.equal(fs.statSync(path).size, 16 + 100 * 20 + 8);
    assert.deepEqual(await b.addMany(fps.slice(150, 250)), Array(100).fill(true));
    await b.close();
    const c = JobdirSeenFilter.open(dir);
    assert.equal(c.size, 200);
    for (const fp of fps.slice(0, 100)) assert.equal(c.has(fp), true);
    for (const fp of fps.slice(100, 150)) assert.equal(c.has(fp), false);
    await c.close();
  });

  it('drops a batch whose checksum fails and everything after it', async () => {
    const dir = freshDir();
    const fps = randomFps(30);
    const a = JobdirSeenFilter.open(dir);
    for (let i = 0; i < 3; i++) await a.addMany(fps.slice(i * 10, i * 10 + 10));
    await a.close();
    const path = join(dir, SEEN_LOG_FILE);
    const bytes = fs.readFileSync(path);
    bytes[16 + (8 + 200) + 8 + 55] ^= 0x40; // one bit inside the second batch's payload
    fs.writeFileSync(path, bytes);
    const warnings: string[] = [];
    const b = JobdirSeenFilter.open(dir, { onWarning: (m) => warnings.push(m) });
    assert.equal(b.size, 10);
    assert.equal(warnings.length, 1);
    assert.equal(b.openInfo.droppedBytes, 2 * (8 + 200));
    await b.close();
  });

  it('refuses a file of a newer format version and a file that is not a seen log', () => {
    const dir = freshDir();
    JobdirSeenFilter.open(dir).closeSync();
    const path = join(dir, SEEN_LOG_FILE);
    const bytes = fs.readFileSync(path);
    bytes.writeUInt16LE(SEEN_LOG_VERSION + 1, 8);
    fs.writeFileSync(path, bytes);
    assert.throws(() => SeenLog.open(path), (e) => isSuperfilterError(e, ErrorCodes.STORE_VERSION));
    fs.writeFileSync(path, 'da39a3ee5e6b4b0d3255bfef95601890afd80709\n');
    assert.throws(() => SeenLog.open(path), (e) => isSuperfilterError(e, ErrorCodes.STORE_CORRUPT));
    fs.writeFileSync(path, '');
    assert.throws(() => SeenLog.open(path), (e) => isSuperfilterError(e, ErrorCodes.STORE_CORRUPT));
  });

  it('opens read-only: reads, refuses appends, leaves a torn tail in place', async () => {
    const dir = freshDir();
    const fps = randomFps(20);
    const a = JobdirSeenFilter.open(dir);
    await a.addMany(fps.slice(0, 10));
    await a.close();
    const path = join(dir, SEEN_LOG_FILE);
    fs.appendFileSync(path, Buffer.from([1, 2, 3]));
    const warnings: string[] = [];
    const b = JobdirSeenFilter.open(dir, { readOnly: true, onWarning: (m) => warnings.push(m) });
    assert.equal(b.size, 10);
    assert.equal(warnings.length, 1);
    assert.equal(fs.statSync(path).size, 16 + 8 + 200 + 3);
    await assert.rejects(b.addMany([fps[15]]), (e) => isSuperfilterError(e, ErrorCodes.STORE_READ_ONLY));
    assert.equal(b.has(fps[15]), false, 'a refused batch is taken back out of memory');
    await b.close();
  });

  describe('on a small file system', () => {
    let mount = '';
    try {
      mount = fs.mkdtempSync(join(temp.dir, 'mnt-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      mount = '';
    }
    const skip = mount === '' ? 'needs permission to mount a tmpfs' : false;
    after(() => {
      if (mount) execFileSync('umount', [mount], { stdio: 'ignore' });
    });

    it('reports a full disk, keeps what was durable, and works again once space is freed', { skip }, async () => {
      const dir = join(mount, 'job');
      const filter = JobdirSeenFilter.open(dir);
      const fps = randomFps(3_000);
      await filter.addMany(fps.slice(0, 1_000));
      const sizeBefore = filter.diskBytes();
      // Fill what is left of the file system.
      const filler = join(mount, 'filler');
      const block = Buffer.alloc(4096, 1);
      const fd = fs.openSync(filler, 'w');
      try {
        for (;;) fs.writeSync(fd, block);
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      } finally {
        fs.closeSync(fd);
      }
      await assert.rejects(filter.addMany(fps.slice(500, 3_000)), (e) => isSuperfilterError(e, ErrorCodes.STORE_DISK_FULL));
      assert.equal(filter.size, 1_000);
      assert.equal(fs.statSync(join(dir, SEEN_LOG_FILE)).size, sizeBefore);
      fs.rmSync(filler);
      const again = await filter.addMany(fps.slice(500, 3_000));
      assert.equal(again.filter(Boolean).length, 2_000);
      await filter.close();
      const reopened = JobdirSeenFilter.open(dir);
      assert.equal(reopened.size, 3_000);
      assert.equal(reopened.openInfo.droppedBytes, 0);
      await reopened.close();
    });

    it('reports a read-only file system as SF_STORE_READ_ONLY', { skip }, async () => {
      const dir = join(mount, 'ro');
      const filter = JobdirSeenFilter.open(dir);
      await filter.addMany(randomFps(10));
      await filter.close();
      execFileSync('mount', ['-o', 'remount,ro', mount], { stdio: 'ignore' });
      try {
        assert.throws(() => JobdirSeenFilter.open(dir), (e) => isSuperfilterError(e, ErrorCodes.STORE_READ_ONLY));
        const reader = JobdirSeenFilter.open(dir, { readOnly: true });
        assert.equal(reader.size, 10);
        await reader.close();
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', mount], { stdio: 'ignore' });
      }
    });
  });
});
