/**
 * Resolution of an href against a base URL, returning an absolute http(s) URL string or null.
 *
 * Owns a fast path for the forms that make up nearly every crawled link (`/path`, `page.html`,
 * `?query`, `#fragment`, `https://lower.case.host/path`) built by string concatenation, and the
 * WHATWG `URL` parser for everything else. Invariant: the fast path only accepts input for
 * which its result is byte-identical to `new URL(href, base).href` (test/url/extract-links
 * checks this differentially); anything unusual (dot segments, `%`, `\`, non-ASCII, upper-case
 * or numeric hosts, ports, user info, characters WHATWG would percent-encode) takes the slow,
 * exact path. Only `http:` and `https:` results are returned.
 */

/** A base URL split once into the prefixes the fast path concatenates onto. */
export interface HrefBase {
  /** The base URL's serialization. */
  readonly href: string;
  /** `scheme://host[:port]`, or null when the fast path is disabled for this base. */
  readonly origin: string | null;
  /** Origin plus the path up to and including its last `/`. */
  readonly directory: string;
  /** Origin plus path (no query, no fragment). */
  readonly pathOnly: string;
  /** Everything but the fragment. */
  readonly noFragment: string;
}

/** Parses `base` for repeated resolution; null when it is not an absolute URL. */
export function parseHrefBase(base: string): HrefBase | null {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return null;
  }
  const special = u.protocol === 'http:' || u.protocol === 'https:';
  const fast = special && u.username === '' && u.password === '';
  const origin = `${u.protocol}//${u.host}`;
  const path = u.pathname;
  return {
    href: u.href,
    origin: fast ? origin : null,
    directory: origin + path.slice(0, path.lastIndexOf('/') + 1),
    pathOnly: origin + path,
    noFragment: origin + path + u.search,
  };
}

/**
 * True for characters that WHATWG copies verbatim in every URL component of an http(s) URL,
 * excluding `%` and `.` handled by callers. Computed once into a table.
 */
const PLAIN = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) PLAIN[c] = 1;
for (const ch of '"\'<>\\^`{|}%') PLAIN[ch.charCodeAt(0)] = 0;

/** True when every character of s[from, to) is plain; `#` after the first one is refused. */
function allPlain(s: string, from: number, to: number, keepFragment: boolean): boolean {
  let hashes = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PLAIN[c] === 0) return false;
    if (c === 35 && ++hashes > 1 && keepFragment) return false;
  }
  return true;
}

/** True when the path part (before `?` or `#`) of s[from, to) may hold a dot segment. */
function mayHaveDotSegment(s: string, from: number, to: number): boolean {
  if (s.charCodeAt(from) === 46) return true;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 63 || c === 35) return false;
    if (c === 47 && s.charCodeAt(i + 1) === 46) return true;
  }
  return false;
}

/** Where the host of a lower-case `http(s)://plain.dns.host` prefix ends, or -1 when the URL is not that simple. */
function simpleAuthorityEnd(s: string): number {
  let i: number;
  if (s.startsWith('http://')) i = 7;
  else if (s.startsWith('https://')) i = 8;
  else return -1;
  const start = i;
  let lastLabel = i;
  let prev = 46;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) break;
    if (c === 46) {
      if (prev === 46) return -1;
      lastLabel = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return -1;
    prev = c;
  }
  if (i === start || prev < 97 || prev > 122) return -1;
  // A last label starting with a digit may be read as an IPv4 number; `xn--` labels need IDNA checks.
  const first = s.charCodeAt(lastLabel);
  if (first < 97 || first > 122) return -1;
  const idn = s.indexOf('xn--', start);
  if (idn !== -1 && idn < i) return -1;
  return i;
}

function cutFragment(url: string, keepFragment: boolean): string {
  if (keepFragment) return url;
  const h = url.indexOf('#');
  return h < 0 ? url : url.slice(0, h);
}

/** The exact path: WHATWG `URL`. */
function resolveSlow(href: string, base: string, keepFragment: boolean): string | null {
  let u: URL;
  try {
    u = new URL(href, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!keepFragment) u.hash = '';
  return u.href;
}

/**
 * Resolves `href` (already entity-decoded) against `base`. Returns the absolute URL, or null
 * when the result is not http(s) or cannot be parsed. Fragments are dropped unless
 * `keepFragment`.
 */
export function resolveHref(href: string, base: HrefBase, keepFragment = false): string | null {
  const len = href.length;
  const origin = base.origin;
  if (origin !== null && len > 0 && allPlain(href, 0, len, keepFragment)) {
    const c0 = href.charCodeAt(0);
    if (c0 === 47 /* / */) {
      if (href.charCodeAt(1) !== 47 && !mayHaveDotSegment(href, 0, len)) {
        return cutFragment(origin + href, keepFragment);
      }
    } else if (c0 === 63 /* ? */) {
      return cutFragment(base.pathOnly + href, keepFragment);
    } else if (c0 === 35 /* # */) {
      return keepFragment ? base.noFragment + href : base.noFragment;
    } else {
      if (c0 === 104 /* h */) {
        const end = simpleAuthorityEnd(href);
        if (end > 0) {
          if (end === len) return href + '/';
          if (href.charCodeAt(end) !== 47) return cutFragment(href.slice(0, end) + '/' + href.slice(end), keepFragment);
          if (!mayHaveDotSegment(href, end, len)) return cutFragment(href, keepFragment);
          return resolveSlow(href, base.href, keepFragment);
        }
      }
      if (!mayHaveDotSegment(href, 0, len)) {
        // A relative path, unless its first segment names a scheme (`mailto:x`, `javascript:y`).
        let k = 0;
        for (; k < len; k++) {
          const c = href.charCodeAt(k);
          if (c === 58 || c === 47 || c === 63 || c === 35) break;
        }
        if (k === len || href.charCodeAt(k) !== 58) return cutFragment(base.directory + href, keepFragment);
      }
    }
  }
  return resolveSlow(href, base.href, keepFragment);
}
