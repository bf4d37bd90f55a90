/**
 * `defineSpider`: the one way a spider is declared, checked once, up front.
 *
 * Owns the shape of a spider definition, its validation (every problem is a SpiderError
 * SF_SPIDER_INVALID naming the field), routing of a response to `handlers[label]` or `parse`,
 * and the normalisation of start URLs / `start()` into plain CrawlRequests.
 *
 * Invariants: a Spider is frozen and carries a registered brand, so the engine recognises
 * spiders made by another copy of the package; `handle` never returns a branded request or a
 * non-object item; errors thrown by user handlers surface as SF_SPIDER_PARSE (superfilter's own
 * errors keep their code).
 */
import { type ConfigInput, parseConfig } from '../config.ts';
import type { CrawlRequest } from '../contracts.ts';
import { ErrorCodes, SpiderError, isSuperfilterError } from '../errors.ts';
import { type UrlPattern, compileUrlPattern } from '../url/url-patterns.ts';
import { type Item, type PageOutput, type ParseResult, collectOutput } from './collect-output.ts';
import type { CrawlResponse } from './crawl-response.ts';
import { type SpiderContext, type SpiderContextOptions, createSpiderContext } from './spider-context.ts';
import { startRequestFrom } from './spider-request.ts';

/** A response handler: `parse` or one of `handlers`. */
export type SpiderHandler = (response: CrawlResponse, ctx: SpiderContext) => ParseResult | void | Promise<void>;

/** A step items pass through in order; returning null or undefined drops the item. */
export type ItemPipeline = (item: Item, context: { url: string }) => Item | null | undefined | Promise<Item | null | undefined>;

/** What `start()` may yield: URLs or requests. */
export type StartRequest = string | URL | CrawlRequest;

/** What a spider author writes. */
export interface SpiderDefinition {
  /** Names the crawl (job directory, shared crawl in Redis): letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Where the crawl starts. Give this or `start`, not both. */
  startUrls?: readonly StartRequest[];
  /** Yields the start requests (sync or async). Give this or `startUrls`, not both. */
  start?: () => Iterable<StartRequest> | AsyncIterable<StartRequest>;
  /** Handles every response whose request has no label. */
  parse: SpiderHandler;
  /** Handles responses by their request's label. */
  handlers?: Readonly<Record<string, SpiderHandler>>;
  /** Crawl settings this spider needs (any subset of the configuration; CLI flags win). */
  settings?: ConfigInput;
  /** Ordered item pipelines. */
  pipelines?: readonly ItemPipeline[];
  /** Only URLs matching one of these (globs or RegExps) are followed. */
  include?: readonly UrlPattern[] | UrlPattern;
  /** URLs matching any of these are never followed. */
  exclude?: readonly UrlPattern[] | UrlPattern;
  /** Called once when the crawl ends (close connections, servers, files the spider opened). */
  close?: () => void | Promise<void>;
}

/** The registered brand of a spider made by {@link defineSpider}. */
export const SPIDER_BRAND: unique symbol = Symbol.for('superfilter.spider') as never;

/** A validated spider, ready for the engine. */
export interface Spider {
  readonly [SPIDER_BRAND]: true;
  readonly name: string;
  readonly settings: Readonly<ConfigInput>;
  readonly include: readonly UrlPattern[];
  readonly exclude: readonly UrlPattern[];
  readonly pipelines: readonly ItemPipeline[];
  /** Labels with a handler. */
  readonly labels: ReadonlySet<string>;
  /** The start requests, validated (URL strings become `{ url }`). */
  startRequests(): AsyncGenerator<CrawlRequest>;
  /** Runs the definition's `close` hook, if any (the engine calls it once, at the end). */
  close(): Promise<void>;
  /** Routes `response` by its request's label, runs the handler and collects its output. */
  handle(response: CrawlResponse, options?: Omit<SpiderContextOptions, 'labels'>): Promise<PageOutput>;
}

const KEYS = new Set(['name', 'startUrls', 'start', 'parse', 'handlers', 'settings', 'pipelines', 'include', 'exclude', 'close']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function invalid(name: string | undefined, message: string, details: Record<string, unknown> = {}, cause?: unknown): SpiderError {
  return new SpiderError(ErrorCodes.SPIDER_INVALID, `spider ${name ? `"${name}"` : '(unnamed)'}: ${message}`, { details, cause });
}

function patternList(value: unknown, field: string, name: string): UrlPattern[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' || value instanceof RegExp ? [value] : value;
  if (!Array.isArray(list)) throw invalid(name, `${field} must be a glob, a RegExp or a list of them`, { field });
  list.forEach((p, i) => {
    try {
      compileUrlPattern(p);
    } catch (cause) {
      throw invalid(name, `${field}[${i}] must be a glob string or a RegExp`, { field }, cause);
    }
  });
  return [...list];
}

/** True when `value` is a spider made by {@link defineSpider} (by any copy of superfilter). */
export function isSpider(value: unknown): value is Spider {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SPIDER_BRAND] === true;
}

/**
 * Declares a spider. Checks the definition now and throws SpiderError SF_SPIDER_INVALID
 * naming the first problem (unknown field, bad name, bad start URL, missing `parse`, bad
 * handler, setting or pattern).
 */
export function defineSpider(definition: SpiderDefinition): Spider {
  if (definition === null || typeof definition !== 'object') throw invalid(undefined, 'the definition must be an object');
  const def = definition as unknown as Record<string, unknown>;
  const rawName = def.name;
  if (typeof rawName !== 'string' || !NAME.test(rawName)) {
    throw invalid(typeof rawName === 'string' ? rawName : undefined, 'name must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit', {
      field: 'name',
    });
  }
  const name = rawName;
  for (const key of Object.keys(def)) {
    if (!KEYS.has(key)) throw invalid(name, `unknown field "${key}" (known: ${[...KEYS].join(', ')})`, { field: key });
  }
  if (typeof def.parse !== 'function') throw invalid(name, 'parse(response, ctx) must be a function', { field: 'parse' });

  if (def.startUrls !== undefined && def.start !== undefined) throw invalid(name, 'give startUrls or start(), not both', { field: 'start' });
  if (def.startUrls === undefined && def.start === undefined) throw invalid(name, 'needs startUrls or start()', { field: 'startUrls' });
  let startUrls: CrawlRequest[] | undefined;
  if (def.startUrls !== undefined) {
    if (!Array.isArray(def.startUrls) || def.startUrls.length === 0) throw invalid(name, 'startUrls must be a non-empty list', { field: 'startUrls' });
    startUrls = def.startUrls.map((value, i) => {
      try {
        return startRequestFrom(value, `startUrls[${i}]`);
      } catch (cause) {
        throw invalid(name, `startUrls[${i}] is not a crawlable URL or request: ${(cause as Error).message}`, { field: 'startUrls', index: i }, cause);
      }
    });
  }
  if (def.start !== undefined && typeof def.start !== 'function') throw invalid(name, 'start must be a function', { field: 'start' });

  const handlers = new Map<string, SpiderHandler>();
  if (def.handlers !== undefined) {
    if (def.handlers === null || typeof def.handlers !== 'object' || Array.isArray(def.handlers)) {
      throw invalid(name, 'handlers must be an object of label → function', { field: 'handlers' });
    }
    for (const [label, fn] of Object.entries(def.handlers)) {
      if (label === '') throw invalid(name, 'handler labels must be non-empty', { field: 'handlers' });
      if (typeof fn !== 'function') throw invalid(name, `handlers.${label} must be a function`, { field: 'handlers', label });
      handlers.set(label, fn as SpiderHandler);
    }
  }

  const settings = (def.settings ?? {}) as ConfigInput;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw invalid(name, 'settings must be an object', { field: 'settings' });
  try {
    parseConfig(settings, {});
  } catch (cause) {
    throw invalid(name, `settings: ${(cause as Error).message}`, { field: 'settings' }, cause);
  }

  const pipelines = def.pipelines ?? [];
  if (!Array.isArray(pipelines)) throw invalid(name, 'pipelines must be a list of functions', { field: 'pipelines' });
  pipelines.forEach((p, i) => {
    if (typeof p !== 'function') throw invalid(name, `pipelines[${i}] must be a function`, { field: 'pipelines', index: i });
  });

  if (def.close !== undefined && typeof def.close !== 'function') throw invalid(name, 'close must be a function', { field: 'close' });
  const closeHook = def.close as SpiderDefinition['close'];
  const parse = def.parse as SpiderHandler;
  const start = def.start as SpiderDefinition['start'];
  const labels: ReadonlySet<string> = new Set(handlers.keys());

  const spider: Spider = {
    [SPIDER_BRAND]: true,
    name,
    settings: Object.freeze({ ...settings }),
    include: Object.freeze(patternList(def.include, 'include', name)),
    exclude: Object.freeze(patternList(def.exclude, 'exclude', name)),
    pipelines: Object.freeze([...(pipelines as ItemPipeline[])]),
    labels,
    async *startRequests() {
      if (startUrls !== undefined) {
        for (const r of startUrls) yield { ...r };
        return;
      }
      let i = 0;
      for await (const value of start!()) {
        try {
          yield startRequestFrom(value, `start() value #${i}`);
        } catch (cause) {
          throw invalid(name, `start() value #${i} is not a crawlable URL or request: ${(cause as Error).message}`, { field: 'start', index: i }, cause);
        }
        i++;
      }
    },
    async close() {
      await closeHook?.();
    },
    async handle(response, options = {}) {
      const label = response.request.label;
      const handler = label === undefined ? parse : handlers.get(label);
      if (handler === undefined) {
        throw new SpiderError(ErrorCodes.SPIDER_PARSE, `spider "${name}" has no handler for label "${label}"`, { details: { url: response.url, label } });
      }
      const ctx = createSpiderContext(response, { ...options, labels });
      try {
        return await collectOutput(handler(response, ctx), response.url);
      } catch (error) {
        if (isSuperfilterError(error)) throw error;
        throw new SpiderError(ErrorCodes.SPIDER_PARSE, `spider "${name}" failed on ${response.url}: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
          details: { url: response.url, label },
        });
      }
    },
  };
  return Object.freeze(spider);
}

