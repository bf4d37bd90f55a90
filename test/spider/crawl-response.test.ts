import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { QueuedRequest } from '../../src/contracts.ts';
import { ErrorCodes, SpiderError } from '../../src/errors.ts';
import { CrawlResponse, type CrawlResponseInit } from '../../src/spider/crawl-response.ts';

const request: QueuedRequest = { id: 'x', fingerprint: 'x', host: 'site.example', url: 'http://site.example/start', method: 'GET', priority: 0, depth: 2 };

function response(body: string | Uint8Array | number[], contentType?: string, extra: Partial<CrawlResponseInit> = {}): CrawlResponse {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : Uint8Array.from(body);
  return new CrawlResponse({
    url: 'http://site.example/dir/page.html',
    status: 200,
    headers: contentType === undefined ? {} : { 'Content-Type': contentType },
    body: bytes,
    request,
    ...extra,
  });
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
// "日本語" in Shift_JIS, "café – “q”" in windows-1252, "中文" in GBK.
const SJIS = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea];
const CP1252 = [0x63, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x94];
const GBK = [0xd6, 0xd0, 0xce, 0xc4];

describe('CrawlResponse text and charset', () => {
  it('defaults to UTF-8', () => {
    const r = response('<p>Grüße 日本</p>', 'text/html');
    assert.equal(r.encoding, 'utf-8');
    assert.equal(r.text, '<p>Grüße 日本</p>');
  });

  it('takes the charset of the Content-Type header', () => {
    assert.equal(response(CP1252, 'text/html; charset=windows-1252').text, 'café – “q”');
    assert.equal(response(CP1252, 'text/plain; charset="ISO-8859-1"').text, 'café – “q”');
    const sjis = response(SJIS, 'text/html;charset=Shift_JIS');
    assert.equal(sjis.encoding, 'shift_jis');
    assert.equal(sjis.text, '日本語');
    assert.equal(response(GBK, 'text/plain; charset=gb2312').text, '中文');
  });

  it('reads <meta charset> and http-equiv within the first 1024 bytes of HTML', () => {
    const metaCharset = [...ascii('<!doctype html><html><head><meta charset="shift_jis"><title>'), ...SJIS, ...ascii('</title>')];
    const r = response(metaCharset, 'text/html');
    assert.equal(r.encoding, 'shift_jis');
    assert.ok(r.text.includes('<title>日本語</title>'));
    const httpEquiv = [...ascii('<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252"></head><body>'), ...CP1252];
    assert.equal(response(httpEquiv, 'text/html').text.endsWith('café – “q”'), true);
    const unquoted = [...ascii('<html><meta charset=gbk>'), ...GBK];
    assert.equal(response(unquoted, undefined).text, '<html><meta charset=gbk>中文');
  });

  it('ignores meta declarations in comments, beyond 1024 bytes, or in non-HTML', () => {
    assert.equal(response('<!-- <meta charset="shift_jis"> --><p>x</p>', 'text/html').encoding, 'utf-8');
    const late = `<html>${' '.repeat(1100)}<meta charset="shift_jis">`;
    assert.equal(response(late, 'text/html').encoding, 'utf-8');
    assert.equal(response('<meta charset="shift_jis">', 'text/plain').encoding, 'utf-8');
  });

  it('lets a BOM win over the header, and the header over meta', () => {
    const bom = response([0xef, 0xbb, 0xbf, ...ascii('<meta charset="shift_jis">ok')], 'text/html; charset=windows-1252');
    assert.equal(bom.encoding, 'utf-8');
    assert.equal(bom.text, '<meta charset="shift_jis">ok');
    const utf16 = response([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00], 'text/plain');
    assert.equal(utf16.text, 'hi');
    assert.equal(response([...ascii('<meta charset="shift_jis">'), ...CP1252], 'text/html; charset=windows-1252').encoding, 'windows-1252');
  });

  it('falls back past unknown or unsupported labels', () => {
    assert.equal(response('x', 'text/html; charset=klingon').encoding, 'utf-8');
    assert.equal(response('<meta charset="utf-16">é', 'text/html').encoding, 'utf-8');
    assert.equal(response('<meta charset="x-user-defined">', 'text/html').encoding, 'windows-1252');
  });

  it('replaces malformed bytes instead of throwing', () => {
    assert.equal(response([0x61, 0xff, 0x62], 'text/plain').text, 'a\ufffdb');
  });
});

describe('CrawlResponse helpers', () => {
  it('normalizes headers from records, arrays and Headers', () => {
    const fromRecord = response('', 'text/html', { headers: { 'X-A': ['1', '2'], 'Content-Type': 'text/html' } });
    assert.equal(fromRecord.header('x-a'), '1, 2');
    assert.equal(fromRecord.headers['content-type'], 'text/html');
    const fromHeaders = response('', undefined, { headers: new Headers({ 'Content-Type': 'application/json', ETag: '"e"' }) });
    assert.equal(fromHeaders.header('ETAG'), '"e"');
    assert.equal(fromHeaders.contentType, 'application/json');
    const fromPairs = response('', undefined, { headers: [['X-B', 'v']] });
    assert.equal(fromPairs.header('x-b'), 'v');
  });

  it('isHtml from the media type, or sniffed without one', () => {
    assert.equal(response('{}', 'application/json').isHtml, false);
    assert.equal(response('<p>', 'application/xhtml+xml; charset=utf-8').isHtml, true);
    assert.equal(response('  <!DOCTYPE html><html>', undefined).isHtml, true);
    assert.equal(response('\n<p>text', undefined).isHtml, true);
    assert.equal(response('plain words', undefined).isHtml, false);
    assert.equal(response('<pre>x', undefined).isHtml, false);
  });

  it('json() parses, and fails with SF_SPIDER_PARSE', () => {
    assert.deepEqual(response('{"a":[1,"é"]}', 'application/json').json(), { a: [1, 'é'] });
    assert.deepEqual(response([0xef, 0xbb, 0xbf, ...ascii('[1]')], 'application/json').json(), [1]);
    assert.throws(
      () => response('<html>', 'text/html').json(),
      (e: unknown) => e instanceof SpiderError && e.code === ErrorCodes.SPIDER_PARSE && /not JSON/.test(e.message),
    );
  });

  it('links() scopes against the response URL and applies patterns', () => {
    const html = [
      '<a href="/a">',
      '<a href="b.html">',
      '<a href="http://other.example/c">',
      '<a href="https://site.example/d.pdf">',
      '<a href="http://sub.site.example/e">',
      '<a href="mailto:x@site.example">',
    ].join('');
    const r = response(html, 'text/html');
    assert.deepEqual(r.links(), ['http://site.example/a', 'http://site.example/dir/b.html', 'https://site.example/d.pdf']);
    assert.equal(r.links({ scope: 'any' }).length, 5);
    assert.deepEqual(r.links({ scope: 'origin' }), ['http://site.example/a', 'http://site.example/dir/b.html']);
    assert.deepEqual(r.links({ exclude: ['**.pdf'] }), ['http://site.example/a', 'http://site.example/dir/b.html']);
    assert.deepEqual(r.links({ scope: 'any', include: [/other|sub/] }), ['http://other.example/c', 'http://sub.site.example/e']);
    assert.deepEqual(r.links({ scope: 'any', maxLinks: 2 }), ['http://site.example/a', 'http://site.example/dir/b.html']);
  });

  it('links() takes the crawl defaults and has none for non-HTML', () => {
    const html = '<a href="/x">x</a><a href="http://other.example/y">y</a>';
    const r = response(html, 'text/html', { linkDefaults: { scope: 'any', exclude: ['**/x'] } });
    assert.deepEqual(r.links(), ['http://other.example/y']);
    assert.deepEqual(r.links({ exclude: [] }), ['http://site.example/x', 'http://other.example/y']);
    assert.deepEqual(response(html, 'application/json').links(), []);
  });

  it('title reads the first <title>', () => {
    assert.equal(response('<title> A &amp;\n B </title>', 'text/html').title, 'A & B');
    assert.equal(response('{"title":1}', 'application/json').title, null);
  });

  it('$() loads cheerio on first use and reuses the document', async () => {
    const r = response('<ul><li class="q">one</li><li class="q">two</li></ul><a href="rel">r</a>', 'text/html');
    const $ = await r.$();
    assert.deepEqual($('li.q').map((_, el) => $(el).text()).get(), ['one', 'two']);
    assert.equal(await r.$(), $);
  });

  it('does not import cheerio until $() is called', () => {
    const moduleUrl = new URL('../../src/spider/crawl-response.ts', import.meta.url).href;
    // A loader hook reports every resolution of "cheerio" on stderr.
    const hook = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, next) { if (s === "cheerio") process.stderr.write("CHEERIO-RESOLVED\\n"); return next(s, c); }',
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const { CrawlResponse } = await import(${JSON.stringify(moduleUrl)});
      const r = new CrawlResponse({ url: 'http://a.example/', status: 200, headers: { 'content-type': 'text/html' }, body: new TextEncoder().encode('<a href="/x">x</a><h1>T</h1>'), request: { id: 'i', fingerprint: 'i', host: 'a.example', url: 'http://a.example/', method: 'GET', priority: 0, depth: 0 } });
      r.links(); void r.text;
      process.stderr.write('BEFORE\\n');
      const $ = await r.$();
      process.stderr.write('AFTER ' + $('h1').text() + '\\n');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stderr.split('\n').filter((l) => /CHEERIO-RESOLVED|BEFORE|AFTER/.test(l));
    assert.deepEqual(lines, ['BEFORE', 'CHEERIO-RESOLVED', 'AFTER T']);
  });
});
