import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueuedRequest } from '../../src/contracts.ts';
import { ErrorCodes, StoreError } from '../../src/errors.ts';
import { fingerprintBytes, validateQueuedRequests } from '../../src/frontier/validate-request.ts';

const good: QueuedRequest = {
  id: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
  fingerprint: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
  host: 'example.com',
  url: 'https://example.com/',
  method: 'GET',
  priority: 0,
  depth: 0,
};

function rejects(change: Partial<Record<keyof QueuedRequest, unknown>>, why: RegExp): void {
  assert.throws(
    () => validateQueuedRequests([good, { ...good, ...change } as QueuedRequest]),
    (error: unknown) => error instanceof StoreError && error.code === ErrorCodes.STORE_INVALID_REQUEST && why.test(error.message),
    JSON.stringify(change),
  );
}

describe('validateQueuedRequests', () => {
  it('accepts well-formed requests', () => {
    assert.doesNotThrow(() => validateQueuedRequests([good, { ...good, id: `${good.id}.x1`, priority: -3, depth: 7 }]));
  });

  it('wants the fingerprint as exactly 40 lower-case hex digits', () => {
    rejects({ fingerprint: good.fingerprint.toUpperCase() }, /fingerprint/);
    rejects({ fingerprint: good.fingerprint.slice(1) }, /fingerprint/);
    rejects({ fingerprint: `${good.fingerprint}0` }, /fingerprint/);
    rejects({ fingerprint: `${good.fingerprint.slice(0, 39)}g` }, /fingerprint/);
    rejects({ fingerprint: `${good.fingerprint.slice(0, 39)}\u0661` }, /fingerprint/);
    rejects({ fingerprint: 42 }, /fingerprint/);
  });

  it('names the first bad field', () => {
    rejects({ id: '' }, /id must be/);
    rejects({ host: '' }, /host must be/);
    rejects({ url: null }, /url must be/);
    rejects({ priority: Number.NaN }, /priority must be/);
    rejects({ depth: -1 }, /depth must be/);
  });

  it('turns a hex fingerprint into its 20 bytes', () => {
    assert.deepEqual([...fingerprintBytes(good.fingerprint)].slice(0, 3), [0xa9, 0x4a, 0x8f]);
    assert.equal(fingerprintBytes(good.fingerprint).length, 20);
  });
});
