/**
 * The shape check every store applies to requests before it changes anything, so that a bad
 * request rejects its whole batch or commit (all or nothing) with one stable code on every
 * backend, and hex fingerprints turn into the bytes the seen set keys on.
 *
 * Invariant: a request that passes has a non-empty string id and host, a string url, a
 * 40-digit lower-case hex fingerprint, and finite numeric priority and depth (depth >= 0).
 */
import type { PageOutcome, QueuedRequest } from '../contracts.ts';
import { ErrorCodes, StoreError } from '../errors.ts';

/** 1 for the code units of `0-9a-f` (a table: a regular expression costs more per call). */
const LOWER_HEX = new Uint8Array(128);
for (const ch of '0123456789abcdef') LOWER_HEX[ch.charCodeAt(0)] = 1;

function isLowerHex40(s: string): boolean {
  if (s.length !== 40) return false;
  for (let i = 0; i < 40; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || LOWER_HEX[c] === 0) return false;
  }
  return true;
}

function invalid(request: unknown, why: string): StoreError {
  const id = typeof request === 'object' && request !== null ? (request as { id?: unknown }).id : undefined;
  return new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid request${typeof id === 'string' ? ` ${id}` : ''}: ${why}`, {
    details: { id },
  });
}

/** Throws StoreError SF_STORE_INVALID_REQUEST for the first malformed request of `requests`. */
export function validateQueuedRequests(requests: readonly QueuedRequest[]): void {
  if (!Array.isArray(requests)) throw invalid(undefined, 'expected an array of requests');
  for (const r of requests) {
    if (typeof r !== 'object' || r === null) throw invalid(r, 'not an object');
    if (typeof r.id !== 'string' || r.id.length === 0) throw invalid(r, 'id must be a non-empty string');
    if (typeof r.fingerprint !== 'string' || !isLowerHex40(r.fingerprint)) throw invalid(r, 'fingerprint must be 40 lower-case hex digits');
    if (typeof r.host !== 'string' || r.host.length === 0) throw invalid(r, 'host must be a non-empty string');
    if (typeof r.url !== 'string') throw invalid(r, 'url must be a string');
    if (typeof r.priority !== 'number' || !Number.isFinite(r.priority)) throw invalid(r, 'priority must be a finite number');
    if (typeof r.depth !== 'number' || !Number.isFinite(r.depth) || r.depth < 0) throw invalid(r, 'depth must be a number >= 0');
  }
}

/** The 20 bytes of a validated 40-hex fingerprint. */
export function fingerprintBytes(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

/** Rejects an outcome that is not shaped as the contract says (before anything changes). */
export function validatePageOutcome(outcome: PageOutcome): void {
  const ok =
    typeof outcome === 'object' &&
    outcome !== null &&
    typeof outcome.id === 'string' &&
    typeof outcome.result === 'object' &&
    outcome.result !== null &&
    (outcome.result.kind === 'done' || outcome.result.kind === 'failed') &&
    Array.isArray(outcome.children) &&
    Array.isArray(outcome.items) &&
    outcome.items.every((item) => typeof item === 'string');
  if (!ok) throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, 'malformed page outcome', { details: { id: outcome?.id } });
}
