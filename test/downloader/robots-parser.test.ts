// Expected values follow RFC 9309 (sections 2.2.1-2.2.3 and its examples) and the test cases
// of the reference robots.txt parser (google/robotstxt), rewritten as a table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRobotsPath, productTokenOf, ROBOTS_PARSE_LIMIT, RobotsTxt } from '../../src/downloader/robots-parser.ts';

type Case = [name: string, robots: string, agent: string, url: string, allowed: boolean];

const GROUPS = [
  'allow: /foo/bar/',
  '',
  'user-agent: FooBot',
  'disallow: /',
  'allow: /x/',
  'user-agent: BarBot',
  'disallow: /',
  'allow: /y/',
  '',
  '',
  'allow: /w/',
  'user-agent: BazBot',
  '',
  'user-agent: FooBot',
  'allow: /z/',
  'disallow: /',
].join('\n');

const u = (path: string) => `http://foo.bar${path}`;

const cases: Case[] = [
  // Line syntax
  ['empty file allows everything', '', 'FooBot', u('/x'), true],
  ['disallow all for the agent', 'user-agent: FooBot\ndisallow: /\n', 'FooBot', u('/x/y'), false],
  ['unknown keys are not rules', 'foo: FooBot\nbar: /\n', 'FooBot', u('/x/y'), true],
  ['a missing colon is accepted', 'user-agent FooBot\ndisallow /\n', 'FooBot', u('/x/y'), false],
  ['keys are case-insensitive', 'uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n', 'FooBot', u('/x/y'), true],
  ['keys are case-insensitive (disallowed side)', 'USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n', 'FooBot', u('/a/b'), false],
  ['CR line endings', 'user-agent: FooBot\rdisallow: /\r', 'FooBot', u('/a'), false],
  ['CRLF line endings', 'user-agent: FooBot\r\ndisallow: /a\r\n', 'FooBot', u('/a'), false],
  // Groups
  ['FooBot allowed /x/', GROUPS, 'FooBot', u('/x/b'), true],
  ['groups of one agent merge (FooBot /z/)', GROUPS, 'FooBot', u('/z/d'), true],
  ['FooBot disallowed /y/', GROUPS, 'FooBot', u('/y/c'), false],
  ['BarBot allowed /y/', GROUPS, 'BarBot', u('/y/c'), true],
  ['a rule after blank lines stays in its group (BarBot /w/)', GROUPS, 'BarBot', u('/w/a'), true],
  ['BarBot disallowed /z/', GROUPS, 'BarBot', u('/z/d'), false],
  ['consecutive agents share a group across blank lines', GROUPS, 'BazBot', u('/z/d'), true],
  ['rules before any user-agent are ignored', GROUPS, 'FooBot', u('/foo/bar/'), false],
  // User-agent values
  ['agent values are case-insensitive', 'User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n', 'foo', u('/x/y'), true],
  ['agent value is taken up to the first space', 'User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n', 'Foo', u('/x/y'), true],
  ['a specific group beats *', 'user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n', 'FooBot', u('/x/y'), false],
  ['* applies when no group matches', 'user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n', 'BarBot', u('/x/y'), true],
  ['no matching group and no * allows', 'user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\n', 'QuxBot', u('/x/y'), true],
  ['the specific group replaces *, not adds to it', 'User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n', 'FooBot', u('/x/page'), true],
  ['agent with a version suffix in robots.txt', 'user-agent: FooBot/2.1\ndisallow: /\n', 'foobot', u('/a'), false],
  // Matching
  ['paths are case-sensitive', 'user-agent: FooBot\ndisallow: /X/\n', 'FooBot', u('/x/y'), true],
  ['longest match: disallow longer', 'user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n', 'FooBot', u('/x/page.html'), false],
  ['longest match: allow longer', 'user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', u('/x/page.html'), true],
  ['longest match: only disallow matches', 'user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', u('/x/'), false],
  ['empty allow and disallow match nothing', 'user-agent: FooBot\ndisallow: \nallow: \n', 'FooBot', u('/x/page.html'), true],
  ['equal patterns: allow wins', 'user-agent: FooBot\ndisallow: /\nallow: /\n', 'FooBot', u('/x/page.html'), true],
  ['/x does not beat /x/ for /x/', 'user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', u('/x/'), true],
  ['/x disallows /x', 'user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', u('/x'), false],
  ['wildcard rule longer than prefix', 'user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', u('/page.html'), false],
  ['wildcard rule does not match', 'user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', u('/page'), true],
  ['allow /x/page. beats /*.html', 'user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', u('/x/page.html'), true],
  ['/*.html for another file', 'user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', u('/x/y.html'), false],
  ['allow /$ matches only the root', 'user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', u('/'), true],
  ['allow /$ does not match a page', 'user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', u('/page.html'), false],
  ['the query is part of the path', 'user-agent: FooBot\ndisallow: /\nallow: /fish\n', 'FooBot', u('/fish.html?id=anything'), true],
  ['a match must start at the first octet', 'user-agent: FooBot\ndisallow: /\nallow: /fish\n', 'FooBot', u('/catfish'), false],
  ['a query does not match a path rule', 'user-agent: FooBot\ndisallow: /\nallow: /fish\n', 'FooBot', u('/?id=fish'), false],
  ['trailing * is a no-op', 'user-agent: FooBot\ndisallow: /\nallow: /fish*\n', 'FooBot', u('/fishheads/yummy.html'), true],
  ['/fish/ does not match /fish', 'user-agent: FooBot\ndisallow: /\nallow: /fish/\n', 'FooBot', u('/fish'), false],
  ['/*.php matches inside the query', 'user-agent: FooBot\ndisallow: /\nallow: /*.php\n', 'FooBot', u('/index?f=filename.php/'), true],
  ['/*.php needs the dot', 'user-agent: FooBot\ndisallow: /\nallow: /*.php\n', 'FooBot', u('/index?php'), false],
  ['/*.php$ matches the end', 'user-agent: FooBot\ndisallow: /\nallow: /*.php$\n', 'FooBot', u('/folder/filename.php'), true],
  ['/*.php$ rejects a query after it', 'user-agent: FooBot\ndisallow: /\nallow: /*.php$\n', 'FooBot', u('/filename.php?parameters'), false],
  ['/*.php$ rejects a suffix', 'user-agent: FooBot\ndisallow: /\nallow: /*.php$\n', 'FooBot', u('/filename.php5'), false],
  ['/fish*.php', 'user-agent: FooBot\ndisallow: /\nallow: /fish*.php\n', 'FooBot', u('/fishheads/catfish.php?parameters'), true],
  ['/foo/*/qux does not match /foo/bar/quz', 'User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n', 'FooBot', u('/foo/bar/quz'), false],
  ['anchored /foo/bar$', 'User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n', 'FooBot', u('/foo/bar'), false],
  ['anchored /foo/bar$ leaves /foo/bar/', 'User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n', 'FooBot', u('/foo/bar/'), true],
  ['# starts a comment', 'User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n', 'FooBot', u('/foo/bar'), true],
  ['a comment ends the pattern', 'User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n', 'FooBot', u('/foo/quz'), false],
  // Encoding (RFC 9309 section 2.2.2 table)
  ['reserved characters in the query stay as they are', 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n', 'FooBot', u('/foo/bar?qux=taz&baz=http://foo.bar?tar&par'), true],
  ['a UTF-8 pattern matches the percent-encoded URL', 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n', 'FooBot', u('/foo/bar/%E3%83%84'), true],
  ['an encoded pattern matches the encoded URL', 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n', 'FooBot', u('/foo/bar/%E3%83%84'), true],
  ['hex case of escapes does not matter', 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%e3%83%84\n', 'FooBot', u('/foo/bar/%E3%83%84'), true],
  ['encoded unreserved characters match plain ones (RFC table)', 'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n', 'FooBot', u('/foo/bar/baz'), true],
  ['a literal * in a URL matches %2A in a pattern', 'User-agent: FooBot\nDisallow: /path/file-with-a-%2A.html\n', 'FooBot', u('/path/file-with-a-*.html'), false],
  ['a literal $ in a URL matches %24 in a pattern', 'User-agent: FooBot\nDisallow: /path/foo-%24\n', 'FooBot', u('/path/foo-$'), false],
  // Misc
  ['/robots.txt is always allowed', 'user-agent: *\ndisallow: /\n', 'FooBot', u('/robots.txt'), true],
  ['sitemap lines do not end a group', 'user-agent: FooBot\nsitemap: http://foo.bar/s.xml\nuser-agent: BarBot\ndisallow: /\n', 'FooBot', u('/a'), false],
  ['a BOM is ignored', '\uFEFFuser-agent: FooBot\ndisallow: /\n', 'FooBot', u('/a'), false],
];

describe('RobotsTxt matching', () => {
  for (const [name, robots, agent, url, allowed] of cases) {
    it(`${name}: ${allowed ? 'allowed' : 'disallowed'}`, () => {
      assert.equal(RobotsTxt.parse(robots).isAllowed(url, agent), allowed);
    });
  }
});

describe('RobotsTxt parsing', () => {
  it('collects sitemaps and crawl-delay, merging groups of one agent', () => {
    const txt = RobotsTxt.parse(
      'Sitemap: https://a.test/s1.xml\nuser-agent: superfilter\ncrawl-delay: 1.5\ndisallow: /a\n\nuser-agent: other\ndisallow: /\nuser-agent: SuperFilter\ndisallow: /b\ncrawl-delay: 3\nsitemap: https://a.test/s2.xml\n',
    );
    assert.deepEqual(txt.sitemaps, ['https://a.test/s1.xml', 'https://a.test/s2.xml']);
    const rules = txt.rulesFor('superfilter');
    assert.equal(rules.crawlDelayMs, 3000);
    assert.equal(rules.isAllowed('/a/x'), false);
    assert.equal(rules.isAllowed('/b/x'), false);
    assert.equal(rules.isAllowed('/c'), true);
    assert.equal(txt.rulesFor('nobody').crawlDelayMs, null);
  });

  it('ignores content past the 500 KiB parse limit and the line it cuts', () => {
    const head = 'user-agent: *\ndisallow: /early\n';
    const kept = 'disallow: /cut'; // the limit falls right after these bytes
    const pad = `# ${'x'.repeat(ROBOTS_PARSE_LIMIT - head.length - kept.length - 3)}\n`;
    const cut = `${head}${pad}${kept}-by-the-limit-here\ndisallow: /late\n`;
    assert.equal(Buffer.byteLength(`${head}${pad}${kept}`), ROBOTS_PARSE_LIMIT);
    const txt = RobotsTxt.parse(cut);
    assert.equal(txt.isAllowed('/early', 'x'), false);
    assert.equal(txt.isAllowed('/late', 'x'), true, 'past the limit: ignored');
    assert.equal(txt.isAllowed('/cut', 'x'), true, 'the line the limit cut is dropped, not truncated');
  });

  it('takes the product token of a User-Agent header', () => {
    assert.equal(productTokenOf('superfilter/0.1 (+https://github.com/superfilter/superfilter)'), 'superfilter');
    assert.equal(productTokenOf('Foo_Bot-X/2'), 'foo_bot-x');
    assert.equal(productTokenOf('ツ'), '');
  });

  it('normalizes paths for matching', () => {
    assert.equal(normalizeRobotsPath('/a%7e/%2f/ツ'), '/a~/%2F/%E3%83%84');
    assert.equal(normalizeRobotsPath('/*$'), '/%2A%24');
    assert.equal(normalizeRobotsPath('/*$', true), '/*$');
  });

  it('stays linear on pathological wildcard patterns', () => {
    const txt = RobotsTxt.parse(`user-agent: *\ndisallow: /${'*a'.repeat(200)}b\n`);
    const started = performance.now();
    assert.equal(txt.isAllowed(`/${'a'.repeat(20_000)}`, 'x'), true);
    assert.ok(performance.now() - started < 200);
  });
});
