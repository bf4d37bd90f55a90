/**
 * Reads one response body to memory, decoding its Content-Encoding, under a hard byte cap.
 *
 * Invariants: the cap applies to the DECOMPRESSED bytes and to the bytes on the wire; the
 * moment either crosses it, every stream in the chain is destroyed (which makes undici drop
 * the socket), so a decompression bomb costs at most `maxBytes` plus one decoder chunk of
 * memory. Decoders run as streams with back-pressure; nothing is inflated ahead of the sink.
 */
import { type Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ErrorCodes, FetchError } from '../errors.ts';

/** What the reader returns. */
export interface BodyReadResult {
  body: Uint8Array;
  /** Body bytes received from the network (before decoding). */
  bytesOnWire: number;
  /** True when the body was cut at the cap because the caller asked for truncation. */
  truncated: boolean;
}

/** Options of one body read. */
export interface BodyReadOptions {
  /** Content codings in the order the server applied them (as listed in Content-Encoding). */
  encodings: readonly string[];
  maxBytes: number;
  /** Return the first `maxBytes` bytes instead of failing with SF_FETCH_BODY_TOO_LARGE. */
  truncate?: boolean;
  url: string;
}

const DECODERS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * Splits a Content-Encoding value into the codings the reader must undo (identity dropped).
 * Returns null when a coding is unknown: the body is then passed through untouched.
 */
export function parseContentEncoding(value: string | undefined): string[] | null {
  if (!value) return [];
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const coding = raw.trim().toLowerCase();
    if (coding === '' || coding === 'identity') continue;
    if (!DECODERS.has(coding)) return null;
    out.push(coding);
  }
  return out;
}

/** Inflates both zlib-wrapped and raw deflate: servers send either under "deflate". */
class DeflateDecoder extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.inner === null) {
      // A zlib stream starts with CMF/FLG: method 8 and a header checksum divisible by 31.
      const wrapped = chunk.length >= 2 ? (chunk[0] & 0x0f) === 8 && ((chunk[0] << 8) | chunk[1]) % 31 === 0 : (chunk[0] & 0x0f) === 8;
      const inner = wrapped ? zlib.createInflate() : zlib.createInflateRaw();
      inner.on('data', (d: Buffer) => this.push(d));
      inner.on('error', (e) => this.destroy(e));
      this.inner = inner;
    }
    this.inner.write(chunk, () => done());
  }

  override _flush(done: TransformCallback): void {
    if (this.inner === null) {
      done();
      return;
    }
    this.inner.once('end', () => done());
    this.inner.end();
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.inner?.destroy();
    done(error);
  }
}

function decoderFor(coding: string): Transform {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      // Unzip also accepts a zlib stream mislabelled as gzip; concatenated members are read on.
      return zlib.createUnzip();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return new DeflateDecoder();
  }
}

function tooLarge(url: string, maxBytes: number, what: string, details: Record<string, unknown>): FetchError {
  return new FetchError(ErrorCodes.FETCH_BODY_TOO_LARGE, `${what} of ${url} exceeds the cap of ${maxBytes} bytes`, {
    retryable: false,
    details: { url, maxBytes, ...details },
  });
}

/** Sentinel thrown by the sink to stop the chain when truncation was asked for. */
class Truncated extends Error {}

/**
 * Reads `body` to memory. Throws FetchError SF_FETCH_BODY_TOO_LARGE past the cap (unless
 * `truncate`), SF_FETCH_DECODE when a coding cannot be undone; other stream errors (timeouts,
 * resets, aborts) propagate unchanged for the caller to classify.
 */
export async function readBody(body: Readable, options: BodyReadOptions): Promise<BodyReadResult> {
  const { maxBytes, url } = options;
  const chunks: Buffer[] = [];
  let decoded = 0;
  let wire = 0;

  if (options.encodings.length === 0) {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        wire += chunk.length;
        if (wire > maxBytes) {
          if (!options.truncate) throw tooLarge(url, maxBytes, 'body', { bytesOnWire: wire });
          chunks.push(chunk.subarray(0, chunk.length - (wire - maxBytes)));
          body.destroy();
          return { body: Buffer.concat(chunks), bytesOnWire: wire, truncated: true };
        }
        chunks.push(chunk);
      }
    } catch (error) {
      body.destroy();
      throw error;
    }
    return { body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), bytesOnWire: wire, truncated: false };
  }

  // The first stream to fail tells a corrupt encoding apart from a failing network: the
  // pipeline later destroys every other stream with that same error.
  let firstFailure: 'decoder' | 'other' | null = null;
  const decoders = [...options.encodings].reverse().map((coding) => {
    const d = decoderFor(coding);
    d.on('error', () => {
      firstFailure ??= 'decoder';
    });
    return d;
  });
  body.on('error', () => {
    firstFailure ??= 'other';
  });
  const wireCounter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      wire += chunk.length;
      if (wire > maxBytes) return done(tooLarge(url, maxBytes, 'compressed body', { bytesOnWire: wire }));
      done(null, chunk);
    },
  });
  let truncated = false;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      decoded += chunk.length;
      if (decoded > maxBytes) {
        if (!options.truncate) return done(tooLarge(url, maxBytes, 'decompressed body', { bytesOnWire: wire, decodedBytes: decoded }));
        chunks.push(chunk.subarray(0, chunk.length - (decoded - maxBytes)));
        truncated = true;
        return done(new Truncated());
      }
      chunks.push(chunk);
      done();
    },
  });
  try {
    await pipeline([body, wireCounter, ...decoders, sink]);
  } catch (error) {
    body.destroy();
    if (error instanceof Truncated) return { body: Buffer.concat(chunks), bytesOnWire: wire, truncated };
    if (error instanceof FetchError) throw error;
    if (firstFailure === 'decoder') {
      throw new FetchError(ErrorCodes.FETCH_DECODE, `cannot decode ${options.encodings.join(', ')} body of ${url}: ${(error as Error).message}`, {
        cause: error,
        retryable: false,
        details: { url, encodings: options.encodings },
      });
    }
    throw error;
  }
  return { body: Buffer.concat(chunks), bytesOnWire: wire, truncated: false };
}
