/**
 * Resolution of an href against a base URL, returning an absolute http(s) URL string or null.
 *
 * Owns a fast path for the forms that make up nearly every crawled link (`/path`, `page.html`,
 * `../dir/page.html`, `?query`, `#fragment`, `https://lower.case.host[:port]/path`,
 * `http://127.0.0.1/path`) built by string concatenation, and the WHATWG `URL` parser for
 * everything else. Invariant: the fast path only accepts input for which its result is
 * byte-identical to `new URL(href, base).href` (test/url/extract-links checks this
 * differentially); anything unusual (dot segments inside a path, `%`, `\`, non-ASCII,
 * upper-case hosts, IPv4 in other spellings, default or zero-padded ports, user info,
 * characters WHATWG would percent-encode) takes the slow,
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

/**
 * True when s[from, to) is an IPv4 address in the one spelling WHATWG serializes it to: four
 * decimal parts, 0-255, no leading zeros. Other spellings (`127.1`, `0x7f.0.0.1`, `010.0.0.1`)
 * take the exact path.
 */
function isCanonicalIpv4(s: string, from: number, to: number): boolean {
  let parts = 0;
  let i = from;
  while (i < to) {
    let value = 0;
    const start = i;
    for (; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c === 46) break;
      if (c < 48 || c > 57) return false;
      value = value * 10 + (c - 48);
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return false;
    parts++;
    if (i < to) {
      i++;
      if (i === to) return false;
    }
  }
  return parts === 4;
}

/**
 * Where the authority of a `http(s)://host[:port]` prefix ends, or -1 unless WHATWG would
 * serialize that authority exactly as written: a lower-case DNS name (no IDNA labels) or a
 * canonical dotted-quad IPv4 address, and a port without leading zeros that is not the
 * scheme's default.
 */
export function fastAuthorityEnd(s: string): number {
  let i: number;
  if (s.startsWith('http://')) i = 7;
  else if (s.startsWith('https://')) i = 8;
  else return -1;
  const start = i;
  let lastLabel = i;
  let prev = 46;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 58) break;
    if (c === 46) {
      if (prev === 46) return -1;
      lastLabel = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return -1;
    prev = c;
  }
  const hostEnd = i;
  if (hostEnd === start) return -1;
  // A last label starting with a digit may be read as an IPv4 number; `xn--` labels need IDNA checks.
  const first = s.charCodeAt(lastLabel);
  if (first >= 48 && first <= 57) {
    if (!isCanonicalIpv4(s, start, hostEnd)) return -1;
  } else {
    if (first < 97 || first > 122 || prev < 97 || prev > 122) return -1;
    const idn = s.indexOf('xn--', start);
    if (idn !== -1 && idn < hostEnd) return -1;
  }
  if (s.charCodeAt(i) !== 58) return i;
  i++;
  const portStart = i;
  let port = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) break;
    if (c < 48 || c > 57) return -1;
    port = port * 10 + (c - 48);
    if (port > 65535) return -1;
  }
  if (i === portStart || s.charCodeAt(portStart) === 48) return -1;
  if (port === (start === 7 ? 80 : 443)) return -1;
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

/** {@link fastAbsoluteHref} for input already known to be all plain characters. */
function absoluteFast(href: string, keepFragment: boolean): string | null {
  const len = href.length;
  const end = fastAuthorityEnd(href);
  if (end < 0) return null;
  if (end === len) return `${href}/`;
  if (href.charCodeAt(end) !== 47) return cutFragment(`${href.slice(0, end)}/${href.slice(end)}`, keepFragment);
  if (mayHaveDotSegment(href, end, len)) return null;
  return cutFragment(href, keepFragment);
}

/**
 * The WHATWG serialization of an absolute http(s) URL when it can be had without the URL parser
 * (the input is already in that form, or lacks only the `/` of an empty path), else null: ask
 * `URL`. The fragment is dropped unless `keepFragment`.
 */
export function fastAbsoluteHref(href: string, keepFragment = false): string | null {
  const len = href.length;
  if (len < 8 || href.charCodeAt(0) !== 104 || !allPlain(href, 0, len, keepFragment)) return null;
  return absoluteFast(href, keepFragment);
}

/** `host[:port]` of an href that {@link fastAbsoluteHref} returned (its authority always ends at a `/`). */
export function fastHrefHost(href: string): string {
  const start = href.charCodeAt(4) === 115 ? 8 : 7;
  return href.slice(start, href.indexOf('/', start));
}

/**
 * Relative paths that climb (`../x`, `./x`, `../../x/y`): the leading dot segments are applied
 * to the base directory by hand when nothing after them needs the parser; else null.
 */
function resolveDotPrefix(href: string, base: HrefBase, keepFragment: boolean): string | null {
  const len = href.length;
  let k = 0;
  let up = 0;
  for (;;) {
    if (href.startsWith('../', k)) {
      up++;
      k += 3;
    } else if (href.startsWith('./', k)) k += 2;
    else break;
  }
  if (k === 0 || (k < len && mayHaveDotSegment(href, k, len))) return null;
  const originLength = (base.origin as string).length;
  let dirEnd = base.directory.length;
  // The directory ends with `/`; each `..` drops one segment, never past the root.
  for (; up > 0 && dirEnd - originLength > 1; up--) dirEnd = base.directory.lastIndexOf('/', dirEnd - 2) + 1;
  return cutFragment(base.directory.slice(0, dirEnd) + href.slice(k), keepFragment);
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
      if (c0 === 104 /* h */ && fastAuthorityEnd(href) > 0) {
        return absoluteFast(href, keepFragment) ?? resolveSlow(href, base.href, keepFragment);
      }
      if (c0 === 46 /* . */) {
        const up = resolveDotPrefix(href, base, keepFragment);
        if (up !== null) return up;
      } else if (!mayHaveDotSegment(href, 0, len)) {
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
