import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { compileUrlPattern, createUrlFilter, globToRegExp, matchesUrlPatterns } from '../../src/url/url-patterns.ts';

describe('globToRegExp', () => {
  const cases: [string, string, boolean][] = [
    ['https://example.com/*', 'https://example.com/a', true],
    ['https://example.com/*', 'https://example.com/a/b', false],
    ['https://example.com/**', 'https://example.com/a/b?c=d', true],
    ['**/products/*', 'https://shop.example/products/42', true],
    ['**/products/*', 'https://shop.example/products/42/reviews', false],
    ['**.pdf', 'http://x.example/docs/file.pdf', true],
    ['**.pdf', 'http://x.example/docs/file.pdf?v=1', false],
    ['https://example.com/page?', 'https://example.com/page1', true],
    ['https://example.com/page?', 'https://example.com/page/', false],
    ['https://example.com/search?q=*', 'https://example.com/search?q=shoes', true],
    ['http{s,}://example.com/**', 'http://example.com/a', true],
    ['http{s,}://example.com/**', 'https://example.com/a', true],
    ['http{s,}://example.com/**', 'ftp://example.com/a', false],
    ['https://example.com/{blog,news}/*', 'https://example.com/news/x', true],
    ['https://example.com/{blog,news}/*', 'https://example.com/shop/x', false],
    ['https://example.com/a.b', 'https://example.com/aXb', false],
    ['https://example.com/(x)+[y]$', 'https://example.com/(x)+[y]$', true],
    ['https://example.com/{open', 'https://example.com/{open', true],
    ['*', 'https://example.com/', false],
    ['**', 'https://example.com/', true],
  ];
  for (const [glob, url, expected] of cases) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${url}`, () => {
      assert.equal(globToRegExp(glob).test(url), expected);
    });
  }
});

describe('compileUrlPattern', () => {
  it('drops g and y flags so repeated tests agree', () => {
    const re = compileUrlPattern(/page=\d+/g);
    assert.equal(re.flags.includes('g'), false);
    assert.equal(re.test('https://x.example/?page=1'), true);
    assert.equal(re.test('https://x.example/?page=1'), true);
    const kept = /abc/i;
    assert.equal(compileUrlPattern(kept), kept);
  });

  it('rejects values that are neither glob nor RegExp', () => {
    for (const bad of [42, null, {}, undefined]) {
      assert.throws(() => compileUrlPattern(bad as never), ConfigError);
    }
  });
});

describe('createUrlFilter', () => {
  it('passes everything without patterns', () => {
    assert.equal(createUrlFilter()('https://a.example/'), true);
  });

  it('needs some include and no exclude', () => {
    const filter = createUrlFilter({ include: ['**/blog/**', /\/news\//], exclude: ['**/drafts/**', /[?&]print=1/] });
    assert.equal(filter('https://a.example/blog/2024/post'), true);
    assert.equal(filter('https://a.example/news/today'), true);
    assert.equal(filter('https://a.example/shop/item'), false);
    assert.equal(filter('https://a.example/blog/drafts/x'), false);
    assert.equal(filter('https://a.example/news/today?print=1'), false);
  });

  it('accepts single patterns as well as lists', () => {
    assert.equal(matchesUrlPatterns('https://a.example/x.jpg', { exclude: '**.jpg' }), false);
    assert.equal(matchesUrlPatterns('https://a.example/x.html', { exclude: /\.jpg$/ }), true);
  });
});
