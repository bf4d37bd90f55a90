/**
 * Turns whatever a handler returned into the page's items and requests.
 *
 * A handler may return nothing, one item or request, an array, any sync iterable, a promise
 * of any of these, or be an async generator; elements that are promises are awaited. Branded
 * requests (see spider-request.ts) become requests; every other object is an item.
 *
 * Invariants: order is kept within each kind; `null` / `undefined` elements are skipped;
 * strings, numbers, booleans and arrays are not items (SpiderError SF_ITEM_INVALID) — a string
 * in particular would otherwise be iterated character by character.
 */
import type { CrawlRequest } from '../contracts.ts';
import { ErrorCodes, SpiderError } from '../errors.ts';
import { isSpiderRequest, toCrawlRequest } from './spider-request.ts';

/** An item: a plain JSON-serializable object. */
export type Item = Record<string, unknown>;

/** One element a handler may produce. */
export type ParseOutput = Item | CrawlRequest | null | undefined;

/** Everything a handler may return. */
export type ParseResult =
  | ParseOutput
  | Iterable<ParseOutput | Promise<ParseOutput>>
  | AsyncIterable<ParseOutput>
  | Promise<ParseOutput | Iterable<ParseOutput | Promise<ParseOutput>> | AsyncIterable<ParseOutput> | undefined>
  | undefined;

/** What one page produced. */
export interface PageOutput {
  items: Item[];
  requests: CrawlRequest[];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `a string (${JSON.stringify(value.slice(0, 40))})` : `a ${typeof value}`;
}

function take(value: unknown, out: PageOutput, url: string): void {
  if (value === null || value === undefined) return;
  if (isSpiderRequest(value)) {
    out.requests.push(toCrawlRequest(value));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SpiderError(
      ErrorCodes.ITEM_INVALID,
      `a handler yielded ${describe(value)}; items must be objects, requests must be made with request() or ctx.request()`,
      { details: { url } },
    );
  }
  out.items.push(value as Item);
}

/** Collects a handler's result (awaiting and iterating as needed) into items and requests. */
export async function collectOutput(result: unknown, url: string): Promise<PageOutput> {
  const out: PageOutput = { items: [], requests: [] };
  const value = isThenable(result) ? await result : result;
  if (value === null || value === undefined) return out;
  if (typeof value === 'object' && !isSpiderRequest(value)) {
    if (Symbol.asyncIterator in value) {
      for await (const element of value as AsyncIterable<unknown>) take(element, out, url);
      return out;
    }
    if (Symbol.iterator in value) {
      for (let element of value as Iterable<unknown>) {
        if (isThenable(element)) element = await element;
        take(element, out, url);
      }
      return out;
    }
  }
  take(value, out, url);
  return out;
}
