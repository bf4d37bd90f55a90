/**
 * Shared helpers of the seen-set tests: deterministic and random fingerprints, temp dirs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The SHA-1 of `text`: a deterministic 20-byte fingerprint. */
export function fpOf(text: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(text).digest());
}

/** `n` random 20-byte fingerprints. */
export function randomFps(n: number): Uint8Array[] {
  const all = randomBytes(n * 20);
  return Array.from({ length: n }, (_, i) => new Uint8Array(all.subarray(i * 20, i * 20 + 20)));
}

/** Lower-case hex of a fingerprint. */
export function hex(fp: Uint8Array): string {
  return Buffer.from(fp).toString('hex');
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'sf-seen-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Batch sizes of the kill -9 writer: they vary so some writes are large (a kill can land inside one). */
export function batchSize(b: number): number {
  return b % 7 === 3 ? 20_000 : 50 + ((b * 37) % 400);
}
