/**
 * Item pipelines: ordered functions each item passes through. A pipeline returns the item
 * (possibly changed, or a new object) or null/undefined to drop it. Items must be plain
 * JSON-serializable objects; anything else is dropped with SF_ITEM_INVALID.
 */
import { ErrorCodes, SpiderError } from '../errors.ts';
import type { FeedItem } from '../feeds/feed-format.ts';

/** One pipeline step. May be async. */
export type ItemPipeline = (item: FeedItem, context: { url: string }) => FeedItem | null | undefined | Promise<FeedItem | null | undefined>;

/** Items kept (with their JSON text) and how many were dropped. */
export interface PipelineResult {
  items: FeedItem[];
  jsons: string[];
  dropped: number;
}

/** Runs every item through `pipelines` in order; then serializes the survivors once. */
export async function runPipelines(items: readonly unknown[], pipelines: readonly ItemPipeline[], url: string): Promise<PipelineResult> {
  const out: PipelineResult = { items: [], jsons: [], dropped: 0 };
  for (const raw of items) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SpiderError(ErrorCodes.ITEM_INVALID, `an item must be a plain object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`, {
        details: { url },
      });
    }
    let item: FeedItem | null | undefined = raw as FeedItem;
    for (const step of pipelines) {
      const next: FeedItem | null | undefined = await step(item, { url });
      item = next;
      if (item === null || item === undefined) break;
    }
    if (item === null || item === undefined) {
      out.dropped++;
      continue;
    }
    let json: string;
    try {
      json = JSON.stringify(item);
    } catch (cause) {
      throw new SpiderError(ErrorCodes.ITEM_INVALID, `an item from ${url} is not JSON-serializable: ${(cause as Error).message}`, { cause });
    }
    out.items.push(item);
    out.jsons.push(json);
  }
  return out;
}
