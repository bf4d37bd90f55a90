import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JobdirSeenFilter } from '../../src/seen/jobdir-seen-filter.ts';
import { batchSize, fpOf, hex, tempDir } from './helpers.ts';

const writer = fileURLToPath(new URL('./fixtures/seen-writer.ts', import.meta.url));
const temp = tempDir('sf-kill-');
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

/** Runs the writer for round `round`, SIGKILLs it after a random moment; returns the last batch it reported resolved (-1 if none). */
function runAndKill(dir: string, round: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let last = -1;
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) last = Number(line.split(' ')[1]);
      // Kill at a random moment once writing is under way.
      if (timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * 250);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal} before it was killed`));
      else resolve(last);
    });
  });
}

describe('jobdir seen set under kill -9', () => {
  it('keeps every fingerprint of every resolved addMany and reads no garbage', { timeout: 60_000 }, async () => {
    const dir = join(temp.dir, 'job');
    const promised = new Set<string>(); // fingerprints whose addMany resolved
    const possible = new Set<string>(); // also those of the batch that may have been in flight
    for (let round = 0; round < 4; round++) {
      const last = await runAndKill(dir, round);
      assert.ok(last >= 0, 'the writer reported at least one batch');
      for (let b = 0; b <= last + 1; b++) {
        for (let i = 0; i < batchSize(b); i++) {
          const key = hex(fpOf(`${round}:${b}:${i}`));
          possible.add(key);
          if (b <= last) promised.add(key);
        }
      }
      const warnings: string[] = [];
      const filter = JobdirSeenFilter.open(dir, { onWarning: (m) => warnings.push(m) });
      let onDisk = 0;
      filter.forEachBatch((payload, count) => {
        for (let i = 0; i < count; i++) {
          onDisk++;
          const key = hex(payload.subarray(i * 20, i * 20 + 20));
          assert.ok(possible.has(key), `round ${round}: unexpected fingerprint ${key} read back`);
        }
      });
      assert.equal(filter.size, onDisk, 'no fingerprint is stored twice');
      for (const key of promised) assert.ok(filter.has(Buffer.from(key, 'hex')), `round ${round}: lost ${key}`);
      assert.ok(filter.size >= promised.size && filter.size <= possible.size);
      await filter.close();
    }
  });
});
