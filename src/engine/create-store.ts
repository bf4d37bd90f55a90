/**
 * Maps `config.store` to a Store: `memory`, `jobdir` (the crash-safe default) or `redis`.
 * Backends are loaded on demand, so a crawl on one backend never loads another's
 * dependencies (better-sqlite3, ioredis).
 *
 * Invariants: the store is returned unopened (the crawler opens it); every backend gets the
 * same politeness and delivery settings from the one config.
 */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Store, StoreOptions } from '../contracts.ts';
import { ConfigError, ErrorCodes } from '../errors.ts';
import { storeDelayMs } from './host-delays.ts';
import { redactUrl } from '../stores/redis/redact-url.ts';

/** What `createStore` needs beyond the config. */
export interface CreateStoreOptions {
  /** Names the default job directory and the default Redis crawl. */
  crawlName: string;
  /** Called when a backend is not available and another is used instead. */
  warn?: (message: string) => void;
}

/** A created store and where it keeps its data (for messages). */
export interface CreatedStore {
  store: Store;
  /** `memory`, the job directory path, or the Redis crawl name. */
  location: string;
  /** The backend actually used (differs from `config.store` only after a fallback). */
  kind: 'memory' | 'jobdir' | 'redis';
}

/** The job directory a crawl uses: `--jobdir`, else `.superfilter/<crawl name>`. */
export function jobdirFor(config: Config, crawlName: string): string {
  return config.jobdir || join('.superfilter', crawlName.replace(/[^A-Za-z0-9._-]+/g, '_') || 'crawl');
}

// Backend modules by name; loaded lazily. A backend whose module is absent from this build
// is reported (redis) or replaced by memory with a warning (jobdir).
type BackendModule = Record<string, unknown>;
const BACKENDS = {
  jobdir: { path: '../stores/jobdir/jobdir-store.ts', export: 'JobdirStore' },
  redis: { path: '../stores/redis/redis-store.ts', export: 'RedisStore' },
} as const;

async function loadBackend(kind: keyof typeof BACKENDS): Promise<(new (options: never) => Store) | null> {
  const spec = BACKENDS[kind];
  let mod: BackendModule;
  try {
    // Built output (dist/) holds .js files; the sources run through tsx as .ts.
    const path = import.meta.url.endsWith('.js') ? spec.path.replace(/\.ts$/, '.js') : spec.path;
    mod = (await import(new URL(path, import.meta.url).href)) as BackendModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
  const ctor = mod[spec.export];
  return typeof ctor === 'function' ? (ctor as new (options: never) => Store) : null;
}

/** Creates (does not open) the store `config.store` names. */
export async function createStore(config: Config, options: CreateStoreOptions): Promise<CreatedStore> {
  const base: StoreOptions = {
    // The store spaces lease starts by the delay plus the slack (see HostDelays, storeDelayMs).
    hostPolicy: { concurrency: config.perHost, delayMs: storeDelayMs(config.delayMs, config.politenessSlackMs), jitterMs: config.jitterMs },
    maxDeliveries: config.maxDeliveries,
  };
  if (config.store === 'redis' || config.redis !== '') {
    if (config.redis === '') {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, 'the redis store needs --redis redis://host:port/db', { details: { setting: 'redis' } });
    }
    const Redis = await loadBackend('redis');
    if (Redis === null) throw new ConfigError(ErrorCodes.CONFIG_INVALID, 'the redis store is not available in this build', { details: { setting: 'store' } });
    const crawl = config.crawlName || options.crawlName;
    return { store: new Redis({ ...base, url: config.redis, crawl } as never), location: `${redactUrl(config.redis)} crawl "${crawl}"`, kind: 'redis' };
  }
  if (config.store === 'jobdir') {
    const Jobdir = await loadBackend('jobdir');
    const dir = jobdirFor(config, options.crawlName);
    if (Jobdir !== null) return { store: new Jobdir({ ...base, dir } as never), location: dir, kind: 'jobdir' };
    options.warn?.('the jobdir store is not available in this build: using the memory store (the crawl cannot be resumed)');
  }
  const { MemoryStore } = await import('../stores/memory/memory-store.ts');
  return { store: new MemoryStore(base), location: 'memory', kind: 'memory' };
}
