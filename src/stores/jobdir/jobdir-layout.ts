/**
 * The files of a job directory and its format version.
 *
 * ```
 * DIR/jobdir.json        { "format": 1, "createdAt": ... }: written once, atomically
 * DIR/lock               the owning process (job-lock.ts)
 * DIR/seen.log           every fingerprint ever seen, 20 bytes each (src/seen/seen-log.ts)
 * DIR/queue-<gen>.log    the queue log of generation <gen> (queue-records.ts); compaction
 *                        writes generation gen+1 beside it, renames it into place, then
 *                        deletes the old one, so the highest generation present is current
 * ```
 *
 * Invariant: a directory written by a newer format is refused with SF_STORE_VERSION before
 * anything in it is touched.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { storeErrorFromFs } from '../../seen/seen-log.ts';

/** Format version this code writes and the newest it reads. */
export const JOBDIR_FORMAT = 1;
/** Name of the format file. */
export const FORMAT_FILE = 'jobdir.json';
/** Name of the seen log. */
export const SEEN_FILE = 'seen.log';

/** Path of the queue log of generation `gen`. */
export function queueLogPath(dir: string, gen: number): string {
  return join(dir, `queue-${gen}.log`);
}

/** Generations of queue logs present in `dir`, ascending. */
export function queueGenerations(dir: string): number[] {
  const gens: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^queue-(\d+)\.log$/.exec(name);
    if (m) gens.push(Number(m[1]));
  }
  return gens.sort((a, b) => a - b);
}

/** fsyncs a directory so a rename in it is durable (harmless where unsupported). */
export function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not every platform can open or sync a directory.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Writes `text` to `path` atomically: beside it, synced, renamed. */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw storeErrorFromFs(error, 'cannot write', path);
  }
}

/**
 * Checks (or, for a new directory, writes) the format file. Throws SF_STORE_VERSION for a newer
 * format and SF_STORE_CORRUPT for an unreadable format file or a job directory without one.
 * Returns true when the directory was new.
 */
export function checkFormat(dir: string, readOnly: boolean): boolean {
  const path = join(dir, FORMAT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromFs(error, 'cannot read', path);
    if (queueGenerations(dir).length > 0) {
      throw new StoreError(ErrorCodes.STORE_CORRUPT, `${dir} holds a queue log but no ${FORMAT_FILE}`, { details: { dir } });
    }
    if (readOnly) throw new StoreError(ErrorCodes.STORE_IO, `${dir} is not a job directory (no ${FORMAT_FILE})`, { details: { dir } });
    writeFileAtomically(path, `${JSON.stringify({ format: JOBDIR_FORMAT, createdAt: Date.now() })}\n`);
    syncDirectory(dir);
    return true;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    throw new StoreError(ErrorCodes.STORE_CORRUPT, `${path} is damaged (no valid "format")`, { details: { path } });
  }
  if (format > JOBDIR_FORMAT) {
    throw new StoreError(
      ErrorCodes.STORE_VERSION,
      `${dir} was written by a newer superfilter (job directory format ${format}; this version reads up to ${JOBDIR_FORMAT})`,
      { details: { dir, format, supported: JOBDIR_FORMAT } },
    );
  }
  return false;
}
