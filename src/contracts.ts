/**
 * The seams of superfilter: types only, no code.
 *
 * Stores (memory, jobdir, redis) and the engine meet here and nowhere else. Every store
 * passes one conformance suite (test/stores/conformance.ts) written against these types.
 *
 * The crash-safety contract: a page's outcome (the ack of its lease, its new child requests,
 * its items or feed checkpoint) is durable together or not at all. After any crash every seen
 * request is either done (its outcome durable) or still in the frontier (pending or leased):
 * never "seen but lost". Stores therefore do the seen test-and-set of child requests inside
 * `enqueue` / `commit`, in the same atomic unit as the push.
 */

/** A request fingerprint: 20 bytes (SHA-1), byte-identical to Scrapy's request fingerprint. */
export type Fingerprint = Uint8Array;

/**
 * The seen set: an exact, batch-first, atomic test-and-set of fingerprints.
 *
 * `addMany` resolves to one boolean per input, true where that fingerprint had not been seen
 * before (a fingerprint repeated inside one batch is new only at its first position). Exact:
 * it never answers "seen" for a fingerprint that was not added (up to the documented collision
 * bound of the kept key bits). Once `addMany` has resolved, the additions survive a `kill -9`
 * for durable implementations.
 */
export interface SeenFilter {
  addMany(fps: readonly Fingerprint[]): Promise<boolean[]>;
  /** Number of distinct fingerprints held. */
  readonly size: number;
  close(): Promise<void>;
}

/** The body of a request as a spider gives it. */
export type RequestBody = string | Uint8Array;

/** What a spider yields to ask for a page. Only `url` is required. */
export interface CrawlRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Higher runs sooner; default 0. */
  priority?: number;
  /** Routes the response to the spider handler of this name. */
  label?: string;
  /** Free JSON-serializable data carried to the response. */
  userData?: Record<string, unknown>;
  /** Skip the seen set (the request is always queued). */
  dontFilter?: boolean;
}

/**
 * A request as stores keep it: JSON-serializable, with everything the engine decided about it.
 * Stores treat it as opaque except for `id`, `host`, `priority`, `depth` and `dontFilter`.
 */
export interface QueuedRequest {
  /** Unique within a crawl: the hex fingerprint, or for `dontFilter` requests a unique id. */
  id: string;
  /** 40-hex-digit fingerprint (the test-and-set key); equals `id` unless `dontFilter`. */
  fingerprint: string;
  /** Politeness key: lower-case host[:port] as it will be connected to. */
  host: string;
  url: string;
  method: string;
  headers?: Record<string, string>;
  /** Request body, base64. */
  bodyBase64?: string;
  priority: number;
  depth: number;
  label?: string;
  userData?: Record<string, unknown>;
  dontFilter?: boolean;
  /** How many redirects led to this request. */
  redirects?: number;
  /** Id of the request whose response produced this one (for stats and debugging). */
  parentId?: string;
}

/** A request handed to one worker for a limited time. */
export interface Lease {
  request: QueuedRequest;
  /** 1 on the first delivery; a request that keeps killing workers is retired past a limit. */
  deliveries: number;
  /** Epoch milliseconds after which the lease may be taken back by `expireLeases`. */
  expiresAt: number;
}

/** The answer of `lease`: the leased requests, and when to ask again if none were ready. */
export interface LeaseBatch {
  leases: Lease[];
  /**
   * Epoch ms at which to ask again: when the next host becomes ready, or, when every host with
   * pending work is at its concurrency limit, the earliest lease expiry. Null when nothing is
   * pending.
   */
  wakeAt: number | null;
}

/** Options of one lease call. */
export interface LeaseOptions {
  /** Most requests to lease. */
  max: number;
  /** Epoch milliseconds (injected so tests can drive the clock). */
  now: number;
  /** How long the lease lasts before another worker may take the request back. */
  leaseMs: number;
  /** Identifies the worker (diagnostics only). */
  owner?: string;
}

/** Politeness of one host: how many requests at once and how long between request starts. */
export interface HostPolicy {
  concurrency: number;
  delayMs: number;
  /** Random extra delay in [0, jitterMs). */
  jitterMs?: number;
}

/** How a leased request ended. */
export type PageResult =
  | { kind: 'done'; status?: number }
  | { kind: 'failed'; code: string; message?: string; status?: number };

/** Where the engine's local feed stood after writing a page's items (jobdir truncates to it). */
export interface FeedCheckpoint {
  path: string;
  offset: number;
}

/**
 * A page's outcome, committed as one atomic unit: the lease is settled, the children pass the
 * seen set and the new ones are pushed, and the items (for stores that hold items) or the feed
 * checkpoint (for stores that persist it) are recorded.
 */
export interface PageOutcome {
  /** Id of the leased request being settled. */
  id: string;
  /**
   * The `deliveries` of the lease being settled. When given, a store rejects the commit with
   * SF_STORE_UNKNOWN_LEASE if the request has since been leased again (a late commit from a
   * worker whose lease expired must not settle another worker's lease).
   */
  deliveries?: number;
  result: PageResult;
  children: QueuedRequest[];
  /** Items as JSON text, one per item; kept by stores with `capabilities.items`. */
  items: string[];
  feed?: FeedCheckpoint;
}

/** What `commit` reports: which children were new (same order as `outcome.children`). */
export interface CommitResult {
  added: boolean[];
}

/** Counts a store can report at any time. */
export interface FrontierStats {
  pending: number;
  leased: number;
  done: number;
  failed: number;
  /** Requests given up after too many deliveries (each killed or lost its worker). */
  retired: number;
  seen: number;
  items: number;
}

/** Per-host queue sizes, for `superfilter status`. */
export interface HostStats {
  host: string;
  pending: number;
  leased: number;
}

/** What a store can do beyond the contract's core. */
export interface StoreCapabilities {
  /** Survives a process crash (`kill -9`). */
  durable: boolean;
  /** Many processes may share it at once. */
  shared: boolean;
  /** Items are kept in the store (the engine hands them to `commit`); otherwise the engine writes the feed. */
  items: boolean;
  /** Records a feed checkpoint atomically with each commit. */
  feedCheckpoint: boolean;
}

/** A small shared key-value area (robots.txt cache, crawl metadata), with expiry. */
export interface SharedKV {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it (a lock or a claim). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** Stats of the store, opened. */
export interface StoreOpenInfo {
  /** True when the store already held a crawl (resume / join); the engine then skips seeding unless asked. */
  resumed: boolean;
  /** Leases that were returned to the queue on open (held by a dead process). */
  recoveredLeases: number;
  /** The feed checkpoint recorded by the last commit, if any. */
  feed?: FeedCheckpoint;
}

/**
 * One backend providing the seen set and the frontier of one crawl, and the atomic commit.
 *
 * Frontier order: among requests of hosts that are ready (fewer than `concurrency` in flight
 * and the host's delay since its last lease has passed), higher priority first, then lower
 * depth (breadth-first), then first pushed. Hosts take turns.
 */
export interface Store {
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  /** The seen set itself, for direct use (imports, exports, benchmarks). */
  readonly seen: SeenFilter;
  readonly kv: SharedKV;

  open(): Promise<StoreOpenInfo>;
  /** Seeds or adds requests: the seen test-and-set (unless `dontFilter`) and the push, atomically. */
  enqueue(requests: QueuedRequest[]): Promise<boolean[]>;
  lease(options: LeaseOptions): Promise<LeaseBatch>;
  /** Settles a lease with its outcome, atomically. Unknown or expired ids: StoreError SF_STORE_UNKNOWN_LEASE. */
  commit(outcome: PageOutcome): Promise<CommitResult>;
  /** Gives a leased request back to the queue, ready again at `retryAt` (epoch ms). */
  release(id: string, retryAt: number): Promise<void>;
  /** Returns expired leases to the queue; requests past `maxDeliveries` are retired. Returns how many were returned. */
  expireLeases(now: number): Promise<number>;
  /** Sets the politeness of one host (for example a robots.txt crawl-delay); others use the default. */
  setHostPolicy(host: string, policy: Partial<HostPolicy>): Promise<void>;
  stats(): Promise<FrontierStats>;
  hostStats(limit?: number): Promise<HostStats[]>;
  /** True when nothing is pending and no lease is open. */
  isFinished(): Promise<boolean>;
  close(): Promise<void>;
}

/** Options every store accepts. */
export interface StoreOptions {
  /** Default politeness for every host. */
  hostPolicy: HostPolicy;
  /** Deliveries after which a request is retired instead of leased again. */
  maxDeliveries: number;
}
