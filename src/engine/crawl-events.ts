/**
 * The engine's observable events. Stats, logs and the progress line hang off these; nothing the
 * engine decides depends on a listener (listeners run synchronously and their errors are
 * swallowed, so a broken listener cannot drop a request).
 */
import { EventEmitter } from 'node:events';

/** Why a discovered request was not scheduled. */
export type DropReason = 'offsite' | 'depth' | 'pattern' | 'url-too-long' | 'invalid-url' | 'links-cap';

/** Event name → payload. */
export interface CrawlEventMap {
  /** A response arrived (any status). */
  response: { url: string; status: number; bytes: number; ms: number; depth: number };
  /** A request failed for good (retries exhausted, or not retryable). */
  failure: { url: string; code: string; message: string; status?: number };
  /** A request is given back to the store to be tried again later. */
  retry: { url: string; code: string; attempt: number; delayMs: number };
  /** A child request the seen set had already seen. */
  duplicate: { url: string; from: string };
  /** A discovered request that was not scheduled. */
  dropped: { url: string; reason: DropReason; from: string };
  /** A 3xx response produced a child request. */
  redirect: { from: string; to: string; status: number };
  /** Robots.txt forbids a request: by its rules, or because it stayed unreachable. */
  robotsBlocked: { url: string; reason?: 'rules' | 'unreachable' };
  /** Items the pipelines kept for one page (after drops). */
  items: { url: string; count: number; dropped: number };
  /** New requests a page's commit added to the frontier. */
  scheduled: { from: string; count: number };
  /** The spider threw while parsing a response. */
  spiderError: { url: string; code: string; message: string };
  /** A store call failed (the page's lease is left to expire and be retried). */
  storeError: { op: string; code: string; message: string };
  /** Free-form diagnostics for the log. */
  log: { level: 'error' | 'warn' | 'info' | 'debug'; message: string };
}

/** A typed event emitter over {@link CrawlEventMap}. */
export class CrawlEvents {
  private readonly emitter = new EventEmitter();

  /** Subscribes to one event. */
  on<K extends keyof CrawlEventMap>(name: K, listener: (payload: CrawlEventMap[K]) => void): this {
    this.emitter.on(name, listener as (p: unknown) => void);
    return this;
  }

  /** Unsubscribes. */
  off<K extends keyof CrawlEventMap>(name: K, listener: (payload: CrawlEventMap[K]) => void): this {
    this.emitter.off(name, listener as (p: unknown) => void);
    return this;
  }

  /** Emits to every listener; a throwing listener is ignored. */
  emit<K extends keyof CrawlEventMap>(name: K, payload: CrawlEventMap[K]): void {
    if (this.emitter.listenerCount(name) === 0) return;
    for (const l of this.emitter.listeners(name)) {
      try {
        (l as (p: CrawlEventMap[K]) => void)(payload);
      } catch {
        // Observability never steers the crawl.
      }
    }
  }

  /** True when someone listens (lets hot paths skip building payloads). */
  has(name: keyof CrawlEventMap): boolean {
    return this.emitter.listenerCount(name) > 0;
  }
}
