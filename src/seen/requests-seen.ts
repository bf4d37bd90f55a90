/**
 * Import from and export to Scrapy's `requests.seen`: one 40-hex-digit request fingerprint per
 * line, the file Scrapy's dupe filter keeps in its JOBDIR.
 *
 * Invariants:
 * - import is all or nothing: the whole file is validated before the first fingerprint is
 *   added, so a bad line (reported with its 1-based line number, SF_FINGERPRINT_INVALID)
 *   leaves the seen set untouched; blank lines, CRLF line ends and surrounding blanks are
 *   tolerated, hex digits in either case;
 * - export writes lower-case hex, one per line, LF line ends, from the full 20-byte
 *   fingerprints of a seen log (so it is exact), to a temporary file renamed into place.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Fingerprint, SeenFilter } from '../contracts.ts';
import { ErrorCodes, StoreError } from '../errors.ts';
import { FINGERPRINT_BYTES } from './compact-fingerprint-set.ts';
import { storeErrorFromFs } from './seen-log.ts';

const HEX_DIGITS = FINGERPRINT_BYTES * 2;
const READ_CHUNK = 4 * 1024 * 1024;
const LF = 0x0a;

/** Value of a hex digit byte, or -1. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = HEX_VALUE[0x41 + i] = 10 + i;
const HEX_BYTE = Buffer.from('0123456789abcdef', 'latin1');

/** Outcome of an import. */
export interface ImportResult {
  /** Lines read, blank ones included. */
  lines: number;
  /** Fingerprints found in the file. */
  fingerprints: number;
  /** How many were new to the seen set. */
  added: number;
}

/** Anything whose stored fingerprints can be walked batch by batch (a jobdir seen filter, a seen log). */
export interface FingerprintSource {
  forEachBatch(fn: (payload: Uint8Array, count: number) => void): void;
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/**
 * Parses one line (bytes without its LF) into a fingerprint; null for a blank line. Throws
 * StoreError SF_FINGERPRINT_INVALID naming `lineNumber` when it is anything else.
 */
export function parseRequestsSeenLine(line: Uint8Array, lineNumber: number): Fingerprint | null {
  let start = 0;
  let end = line.length;
  while (start < end && isBlank(line[start])) start++;
  while (end > start && isBlank(line[end - 1])) end--;
  if (start === end) return null;
  const bad = (why: string) =>
    new StoreError(ErrorCodes.FINGERPRINT_INVALID, `requests.seen line ${lineNumber}: ${why}`, { details: { line: lineNumber } });
  if (end - start !== HEX_DIGITS) throw bad(`expected ${HEX_DIGITS} hex digits, got ${end - start} characters`);
  const fp = new Uint8Array(FINGERPRINT_BYTES);
  for (let i = 0; i < FINGERPRINT_BYTES; i++) {
    const hi = HEX_VALUE[line[start + i * 2]];
    const lo = HEX_VALUE[line[start + i * 2 + 1]];
    if (hi < 0 || lo < 0) throw bad('not a hex digit');
    fp[i] = (hi << 4) | lo;
  }
  return fp;
}

/** Yields every line of the file (bytes without its LF; valid until the next step) with its 1-based number. */
function* readLines(path: string): Generator<[Uint8Array, number]> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw storeErrorFromFs(error, 'cannot open', path);
  }
  try {
    let buf = Buffer.allocUnsafe(READ_CHUNK);
    let kept = 0; // bytes of an unfinished line carried over from the previous read
    let lineNumber = 0;
    for (;;) {
      if (kept === buf.length) {
        // A line longer than the buffer is certainly invalid, but report it with its number.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      let n: number;
      try {
        n = fs.readSync(fd, buf, kept, buf.length - kept, null);
      } catch (error) {
        throw storeErrorFromFs(error, 'cannot read', path);
      }
      const avail = kept + n;
      let from = 0;
      for (let i = buf.indexOf(LF, 0); i >= 0 && i < avail; i = buf.indexOf(LF, i + 1)) {
        yield [buf.subarray(from, i), ++lineNumber];
        from = i + 1;
      }
      if (n === 0) {
        if (from < avail) yield [buf.subarray(from, avail), ++lineNumber];
        return;
      }
      buf.copy(buf, 0, from, avail);
      kept = avail - from;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Adds every fingerprint of a Scrapy `requests.seen` file to `filter`, in batches. The file is
 * validated first; on a bad line nothing is added.
 */
export async function importRequestsSeen(path: string, filter: SeenFilter, options: { batchSize?: number } = {}): Promise<ImportResult> {
  const batchSize = Math.max(1, options.batchSize ?? 10_000);
  let lines = 0;
  let fingerprints = 0;
  for (const [line, n] of readLines(path)) {
    lines = n;
    if (parseRequestsSeenLine(line, n)) fingerprints++;
  }
  let added = 0;
  let batch: Fingerprint[] = [];
  const flush = async () => {
    for (const isNew of await filter.addMany(batch)) if (isNew) added++;
    batch = [];
  };
  for (const [line, n] of readLines(path)) {
    const fp = parseRequestsSeenLine(line, n);
    if (!fp) continue;
    batch.push(fp);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return { lines, fingerprints, added };
}

/**
 * Writes every fingerprint of `source` to `path` as a Scrapy `requests.seen` file (replacing
 * it atomically). Returns how many lines were written.
 */
export function exportRequestsSeen(source: FingerprintSource, path: string): number {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd = -1;
  let written = 0;
  try {
    fd = fs.openSync(tmp, 'w');
    let position = 0;
    source.forEachBatch((payload, count) => {
      const out = Buffer.allocUnsafe(count * (HEX_DIGITS + 1));
      let o = 0;
      for (let i = 0, p = 0; i < count; i++) {
        for (let j = 0; j < FINGERPRINT_BYTES; j++, p++) {
          out[o++] = HEX_BYTE[payload[p] >> 4];
          out[o++] = HEX_BYTE[payload[p] & 15];
        }
        out[o++] = LF;
      }
      for (let done = 0; done < out.length; ) done += fs.writeSync(fd, out, done, out.length - done, position + done);
      position += out.length;
      written += count;
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, path);
    return written;
  } catch (error) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (error instanceof StoreError) throw error;
    throw storeErrorFromFs(error, 'cannot write', path);
  }
}
