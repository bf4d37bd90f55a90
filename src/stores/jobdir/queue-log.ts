/**
 * One generation of the job directory's queue log: an append-only file of framed, checksummed
 * records (see queue-records.ts), plus positioned reads of the entries it holds.
 *
 * Invariants:
 * - `append` writes a whole batch of records with positioned writes at the end of the file; if
 *   the write fails the file is cut back to where it was, so a failed append leaves nothing
 *   behind and the error (disk full, read-only, I/O) reaches the caller as a StoreError;
 * - `scan` stops at the first record that is short or fails its checksum: that is the torn
 *   tail of a crash. A tail longer than one record can be is not a torn write but damage, and
 *   is reported as SF_STORE_CORRUPT instead of being cut;
 * - reads of entries go through one cached block; appends that reach into the cached block
 *   drop it, so a read never sees stale bytes.
 */
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { storeErrorFromFs } from '../../seen/seen-log.ts';
import { FRAME_BYTES, MAX_RECORD_BYTES } from './queue-records.ts';

const READ_CHUNK = 8 * 1024 * 1024;
const BLOCK = 16 * 1024;

/** What a scan found. */
export interface ScanResult {
  /** Offset just past the last whole record. */
  end: number;
  /** Bytes after `end` (a torn tail). */
  tornBytes: number;
}

/** Calls `fn(body, bodyOffsetInFile, buf, bodyOffsetInBuf)` per whole record from `start` to `length`. */
export function scanRecords(
  fd: number,
  start: number,
  length: number,
  fn: (buf: Buffer, at: number, bodyLength: number, fileOffset: number) => void,
  verify = true,
): ScanResult {
  let buf = Buffer.allocUnsafe(READ_CHUNK);
  let bufStart = start;
  let bufLen = 0;
  let pos = start;
  const ensure = (bytes: number): boolean => {
    if (pos + bytes > length) return false;
    if (pos + bytes <= bufStart + bufLen) return true;
    if (bytes > buf.length) buf = Buffer.allocUnsafe(bytes);
    bufStart = pos;
    bufLen = readFully(fd, buf, Math.min(buf.length, length - pos), pos);
    return pos + bytes <= bufStart + bufLen;
  };
  for (;;) {
    if (!ensure(FRAME_BYTES)) break;
    const at = pos - bufStart;
    const bodyLength = buf.readUInt32LE(at);
    if (bodyLength === 0 || bodyLength > MAX_RECORD_BYTES) break;
    if (!ensure(FRAME_BYTES + bodyLength)) break;
    const h = pos - bufStart;
    const body = buf.subarray(h + FRAME_BYTES, h + FRAME_BYTES + bodyLength);
    if (verify && crc32(body) !== buf.readUInt32LE(h + 4)) break;
    fn(buf, h + FRAME_BYTES, bodyLength, pos + FRAME_BYTES);
    pos += FRAME_BYTES + bodyLength;
  }
  return { end: pos, tornBytes: length - pos };
}

function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** An open queue log file. */
export class QueueLog {
  private fd: number;
  private size: number;
  private block = Buffer.allocUnsafe(BLOCK);
  private blockStart = -1;
  private blockLen = 0;

  constructor(
    private filePath: string,
    fd: number,
    size: number,
    private readonly readOnly: boolean,
  ) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens an existing file. */
  static open(path: string, readOnly: boolean): QueueLog {
    try {
      const fd = fs.openSync(path, readOnly ? 'r' : 'r+');
      return new QueueLog(path, fd, fs.fstatSync(fd).size, readOnly);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot open queue log', path);
    }
  }

  /** Creates (or empties) a file at `path`. */
  static create(path: string): QueueLog {
    try {
      const fd = fs.openSync(path, 'w+');
      return new QueueLog(path, fd, 0, false);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot create queue log', path);
    }
  }

  /** Path of the file. */
  get path(): string {
    return this.filePath;
  }

  /** Renames the file (it stays open). */
  moveTo(path: string): void {
    try {
      fs.renameSync(this.filePath, path);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot rename queue log to', path);
    }
    this.filePath = path;
  }

  /** Bytes in the file. */
  get byteLength(): number {
    return this.size;
  }

  /**
   * Scans every whole record up to `end` (see {@link scanRecords}); `verify: false` skips the
   * checksums of a range an earlier scan already verified.
   */
  scan(fn: (buf: Buffer, at: number, bodyLength: number, fileOffset: number) => void, end = this.size, verify = true): ScanResult {
    return scanRecords(this.fd, 0, Math.min(end, this.size), fn, verify);
  }

  /** Cuts the file at `end` (dropping a torn tail). */
  truncate(end: number): void {
    try {
      fs.ftruncateSync(this.fd, end);
      fs.fsyncSync(this.fd);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot truncate queue log', this.path);
    }
    this.size = end;
    this.blockStart = -1;
  }

  /** Appends `data` at the end; returns the file offset it starts at. All or nothing. */
  append(data: Uint8Array): number {
    if (this.readOnly) throw new StoreError(ErrorCodes.STORE_READ_ONLY, `${this.path} was opened read-only`);
    const start = this.size;
    try {
      let done = 0;
      while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, start + done);
    } catch (error) {
      const failure = fsError(error, 'cannot append to queue log', this.path);
      try {
        fs.ftruncateSync(this.fd, start);
      } catch {
        // The next open drops the partial record as a torn tail.
      }
      throw failure;
    }
    this.size = start + data.length;
    if (this.blockStart >= 0 && this.blockStart + BLOCK > start) this.blockStart = -1;
    return start;
  }

  /**
   * Returns a buffer and the offset in it where the `length`-byte span at file offset `ref`
   * starts; the buffer is valid until the next call.
   */
  read(ref: number, length: number): { buf: Buffer; at: number } {
    if (this.blockStart >= 0 && ref >= this.blockStart && ref + length <= this.blockStart + this.blockLen) {
      return { buf: this.block, at: ref - this.blockStart };
    }
    if (length > BLOCK) {
      const big = Buffer.allocUnsafe(length);
      if (readFully(this.fd, big, length, ref) < length) throw this.shortRead(ref);
      return { buf: big, at: 0 };
    }
    this.blockStart = ref;
    this.blockLen = readFully(this.fd, this.block, Math.min(BLOCK, this.size - ref), ref);
    if (this.blockLen < length) {
      this.blockStart = -1;
      throw this.shortRead(ref);
    }
    return { buf: this.block, at: 0 };
  }

  /** Flushes the file to stable storage. */
  sync(): void {
    try {
      fs.fsyncSync(this.fd);
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot sync queue log', this.path);
    }
  }

  /** Closes the file; closing twice is harmless. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }

  private shortRead(ref: number): StoreError {
    return new StoreError(ErrorCodes.STORE_CORRUPT, `${this.path}: entry at offset ${ref} runs past the end of the file`, {
      details: { path: this.path, ref },
    });
  }
}

/**
 * A file-system error as a StoreError; a file-size limit (EFBIG) counts as a full disk: the
 * write cannot succeed until space is made, and nothing already durable is touched.
 */
export function fsError(error: unknown, action: string, path: string): StoreError {
  if ((error as NodeJS.ErrnoException)?.code === 'EFBIG') {
    return new StoreError(ErrorCodes.STORE_DISK_FULL, `${action} ${path}: ${(error as Error).message}`, {
      cause: error,
      retryable: true,
      details: { path, errno: 'EFBIG' },
    });
  }
  return storeErrorFromFs(error, action, path);
}

/** The crc32 every record frame carries. */
export function recordChecksum(body: Uint8Array): number {
  return crc32(body);
}
