// Expected fingerprints are Scrapy's own known hashes (tests/test_utils_request.py, `known_hashes`),
// written there as Python bytes literals and here as hex.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ErrorCodes, UrlError } from '../../src/errors.ts';
import {
  type FingerprintOptions,
  type FingerprintRequest,
  fingerprint,
  fingerprintFromHex,
  fingerprintHex,
  fingerprintJson,
  fingerprintToHex,
} from '../../src/fingerprint/fingerprint.ts';
import { pythonJsonDumps } from '../../src/fingerprint/python-json.ts';

const KNOWN: [FingerprintRequest, string, FingerprintOptions][] = [
  [{ url: 'http://example.org' }, '7873d70c33756a15fed7649ba909e064bf9c5844', {}],
  [{ url: 'https://example.org' }, 'c03485502caa9106f874b4bd2ad9e98a3a6dc36c', {}],
  [{ url: 'https://example.org?a' }, '47adb8436b191ced83382c01c4de3beea594610c', {}],
  [{ url: 'https://example.org?a=b' }, '02344d59628ac21ebc3ed6ac2ada9c46c1727f17', {}],
  [{ url: 'https://example.org?a=b&a' }, '742be82afb84e3761a7d8870c0cc42d79dfe7a96', {}],
  [{ url: 'https://example.org?a=b&a=c' }, 'da1e63d09c087360b49be2b652f86befea5147ef', {}],
  [{ url: 'https://example.org', method: 'POST' }, '9dcd410f54023acaa07d90da0542de648a4e371d', {}],
  [{ url: 'https://example.org', body: 'a' }, 'c3347a3ed8998bda3705729949a8a0783ba4315f', {}],
  [{ url: 'https://example.org', method: 'POST', body: 'a' }, '3560e27934d09deee0ba74778751e84fd738fce7', {}],
  [{ url: 'https://example.org#a', headers: { A: 'B' } }, 'c03485502caa9106f874b4bd2ad9e98a3a6dc36c', {}],
  [{ url: 'https://example.org#a', headers: { A: 'B' } }, '5dc71ff2af4732bca4fa990a3333da189481552e', { includeHeaders: ['A'] }],
  [{ url: 'https://example.org#a', headers: { A: 'B' } }, '3c1aeb8579de57fbdc7188eeaf17dd0cbf48181f', { keepFragments: true }],
  [
    { url: 'https://example.org#a', headers: { A: 'B' } },
    'c1ef7e949b53c18309dc7a389fdc7b1116492e11',
    { includeHeaders: ['A'], keepFragments: true },
  ],
  [{ url: 'https://example.org/ab' }, '4ee56cb812406977e2f31b70eaff702175e28ac6', {}],
  [{ url: 'https://example.org/a', body: 'b' }, '5f4e4f76bc6f2436fc579fb234679fbbdda832c5', {}],
];

describe('fingerprint: Scrapy known hashes', () => {
  for (const [request, hex, options] of KNOWN) {
    it(`${request.method ?? 'GET'} ${request.url} body=${JSON.stringify(request.body ?? '')} ${JSON.stringify(options)}`, () => {
      assert.equal(fingerprintHex(request, options), hex);
      const fp = fingerprint(request, options);
      assert.equal(fp.length, 20);
      assert.equal(fingerprintToHex(fp), hex);
    });
  }

  it('gives equal answers for a bytes body and the same text body', () => {
    assert.equal(fingerprintHex({ url: 'https://example.org/a', body: new Uint8Array([0x62]) }), KNOWN[14][1]);
  });

  it('upper-cases the method as Scrapy does', () => {
    assert.equal(fingerprintHex({ url: 'https://example.org', method: 'post' }), KNOWN[6][1]);
  });

  it('hashes the JSON text Python writes', () => {
    assert.equal(
      fingerprintJson({ url: 'https://example.org#a', headers: { A: 'B' } }, { includeHeaders: ['A'] }),
      '{"body": "", "headers": {"61": ["42"]}, "method": "GET", "url": "https://example.org/"}',
    );
  });
});

describe('fingerprint: Scrapy test relations', () => {
  const fp = (url: string, extra: Partial<FingerprintRequest> = {}, options: FingerprintOptions = {}) =>
    fingerprintHex({ url, ...extra }, options);

  it('ignores query argument order', () => {
    assert.equal(fp('http://www.example.com/query?id=111&cat=222'), fp('http://www.example.com/query?cat=222&id=111'));
  });
  it('tells apart keys without values', () => {
    assert.notEqual(fp('http://www.example.com/hnnoticiaj1.aspx?78132,199'), fp('http://www.example.com/hnnoticiaj1.aspx?78160,199'));
  });
  it('ignores headers unless included, and matches included names case-insensitively', () => {
    const url = 'http://www.example.com/';
    const r2 = { headers: { 'Accept-Language': 'en' } };
    const r3 = { headers: { 'Accept-Language': 'en', SESSIONID: 'somehash' } };
    assert.equal(fp(url), fp(url, r2));
    assert.equal(fp(url), fp(url, r3));
    assert.equal(fp(url), fp(url, {}, { includeHeaders: ['Accept-Language'] }));
    assert.notEqual(fp(url), fp(url, r2, { includeHeaders: ['Accept-Language'] }));
    assert.equal(
      fp(url, r3, { includeHeaders: ['accept-language', 'sessionid'] }),
      fp(url, r3, { includeHeaders: ['SESSIONID', 'Accept-Language'] }),
    );
  });
  it('drops fragments unless asked to keep them', () => {
    const a = 'http://www.example.com/test.html';
    const b = 'http://www.example.com/test.html#fragment';
    assert.equal(fp(a), fp(b));
    assert.equal(fp(a), fp(a, {}, { keepFragments: true }));
    assert.notEqual(fp(b), fp(b, {}, { keepFragments: true }));
    assert.notEqual(fp(a), fp(b, {}, { keepFragments: true }));
  });
  it('tells apart methods and bodies, and keeps body and URL apart', () => {
    const url = 'http://www.example.com';
    assert.notEqual(fp(url), fp(url, { method: 'POST' }));
    assert.notEqual(fp(url, { method: 'POST' }), fp(url, { method: 'POST', body: 'request body' }));
    assert.notEqual(fp('http://www.example.com/foo'), fp('http://www.example.com/f', { body: 'oo' }));
  });
  it('makes the URL safe before canonicalizing (IDN host, non-ASCII path)', () => {
    assert.equal(fp('http://www.bücher.de/résumé'), fp('http://www.xn--bcher-kva.de/r%C3%A9sum%C3%A9'));
    assert.equal(fp('http://faß.de/'), fp('http://fass.de/'));
  });
});

describe('fingerprint hex helpers and errors', () => {
  it('round-trips hex', () => {
    const bytes = fingerprintFromHex('C03485502CAA9106F874B4BD2AD9E98A3A6DC36C');
    assert.equal(fingerprintToHex(bytes), KNOWN[1][1]);
  });
  it('rejects malformed fingerprints with SF_FINGERPRINT_INVALID', () => {
    const invalid = (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.FINGERPRINT_INVALID;
    assert.throws(() => fingerprintFromHex('abc'), invalid);
    assert.throws(() => fingerprintFromHex('g'.repeat(40)), invalid);
    assert.throws(() => fingerprintToHex(new Uint8Array(19)), invalid);
  });
  it('rejects invalid URLs with typed errors', () => {
    assert.throws(() => fingerprint({ url: 'example.com' }), (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.URL_NO_SCHEME);
    assert.throws(
      () => fingerprint({ url: 'ftp://example.com/' }),
      (e: unknown) => e instanceof UrlError && e.code === ErrorCodes.URL_UNSUPPORTED_SCHEME,
    );
  });
});

describe('pythonJsonDumps (outputs documented for json.dumps)', () => {
  it('sorts keys and uses Python separators', () => {
    assert.equal(pythonJsonDumps({ c: 0, b: 0, a: 0 }), '{"a": 0, "b": 0, "c": 0}');
    assert.equal(pythonJsonDumps(['foo', { bar: ['baz', null, 1.5, 2] }]), '["foo", {"bar": ["baz", null, 1.5, 2]}]');
  });
  it('escapes like ensure_ascii', () => {
    assert.equal(pythonJsonDumps('"foo\bar'), '"\\"foo\\bar"');
    assert.equal(pythonJsonDumps('\u1234'), '"\\u1234"');
    assert.equal(pythonJsonDumps('\\'), '"\\\\"');
    assert.equal(pythonJsonDumps('😀\u007f'), '"\\ud83d\\ude00\\u007f"');
    assert.equal(pythonJsonDumps([1e-5, 1e16, 0.1]), '[1e-05, 1e+16, 0.1]');
  });
});

describe('fingerprint command', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'test/fingerprint/cli-runner.ts', 'fingerprint', ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('prints the canonical URL and the fingerprint', () => {
    const r = run('https://example.org#a');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `canonical-url: https://example.org/\nfingerprint: ${KNOWN[1][1]}\n`);
    const post = run('https://example.org', '--method', 'POST', '--body', 'a');
    assert.match(post.stdout, new RegExp(`^fingerprint: ${KNOWN[8][1]}$`, 'm'));
    const kept = run('https://example.org#a', '--keep-fragments', '--include-header', 'A', '--header', 'A: B');
    assert.equal(kept.stdout, `canonical-url: https://example.org/#a\nfingerprint: ${KNOWN[12][1]}\n`);
  });

  it('reports an invalid URL on stderr with exit code 2', () => {
    const r = run('notaurl');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error SF_URL_NO_SCHEME: /);
  });
});
