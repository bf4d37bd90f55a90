/**
 * Settles one page: its items reach the feed (or the store) and its outcome is committed as
 * ONE `store.commit`. Three cases, by store capability:
 *
 * - `items`: the store keeps the items; they go inside the commit and no local feed is written.
 * - `feedCheckpoint`: the page's items are written to the feed BEFORE the commit and the commit
 *   records the feed offset after them. Feed writes and commits are serialized, so the recorded
 *   offset covers exactly the committed pages; a failed commit cuts its items off again. After a
 *   crash the feed is truncated to the last recorded offset: every page's items exactly once.
 * - otherwise: the items are written after the commit succeeds.
 *
 * In the last two cases the commit still carries the items' JSON texts: such a store does not
 * keep them (the contract's `items` are kept only by stores with `capabilities.items`), but it
 * counts them, so its `items` stat (`superfilter status DIR`) tells how many the feed received.
 *
 * Retryable store errors are retried with backoff (a page's outcome is never dropped while the
 * crawl runs); a non-retryable one is thrown to the crawler, which stops.
 */
import type { CommitResult, PageResult, QueuedRequest, Store } from '../contracts.ts';
import { isSuperfilterError } from '../errors.ts';
import type { FeedItem } from '../feeds/feed-format.ts';
import type { FeedSink } from '../feeds/feed-sink.ts';
import type { CrawlEvents } from './crawl-events.ts';

/** A page's outcome before it is committed. */
export interface PageDraft {
  id: string;
  result: PageResult;
  children: QueuedRequest[];
  items: FeedItem[];
  /** `items[i]` as JSON text. */
  itemJsons: string[];
}

/** How hard to retry a store that reports a retryable error. */
export interface CommitRetry {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Commits pages to one store and one feed. */
export class PageCommitter {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly mode: 'store-items' | 'checkpoint' | 'after';

  /** `feed` may be null when no items are written locally. */
  constructor(
    private readonly store: Store,
    private readonly feed: FeedSink | null,
    private readonly events: CrawlEvents,
    private readonly retry: CommitRetry = { attempts: 12, baseMs: 100, maxMs: 5_000 },
  ) {
    this.mode = store.capabilities.items ? 'store-items' : store.capabilities.feedCheckpoint && feed !== null ? 'checkpoint' : 'after';
  }

  /** Commits one page; resolves with which children were new. */
  commit(draft: PageDraft): Promise<CommitResult> {
    if (this.mode === 'store-items') {
      return this.withRetry('commit', () =>
        this.store.commit({ id: draft.id, result: draft.result, children: draft.children, items: draft.itemJsons }),
      );
    }
    if (this.mode === 'after') {
      return this.withRetry('commit', () => this.store.commit({ id: draft.id, result: draft.result, children: draft.children, items: draft.itemJsons })).then(
        (res) => {
          if (draft.items.length > 0 && this.feed !== null) {
            this.feed.write(draft.items, draft.itemJsons);
            // Whole lines reach the file page by page, so `tail -f` and a killed process see them.
            this.feed.flush();
          }
          return res;
        },
      );
    }
    const run = this.chain.then(() => this.commitWithCheckpoint(draft));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Waits for every queued commit. */
  async drain(): Promise<void> {
    await this.chain;
  }

  private async commitWithCheckpoint(draft: PageDraft): Promise<CommitResult> {
    const feed = this.feed as FeedSink;
    const before = feed.flush();
    if (draft.items.length > 0) feed.write(draft.items, draft.itemJsons);
    const checkpoint = feed.flush();
    try {
      // The store only counts these (its `items` stat): the feed holds them.
      const outcome = { id: draft.id, result: draft.result, children: draft.children, items: draft.itemJsons };
      return await this.withRetry('commit', () =>
        this.store.commit(checkpoint === null ? outcome : { ...outcome, feed: checkpoint }),
      );
    } catch (error) {
      if (before !== null && draft.items.length > 0) feed.rollback(before.offset);
      throw error;
    }
  }

  private async withRetry<T>(op: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const retryable = isSuperfilterError(error) && error.retryable;
        this.events.emit('storeError', {
          op,
          code: isSuperfilterError(error) ? error.code : 'SF_UNKNOWN',
          message: `${(error as Error).message}${retryable && attempt < this.retry.attempts ? ` (retrying, attempt ${attempt})` : ''}`,
        });
        if (!retryable || attempt >= this.retry.attempts) throw error;
        await sleep(Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1)));
      }
    }
  }
}
