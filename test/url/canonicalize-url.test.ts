// Expected values are w3lib's own test expectations (tests/test_url.py) and documented examples.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, UrlError } from '../../src/errors.ts';
import { canonicalizeUrl } from '../../src/url/canonicalize-url.ts';
import { idnaEncode, punycodeEncode } from '../../src/url/idna.ts';
import { safeUrl } from '../../src/url/safe-url.ts';

const LONG = 'example'.repeat(11);
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** [input, expected canonical URL, keepFragments] */
const CANONICAL: [string, string, boolean?][] = [
  ['http://www.example.com/', 'http://www.example.com/'],
  ['http://www.example.com', 'http://www.example.com/'],
  ['http://www.example.com/do?a=1&b=2&c=3', 'http://www.example.com/do?a=1&b=2&c=3'],
  ['http://www.example.com/do?c=1&b=2&a=3', 'http://www.example.com/do?a=3&b=2&c=1'],
  ['http://www.example.com/do?&a=1', 'http://www.example.com/do?a=1'],
  ['http://www.example.com:8888/do?a=1&b=2&c=3', 'http://www.example.com:8888/do?a=1&b=2&c=3'],
  ['http://www.example.com:/do?a=1&b=2&c=3', 'http://www.example.com/do?a=1&b=2&c=3'],
  ['http://www.example.com/do?c=3&b=5&b=2&a=50', 'http://www.example.com/do?a=50&b=2&b=5&c=3'],
  ['http://www.example.com/do?b=&a=2', 'http://www.example.com/do?a=2&b='],
  ['http://www.example.com/do?b=&c&a=2', 'http://www.example.com/do?a=2&b=&c='],
  ['http://www.example.com/do?1750,4', 'http://www.example.com/do?1750%2C4='],
  ['http://www.example.com/do?q=a space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a+space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a%20space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/résumé', 'http://www.example.com/r%C3%A9sum%C3%A9'],
  ['http://www.example.com/résumé?q=résumé', 'http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://www.example.com/r%c3%a9sum%c3%a9', 'http://www.example.com/r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a%a3do', 'http://www.example.com/a%A3do'],
  ['http://www.example.com/a%a3do?q=r%c3%a9sum%c3%a9', 'http://www.example.com/a%A3do?q=r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a%a3do?q=r%e9sum%e9', 'http://www.example.com/a%A3do?q=r%E9sum%E9'],
  ['https://example.com/a%23b%2cc#bash', 'https://example.com/a%23b,c'],
  ['https://example.com/a%23b,c', 'https://example.com/a%23b,c'],
  ['http://www.example.com/do?k=b%a3', 'http://www.example.com/do?k=b%A3'],
  ['http://www.example.com/do?k=r%c3%a9sum%c3%a9', 'http://www.example.com/do?k=r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a do?a=1', 'http://www.example.com/a%20do?a=1'],
  ['http://www.example.com/a %20do?a=1', 'http://www.example.com/a%20%20do?a=1'],
  ['http://www.example.com/a do£.html?a=1', 'http://www.example.com/a%20do%C2%A3.html?a=1'],
  ['http://www.example.com/do?price=£500&a=5&z=3', 'http://www.example.com/do?a=5&price=%C2%A3500&z=3'],
  ['http://www.example.com/do?price(£)=500&a=1', 'http://www.example.com/do?a=1&price%28%C2%A3%29=500'],
  ['http://user:pass@www.example.com:81/do?now=1', 'http://user:pass@www.example.com:81/do?now=1'],
  ['http://user:pass@www.example.com/do?a=1#frag', 'http://user:pass@www.example.com/do?a=1'],
  ['http://user:pass@www.example.com/do?a=1#frag', 'http://user:pass@www.example.com/do?a=1#frag', true],
  [
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
  ],
  ['http://www.example.com/caf%E9-con-leche.htm', 'http://www.example.com/caf%E9-con-leche.htm'],
  ['http://www.example.com/caf%e9-con-leche.htm', 'http://www.example.com/caf%E9-con-leche.htm'],
  ['http://www.EXAMPLE.com/', 'http://www.example.com/'],
  ['https://UsEr:PaSsWoRd@www.EXAMPLE.com/', 'https://UsEr:PaSsWoRd@www.example.com/'],
  ['http://www.bücher.de?q=bücher', 'http://www.xn--bcher-kva.de/?q=b%C3%BCcher'],
  ['http://はじめよう.みんな/?query=サ&maxResults=5', 'http://xn--p8j9a0d9c9a.xn--q9jyb4c/?maxResults=5&query=%E3%82%B5'],
  ['http://foo.com/AC%2FDC+rocks%3f/?yeah=1', 'http://foo.com/AC%2FDC+rocks%3F/?yeah=1'],
  ['http://foo.com/AC%2FDC/', 'http://foo.com/AC%2FDC/'],
  ['http://www.bücher.de/résumé?q=résumé', 'http://www.xn--bcher-kva.de/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://.example.com/résumé?q=résumé', 'http://.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  [`http://www.${LONG}.com/résumé?q=résumé`, `http://www.${LONG}.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9`],
  ['http://www.example.com/path/to/%23/foo/bar', 'http://www.example.com/path/to/%23/foo/bar'],
  ['http://www.example.com/path/to/%23/foo/bar#frag', 'http://www.example.com/path/to/%23/foo/bar'],
  ['http://www.example.com/path/to/%23/foo/bar#frag', 'http://www.example.com/path/to/%23/foo/bar#frag', true],
  [
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2Fpath%2Fto%2F%23%2Fbar%2Ffoo',
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2Fpath%2Fto%2F%23%2Fbar%2Ffoo',
  ],
  [
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2F%2Fpath%2Fto%2F%23%2Fbar%2Ffoo#frag',
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2F%2Fpath%2Fto%2F%23%2Fbar%2Ffoo',
  ],
  [
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2F%2Fpath%2Fto%2F%23%2Fbar%2Ffoo#frag',
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2F%2Fpath%2Fto%2F%23%2Fbar%2Ffoo#frag',
    true,
  ],
  [' https://example.com', 'https://example.com/'],
  ['https://example.com ', 'https://example.com/'],
  [' https://example.com ', 'https://example.com/'],
  // Idempotence of w3lib's own canonical outputs.
  ['http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9', 'http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://xn--p8j9a0d9c9a.xn--q9jyb4c/?maxResults=5&query=%E3%82%B5', 'http://xn--p8j9a0d9c9a.xn--q9jyb4c/?maxResults=5&query=%E3%82%B5'],
  ['http://www.example.com/do?a=1&q=a+space', 'http://www.example.com/do?a=1&q=a+space'],
  // Documented examples (w3lib docstring, Scrapy's fingerprint docs, the issue text).
  ['http://www.example.com/query?id=111&cat=222', 'http://www.example.com/query?cat=222&id=111'],
  ['http://www.example.com/query?cat=222&id=111', 'http://www.example.com/query?cat=222&id=111'],
  ['http://faß.de/', 'http://fass.de/'],
  ['http://www.färgbolaget.nu/färgbolaget', 'http://www.xn--frgbolaget-q5a.nu/f%C3%A4rgbolaget'],
  ['http://кто.рф/index.php?domain=Что', 'http://xn--j1ail.xn--p1ai/index.php?domain=%D0%A7%D1%82%D0%BE'],
  // `;` separates query arguments as `&` does; repeated and blank arguments are kept.
  ['http://www.example.com/do?b=2;a=1', 'http://www.example.com/do?a=1&b=2'],
  ['http://www.example.com/do?a=2&a=1&a=', 'http://www.example.com/do?a=&a=1&a=2'],
  ['http://www.example.com/do?a&a&a', 'http://www.example.com/do?a=&a=&a='],
  ['http://www.example.com/do?&&', 'http://www.example.com/do'],
];

/** [input, expected safe URL] from w3lib's safe_url_string tests (released behaviour). */
const SAFE: [string, string][] = [
  ['http://www.example.org/', 'http://www.example.org/'],
  ['http://www.example.com/test?p(29)url(http://www.another.net/page)', 'http://www.example.com/test?p(29)url(http://www.another.net/page)'],
  ['http://www.example.com/Brochures_&_Paint_Cards&PageSize=200', 'http://www.example.com/Brochures_&_Paint_Cards&PageSize=200'],
  ['http://www.example.com/£', 'http://www.example.com/%C2%A3'],
  ['http://example.com/test\n.html', 'http://example.com/test.html'],
  ['http://example.com/test\r\n.html\t', 'http://example.com/test.html'],
  ['http://example.com/test\x07\n.html', 'http://example.com/test%07.html'],
  [`https://example.com/${ALNUM}-_.!~*'():@&=+$,/;`, `https://example.com/${ALNUM}-_.!~*'():@&=+$,/;`],
  [`https://example.com?${ALNUM}-_.!~*():@&=+$,/;?`, `https://example.com?${ALNUM}-_.!~*():@&=+$,/;?`],
  ['https://example.com/a"<>`{}', 'https://example.com/a%22%3C%3E%60%7B%7D'],
  ['http://google.com/"hello"', 'http://google.com/%22hello%22'],
  ['http://www.example.com/£?unit=µ', 'http://www.example.com/%C2%A3?unit=%C2%B5'],
  ['http://www.example.com/£?unit=%C2%B5', 'http://www.example.com/%C2%A3?unit=%C2%B5'],
  ['http://www.räksmörgås.se/?räksmörgås=yes', 'http://www.xn--rksmrgs-5wao1o.se/?r%C3%A4ksm%C3%B6rg%C3%A5s=yes'],
  ['http://www.예비교사.com', 'http://www.xn--9d0bm53a3xbzui.com'],
  ['http://理容ナカムラ.com', 'http://xn--lck1c3crb1723bpq4a.com'],
  ['http://nic.شبكة', 'http://nic.xn--ngbc5azd'],
  ['https://www2.xn--0kwr83e.在线', 'https://www2.xn--0kwr83e.xn--3ds443g'],
  ['http://www.example.com:80/résumé?q=résumé', 'http://www.example.com:80/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://www.example.com:/résumé?q=résumé', 'http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://新华网.中国:80', 'http://xn--xkrr14bows.xn--fiqs8s:80'],
  ['http://Åsa:abc123@➡.ws:81/admin', 'http://%C3%85sa:abc123@xn--hgi.ws:81/admin'],
  ['http://japão:não@️i❤️.ws:8000/', 'http://jap%C3%A3o:n%C3%A3o@xn--i-7iq.ws:8000/'],
  ['https://admin:|%@example.com', 'https://admin:%7C%25@example.com'],
  ['http://%25user:%25pass@host', 'http://%25user:%25pass@host'],
  ['http://%user:%pass@host', 'http://%25user:%25pass@host'],
  ['http://%26user:%26pass@host', 'http://&user:&pass@host'],
  ['http://%2525user:%2525pass@host', 'http://%2525user:%2525pass@host'],
  ['https://ñ:ñ@ñ.example:1/ñ?ñ#ñ', 'https://%C3%B1:%C3%B1@xn--ida.example:1/%C3%B1?%C3%B1#%C3%B1'],
  ['https://example.com/ñ%C3%B1', 'https://example.com/%C3%B1%C3%B1'],
  ['https://a%3A@example.com', 'https://a%3A@example.com'],
  ['https://example.com#', 'https://example.com'],
];

describe('canonicalizeUrl (w3lib canonicalize_url expectations)', () => {
  for (const [input, expected, keepFragments] of CANONICAL) {
    it(`${JSON.stringify(input)}${keepFragments ? ' keeping fragments' : ''}`, () => {
      assert.equal(canonicalizeUrl(input, { keepFragments }), expected);
    });
  }

  it('is idempotent on every expected output', () => {
    for (const [, expected, keepFragments] of CANONICAL) assert.equal(canonicalizeUrl(expected, { keepFragments }), expected);
  });
});

describe('safeUrl (w3lib safe_url_string expectations)', () => {
  for (const [input, expected] of SAFE) {
    it(JSON.stringify(input), () => {
      assert.equal(safeUrl(input), expected);
      assert.equal(safeUrl(expected), expected);
    });
  }
});

describe('idnaEncode (Python idna codec behaviour)', () => {
  it('applies nameprep before punycode', () => {
    assert.equal(idnaEncode('faß.de'), 'fass.de');
    assert.equal(idnaEncode('www.bücher.de'), 'www.xn--bcher-kva.de');
    assert.equal(idnaEncode('ΣΊΣΥΦΟΣ.gr'), idnaEncode('σίσυφοσ.gr'));
    assert.equal(idnaEncode('ＥＸＡＭＰＬＥ。ｃｏｍ'), 'example.com');
  });
  it('fails where the codec raises', () => {
    assert.equal(idnaEncode('ü..com'), null);
    assert.equal(idnaEncode('xn--ü.com'), null);
    assert.equal(idnaEncode(`${'a'.repeat(64)}.com`), null);
    assert.equal(idnaEncode('aب.com'), null); // bidi: RandAL mixed with L
  });
  it('encodes RFC 3492 sample strings', () => {
    // RFC 3492 section 7.1 (A) Arabic (Egyptian) and (L) Japanese "3年B組金八先生" (lower-case form).
    assert.equal(punycodeEncode('\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F'), 'egbpdaj6bu4bxfgehfvwxn');
    assert.equal(punycodeEncode('3\u5E74B\u7D44\u91D1\u516B\u5148\u751F'), '3B-ww4c5e180e575a65lsy2b');
  });
});

describe('invalid URLs', () => {
  const cases: [string, string][] = [
    ['www.example.com/page', ErrorCodes.URL_NO_SCHEME],
    ['/relative/path', ErrorCodes.URL_NO_SCHEME],
    ['', ErrorCodes.URL_NO_SCHEME],
    ['ftp://example.com/file', ErrorCodes.URL_UNSUPPORTED_SCHEME],
    ['mailto:someone@example.com', ErrorCodes.URL_UNSUPPORTED_SCHEME],
    ['http:example.com', ErrorCodes.URL_INVALID_HOST],
    ['http:///path', ErrorCodes.URL_INVALID_HOST],
    ['http://example.com:port/', ErrorCodes.URL_INVALID_HOST],
    ['http://example.com:70000/', ErrorCodes.URL_INVALID_HOST],
    ['http://[2a01:5cc0:1:2:3:4]/', ErrorCodes.URL_INVALID_HOST],
    ['http://[::1/', ErrorCodes.URL_INVALID_HOST],
    ['http://exa mple.com/', ErrorCodes.URL_INVALID_HOST],
    ['http://example.com/\ud800', ErrorCodes.URL_INVALID],
  ];
  for (const [input, code] of cases) {
    it(`${JSON.stringify(input)} -> ${code}`, () => {
      for (const f of [() => canonicalizeUrl(input), () => safeUrl(input)]) {
        assert.throws(f, (e: unknown) => e instanceof UrlError && e.code === code);
      }
    });
  }
});
