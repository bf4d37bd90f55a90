/**
 * The binary records of the job directory's queue log (`queue-<generation>.log`).
 *
 * A record is framed as `u32 bodyLength, u32 crc32(body), body`; `body[0]` is its type. A
 * record is written with one positioned write, so after a crash a record is either whole (its
 * checksum holds) or the torn tail of the file. Every state change of a commit — the ack, the
 * new children, the counters and the feed checkpoint — lives in ONE record: that is what makes
 * a commit atomic.
 *
 * A queued request is an "entry" inside an ENTRIES or COMMIT record:
 * `u32 entryLength, u32 hostId, f64 priority, f64 depth, u8 flags, 20-byte fingerprint, JSON`,
 * where the JSON holds the request minus the fields kept in binary (id when it equals the
 * fingerprint, fingerprint, host, priority, depth). An entry's byte offset in the file is its
 * `ref`: the in-memory frontier keeps only refs, never request objects.
 *
 * All integers are little-endian. Invariant: `encodeEntry` and `decodeEntry` round-trip every
 * field of a QueuedRequest.
 */
import type { QueuedRequest } from '../../contracts.ts';

/** Record types. */
export const RecordType = {
  /** First record of every file: format, generation, counters, feed checkpoint, seen mark (JSON). */
  HEADER: 1,
  /** `u32 hostId, utf8 host`: names a host id used by later entries. */
  HOST: 2,
  /** `u32 count, entries`: requests pushed by `enqueue` (or rewritten by compaction). */
  ENTRIES: 3,
  /** `f64 ackRef, u8 kind, u32 items, u32 metaLength, meta JSON, u32 count, entries`: one page outcome. */
  COMMIT: 4,
  /** `u32 count, f64 refs`: leased (each ref's delivery count +1). */
  LEASE: 5,
  /** `f64 ref, f64 retryAt`: a lease given back. */
  RELEASE: 6,
  /** `u32 n, f64 refs returned, u32 m, f64 refs retired`: expired leases. */
  EXPIRE: 7,
  /** `u32 hostId, JSON partial policy`. */
  POLICY: 8,
  /** JSON `{ k, v?, e? }`: a kv set (v present) or delete; `e` is the expiry in epoch ms. */
  KV: 9,
  /** `f64 length`: the seen log was synced at this length; every fingerprint of earlier records is in it. */
  SEEN_MARK: 10,
  /** `u32 count, (f64 ref, u32 deliveries, f64 readyAt or NaN, u8 leased)*`: lease state rewritten by compaction. */
  STATE: 11,
  /** `u32 count, count × 20-byte fingerprints`: added to the seen set directly (`store.seen.addMany`). */
  SEEN: 12,
} as const;

/** Bytes of a record frame before its body. */
export const FRAME_BYTES = 8;
/** Bytes of an entry before its JSON. */
export const ENTRY_HEADER_BYTES = 45;
/** Offset of the fingerprint inside an entry. */
export const FP_OFFSET = 25;
/** Largest record body accepted (and written: bigger batches are split). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const FLAG_DONT_FILTER = 1;
const FLAG_ID_IS_FP = 2;

/** The fields of an entry that replay reads without parsing its JSON. */
export interface EntryHead {
  ref: number;
  length: number;
  hostId: number;
  priority: number;
  depth: number;
  dontFilter: boolean;
  /** Offset of the 20-byte fingerprint inside the buffer handed to the visitor. */
  fpOffset: number;
}

/** A growable write buffer that records are encoded into. */
export class RecordWriter {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  length = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  reset(): void {
    this.length = 0;
  }

  /** Starts a record of `type`; returns its frame offset for `end`. */
  begin(type: number): number {
    this.ensure(FRAME_BYTES + 1);
    const at = this.length;
    this.buf[at + FRAME_BYTES] = type;
    this.length += FRAME_BYTES + 1;
    return at;
  }

  /** Finishes the record started at `at`: writes its length and checksum. */
  end(at: number, crc: (data: Uint8Array) => number): void {
    const body = this.buf.subarray(at + FRAME_BYTES, this.length);
    this.buf.writeUInt32LE(body.length, at);
    this.buf.writeUInt32LE(crc(body), at + 4);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Writes `s` as UTF-8 with no length prefix (it runs to the end of its field). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** Writes `s` as `u32 length` + UTF-8. */
  str(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.length + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.length);
    this.length += 4 + n;
  }

  /**
   * Appends one entry for `request` (already validated, `fp` its 20 fingerprint bytes).
   * Returns the entry's offset inside this buffer.
   */
  entry(request: QueuedRequest, hostId: number, fp: Uint8Array): number {
    const { id, fingerprint, host: _host, priority, depth, ...rest } = request;
    const idIsFp = id === fingerprint;
    const json = JSON.stringify(idIsFp ? rest : { ...rest, id });
    this.ensure(ENTRY_HEADER_BYTES + json.length * 3);
    const at = this.length;
    const b = this.buf;
    b.writeUInt32LE(hostId, at + 4);
    b.writeDoubleLE(priority, at + 8);
    b.writeDoubleLE(depth, at + 16);
    b[at + 24] = (request.dontFilter ? FLAG_DONT_FILTER : 0) | (idIsFp ? FLAG_ID_IS_FP : 0);
    b.set(fp, at + 25);
    const n = b.write(json, at + ENTRY_HEADER_BYTES, 'utf8');
    b.writeUInt32LE(ENTRY_HEADER_BYTES + n, at);
    this.length = at + ENTRY_HEADER_BYTES + n;
    return at;
  }
}

/** Reads the binary head of the entry at `offset` of `buf`. */
export function readEntryHead(buf: Buffer, offset: number, ref: number): EntryHead {
  return {
    ref,
    length: buf.readUInt32LE(offset),
    hostId: buf.readUInt32LE(offset + 4),
    priority: buf.readDoubleLE(offset + 8),
    depth: buf.readDoubleLE(offset + 16),
    dontFilter: (buf[offset + 24] & FLAG_DONT_FILTER) !== 0,
    fpOffset: offset + 25,
  };
}

/** Decodes the whole entry at `offset` of `buf` back into the request it was made from. */
export function decodeEntry(buf: Buffer, offset: number, host: string): QueuedRequest {
  const length = buf.readUInt32LE(offset);
  const flags = buf[offset + 24];
  const fingerprint = buf.toString('hex', offset + 25, offset + 45);
  const rest = JSON.parse(buf.toString('utf8', offset + ENTRY_HEADER_BYTES, offset + length)) as Partial<QueuedRequest>;
  const request = rest as QueuedRequest;
  if (flags & FLAG_ID_IS_FP) request.id = fingerprint;
  request.fingerprint = fingerprint;
  request.host = host;
  request.priority = buf.readDoubleLE(offset + 8);
  request.depth = buf.readDoubleLE(offset + 16);
  return request;
}
