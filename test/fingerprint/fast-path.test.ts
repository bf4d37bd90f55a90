// Differential test of the one-pass fast path (src/url/fast-canonical-url.ts) against the exact
// path (safe URL, then canonicalize): a seeded corpus of generated URLs, half of them built from
// common-case pieces and half from awkward ones, must give the same canonical URL, the same
// fingerprint (bytes, hex, into a batch buffer) and the same error code either way.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isSuperfilterError } from '../../src/errors.ts';
import {
  fingerprint,
  fingerprintHex,
  fingerprintInto,
  fingerprintJson,
  fingerprintUrl,
  setFingerprintFastPath,
} from '../../src/fingerprint/fingerprint.ts';
import { canonicalizeParts } from '../../src/url/canonicalize-url.ts';
import { canonicalUrlInto } from '../../src/url/fast-canonical-url.ts';
import { safeUrlParts } from '../../src/url/safe-url.ts';

const CORPUS_SIZE = 60_000;

let seed = 0x2545f491;
function rand(n: number): number {
  // xorshift32, seeded: the corpus is the same on every run.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
function pick<T>(list: readonly T[]): T {
  return list[rand(list.length)];
}

const PLAIN = {
  scheme: ['http://', 'https://'],
  host: ['example.com', 'www.example.org', 'a-b.c-d.net', 'shop12.example.co.uk', '127.0.0.1', 'x.y'],
  port: ['', '', '', ':8080', ':80', ':443'],
  segment: ['a', 'item-12.html', 'B', 'x_y', '~me', 'c,d', "it's", 'p:q', 'a@b', '!$&()*+=', 'v1.2', ''],
  name: ['a', 'b', 'id', 'page', 'ref', 'Z', 'a-', 'a.b', '_', '~', 'a1', ''],
  value: ['1', '2', '', 'x', 'list', 'A-z', '0.5', '~'],
  sep: ['&'],
  fragment: ['', '', '#', '#frag', '#a/b?c'],
};

const ODD = {
  scheme: ['http://', 'https://', 'HTTP://', 'Https://', 'ftp://', '', '//', 'http:/', 'http:', 'mailto:', ' http://', '\thttp://'],
  userinfo: ['', '', '', 'user@', 'user:pass@', 'us%41er:p%zz@', '@', ':@', 'a b@', 'ü@'],
  host: [
    'Example.COM',
    'example.com',
    'a..b',
    'example.com.',
    'xn--bcher-kva.de',
    'bücher.de',
    'faß.de',
    '[::1]',
    '[2001:DB8::1]',
    '[bad',
    'bad]',
    '[::1]x',
    '10.0.0.1',
    '',
    'ex_ample.com',
    `${'l'.repeat(70)}.com`,
    'exa"mple.com',
    'exa\\mple.com',
    'ＥＸＡＭＰＬＥ。ｃｏｍ',
    'exa%41mple.com',
    'a<b.com',
    `${'m'.repeat(63)}.org`,
    `${'m'.repeat(64)}.org`,
    '-a.b-',
    '12345',
    '.',
    'user@example.com',
    'a:b@c',
  ],
  port: ['', ':80', ':443', ':8080', ':080', ':', ':99999', ':abc', ':0', '::', ':65535', ':65536', ':00', ':0080', ':123456', ':8a'],
  segment: [
    '.',
    '..',
    '',
    'a;b',
    'x;p=1',
    ';',
    'a;',
    '%7e',
    '%7E',
    '%2f',
    '%2F',
    '%3f',
    '%3F',
    '%41',
    '%zz',
    '%',
    '%4',
    '%25',
    '%2541',
    '%c3%a9',
    '%C3%A9',
    'café',
    ' sp',
    'a b',
    '+',
    '"q"',
    '<>',
    '[x]',
    '{}',
    '|',
    '^',
    '`',
    '\\',
    'a%20b',
    '\u2603',
    '\ud83d\ude00',
    '\ud800',
    '\u007f',
    '\t',
  ],
  name: ['a', 'b', 'A', '', 'a b', 'a+b', '%41', '%61', '%4g', 'é', 'a=b', '%2B', '%E9', '/', '?', ':', "it's", '"', '%', '~', 'a%20', 'b'],
  value: ['1', '', 'x y', 'x+y', '%41', '%4g', 'a=b', "it's", 'é', '%2B', '%E9', '/', '?', ':', '[]', '<>', '%', ' ', '+', '~', '2'],
  sep: ['&', '&', ';', '&&', '&;', ''],
  fragment: ['', '#', '#frag', '#a b', '#é', '#a#b', '#%41', '#\ud800', '#"'],
};

function plainUrl(): string {
  let url = pick(PLAIN.scheme) + pick(PLAIN.host) + pick(PLAIN.port);
  const segments = rand(5);
  for (let s = 0; s < segments; s++) url += '/' + pick(PLAIN.segment);
  if (rand(3) > 0) {
    url += '?';
    const args = rand(6);
    for (let a = 0; a < args; a++) {
      if (a > 0) url += pick(PLAIN.sep);
      url += pick(PLAIN.name);
      if (rand(5) > 0) url += '=' + pick(PLAIN.value);
    }
  }
  return url + pick(PLAIN.fragment);
}

function oddUrl(): string {
  const mix = <T>(odd: readonly T[], plain: readonly T[]): T => (rand(3) === 0 ? pick(odd) : pick(plain));
  let url = mix(ODD.scheme, PLAIN.scheme) + pick(ODD.userinfo) + mix(ODD.host, PLAIN.host) + mix(ODD.port, PLAIN.port);
  const segments = rand(5);
  for (let s = 0; s < segments; s++) url += '/' + mix(ODD.segment, PLAIN.segment);
  const q = rand(4);
  if (q > 0) {
    url += '?';
    const args = rand(6);
    for (let a = 0; a < args; a++) {
      if (a > 0) url += mix(ODD.sep, PLAIN.sep);
      url += mix(ODD.name, PLAIN.name);
      if (rand(5) > 0) url += '=' + mix(ODD.value, PLAIN.value);
    }
  }
  if (rand(8) === 0) url += pick(['?', '#', '?#', ' ', '\n']);
  return url + mix(ODD.fragment, PLAIN.fragment);
}

/** Everything the fingerprint API gives for a URL, or the error code it throws. */
function observe(url: string): string {
  const out: string[] = [];
  for (const keepFragments of [false, true]) {
    try {
      out.push(fingerprintUrl(url, keepFragments));
      out.push(fingerprintHex({ url }, { keepFragments }));
      out.push(Buffer.from(fingerprint({ url, method: 'GET' }, { keepFragments })).toString('hex'));
      const batch = new Uint8Array(60);
      fingerprintInto({ url, body: '' }, batch, 20, { keepFragments });
      out.push(Buffer.from(batch).toString('hex'));
      out.push(fingerprintJson({ url }, { keepFragments }));
    } catch (error) {
      if (!isSuperfilterError(error)) throw error;
      out.push(`error ${error.code}`);
    }
  }
  return out.join('\n');
}

describe('fingerprint fast path', () => {
  after(() => setFingerprintFastPath(true));

  it(`gives the exact path's canonical URLs and fingerprints on ${CORPUS_SIZE} generated URLs`, () => {
    const scratch = new Uint8Array(4096);
    let fast = 0;
    let declined = 0;
    let errors = 0;
    for (let k = 0; k < CORPUS_SIZE; k++) {
      const url = k % 2 === 0 ? plainUrl() : oddUrl();
      setFingerprintFastPath(false);
      const exact = observe(url);
      setFingerprintFastPath(true);
      const viaFast = observe(url);
      assert.equal(viaFast, exact, `fast path differs for ${JSON.stringify(url)}`);
      const end = canonicalUrlInto(url, scratch, 0, scratch.length, false);
      if (end >= 0) {
        fast++;
        // Declined URLs may be valid or not; a taken one must be valid and exactly canonical.
        assert.equal(Buffer.from(scratch.subarray(0, end)).toString('latin1'), canonicalizeParts(safeUrlParts(url)), JSON.stringify(url));
      } else {
        declined++;
        if (exact.startsWith('error')) errors++;
      }
    }
    // The corpus must exercise both sides, or the comparison proves little.
    assert.ok(fast > CORPUS_SIZE * 0.4, `only ${fast} URLs took the fast path`);
    assert.ok(declined > CORPUS_SIZE * 0.2, `only ${declined} URLs were declined`);
    assert.ok(errors > 1000, `only ${errors} URLs were invalid`);
  });

  it('takes the fast path for a common URL and sorts its query as w3lib does', () => {
    const buf = new Uint8Array(256);
    const url = 'https://shop1.example.com/catalog/item-1.html?ref=list&page=1&id=1&a-=2&a=3&a=&a';
    const end = canonicalUrlInto(url, buf, 0, buf.length, false);
    assert.ok(end > 0);
    const canonical = Buffer.from(buf.subarray(0, end)).toString('latin1');
    assert.equal(canonical, 'https://shop1.example.com/catalog/item-1.html?a=&a=&a=3&a-=2&id=1&page=1&ref=list');
    assert.equal(canonical, canonicalizeParts(safeUrlParts(url)));
  });

  it('declines what it cannot prove unchanged, and never writes past the limit', () => {
    const buf = new Uint8Array(64);
    for (const url of ['HTTP://example.com/', 'http://[::1]/', 'http://example.com/é', 'http://example.com/ a', 'http://example.com/#x']) {
      assert.equal(canonicalUrlInto(url, buf, 0, buf.length, url.endsWith('#x')), -1, url);
    }
    const long = `http://example.com/${'a'.repeat(40)}?${'b&'.repeat(10)}`;
    buf.fill(0);
    assert.equal(canonicalUrlInto(long, buf, 0, 50, false), -1);
    assert.ok(buf.subarray(50).every((b) => b === 0));
  });
});
