import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryableStatus, parseRetryAfter, retryDecision } from '../../src/downloader/retry-policy.ts';
import { ErrorCodes, FetchError } from '../../src/errors.ts';

const fixed = { retries: 3, retryBaseMs: 500, random: () => 0, now: () => Date.parse('2024-05-01T12:00:00Z') };

describe('retryDecision', () => {
  it('retries 5xx, 408 and 429 but not other statuses', () => {
    for (const status of [500, 502, 503, 504, 522, 524, 408, 429]) assert.equal(retryDecision(status, 0, {}, fixed).retry, true, String(status));
    for (const status of [200, 301, 400, 401, 403, 404, 410, 501, 505]) assert.equal(retryDecision(status, 0, {}, fixed).retry, false, String(status));
    assert.equal(isRetryableStatus(599), true);
  });

  it('retries errors marked retryable (network, timeouts) and nothing else', () => {
    const net = new FetchError(ErrorCodes.FETCH_NETWORK, 'reset', { retryable: true });
    const idle = new FetchError(ErrorCodes.FETCH_IDLE_TIMEOUT, 'idle', { retryable: true });
    const big = new FetchError(ErrorCodes.FETCH_BODY_TOO_LARGE, 'big', { retryable: false });
    assert.deepEqual(retryDecision(net, 0, {}, fixed), { retry: true, delayMs: 500, reason: 'SF_FETCH_NETWORK' });
    assert.equal(retryDecision(idle, 1, {}, fixed).retry, true);
    assert.deepEqual(retryDecision(big, 0, {}, fixed), { retry: false, delayMs: 0, reason: 'SF_FETCH_BODY_TOO_LARGE' });
    assert.equal(retryDecision(new Error('plain'), 0, {}, fixed).retry, false);
  });

  it('backs off exponentially with jitter and a ceiling', () => {
    assert.deepEqual([0, 1, 2].map((a) => retryDecision(503, a, {}, fixed).delayMs), [500, 1000, 2000]);
    assert.equal(retryDecision(503, 2, {}, { ...fixed, random: () => 0.999, jitter: 0.5 }).delayMs, 1001);
    assert.equal(retryDecision(503, 2, {}, { ...fixed, retries: 10, maxDelayMs: 1500 }).delayMs, 1500);
    const spread = new Set(Array.from({ length: 50 }, () => retryDecision(503, 0, {}, { retries: 1, retryBaseMs: 1000 }).delayMs));
    assert.ok(spread.size > 1, 'real jitter varies');
    for (const d of spread) assert.ok(d >= 750 && d <= 1000, `delay ${d} within 25% below the ceiling`);
  });

  it('stops after the configured number of retries', () => {
    assert.equal(retryDecision(503, 2, {}, fixed).retry, true);
    assert.equal(retryDecision(503, 3, {}, fixed).retry, false);
    assert.equal(retryDecision(503, 2, {}).retry, false, 'config default: 2 retries');
    assert.equal(retryDecision(503, 1, {}).retry, true);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped', () => {
    assert.equal(retryDecision(429, 0, { 'retry-after': '7' }, fixed).delayMs, 7000);
    assert.equal(retryDecision(503, 0, { 'retry-after': 'Wed, 01 May 2024 12:00:30 GMT' }, fixed).delayMs, 30_000);
    assert.equal(retryDecision(503, 0, { 'retry-after': 'Wed, 01 May 2024 11:00:00 GMT' }, fixed).delayMs, 0);
    assert.equal(retryDecision(429, 0, { 'retry-after': '86400' }, { ...fixed, maxRetryAfterMs: 120_000 }).delayMs, 120_000);
    assert.equal(retryDecision(429, 0, { 'retry-after': 'soon' }, fixed).delayMs, 500, 'malformed: ordinary backoff');
    assert.equal(retryDecision(404, 0, { 'retry-after': '1' }, fixed).retry, false, 'Retry-After alone does not make 404 retryable');
  });

  it('parses Retry-After values', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('-5', now), null);
    assert.equal(parseRetryAfter('1.5', now), null);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 12:01:00 GMT', now), 60_000);
  });
});
