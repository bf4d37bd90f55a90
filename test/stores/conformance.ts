/**
 * The one conformance suite every Store backend passes (memory, jobdir, redis, and any new one).
 *
 * A backend is done when this suite is green against it. The suite speaks only the `Store`
 * contract of src/contracts.ts and drives the clock through `now`, so it never sleeps except
 * for the SharedKV expiry test (KV has no injectable clock).
 *
 * Factory rules:
 * - `create(options)` returns a NOT yet opened store over fresh, empty backing data, honouring
 *   the `StoreOptions` given (the suite relies on `maxDeliveries` and the default host policy).
 * - `reopen(previous)` (durable stores only) returns a NOT yet opened store over the same
 *   backing data as `previous`, with the same options; the suite has already closed `previous`.
 * - `destroy(store)` removes the backing data after a test; the store is closed by then.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FrontierStats, LeaseBatch, QueuedRequest, Store, StoreOptions } from '../../src/contracts.ts';
import { ErrorCodes, StoreError } from '../../src/errors.ts';

/** How the suite makes, reopens and removes stores of one backend. */
export interface StoreFactory {
  create(options: StoreOptions): Promise<Store>;
  reopen?(previous: Store): Promise<Store>;
  destroy?(store: Store): Promise<void>;
}

/** Options every store in the suite is created with. */
export const CONFORMANCE_OPTIONS: StoreOptions = {
  hostPolicy: { concurrency: 2, delayMs: 0 },
  maxDeliveries: 3,
};

/** A fixed epoch the suite's clock starts from. */
export const T0 = 1_700_000_000_000;
const LEASE_MS = 10_000;

/** The 40-hex SHA-1 of a string: a stand-in fingerprint. */
export function hexFingerprint(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

let uniqueCounter = 0;

/** Builds a QueuedRequest for `url` (fingerprint from the url; a unique id when dontFilter). */
export function makeRequest(url: string, extra: Partial<QueuedRequest> = {}): QueuedRequest {
  const fingerprint = extra.fingerprint ?? hexFingerprint(url);
  const host = extra.host ?? new URL(url).host.toLowerCase();
  const id = extra.id ?? (extra.dontFilter ? `${fingerprint}-${++uniqueCounter}` : fingerprint);
  return { method: 'GET', priority: 0, depth: 0, ...extra, id, fingerprint, host, url };
}

function isStoreError(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

/** Urls on one host: https://<host>/<prefix><i>. */
function urls(host: string, n: number, prefix = 'p'): string[] {
  return Array.from({ length: n }, (_, i) => `https://${host}/${prefix}${i}`);
}

async function leaseAll(store: Store, now: number, max = 1000): Promise<LeaseBatch> {
  return store.lease({ max, now, leaseMs: LEASE_MS, owner: 'conformance' });
}

const ZERO: Omit<FrontierStats, 'seen'> = { pending: 0, leased: 0, done: 0, failed: 0, retired: 0, items: 0 };

/** Registers the conformance suite for one backend under `describe(name)`. */
export function runStoreConformance(name: string, factory: StoreFactory): void {
  interface Ctx {
    store: Store;
  }
  /** Runs `fn` against a fresh opened store and cleans up whatever store the test ends with. */
  const withStore = async (fn: (store: Store, ctx: Ctx) => Promise<void>): Promise<void> => {
    const ctx: Ctx = { store: await factory.create(CONFORMANCE_OPTIONS) };
    try {
      await ctx.store.open();
      await fn(ctx.store, ctx);
    } finally {
      await ctx.store.close();
      await factory.destroy?.(ctx.store);
    }
  };
  /** Closes the context's store and opens the same backing data again. */
  const reopen = async (ctx: Ctx) => {
    assert.ok(factory.reopen, 'reopen requires factory.reopen');
    await ctx.store.close();
    ctx.store = await factory.reopen(ctx.store);
    return { store: ctx.store, info: await ctx.store.open() };
  };
  const hostPolicy = async (store: Store, host: string, concurrency: number, delayMs = 0, jitterMs = 0) =>
    store.setHostPolicy(host, { concurrency, delayMs, jitterMs });

  describe(`store conformance: ${name}`, () => {
    it('declares its kind and capabilities, opens fresh, closes twice', async () => {
      const store = await factory.create(CONFORMANCE_OPTIONS);
      try {
        assert.equal(typeof store.kind, 'string');
        assert.ok(store.kind.length > 0);
        for (const key of ['durable', 'shared', 'items', 'feedCheckpoint'] as const) {
          assert.equal(typeof store.capabilities[key], 'boolean', `capabilities.${key}`);
        }
        const info = await store.open();
        assert.equal(info.resumed, false);
        assert.equal(info.recoveredLeases, 0);
        assert.equal(info.feed, undefined);
        assert.deepEqual({ ...(await store.stats()), seen: 0 }, { ...ZERO, seen: 0 });
        assert.equal(await store.isFinished(), true);
        assert.deepEqual(await leaseAll(store, T0), { leases: [], wakeAt: null });
      } finally {
        await store.close();
        await store.close();
        await factory.destroy?.(store);
      }
    });

    it('rejects use after close with SF_STORE_CLOSED', async () => {
      const store = await factory.create(CONFORMANCE_OPTIONS);
      await store.open();
      await store.close();
      try {
        await assert.rejects(store.enqueue([makeRequest('https://closed.test/')]), isStoreError(ErrorCodes.STORE_CLOSED));
        await assert.rejects(leaseAll(store, T0), isStoreError(ErrorCodes.STORE_CLOSED));
      } finally {
        await factory.destroy?.(store);
      }
    });

    describe('enqueue', () => {
      it('returns one boolean per request, in order; a repeat inside a batch is new only first', () =>
        withStore(async (store) => {
          const [a, b, c] = urls('dedupe.test', 3).map((u) => makeRequest(u));
          assert.deepEqual(await store.enqueue([]), []);
          assert.deepEqual(await store.enqueue([a, b, a, c, b]), [true, true, false, true, false]);
          const stats = await store.stats();
          assert.equal(stats.pending, 3);
          assert.equal(stats.seen, 3);
          assert.equal(store.seen.size, 3);
        }));

      it('dedupes across batches and against committed requests', () =>
        withStore(async (store) => {
          const [a, b, c] = urls('across.test', 3).map((u) => makeRequest(u));
          assert.deepEqual(await store.enqueue([a]), [true]);
          assert.deepEqual(await store.enqueue([b, a]), [true, false]);
          const batch = await leaseAll(store, T0);
          for (const lease of batch.leases) {
            await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: [] });
          }
          assert.deepEqual(await store.enqueue([a, c, b]), [false, true, false]);
          assert.equal((await store.stats()).pending, 1);
        }));

      it('lets dontFilter requests bypass the seen set without recording them', () =>
        withStore(async (store) => {
          const url = 'https://bypass.test/x';
          const plain = makeRequest(url);
          const forced1 = makeRequest(url, { dontFilter: true });
          const forced2 = makeRequest(url, { dontFilter: true });
          assert.notEqual(forced1.id, forced2.id);
          assert.deepEqual(await store.enqueue([forced1, forced2]), [true, true]);
          assert.equal((await store.stats()).seen, 0);
          assert.deepEqual(await store.enqueue([plain, makeRequest(url, { dontFilter: true })]), [true, true]);
          assert.deepEqual(await store.enqueue([plain]), [false]);
          const stats = await store.stats();
          assert.equal(stats.seen, 1);
          assert.equal(stats.pending, 4);
          const leased = (await leaseAll(store, T0)).leases;
          await hostPolicy(store, 'bypass.test', 10);
          const more = (await leaseAll(store, T0 + 1)).leases;
          const all = [...leased, ...more];
          assert.equal(all.length, 4);
          assert.equal(all.filter((l) => l.request.dontFilter).length, 3);
        }));

      it('rejects a batch holding a malformed request and applies none of it', () =>
        withStore(async (store) => {
          const good = makeRequest('https://malformed.test/good');
          const bad = makeRequest('https://malformed.test/bad', { fingerprint: 'not-hex' });
          await assert.rejects(store.enqueue([good, bad]), isStoreError(ErrorCodes.STORE_INVALID_REQUEST));
          const stats = await store.stats();
          assert.equal(stats.pending, 0);
          assert.equal(stats.seen, 0);
          assert.deepEqual(await store.enqueue([good]), [true]);
        }));

      it('keeps every field of a request as given', () =>
        withStore(async (store) => {
          const request = makeRequest('https://fields.test/a?q=1', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-n': '1' },
            bodyBase64: Buffer.from('{"a":1}').toString('base64'),
            priority: 7,
            depth: 3,
            label: 'detail',
            userData: { nested: { list: [1, 'two', null, true] }, text: 'ünïcödé ✓' },
            redirects: 2,
            parentId: hexFingerprint('parent'),
          });
          await store.enqueue([request]);
          const [lease] = (await leaseAll(store, T0)).leases;
          assert.deepEqual(lease.request, request);
          assert.equal(lease.deliveries, 1);
          assert.equal(lease.expiresAt, T0 + LEASE_MS);
        }));
    });

    describe('lease order and politeness', () => {
      it('orders one host by priority (high first), then depth (low first), then first pushed', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'order.test', 100);
          const spec: [string, number, number][] = [
            ['d1p0a', 0, 1],
            ['d0p0a', 0, 0],
            ['d2p5', 5, 2],
            ['d1p0b', 0, 1],
            ['d0pm1', -1, 0],
            ['d0p5', 5, 0],
            ['d0p0b', 0, 0],
            ['d3p9', 9, 3],
          ];
          await store.enqueue(spec.slice(0, 4).map(([p, priority, depth]) => makeRequest(`https://order.test/${p}`, { priority, depth })));
          await store.enqueue(spec.slice(4).map(([p, priority, depth]) => makeRequest(`https://order.test/${p}`, { priority, depth })));
          const got = (await leaseAll(store, T0)).leases.map((l) => new URL(l.request.url).pathname.slice(1));
          assert.deepEqual(got, ['d3p9', 'd0p5', 'd2p5', 'd0p0a', 'd0p0b', 'd1p0a', 'd1p0b', 'd0pm1']);
        }));

      it('respects max and keeps the rest pending', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'max.test', 100);
          await store.enqueue(urls('max.test', 10).map((u) => makeRequest(u)));
          const batch = await store.lease({ max: 4, now: T0, leaseMs: LEASE_MS });
          assert.equal(batch.leases.length, 4);
          const stats = await store.stats();
          assert.equal(stats.pending, 6);
          assert.equal(stats.leased, 4);
        }));

      it('holds per-host concurrency until a lease is settled', () =>
        withStore(async (store) => {
          await store.enqueue(urls('conc.test', 5).map((u) => makeRequest(u)));
          const first = await leaseAll(store, T0);
          assert.equal(first.leases.length, 2, 'default concurrency 2');
          assert.equal((await leaseAll(store, T0 + 1)).leases.length, 0);
          await store.commit({ id: first.leases[0].request.id, result: { kind: 'done' }, children: [], items: [] });
          assert.equal((await leaseAll(store, T0 + 2)).leases.length, 1);
          await store.release(first.leases[1].request.id, T0);
          assert.equal((await leaseAll(store, T0 + 3)).leases.length, 1);
          assert.equal((await leaseAll(store, T0 + 4)).leases.length, 0);
        }));

      it('spaces request starts to one host by its delay and reports wakeAt', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'delay.test', 10, 1000);
          await store.enqueue(urls('delay.test', 3).map((u) => makeRequest(u)));
          const a = await leaseAll(store, T0);
          assert.equal(a.leases.length, 1);
          assert.equal(a.wakeAt, T0 + 1000);
          const b = await leaseAll(store, T0 + 999);
          assert.equal(b.leases.length, 0);
          assert.equal(b.wakeAt, T0 + 1000);
          const c = await leaseAll(store, T0 + 1000);
          assert.equal(c.leases.length, 1);
          assert.equal(c.wakeAt, T0 + 2000);
          const d = await leaseAll(store, T0 + 5000);
          assert.equal(d.leases.length, 1);
          assert.equal(d.wakeAt, null, 'nothing pending');
        }));

      it('adds jitter in [0, jitterMs) to the delay', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'jitter.test', 100, 100, 50);
          await store.enqueue(urls('jitter.test', 40).map((u) => makeRequest(u)));
          let now = T0;
          const gaps = new Set<number>();
          for (let i = 0; i < 20; i++) {
            const batch = await leaseAll(store, now);
            assert.equal(batch.leases.length, 1);
            assert.ok(batch.wakeAt !== null);
            const gap = batch.wakeAt - now;
            assert.ok(gap >= 100 && gap < 150, `gap ${gap} outside [100, 150)`);
            gaps.add(gap);
            assert.equal((await leaseAll(store, batch.wakeAt - 1)).leases.length, 0);
            now = batch.wakeAt;
          }
          assert.ok(gaps.size > 1, 'jitter varies');
        }));

      it('lets hosts take turns, within a call and across calls', () =>
        withStore(async (store) => {
          const hosts = ['turn-a.test', 'turn-b.test', 'turn-c.test'];
          for (const h of hosts) await hostPolicy(store, h, 10);
          for (const h of hosts) await store.enqueue(urls(h, 6).map((u) => makeRequest(u)));
          const six = (await store.lease({ max: 6, now: T0, leaseMs: LEASE_MS })).leases.map((l) => l.request.host);
          assert.equal(new Set(six.slice(0, 3)).size, 3, `first three from three hosts: ${six}`);
          for (const h of hosts) assert.equal(six.filter((x) => x === h).length, 2, `${h} twice in ${six}`);
          const singles: string[] = [];
          for (let i = 0; i < 3; i++) {
            singles.push(...(await store.lease({ max: 1, now: T0 + 1 + i, leaseMs: LEASE_MS })).leases.map((l) => l.request.host));
          }
          assert.equal(new Set(singles).size, 3, `one call each: ${singles}`);
        }));

      it('does not let a waiting host hold back a ready one', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'slow.test', 10, 60_000);
          await hostPolicy(store, 'fast.test', 10, 0);
          await store.enqueue(urls('slow.test', 5).map((u) => makeRequest(u)));
          await store.enqueue(urls('fast.test', 5).map((u) => makeRequest(u)));
          const batch = await store.lease({ max: 8, now: T0, leaseMs: LEASE_MS });
          const hosts = batch.leases.map((l) => l.request.host);
          assert.equal(hosts.filter((h) => h === 'slow.test').length, 1);
          assert.equal(hosts.filter((h) => h === 'fast.test').length, 5);
          assert.equal(batch.wakeAt, T0 + 60_000);
        }));

      it('applies setHostPolicy: partial merges with the default, raising concurrency frees slots', () =>
        withStore(async (store) => {
          await store.setHostPolicy('policy.test', { delayMs: 0 });
          await store.enqueue(urls('policy.test', 8).map((u) => makeRequest(u)));
          assert.equal((await leaseAll(store, T0)).leases.length, 2, 'concurrency stays the default');
          await store.setHostPolicy('policy.test', { concurrency: 5 });
          assert.equal((await leaseAll(store, T0 + 1)).leases.length, 3);
          await store.setHostPolicy('policy.test', { concurrency: 10, delayMs: 500 });
          const delayed = await leaseAll(store, T0 + 600);
          assert.equal(delayed.leases.length, 1, 'the delay spaces starts');
          assert.equal(delayed.wakeAt, T0 + 1100);
          assert.equal((await leaseAll(store, T0 + 1099)).leases.length, 0);
          assert.equal((await leaseAll(store, T0 + 1100)).leases.length, 1);
        }));
    });

    describe('leases', () => {
      it('returns expired leases to the queue and counts deliveries', () =>
        withStore(async (store) => {
          const req = makeRequest('https://expire.test/a');
          await store.enqueue([req]);
          const first = (await store.lease({ max: 5, now: T0, leaseMs: 1000 })).leases;
          assert.equal(first.length, 1);
          assert.equal(first[0].deliveries, 1);
          assert.equal(await store.expireLeases(T0 + 999), 0);
          assert.equal((await store.stats()).leased, 1);
          assert.equal(await store.expireLeases(T0 + 1001), 1);
          let stats = await store.stats();
          assert.equal(stats.leased, 0);
          assert.equal(stats.pending, 1);
          assert.equal(await store.isFinished(), false);
          await assert.rejects(
            store.commit({ id: req.id, result: { kind: 'done' }, children: [], items: [] }),
            isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE),
          );
          const second = (await store.lease({ max: 5, now: T0 + 2000, leaseMs: 1000 })).leases;
          assert.equal(second.length, 1);
          assert.equal(second[0].deliveries, 2);
          assert.equal(second[0].expiresAt, T0 + 3000);
          assert.deepEqual(second[0].request, req);
          await store.commit({ id: req.id, result: { kind: 'done' }, children: [], items: [] });
          stats = await store.stats();
          assert.equal(stats.done, 1);
          assert.equal(await store.isFinished(), true);
        }));

      it('retires a request after maxDeliveries expired leases', () =>
        withStore(async (store) => {
          const req = makeRequest('https://retire.test/poison');
          await store.enqueue([req]);
          let now = T0;
          for (let delivery = 1; delivery <= CONFORMANCE_OPTIONS.maxDeliveries; delivery++) {
            const leases = (await store.lease({ max: 10, now, leaseMs: 100 })).leases.filter((l) => l.request.id === req.id);
            assert.equal(leases.length, 1, `delivery ${delivery}`);
            assert.equal(leases[0].deliveries, delivery);
            now += 1000;
            const returned = await store.expireLeases(now);
            assert.equal(returned, delivery < CONFORMANCE_OPTIONS.maxDeliveries ? 1 : 0);
          }
          const stats = await store.stats();
          assert.equal(stats.retired, 1);
          assert.equal(stats.pending, 0);
          assert.equal(stats.leased, 0);
          assert.equal((await store.lease({ max: 10, now: now + 1, leaseMs: 100 })).leases.length, 0);
          assert.equal(await store.isFinished(), true);
          assert.deepEqual(await store.enqueue([req]), [false], 'a retired request stays seen');
        }));

      it('releases a lease back to the queue, ready at retryAt', () =>
        withStore(async (store) => {
          const req = makeRequest('https://release.test/a');
          await store.enqueue([req]);
          await leaseAll(store, T0);
          await store.release(req.id, T0 + 5000);
          let stats = await store.stats();
          assert.equal(stats.pending, 1);
          assert.equal(stats.leased, 0);
          const early = await leaseAll(store, T0 + 10);
          assert.equal(early.leases.length, 0);
          assert.equal(early.wakeAt, T0 + 5000);
          const later = await leaseAll(store, T0 + 5000);
          assert.equal(later.leases.length, 1);
          assert.equal(later.leases[0].deliveries, 2);
          await assert.rejects(store.release('0'.repeat(40), T0), isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE));
          await store.commit({ id: req.id, result: { kind: 'failed', code: 'SF_FETCH_NETWORK' }, children: [], items: [] });
          await assert.rejects(store.release(req.id, T0), isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE));
          stats = await store.stats();
          assert.equal(stats.failed, 1);
        }));

      it('does not let a released request hold back others of its host', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'held.test', 10);
          const [a, b] = urls('held.test', 2).map((u) => makeRequest(u, { priority: 0 }));
          await store.enqueue([a]);
          await leaseAll(store, T0);
          await store.release(a.id, T0 + 60_000);
          await store.enqueue([b]);
          const batch = await leaseAll(store, T0 + 1);
          assert.deepEqual(
            batch.leases.map((l) => l.request.id),
            [b.id],
          );
          assert.equal(batch.wakeAt, T0 + 60_000);
        }));
    });

    describe('commit', () => {
      it('settles the lease, pushes only new children and reports which were added', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'commit.test', 10);
          const root = makeRequest('https://commit.test/');
          const known = makeRequest('https://commit.test/known');
          await store.enqueue([root, known]);
          const leased = (await leaseAll(store, T0)).leases;
          const rootLease = leased.find((l) => l.request.id === root.id)!;
          assert.ok(rootLease);
          const c1 = makeRequest('https://commit.test/c1', { depth: 1, parentId: root.id });
          const c2 = makeRequest('https://commit.test/c2', { depth: 1, parentId: root.id });
          const forced = makeRequest('https://commit.test/c1', { depth: 1, dontFilter: true });
          const result = await store.commit({
            id: root.id,
            result: { kind: 'done', status: 200 },
            children: [c1, known, c2, c1, root, forced],
            items: ['{"a":1}', '{"a":2}'],
          });
          assert.deepEqual(result.added, [true, false, true, false, false, true]);
          const stats = await store.stats();
          assert.equal(stats.done, 1);
          assert.equal(stats.pending, 3);
          assert.equal(stats.leased, 1);
          assert.equal(stats.seen, 4);
          if (store.capabilities.items) assert.equal(stats.items, 2);
          const next = (await leaseAll(store, T0 + 1)).leases.map((l) => l.request.id).sort();
          assert.deepEqual(next, [c1.id, c2.id, forced.id].sort());
        }));

      it('counts failures and rejects unknown ids and a second commit', () =>
        withStore(async (store) => {
          const req = makeRequest('https://fail.test/a');
          await store.enqueue([req]);
          await assert.rejects(
            store.commit({ id: req.id, result: { kind: 'done' }, children: [], items: [] }),
            isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE),
            'pending but not leased',
          );
          await leaseAll(store, T0);
          await assert.rejects(
            store.commit({ id: 'f'.repeat(40), result: { kind: 'done' }, children: [], items: [] }),
            isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE),
          );
          const child = makeRequest('https://fail.test/child');
          await store.commit({ id: req.id, result: { kind: 'failed', code: 'SF_FETCH_HTTP_STATUS', status: 500 }, children: [], items: [] });
          await assert.rejects(
            store.commit({ id: req.id, result: { kind: 'done' }, children: [child], items: ['{}'] }),
            isStoreError(ErrorCodes.STORE_UNKNOWN_LEASE),
          );
          const stats = await store.stats();
          assert.equal(stats.failed, 1);
          assert.equal(stats.done, 0);
          assert.equal(stats.pending, 0);
          assert.equal(stats.items, 0);
          assert.deepEqual(await store.enqueue([child]), [true], 'the rejected commit recorded nothing');
        }));

      it('is all or nothing: a commit with a malformed child changes nothing', () =>
        withStore(async (store) => {
          const req = makeRequest('https://atomic.test/a');
          await store.enqueue([req]);
          await leaseAll(store, T0);
          const good = makeRequest('https://atomic.test/good');
          const bad = makeRequest('https://atomic.test/bad', { fingerprint: 'zz' });
          const before = await store.stats();
          await assert.rejects(
            store.commit({ id: req.id, result: { kind: 'done' }, children: [good, bad], items: ['{"x":1}'] }),
            isStoreError(ErrorCodes.STORE_INVALID_REQUEST),
          );
          assert.deepEqual(await store.stats(), before);
          const result = await store.commit({ id: req.id, result: { kind: 'done' }, children: [good], items: ['{"x":1}'] });
          assert.deepEqual(result.added, [true], 'the failed commit did not mark the good child seen');
          const after = await store.stats();
          assert.equal(after.done, 1);
          assert.equal(after.pending, 1);
          if (store.capabilities.items) assert.equal(after.items, 1);
        }));
    });

    describe('stats, hostStats, isFinished', () => {
      it('reports counts per store and per host', () =>
        withStore(async (store) => {
          await hostPolicy(store, 'big.test', 10);
          await hostPolicy(store, 'small.test', 10);
          await store.enqueue(urls('big.test', 5).map((u) => makeRequest(u)));
          await store.enqueue(urls('small.test', 2).map((u) => makeRequest(u)));
          assert.equal(await store.isFinished(), false);
          const leases = (await store.lease({ max: 3, now: T0, leaseMs: LEASE_MS })).leases;
          const perHost = (host: string) => leases.filter((l) => l.request.host === host).length;
          const hosts = await store.hostStats();
          const byHost = new Map(hosts.map((h) => [h.host, h]));
          assert.deepEqual(byHost.get('big.test'), { host: 'big.test', pending: 5 - perHost('big.test'), leased: perHost('big.test') });
          assert.deepEqual(byHost.get('small.test'), { host: 'small.test', pending: 2 - perHost('small.test'), leased: perHost('small.test') });
          assert.equal(hosts.length, 2);
          const top = await store.hostStats(1);
          assert.equal(top.length, 1);
          assert.equal(top[0].host, 'big.test', 'largest queue first');
          const stats = await store.stats();
          assert.deepEqual(stats, { ...ZERO, pending: 4, leased: 3, seen: 7 });
        }));

      it('is finished only when nothing is pending and no lease is open', () =>
        withStore(async (store) => {
          const req = makeRequest('https://finish.test/a');
          await store.enqueue([req]);
          assert.equal(await store.isFinished(), false);
          await leaseAll(store, T0);
          assert.equal(await store.isFinished(), false, 'a lease is open');
          await store.commit({ id: req.id, result: { kind: 'done' }, children: [], items: [] });
          assert.equal(await store.isFinished(), true);
          assert.deepEqual(await store.hostStats(), []);
        }));

      it('runs a small crawl to completion: every distinct request leased exactly once', () =>
        withStore(async (store) => {
          const hosts = ['c1.test', 'c2.test', 'c3.test', 'c4.test'];
          for (const h of hosts) await hostPolicy(store, h, 3, 10);
          const page = (i: number) => makeRequest(`https://${hosts[i % hosts.length]}/page/${i}`, { depth: 0 });
          await store.enqueue([page(0), page(1)]);
          const leasedIds: string[] = [];
          let now = T0;
          for (let round = 0; round < 5000 && !(await store.isFinished()); round++) {
            const batch = await store.lease({ max: 7, now, leaseMs: LEASE_MS });
            for (const lease of batch.leases) {
              leasedIds.push(lease.request.id);
              const i = Number(lease.request.url.split('/').pop());
              const kids = [i * 2 + 1, i * 2 + 2, (i * 7) % 300, i + 1].filter((k) => k < 300).map(page);
              await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: kids, items: [] });
            }
            now = batch.leases.length === 0 && batch.wakeAt !== null ? batch.wakeAt : now + 1;
          }
          assert.equal(await store.isFinished(), true);
          assert.equal(leasedIds.length, 300);
          assert.equal(new Set(leasedIds).size, 300);
          const stats = await store.stats();
          assert.equal(stats.done, 300);
          assert.equal(stats.seen, 300);
        }));
    });

    describe('kv', () => {
      it('gets, sets, overwrites, sets if absent and deletes', () =>
        withStore(async ({ kv }) => {
          assert.equal(await kv.get('missing'), null);
          await kv.set('k', 'v1');
          assert.equal(await kv.get('k'), 'v1');
          await kv.set('k', 'v2');
          assert.equal(await kv.get('k'), 'v2');
          assert.equal(await kv.setIfAbsent('k', 'v3'), false);
          assert.equal(await kv.get('k'), 'v2');
          assert.equal(await kv.setIfAbsent('lock', 'me'), true);
          assert.equal(await kv.setIfAbsent('lock', 'you'), false);
          assert.equal(await kv.get('lock'), 'me');
          await kv.delete('lock');
          await kv.delete('never-set');
          assert.equal(await kv.get('lock'), null);
          assert.equal(await kv.setIfAbsent('lock', 'you'), true);
          await kv.set('text', 'ünïcödé\n"quoted"');
          assert.equal(await kv.get('text'), 'ünïcödé\n"quoted"');
        }));

      it('expires keys after their ttl (real time)', () =>
        withStore(async ({ kv }) => {
          await kv.set('short', 'a', 40);
          assert.equal(await kv.setIfAbsent('claim', 'first', 40), true);
          await kv.set('long', 'b', 60_000);
          await kv.set('forever', 'c');
          assert.equal(await kv.get('short'), 'a');
          await new Promise((r) => setTimeout(r, 120));
          assert.equal(await kv.get('short'), null);
          assert.equal(await kv.get('long'), 'b');
          assert.equal(await kv.get('forever'), 'c');
          assert.equal(await kv.setIfAbsent('claim', 'second'), true, 'an expired claim can be taken');
          assert.equal(await kv.get('claim'), 'second');
          await kv.set('long', 'd');
          assert.equal(await kv.get('long'), 'd');
        }));
    });

    describe('durability (stores with reopen)', { skip: factory.reopen ? false : 'no reopen in this factory' }, () => {
      it('keeps everything committed, the queue and the seen set across reopen', () =>
        withStore(async (store0, ctx) => {
          await hostPolicy(store0, 'durable.test', 100);
          const reqs = urls('durable.test', 6).map((u, i) => makeRequest(u, { priority: i % 2, depth: 1 }));
          await store0.enqueue(reqs);
          const leased = (await store0.lease({ max: 2, now: T0, leaseMs: LEASE_MS })).leases;
          const child = makeRequest('https://durable.test/child', { depth: 2 });
          await store0.commit({ id: leased[0].request.id, result: { kind: 'done' }, children: [child], items: ['{"i":0}'] });
          await store0.commit({ id: leased[1].request.id, result: { kind: 'failed', code: 'SF_FETCH_NETWORK' }, children: [], items: [] });
          const before = await store0.stats();
          const { store, info } = await reopen(ctx);
          assert.equal(info.resumed, true);
          assert.equal(info.recoveredLeases, 0);
          assert.deepEqual(await store.stats(), before);
          assert.deepEqual(await store.enqueue([...reqs, child]), reqs.map(() => false).concat(false));
          await hostPolicy(store, 'durable.test', 100);
          const rest = (await store.lease({ max: 100, now: T0 + 1, leaseMs: LEASE_MS })).leases.map((l) => l.request);
          const leasedIds = new Set(leased.map((l) => l.request.id));
          const remaining = reqs.filter((r) => !leasedIds.has(r.id));
          const expected = [...remaining.filter((r) => r.priority === 1), ...remaining.filter((r) => r.priority === 0), child];
          assert.deepEqual(rest, expected);
        }));

      it('returns leases left open at close to the queue, keeping their deliveries', () =>
        withStore(async (store0, ctx) => {
          await hostPolicy(store0, 'crash.test', 10);
          const reqs = urls('crash.test', 3).map((u) => makeRequest(u));
          await store0.enqueue(reqs);
          const leased = (await store0.lease({ max: 2, now: T0, leaseMs: LEASE_MS })).leases;
          assert.equal(leased.length, 2);
          const { store, info } = await reopen(ctx);
          assert.equal(info.resumed, true);
          let now = T0 + 1;
          if (store.capabilities.shared) {
            assert.equal(info.recoveredLeases, 0, 'a shared store cannot know the lease holder is dead');
            now = T0 + LEASE_MS + 1;
            assert.equal(await store.expireLeases(now), 2);
          } else {
            assert.equal(info.recoveredLeases, 2);
          }
          const stats = await store.stats();
          assert.equal(stats.pending, 3);
          assert.equal(stats.leased, 0);
          await hostPolicy(store, 'crash.test', 10);
          const again = (await store.lease({ max: 10, now, leaseMs: LEASE_MS })).leases;
          assert.equal(again.length, 3);
          const deliveries = new Map(again.map((l) => [l.request.id, l.deliveries]));
          for (const l of leased) assert.equal(deliveries.get(l.request.id), 2);
        }));

      it('records the feed checkpoint with each commit (stores with feedCheckpoint)', async (t) => {
        await withStore(async (store0, ctx) => {
          if (!store0.capabilities.feedCheckpoint) {
            t.skip('no feedCheckpoint capability');
            return;
          }
          await store0.enqueue(urls('feed.test', 2).map((u) => makeRequest(u)));
          const leases = (await leaseAll(store0, T0)).leases;
          await store0.commit({ id: leases[0].request.id, result: { kind: 'done' }, children: [], items: [], feed: { path: 'out.jsonl', offset: 120 } });
          await store0.commit({ id: leases[1].request.id, result: { kind: 'done' }, children: [], items: [], feed: { path: 'out.jsonl', offset: 245 } });
          const { info } = await reopen(ctx);
          assert.deepEqual(info.feed, { path: 'out.jsonl', offset: 245 });
        });
      });

      it('keeps items across reopen (stores with items)', async (t) => {
        await withStore(async (store0, ctx) => {
          if (!store0.capabilities.items) {
            t.skip('no items capability');
            return;
          }
          await store0.enqueue([makeRequest('https://items.test/')]);
          const [lease] = (await leaseAll(store0, T0)).leases;
          await store0.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: ['{"a":1}', '{"b":2}', '{"c":3}'] });
          const { store } = await reopen(ctx);
          assert.equal((await store.stats()).items, 3);
        });
      });
    });
  });
}
