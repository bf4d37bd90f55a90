import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ErrorCodes } from '../../src/errors.ts';
import { createLinkFilter } from '../../src/url/link-filter.ts';
import { createScope, inScope, registrableDomain, scopeKey } from '../../src/url/scope.ts';

describe('inScope', () => {
  it('host: same host name, any scheme or port, case and trailing dot ignored', () => {
    const seed = 'https://www.example.com/start';
    assert.equal(inScope('https://www.example.com/other?q=1', seed, 'host'), true);
    assert.equal(inScope('http://WWW.Example.COM./x', seed, 'host'), true);
    assert.equal(inScope('https://www.example.com:8443/x', seed, 'host'), true);
    assert.equal(inScope('https://example.com/', seed, 'host'), false);
    assert.equal(inScope('https://sub.www.example.com/', seed, 'host'), false);
    assert.equal(inScope('https://www.example.com.evil.org/', seed, 'host'), false);
    assert.equal(inScope('https://evil.org/?https://www.example.com/', seed, 'host'), false);
    assert.equal(inScope('https://www.example.com@evil.org/', seed, 'host'), false);
  });

  it('domain: same registrable domain under the public suffix list', () => {
    const seed = 'http://a.example.co.uk/';
    assert.equal(inScope('http://b.example.co.uk/x', seed, 'domain'), true);
    assert.equal(inScope('https://example.co.uk/', seed, 'domain'), true);
    assert.equal(inScope('http://deep.sub.example.co.uk/', seed, 'domain'), true);
    assert.equal(inScope('http://other.co.uk/', seed, 'domain'), false);
    assert.equal(inScope('http://example.com/', seed, 'domain'), false);
    // co.uk is a public suffix, not a domain two sites share.
    assert.equal(inScope('http://b.co.uk/', 'http://a.co.uk/', 'domain'), false);
  });

  it('domain: private suffixes such as github.io separate their owners', () => {
    assert.equal(registrableDomain('foo.github.io'), 'foo.github.io');
    assert.equal(inScope('https://bar.github.io/', 'https://foo.github.io/', 'domain'), false);
    assert.equal(inScope('https://docs.foo.github.io/', 'https://foo.github.io/', 'domain'), true);
    assert.equal(inScope('https://b.blogspot.com/', 'https://a.blogspot.com/', 'domain'), false);
  });

  it('domain: hosts without a registrable domain compare as hosts', () => {
    assert.equal(inScope('http://127.0.0.1:9000/x', 'http://127.0.0.1:8000/', 'domain'), true);
    assert.equal(inScope('http://127.0.0.2/', 'http://127.0.0.1/', 'domain'), false);
    assert.equal(inScope('http://localhost/a', 'http://localhost:3000/', 'domain'), true);
    assert.equal(inScope('http://[::1]:81/', 'http://[::1]:80/', 'domain'), true);
  });

  it('origin: scheme, host and port', () => {
    const seed = 'https://example.com/';
    assert.equal(inScope('https://example.com:443/a', seed, 'origin'), true);
    assert.equal(inScope('http://example.com/a', seed, 'origin'), false);
    assert.equal(inScope('https://example.com:8443/a', seed, 'origin'), false);
    assert.equal(inScope('https://www.example.com/a', seed, 'origin'), false);
    assert.equal(inScope('http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/', 'origin'), true);
    assert.equal(inScope('http://127.0.0.1:8081/x', 'http://127.0.0.1:8080/', 'origin'), false);
  });

  it('any: every http(s) URL, nothing else', () => {
    assert.equal(inScope('https://anything.example/', 'http://a.example/', 'any'), true);
    assert.equal(inScope('mailto:x@y.z', 'http://a.example/', 'any'), false);
    assert.equal(inScope('not a url', 'http://a.example/', 'any'), false);
  });

  it('several seeds: in scope of any one of them', () => {
    const scope = createScope('host', ['https://a.example/', 'https://b.example/']);
    assert.equal(scope.test('https://b.example/x'), true);
    assert.equal(scope.test('https://c.example/x'), false);
    assert.equal(scope.add('https://c.example/'), true);
    assert.equal(scope.test('https://c.example/x'), true);
    assert.equal(scope.add('ftp://d.example/'), false);
    assert.equal(inScope('https://a.example/', scope), true);
  });

  it('the fast host reader agrees with URL on normal and odd spellings', () => {
    const urls = [
      'https://example.com/',
      'https://example.com:8080/p',
      'http://example.com:80/p',
      'https://EXAMPLE.com/p',
      'http://0x7f.1/',
      'http://127.1:80/',
      'http://xn--bcher-kva.example/',
      'http://b\u00fccher.example/',
      'http://user:pw@example.com/',
      'http://example.com./',
      'http://[::1]:8080/',
      'http://a.b-c.d1/?q#f',
    ];
    for (const url of urls) {
      const u = new URL(url);
      assert.equal(scopeKey(url, 'origin'), u.origin, url);
      assert.equal(scopeKey(url, 'host'), u.hostname.replace(/\.$/, ''), url);
    }
  });

  it('rejects an unknown scope', () => {
    assert.throws(
      () => createScope('planet' as never, []),
      (e: unknown) => e instanceof ConfigError && e.code === ErrorCodes.CONFIG_INVALID && /planet/.test(e.message),
    );
  });
});

describe('createLinkFilter', () => {
  it('needs scope and patterns to agree', () => {
    const filter = createLinkFilter({ scope: 'domain', seeds: ['https://shop.example.com/'], include: ['**/products/**'], exclude: [/\.pdf$/] });
    assert.equal(filter.test('https://www.example.com/products/1'), true);
    assert.equal(filter.test('https://www.example.com/products/1.pdf'), false);
    assert.equal(filter.test('https://www.example.com/about'), false);
    assert.equal(filter.test('https://other.org/products/1'), false);
    filter.addSeed('https://other.org/');
    assert.equal(filter.test('https://other.org/products/1'), true);
  });
});
