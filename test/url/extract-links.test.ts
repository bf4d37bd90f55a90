import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'cheerio';
import { extractLinks, scanHtml } from '../../src/url/extract-links.ts';
import { decodeHtmlEntities } from '../../src/url/html-entities.ts';
import { fastAbsoluteHref, fastHrefHost, parseHrefBase, resolveHref } from '../../src/url/resolve-href.ts';

const PAGE = 'http://example.com/dir/sub/page.html?x=1';
const links = (html: string, url = PAGE, options = {}) => extractLinks(html, url, options);

describe('extractLinks: tags and attributes', () => {
  it('takes <a href> and <area href> in document order, absolute', () => {
    const html = '<p><a href="/one">1</a><map><area shape=rect href="two.html"></map><a href="https://other.org/three">3</a>';
    assert.deepEqual(links(html), ['http://example.com/one', 'http://example.com/dir/sub/two.html', 'https://other.org/three']);
  });

  it('reads double-quoted, single-quoted and unquoted values, any attribute order', () => {
    const html = `<a class="x" href="/d">d</a><a href='/s' id=1>s</a><a href=/u>u</a><a\nid="q"\thref = "/spaced" >sp</a><a data-x="y>z" href="/after-gt">g</a>`;
    assert.deepEqual(links(html), [
      'http://example.com/d',
      'http://example.com/s',
      'http://example.com/u',
      'http://example.com/spaced',
      'http://example.com/after-gt',
    ]);
  });

  it('ignores tag and attribute name case and takes the first of repeated href', () => {
    assert.deepEqual(links('<A HREF="/Upper">x</A><a href="/first" href="/second">'), ['http://example.com/Upper', 'http://example.com/first']);
  });

  it('does not take href-like text or other attributes', () => {
    const html = '<a data-href="/no">x</a><a xhref="/no2">y</a><div href="/no3">z</div> a href="/no4" <img src="/no5.png"><a>no href</a>';
    assert.deepEqual(links(html), []);
  });

  it('skips comments, bogus comments, script, style, title and textarea content', () => {
    const html = [
      '<!DOCTYPE html><?xml version="1.0"?>',
      '<!-- <a href="/in-comment">x</a> -->',
      '<!--><a href="/after-empty-comment">',
      '<script>var s = "<a href=\'/in-script\'>"; if (a<b) {}</script>',
      '<SCRIPT type="text/javascript">document.write("<a href=/in-upper-script>")</SCRIPT >',
      '<style>a[href="/in-style"] { }</style>',
      '<title><a href="/in-title"></title>',
      '<textarea><a href="/in-textarea"></textarea>',
      '<a href="/real">real</a>',
      '<scripts><a href="/not-raw"></scripts>',
    ].join('\n');
    assert.deepEqual(links(html), ['http://example.com/after-empty-comment', 'http://example.com/real', 'http://example.com/not-raw']);
  });

  it('keeps links in noscript (scripting is off for a crawler)', () => {
    assert.deepEqual(links('<noscript><a href="/ns">x</a></noscript>'), ['http://example.com/ns']);
  });

  it('survives malformed HTML without throwing', () => {
    const cases = [
      '<a href="/unterminated',
      '<a href=',
      '<a',
      '<',
      '<!--',
      '<script>never closed <a href="/x">',
      '< a href="/not-a-tag">',
      '<a href="/ok">x</a><a href="/cut',
      '</a href="/end-tag"><a href="/after-end">',
      '<a <a href="/nested">',
      '<a href="/ok2"/><p/><a/ href="/weird">',
      '\u0000<a\u0000href="/nul">',
    ];
    const got = cases.map((html) => links(html));
    assert.deepEqual(got, [
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      ['http://example.com/ok'],
      ['http://example.com/after-end'],
      ['http://example.com/nested'],
      ['http://example.com/ok2', 'http://example.com/weird'],
      [],
    ]);
  });

  it('takes <link rel> only for the tokens asked for', () => {
    const html = '<link rel="stylesheet" href="/s.css"><link rel="Next" href="/page/2"><link href="/page/0" rel="prev alternate">';
    assert.deepEqual(links(html), []);
    assert.deepEqual(links(html, PAGE, { linkRels: ['next', 'prev'] }), ['http://example.com/page/2', 'http://example.com/page/0']);
  });

  it('skips rel=nofollow only when asked', () => {
    const html = '<a rel="external nofollow" href="/nf">x</a><a href="/f">y</a>';
    assert.deepEqual(links(html), ['http://example.com/nf', 'http://example.com/f']);
    assert.deepEqual(links(html, PAGE, { skipNofollow: true }), ['http://example.com/f']);
  });
});

describe('extractLinks: resolution', () => {
  it('resolves every relative form against the page URL', () => {
    const forms: [string, string][] = [
      ['../x', 'http://example.com/dir/x'],
      ['./y', 'http://example.com/dir/sub/y'],
      ['?q=2', 'http://example.com/dir/sub/page.html?q=2'],
      ['//host.org/p', 'http://host.org/p'],
      ['#frag', 'http://example.com/dir/sub/page.html?x=1'],
      ['', 'http://example.com/dir/sub/page.html?x=1'],
      ['/../../up', 'http://example.com/up'],
      ['HTTPS://EXAMPLE.ORG:443/A b', 'https://example.org/A%20b'],
      ['  /trimmed\n', 'http://example.com/trimmed'],
      ['/a\tb', 'http://example.com/ab'],
      ['/caf\u00e9', 'http://example.com/caf%C3%A9'],
      ['http://b\u00fccher.example/', 'http://xn--bcher-kva.example/'],
      ['\\\\evil.org\\x', 'http://evil.org/x'],
    ];
    for (const [href, expected] of forms) {
      assert.deepEqual(links(`<a href="${href}">`), [expected], `href ${JSON.stringify(href)}`);
    }
  });

  it('keeps fragments only when asked', () => {
    assert.deepEqual(links('<a href="/p#top">', PAGE, { keepFragments: true }), ['http://example.com/p#top']);
    assert.deepEqual(links('<a href="#top">', PAGE, { keepFragments: true }), ['http://example.com/dir/sub/page.html?x=1#top']);
  });

  it('decodes entities in hrefs, but not legacy names followed by = in attributes', () => {
    const html = '<a href="/s?a=1&amp;b=2&#38;c=3&#x26;d=4">x</a><a href="/t?x=1&copy=2">y</a><a href="/u?x=&lt&gt;">z</a>';
    assert.deepEqual(links(html), ['http://example.com/s?a=1&b=2&c=3&d=4', 'http://example.com/t?x=1&copy=2', 'http://example.com/u?x=%3C%3E']);
  });

  it('respects the first <base href>, even after links, resolved against the page URL', () => {
    const html = '<a href="early">e</a><base href="/root/other/"><base href="http://ignored.org/"><a href="late">l</a><a href="/abs">a</a>';
    assert.deepEqual(links(html), ['http://example.com/root/other/early', 'http://example.com/root/other/late', 'http://example.com/abs']);
    assert.deepEqual(links('<base target="_blank"><base href="https://cdn.example.net/a/"><a href="b">'), ['https://cdn.example.net/a/b']);
  });

  it('ignores a <base> that is not http(s)', () => {
    assert.deepEqual(links('<base href="javascript:alert(1)"><a href="x">'), ['http://example.com/dir/sub/x']);
  });

  it('skips javascript:, mailto:, data:, tel: and every other non-http scheme', () => {
    const hrefs = ['javascript:void(0)', 'JavaScript:alert(1)', 'java\tscript:alert(1)', 'javascript&colon;alert(1)', 'mailto:a@b.c', 'data:text/html,<b>', 'tel:+123', 'ftp://files.example.com/', 'file:///etc/passwd', 'about:blank', 'sms:1'];
    const html = hrefs.map((h) => `<a href="${h}">x</a>`).join('') + '<a href="/kept">';
    assert.deepEqual(links(html), ['http://example.com/kept']);
  });

  it('drops what cannot be parsed and keeps going', () => {
    assert.deepEqual(links('<a href="http://[bad">x</a><a href="https://exa mple.com/">y</a><a href="/ok">'), ['http://example.com/ok']);
  });

  it('keeps only absolute links when the page URL is unusable', () => {
    assert.deepEqual(links('<a href="/rel"><a href="https://abs.example/x#f">', 'not a url'), ['https://abs.example/x']);
  });
});

describe('extractLinks: order, dedupe and cap', () => {
  it('dedupes within the page, keeping the first position', () => {
    const html = '<a href="/b"><a href="/a"><a href="/b#x"><a href="http://example.com/a"><a href="/c">';
    assert.deepEqual(links(html), ['http://example.com/b', 'http://example.com/a', 'http://example.com/c']);
  });

  it('stops at maxLinks', () => {
    const html = Array.from({ length: 50 }, (_, i) => `<a href="/p${i}">`).join('');
    const got = links(html, PAGE, { maxLinks: 7 });
    assert.equal(got.length, 7);
    assert.equal(got[6], 'http://example.com/p6');
    assert.equal(links(html).length, 50);
  });
});

describe('scanHtml: title', () => {
  it('returns the first title, decoded and whitespace-collapsed', () => {
    const html = '<html><head><TITLE lang=en>\n  Caf&eacute; &amp; Bar&nbsp;&mdash;\t<Menu>  </title><title>second</title>';
    assert.equal(scanHtml(html, PAGE).title, 'Café & Bar\u00a0— <Menu>');
    assert.equal(scanHtml('<p>no title</p>', PAGE).title, null);
    assert.equal(scanHtml('<!-- <title>c</title> --><title>t</title>', PAGE).title, 't');
  });
});

describe('decodeHtmlEntities', () => {
  it('decodes numeric references with the HTML remapping rules', () => {
    assert.equal(decodeHtmlEntities('&#65;&#x42;&#X43;&#128;&#0;&#xD800;&#x110000;&#99999999999;'), 'ABC\u20ac\ufffd\ufffd\ufffd\ufffd');
  });
  it('leaves unknown names and bare ampersands as written', () => {
    assert.equal(decodeHtmlEntities('a & b &unknown; &amp c &copy2024'), 'a & b &unknown; & c ©2024');
    assert.equal(decodeHtmlEntities('x=&amp=1&ampy', true), 'x=&amp=1&ampy');
  });
});

describe('resolveHref fast path', () => {
  it('gives exactly what WHATWG URL gives, on many generated hrefs', () => {
    const bases = ['http://example.com/', 'https://www.example.co.uk/a/b/c.html?q=1#f', 'http://localhost:8080/dir/', 'https://u:p@example.com/x/y', 'http://127.0.0.1/a/b', 'http://127.0.0.1:18080/p/3/123.html', 'https://shop.example:8443/a/b/c/'];
    const pieces = ['/', 'a', 'B', '.', '..', '?', '#', '&', '=', '%', '%2e', ':', '@', "'", '"', ' ', '\\', '^', '|', '~', '-', '_', 'é', 'x.html', 'http://', 'https://', 'HTTP://', 'sub.example.org', 'xn--bcher-kva.example', '0x7f', '1.2.3.4', 'EXAMPLE.com', ':8080', ':80', 'mailto:', '//', '-host.', 'q=1', '../', './', '../../', '..', 'http://127.0.0.1', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', ':0', ':443', ':65535', ':65536', ':08080', '/../', 'a1', 'host-'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let checked = 0;
    for (const b of bases) {
      const base = parseHrefBase(b)!;
      for (let n = 0; n < 6000; n++) {
        let href = '';
        const count = 1 + rand(5);
        for (let k = 0; k < count; k++) href += pieces[rand(pieces.length)];
        for (const keep of [false, true]) {
          let expected: string | null = null;
          try {
            const u = new URL(href, base.href);
            if (u.protocol === 'http:' || u.protocol === 'https:') {
              if (!keep) u.hash = '';
              expected = u.href;
            }
          } catch {}
          assert.equal(resolveHref(href, base, keep), expected, `${JSON.stringify(href)} against ${b} keep=${keep}`);
          checked++;
        }
      }
    }
    assert.equal(checked, bases.length * 12000);
  });
});

describe('fastAbsoluteHref', () => {
  it('vouches for URLs already in WHATWG form, and for nothing WHATWG would change', () => {
    const pieces = ['http://', 'https://', 'example.com', '127.0.0.1', '10.0.0.255', '256.0.0.1', '1.2.3', '0x7f.0.0.1', 'a1', 'Ex', 'xn--bcher-kva.example', ':8080', ':80', ':443', ':0', ':065', ':70000', '/', '/p/3/', '../', './', 'x.html', '?q=1', '#f', '#', '%20', ' ', '\\', '@', '.', '-'];
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let fast = 0;
    for (let n = 0; n < 20000; n++) {
      let href = pieces[rand(2)];
      const count = 1 + rand(6);
      for (let k = 0; k < count; k++) href += pieces[2 + rand(pieces.length - 2)];
      for (const keep of [false, true]) {
        const got = fastAbsoluteHref(href, keep);
        if (got === null) continue;
        fast++;
        const u = new URL(href);
        if (!keep) u.hash = '';
        assert.equal(got, u.href, `${JSON.stringify(href)} keep=${keep}`);
        assert.equal(fastHrefHost(got), u.host, JSON.stringify(href));
      }
    }
    assert.ok(fast > 2000, `the fast path was taken ${fast} times`);
  });

  it('takes the fast path for the common forms and refuses the rest', () => {
    assert.equal(fastAbsoluteHref('http://127.0.0.1:18080/p/3/12.html#top'), 'http://127.0.0.1:18080/p/3/12.html');
    assert.equal(fastAbsoluteHref('https://shop.example.com?q=1', true), 'https://shop.example.com/?q=1');
    assert.equal(fastHrefHost('https://shop.example.com:8443/'), 'shop.example.com:8443');
    for (const odd of ['http://127.1/', 'http://127.0.0.01/', 'http://a.com:80/', 'http://a.com:080/', 'http://A.com/', 'http://a.com/./b', 'http://u@a.com/', 'mailto:x@a.com', 'http://a.com/%7e']) {
      assert.equal(fastAbsoluteHref(odd), null, odd);
    }
  });
});

describe('resolveHref with leading dot segments', () => {
  it('climbs from the base directory and never above the root', () => {
    const base = parseHrefBase('http://127.0.0.1:18080/p/3/123.html')!;
    assert.equal(resolveHref('../4/456.html', base), 'http://127.0.0.1:18080/p/4/456.html');
    assert.equal(resolveHref('./5.html#x', base), 'http://127.0.0.1:18080/p/3/5.html');
    assert.equal(resolveHref('../../../../top.html', base), 'http://127.0.0.1:18080/top.html');
    assert.equal(resolveHref('../', base), 'http://127.0.0.1:18080/p/');
  });
});

describe('extractLinks agrees with a DOM parser', () => {
  it('finds the same links as cheerio on a varied page', () => {
    const parts: string[] = ['<html><head><base href="/base/dir/"><title>t</title></head><body>'];
    const forms = ['/abs', 'rel', '../up', '?q=1', '#f', '//h.example/p', 'https://x.example/y?z=1&amp;w=2', 'mailto:x@y', 'javascript:0'];
    forms.forEach((f, i) => {
      parts.push(`<div class="c${i}"><a id=a${i} href="${f}${i}">t</a> <span title='${i}>'>s</span></div>`);
      parts.push(`<AREA HREF='${f}-area${i}'>`);
    });
    parts.push('</body></html>');
    const html = parts.join('\n');
    const $ = load(html);
    const expected: string[] = [];
    $('a[href], area[href]').each((_, el) => {
      const u = new URL($(el).attr('href')!, new URL('/base/dir/', PAGE));
      if (u.protocol.startsWith('http')) {
        u.hash = '';
        if (!expected.includes(u.href)) expected.push(u.href);
      }
    });
    assert.ok(expected.length > 10);
    assert.deepEqual(links(html), expected);
  });
});
