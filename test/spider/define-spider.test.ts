import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CrawlRequest, QueuedRequest } from '../../src/contracts.ts';
import { ErrorCodes, SpiderError, UrlError } from '../../src/errors.ts';
import { CrawlResponse } from '../../src/spider/crawl-response.ts';
import { type SpiderDefinition, defineSpider, isSpider } from '../../src/spider/define-spider.ts';
import { isSpiderRequest, request } from '../../src/spider/spider-request.ts';

function queued(url: string, extra: Partial<QueuedRequest> = {}): QueuedRequest {
  return { id: url, fingerprint: url, host: new URL(url).host, url, method: 'GET', priority: 0, depth: 1, ...extra };
}

function page(html: string, label?: string, url = 'http://site.example/list/index.html'): CrawlResponse {
  return new CrawlResponse({
    url,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: new TextEncoder().encode(html),
    request: queued(url, label === undefined ? {} : { label }),
  });
}

const base = { name: 'test', startUrls: ['http://site.example/'], parse: () => [] } satisfies SpiderDefinition;

function rejects(definition: unknown, pattern: RegExp): void {
  assert.throws(
    () => defineSpider(definition as SpiderDefinition),
    (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_INVALID && pattern.test(e.message),
    `expected SF_SPIDER_INVALID matching ${pattern}`,
  );
}

async function starts(definition: SpiderDefinition): Promise<CrawlRequest[]> {
  const out: CrawlRequest[] = [];
  for await (const r of defineSpider(definition).startRequests()) out.push(r);
  return out;
}

describe('defineSpider validation', () => {
  it('accepts a minimal spider and brands it', () => {
    const spider = defineSpider(base);
    assert.equal(isSpider(spider), true);
    assert.equal(isSpider({ ...base }), false);
    assert.equal(spider.name, 'test');
    assert.ok(Object.isFrozen(spider));
  });

  it('names what is wrong', () => {
    rejects(null, /definition must be an object/);
    rejects({ ...base, name: '' }, /name must be/);
    rejects({ ...base, name: '../escape' }, /name must be/);
    rejects({ ...base, name: 42 }, /name must be/);
    rejects({ ...base, startUrl: ['x'] }, /unknown field "startUrl"/);
    rejects({ ...base, parse: undefined }, /parse\(response, ctx\) must be a function/);
    rejects({ name: 'n', parse: () => [] }, /needs startUrls or start\(\)/);
    rejects({ ...base, start: () => [] }, /not both/);
    rejects({ ...base, startUrls: [] }, /non-empty list/);
    rejects({ ...base, startUrls: ['http://ok.example/', 'site.example/no-scheme'] }, /startUrls\[1\]/);
    rejects({ ...base, startUrls: ['mailto:a@b.example'] }, /startUrls\[0\].*http and https/);
    rejects({ ...base, startUrls: [{ url: 'http://a.example/', priority: 'high' }] }, /priority must be a finite number/);
    rejects({ ...base, start: 'nope', startUrls: undefined }, /start must be a function/);
    rejects({ ...base, handlers: { detail: 'not a function' } }, /handlers\.detail must be a function/);
    rejects({ ...base, handlers: [] }, /handlers must be an object/);
    rejects({ ...base, settings: { concurrency: 0 } }, /settings: .*concurrency/);
    rejects({ ...base, settings: { nonsense: true } }, /settings: .*unknown setting "nonsense"/);
    rejects({ ...base, pipelines: [(i: unknown) => i, 'x'] }, /pipelines\[1\] must be a function/);
    rejects({ ...base, include: [42] }, /include\[0\] must be a glob/);
    rejects({ ...base, exclude: {} }, /exclude must be a glob, a RegExp or a list/);
  });

  it('keeps settings, patterns and pipelines', () => {
    const pipe = (i: Record<string, unknown>) => i;
    const spider = defineSpider({ ...base, settings: { concurrency: 4, scope: 'domain' }, include: '**/a/**', exclude: [/x/], pipelines: [pipe] });
    assert.deepEqual(spider.settings, { concurrency: 4, scope: 'domain' });
    assert.deepEqual(spider.include, ['**/a/**']);
    assert.equal(spider.exclude.length, 1);
    assert.equal(spider.pipelines[0], pipe);
  });
});

describe('start requests', () => {
  it('normalizes startUrls strings and objects', async () => {
    const got = await starts({ ...base, startUrls: ['http://site.example', { url: 'http://site.example/b', label: 'x', priority: 3 }] });
    assert.deepEqual(got, [{ url: 'http://site.example/' }, { url: 'http://site.example/b', label: 'x', priority: 3 }]);
  });

  it('runs sync and async start() and validates each value', async () => {
    const sync = await starts({ name: 's', parse: () => [], start: () => ['http://a.example/1', request('http://a.example/2', { dontFilter: true })] });
    assert.deepEqual(sync, [{ url: 'http://a.example/1' }, { url: 'http://a.example/2', dontFilter: true }]);
    const asyncStart = await starts({
      name: 'a',
      parse: () => [],
      async *start() {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 1));
          yield `http://a.example/p${i}`;
        }
      },
    });
    assert.deepEqual(asyncStart.map((r) => r.url), ['http://a.example/p0', 'http://a.example/p1', 'http://a.example/p2']);
    await assert.rejects(
      starts({ name: 'b', parse: () => [], start: () => ['http://a.example/', 'javascript:x'] }),
      (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_INVALID && /start\(\) value #1/.test(e.message),
    );
  });
});

describe('handle: parse return shapes', () => {
  const shapes: [string, SpiderDefinition['parse']][] = [
    ['an array', (_r, ctx) => [{ n: 1 }, ctx.request('a'), { n: 2 }]],
    ['a promise of an array', async (_r, ctx) => [{ n: 1 }, ctx.request('a'), { n: 2 }]],
    ['a sync generator', function* (_r, ctx) {
      yield { n: 1 };
      yield ctx.request('a');
      yield { n: 2 };
    }],
    ['an async generator', async function* (_r, ctx) {
      yield { n: 1 };
      await new Promise((r) => setTimeout(r, 1));
      yield ctx.request('a');
      yield { n: 2 };
    }],
    ['an array of promises', (_r, ctx) => [Promise.resolve({ n: 1 }), ctx.request('a'), Promise.resolve({ n: 2 })]],
    ['a Set', (_r, ctx) => new Set<Record<string, unknown> | CrawlRequest>([{ n: 1 }, ctx.request('a'), { n: 2 }])],
  ];
  for (const [what, parse] of shapes) {
    it(`collects ${what}`, async () => {
      const out = await defineSpider({ ...base, parse }).handle(page('<p>'));
      assert.deepEqual(out.items, [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(out.requests, [{ url: 'http://site.example/list/a' }]);
      assert.equal(isSpiderRequest(out.requests[0]), false, 'the engine gets plain requests');
    });
  }

  it('accepts nothing, a single item and a single request', async () => {
    assert.deepEqual(await defineSpider({ ...base, parse: () => {} }).handle(page('')), { items: [], requests: [] });
    assert.deepEqual(await defineSpider({ ...base, parse: async () => undefined }).handle(page('')), { items: [], requests: [] });
    assert.deepEqual((await defineSpider({ ...base, parse: () => ({ url: 'http://x.example/', n: 1 }) }).handle(page(''))).items, [{ url: 'http://x.example/', n: 1 }]);
    assert.equal((await defineSpider({ ...base, parse: (_r, ctx) => ctx.request('/one') }).handle(page(''))).requests[0].url, 'http://site.example/one');
  });

  it('treats plain objects with a url as items, and keeps the brand through spreads', async () => {
    const out = await defineSpider({ ...base, parse: (_r, ctx) => [{ url: 'http://site.example/x' }, { ...ctx.request('/y'), priority: 5 }] }).handle(page(''));
    assert.deepEqual(out.items, [{ url: 'http://site.example/x' }]);
    assert.deepEqual(out.requests, [{ url: 'http://site.example/y', priority: 5 }]);
  });

  it('skips null and undefined, refuses strings, numbers and arrays as items', async () => {
    assert.deepEqual((await defineSpider({ ...base, parse: () => [null, { a: 1 }, undefined] }).handle(page(''))).items, [{ a: 1 }]);
    for (const bad of ['a string', 42, [[{ a: 1 }]]]) {
      await assert.rejects(
        defineSpider({ ...base, parse: () => bad as never }).handle(page('')),
        (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.ITEM_INVALID,
        `rejects ${JSON.stringify(bad)}`,
      );
    }
  });

  it('wraps handler errors as SF_SPIDER_PARSE with the cause, keeping superfilter codes', async () => {
    const boom = new TypeError('boom');
    await assert.rejects(
      defineSpider({ ...base, parse: () => { throw boom; } }).handle(page('')),
      (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_PARSE && e.cause === boom && /boom/.test(e.message),
    );
    await assert.rejects(
      defineSpider({ ...base, async *parse() { yield { a: 1 }; throw boom; } }).handle(page('')),
      (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_PARSE,
    );
    await assert.rejects(
      defineSpider({ ...base, parse: (_r, ctx) => [ctx.request('mailto:x@y.example')] }).handle(page('')),
      (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.URL_UNSUPPORTED_SCHEME,
    );
  });
});

describe('handle: routing by label', () => {
  const spider = defineSpider({
    ...base,
    parse: (response, ctx) => ctx.followLinks({ include: ['**/item/*'] }, { label: 'detail', userData: { from: response.url } }),
    handlers: {
      detail: async (response) => [{ kind: 'detail', url: response.url, from: response.request.userData?.from }],
      json: (response) => [response.json() as Record<string, unknown>],
    },
  });

  it('routes unlabelled responses to parse and labelled ones to their handler', async () => {
    const list = await spider.handle(page('<a href="item/1">1</a><a href="/about">about</a><a href="/list/item/2">2</a>'));
    assert.deepEqual(list.items, []);
    assert.deepEqual(list.requests, [
      { url: 'http://site.example/list/item/1', label: 'detail', userData: { from: 'http://site.example/list/index.html' } },
      { url: 'http://site.example/list/item/2', label: 'detail', userData: { from: 'http://site.example/list/index.html' } },
    ]);
    const detailResponse = new CrawlResponse({
      url: 'http://site.example/list/item/1',
      status: 200,
      request: queued('http://site.example/list/item/1', { label: 'detail', userData: { from: 'L' } }),
    });
    assert.deepEqual((await spider.handle(detailResponse)).items, [{ kind: 'detail', url: 'http://site.example/list/item/1', from: 'L' }]);
  });

  it('refuses a request with a label that has no handler, and a response routed to one', async () => {
    await assert.rejects(
      spider.handle(page('<a href="item/1">')).then(() => defineSpider({ ...base, parse: (_r, ctx) => [ctx.request('/x', { label: 'nope' })] }).handle(page(''))),
      (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_INVALID && /no handler for label "nope"/.test(e.message),
    );
    await assert.rejects(spider.handle(page('', 'unknown')), (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_PARSE && /label "unknown"/.test(e.message));
  });

  it('passes depth, log and signal in the context', async () => {
    const messages: string[] = [];
    const controller = new AbortController();
    const s = defineSpider({
      ...base,
      parse: (_r, ctx) => {
        ctx.log.info(`depth ${ctx.depth}`);
        return [{ aborted: ctx.signal.aborted }];
      },
    });
    controller.abort();
    const log = { error() {}, warn() {}, debug() {}, info: (m: string) => messages.push(m) };
    const out = await s.handle(page(''), { log, signal: controller.signal });
    assert.deepEqual(messages, ['depth 1']);
    assert.deepEqual(out.items, [{ aborted: true }]);
  });
});

describe('request()', () => {
  it('makes branded absolute requests and checks options', () => {
    const r = request('http://a.example/x?y', { method: 'POST', body: 'b', headers: { 'X-A': '1' }, priority: -1 });
    assert.equal(isSpiderRequest(r), true);
    assert.equal(JSON.stringify(r), '{"method":"POST","body":"b","headers":{"X-A":"1"},"priority":-1,"url":"http://a.example/x?y"}');
    assert.throws(() => request('/relative'), (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.URL_NO_SCHEME);
    assert.throws(() => request('ftp://a.example/'), (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.URL_UNSUPPORTED_SCHEME);
    assert.throws(() => request('http://a.example/', { label: '' }), (e: unknown) => e instanceof SpiderError && /label/.test(e.message));
    assert.throws(() => request('http://a.example/', { colour: 'red' } as never), /unknown option "colour"/);
    assert.throws(() => request('http://a.example/', { headers: { a: 1 } } as never), /header "a" must be a string/);
  });
});
