/**
 * The durable seen log: an append-only file of full 20-byte fingerprints in checksummed batches.
 *
 * Layout (all integers little-endian):
 * - file header, 16 bytes: magic `SFSEEN\r\n`, u16 format version, u16 record size (20),
 *   u32 CRC32 of the 12 bytes before it;
 * - then batches: u32 count, u32 CRC32 over (the count's 4 bytes ‖ payload), then count × 20
 *   bytes of fingerprints. A batch of 1,000 costs 20.008 bytes per fingerprint.
 *
 * Invariants:
 * - a batch is written by one positioned `fs.writeSync` loop before `append` returns, so once
 *   `append` has returned the batch survives a `kill -9` (and, with `fsync: true`, power loss);
 * - a failed append is truncated back to the last whole batch: what was durable stays durable
 *   and the file never keeps half a batch it reported as failed;
 * - on open, the file is scanned; the first batch that is short, implausible or fails its
 *   checksum starts the torn tail, which is cut off and reported through `onWarning`, never
 *   thrown. A bad file header is an error: SF_STORE_CORRUPT (not a seen log) or
 *   SF_STORE_VERSION (written by a newer superfilter).
 * - a new file appears atomically (written beside, then renamed), so a file that exists always
 *   has a whole header.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ErrorCodes, StoreError } from '../errors.ts';
import { FINGERPRINT_BYTES } from './compact-fingerprint-set.ts';

/** Format version this code writes; files with a higher version are refused. */
export const SEEN_LOG_VERSION = 1;
const MAGIC = Buffer.from('SFSEEN\r\n', 'latin1');
const FILE_HEADER_BYTES = 16;
const BATCH_HEADER_BYTES = 8;
/** Largest batch written (and accepted on read); bigger appends are split. */
const MAX_BATCH = 65_536;
const READ_CHUNK = 8 * 1024 * 1024;

/** Options of {@link SeenLog.open}. */
export interface SeenLogOptions {
  /** fsync after every append (survives power loss, not only process death). Default false. */
  fsync?: boolean;
  /** Open without writing: a torn tail is ignored instead of truncated, appends are refused. */
  readOnly?: boolean;
  /** Receives a message when a torn or corrupt tail is dropped on open. */
  onWarning?: (message: string) => void;
}

/** What opening found. */
export interface SeenLogOpenInfo {
  /** Whole batches' fingerprints found. */
  fingerprints: number;
  /** Bytes of torn or corrupt tail dropped (0 when the file was clean). */
  droppedBytes: number;
  /** True when the file did not exist and was created. */
  created: boolean;
}

/** Turns a file-system error into a StoreError with a stable code. */
export function storeErrorFromFs(error: unknown, action: string, path: string): StoreError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = `${action} ${path}: ${(error as Error)?.message ?? String(error)}`;
  const details = { path, errno: code };
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError(ErrorCodes.STORE_DISK_FULL, message, { cause: error, retryable: true, details });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new StoreError(ErrorCodes.STORE_READ_ONLY, message, { cause: error, details });
  }
  return new StoreError(ErrorCodes.STORE_IO, message, { cause: error, retryable: code === 'EAGAIN' || code === 'EINTR', details });
}

function fileHeader(): Buffer {
  const h = Buffer.alloc(FILE_HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt16LE(SEEN_LOG_VERSION, 8);
  h.writeUInt16LE(FINGERPRINT_BYTES, 10);
  h.writeUInt32LE(crc32(h.subarray(0, 12)), 12);
  return h;
}

function checkFileHeader(h: Buffer, length: number, path: string): void {
  if (length < FILE_HEADER_BYTES || !h.subarray(0, 8).equals(MAGIC)) {
    throw new StoreError(ErrorCodes.STORE_CORRUPT, `${path} is not a superfilter seen log`, { details: { path } });
  }
  const version = h.readUInt16LE(8);
  if (version > SEEN_LOG_VERSION) {
    throw new StoreError(ErrorCodes.STORE_VERSION, `${path} has seen-log format ${version}; this superfilter reads up to ${SEEN_LOG_VERSION}`, {
      details: { path, version, supported: SEEN_LOG_VERSION },
    });
  }
  if (h.readUInt32LE(12) !== crc32(h.subarray(0, 12)) || h.readUInt16LE(10) !== FINGERPRINT_BYTES || version === 0) {
    throw new StoreError(ErrorCodes.STORE_CORRUPT, `${path}: seen-log header is damaged`, { details: { path } });
  }
}

/** Writes `buf` whole at `position`, looping over short writes. */
function writeFully(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

/** Reads exactly `length` bytes at `position` into `buf` (fewer only at end of file); returns bytes read. */
function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Calls `fn` for every whole, valid batch from `start`; returns the end offset of the last
 * valid one. `verify` checks each batch's CRC (skipped only for bytes already verified on open).
 */
function scanBatches(fd: number, start: number, end: number, verify: boolean, fn: (payload: Buffer, count: number) => void): number {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  let bufStart = start; // file offset of buf[0]
  let bufLen = 0;
  let pos = start;
  for (;;) {
    // Make sure the batch header and then its payload are in the buffer.
    const ensure = (bytes: number): boolean => {
      if (pos + bytes > end) return false;
      if (pos + bytes <= bufStart + bufLen) return true;
      bufStart = pos;
      bufLen = readFully(fd, buf, 0, Math.min(READ_CHUNK, end - pos), pos);
      return pos + bytes <= bufStart + bufLen;
    };
    if (!ensure(BATCH_HEADER_BYTES)) return pos;
    const at = pos - bufStart;
    const count = buf.readUInt32LE(at);
    if (count === 0 || count > MAX_BATCH) return pos;
    const total = BATCH_HEADER_BYTES + count * FINGERPRINT_BYTES;
    if (!ensure(total)) return pos;
    const h = pos - bufStart;
    if (verify) {
      const sum = crc32(buf.subarray(h + BATCH_HEADER_BYTES, h + total), crc32(buf.subarray(h, h + 4)));
      if (sum !== buf.readUInt32LE(h + 4)) return pos;
    }
    fn(buf.subarray(h + BATCH_HEADER_BYTES, h + total), count);
    pos += total;
  }
}

/** An open seen log. One process writes a log at a time (the job directory's lock sees to that). */
export class SeenLog {
  private fd: number;
  private end: number;
  private broken: StoreError | null = null;

  private constructor(
    /** Path of the log file. */
    readonly path: string,
    fd: number,
    end: number,
    private readonly options: SeenLogOptions,
    /** What opening found. */
    readonly openInfo: SeenLogOpenInfo,
  ) {
    this.fd = fd;
    this.end = end;
  }

  /** Opens (creating when absent, unless read-only) the log at `path`, dropping a torn tail. */
  static open(path: string, options: SeenLogOptions = {}): SeenLog {
    let created = false;
    if (!fs.existsSync(path)) {
      if (options.readOnly) throw new StoreError(ErrorCodes.STORE_IO, `${path} does not exist`, { details: { path } });
      createAtomically(path);
      created = true;
    }
    let fd: number;
    try {
      fd = fs.openSync(path, options.readOnly ? 'r' : 'r+');
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot open seen log', path);
    }
    try {
      const length = fs.fstatSync(fd).size;
      const header = Buffer.alloc(FILE_HEADER_BYTES);
      readFully(fd, header, 0, FILE_HEADER_BYTES, 0);
      checkFileHeader(header, length, path);
      let fingerprints = 0;
      const end = scanBatches(fd, FILE_HEADER_BYTES, length, true, (_, count) => {
        fingerprints += count;
      });
      const droppedBytes = length - end;
      if (droppedBytes > 0) {
        const what = options.readOnly ? 'ignored' : 'dropped';
        options.onWarning?.(`${path}: torn or corrupt tail of ${droppedBytes} bytes at offset ${end} ${what}; ${fingerprints} fingerprints kept`);
        if (!options.readOnly) {
          fs.ftruncateSync(fd, end);
          fs.fsyncSync(fd);
        }
      }
      return new SeenLog(path, fd, end, options, { fingerprints, droppedBytes, created });
    } catch (error) {
      fs.closeSync(fd);
      if (error instanceof StoreError) throw error;
      throw storeErrorFromFs(error, 'cannot read seen log', path);
    }
  }

  /** Bytes in the file (header and whole batches). */
  get byteLength(): number {
    return this.end;
  }

  /**
   * Appends fingerprints durably (20 bytes each, already validated by the caller). Returns
   * once the bytes are in the file. On failure the file is cut back to where it was and a
   * StoreError is thrown (SF_STORE_DISK_FULL, SF_STORE_READ_ONLY or SF_STORE_IO).
   */
  append(fps: readonly Uint8Array[]): void {
    this.assertWritable();
    if (fps.length === 0) return;
    const batches = Math.ceil(fps.length / MAX_BATCH);
    const buf = Buffer.allocUnsafe(fps.length * FINGERPRINT_BYTES + batches * BATCH_HEADER_BYTES);
    let o = 0;
    for (let b = 0; b < batches; b++) {
      const from = b * MAX_BATCH;
      const to = Math.min(fps.length, from + MAX_BATCH);
      const head = o;
      buf.writeUInt32LE(to - from, head);
      o += BATCH_HEADER_BYTES;
      for (let i = from; i < to; i++, o += FINGERPRINT_BYTES) buf.set(fps[i], o);
      buf.writeUInt32LE(crc32(buf.subarray(head + BATCH_HEADER_BYTES, o), crc32(buf.subarray(head, head + 4))), head + 4);
    }
    const start = this.end;
    try {
      writeFully(this.fd, buf, start);
      if (this.options.fsync) fs.fsyncSync(this.fd);
    } catch (error) {
      const failure = storeErrorFromFs(error, 'cannot append to seen log', this.path);
      try {
        fs.ftruncateSync(this.fd, start);
      } catch {
        // The tail cannot be cut now; refuse further appends so it stays the last thing in the
        // file, where the next open detects and drops it.
        this.broken = failure;
      }
      throw failure;
    }
    this.end = start + buf.length;
  }

  /**
   * Calls `fn` with each batch's fingerprints (count × 20 bytes; the buffer is reused
   * afterwards). Checksums were verified on open and this process is the only writer, so they
   * are not verified again.
   */
  forEachBatch(fn: (payload: Uint8Array, count: number) => void): void {
    this.assertOpen();
    scanBatches(this.fd, FILE_HEADER_BYTES, this.end, false, fn);
  }

  /** Flushes the file to stable storage. */
  sync(): void {
    this.assertOpen();
    try {
      fs.fsyncSync(this.fd);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot sync seen log', this.path);
    }
  }

  /** Closes the file; closing twice is harmless. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }

  private assertOpen(): void {
    if (this.fd < 0) throw new StoreError(ErrorCodes.STORE_CLOSED, `${this.path} is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.options.readOnly) throw new StoreError(ErrorCodes.STORE_READ_ONLY, `${this.path} was opened read-only`);
    if (this.broken) throw this.broken;
  }
}

/** Creates a log holding only its header: written beside, synced, renamed into place. */
function createAtomically(path: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeFully(fd, fileHeader(), 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    syncDirectory(dirname(path));
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw storeErrorFromFs(error, 'cannot create seen log', path);
  }
}

/** fsyncs a directory so a rename in it is durable; some platforms cannot, which is harmless. */
function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directories cannot be opened or synced on every platform.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
