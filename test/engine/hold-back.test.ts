/**
 * The politeness hold-back of the page worker: on a host with a delay, a request that reaches
 * the fetch more than half of `politenessSlackMs` after its lease is given back unfetched (the
 * server sees nothing), as a release that is not a fetch attempt; one sent in time is fetched;
 * and a request whose deliveries are near `maxDeliveries` is fetched rather than held back
 * (hold-backs must never bring a request to retirement).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lease } from '../../src/contracts.ts';
import { Fetcher } from '../../src/downloader/fetcher.ts';
import { CrawlEvents } from '../../src/engine/crawl-events.ts';
import { HostDelays } from '../../src/engine/host-delays.ts';
import { type PageWorkerDeps, processLease } from '../../src/engine/page-worker.ts';
import { MemoryStore } from '../../src/stores/memory/memory-store.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';
import { makeRequest } from '../stores/conformance.ts';

const LEASE_MS = 60_000;
const SLACK_MS = 40;

describe('page worker: politeness hold-back', () => {
  let site: TestSite;
  const fetcher = new Fetcher();
  const events = new CrawlEvents();
  const store = new MemoryStore({ hostPolicy: { concurrency: 4, delayMs: 0 }, maxDeliveries: 5 });

  before(async () => {
    site = await startTestSite({ pages: 10 });
  });
  after(async () => {
    await fetcher.close();
    await site.close();
  });

  const deps = (delayMs: number): PageWorkerDeps => ({
    fetcher,
    spider: { name: 't', startRequests: () => [], parse: async () => ({ items: [], requests: [] }), pipelines: [] },
    rules: { maxDepth: 0, maxLinksPerPage: 10, maxUrlLength: 2083, inScope: () => false },
    robots: null,
    delays: new HostDelays(store, events, { baseDelayMs: delayMs, autoThrottle: false, slackMs: SLACK_MS }),
    events,
    retries: 0,
    retryBaseMs: 10,
    maxRedirects: 0,
    attempts: new Map(),
    holds: new Map(),
    holdBacks: new Map(),
    leaseMs: LEASE_MS,
    slackMs: SLACK_MS,
    maxDeliveries: 5,
    now: Date.now,
  });
  const leased = (path: string, agoMs: number, deliveries = 1): Lease => ({
    request: makeRequest(`${site.origin}${path}`),
    deliveries,
    expiresAt: Date.now() - agoMs + LEASE_MS,
  });
  const signal = new AbortController().signal;

  it('gives back a late request unfetched, without counting an attempt', async () => {
    const d = deps(200);
    const lease = leased('/p/1', SLACK_MS);
    const outcome = await processLease(lease, d, signal);
    assert.equal(outcome.kind, 'release');
    assert.ok(outcome.kind === 'release' && !outcome.fetched && outcome.retryAt <= Date.now());
    assert.equal(site.hits('/p/1'), 0, 'the server saw nothing');
    assert.equal(d.holdBacks?.get(lease.request.id), 1);
    assert.equal(d.attempts.has(lease.request.id), false);
  });

  it('fetches a request sent within half the slack', async () => {
    const outcome = await processLease(leased('/p/2', 0), deps(200), signal);
    assert.equal(outcome.kind, 'commit');
    assert.equal(site.hits('/p/2'), 1);
  });

  it('never holds back on a host without a delay', async () => {
    const outcome = await processLease(leased('/p/3', 10_000), deps(0), signal);
    assert.equal(outcome.kind, 'commit');
    assert.equal(site.hits('/p/3'), 1);
  });

  it('fetches late rather than bring a request near retirement', async () => {
    const outcome = await processLease(leased('/p/4', 10_000, 4), deps(200), signal);
    assert.equal(outcome.kind, 'commit');
    assert.equal(site.hits('/p/4'), 1);
  });
});

describe('HostDelays: the slack goes to the store with a delay, never without', () => {
  it('makes the store space a host with a crawl-delay by delay + slack', async () => {
    const store = new MemoryStore({ hostPolicy: { concurrency: 4, delayMs: 0 }, maxDeliveries: 5 });
    await store.open();
    const delays = new HostDelays(store, new CrawlEvents(), { baseDelayMs: 0, autoThrottle: false, slackMs: 25 });
    assert.equal(await delays.setCrawlDelay('a.test', 1000), true);
    assert.equal(delays.delayMs('a.test'), 1000, 'the delay itself, without the slack');
    await store.enqueue([makeRequest('http://a.test/1'), makeRequest('http://a.test/2'), makeRequest('http://b.test/1'), makeRequest('http://b.test/2')]);
    const T0 = 1_000_000;
    const first = await store.lease({ max: 10, now: T0, leaseMs: LEASE_MS });
    assert.deepEqual(first.leases.map((l) => l.request.url).sort(), ['http://a.test/1', 'http://b.test/1', 'http://b.test/2']);
    assert.equal(first.wakeAt, T0 + 1025);
    assert.equal((await store.lease({ max: 10, now: T0 + 1024, leaseMs: LEASE_MS })).leases.length, 0);
    assert.equal((await store.lease({ max: 10, now: T0 + 1025, leaseMs: LEASE_MS })).leases.length, 1);
    await store.close();
  });
});
