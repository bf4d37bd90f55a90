/**
 * A URL splitter with the semantics of Python's `urllib.parse.urlsplit` / `urlparse` (3.11+),
 * which is what w3lib 2.4 builds on, plus w3lib's input stripping.
 *
 * Invariants: splitting never decodes or re-encodes anything; components are substrings of
 * the stripped input. Invalid bracketed hosts raise UrlError SF_URL_INVALID_HOST where
 * Python raises ValueError; other oddities are left for the caller to judge.
 */
import { ErrorCodes, UrlError } from '../errors.ts';

/** The five parts of `urlsplit`; `query` / `fragment` are '' when absent, as in Python. */
export interface SplitUrl {
  scheme: string;
  netloc: string;
  /** True when the URL had `//` after the scheme (a netloc, possibly empty). */
  hasNetloc: boolean;
  path: string;
  query: string;
  fragment: string;
}

/**
 * w3lib's `_strip`: removes leading and trailing C0 controls and spaces, then every tab, CR
 * and LF anywhere.
 */
export function stripUrl(url: string): string {
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  const s = start === 0 && end === url.length ? url : url.slice(start, end);
  // Native searches, not a per-character loop: they also flatten a concatenated input once,
  // which makes every later character access of the pipeline cheap.
  if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) return s.replace(/[\t\n\r]/g, '');
  return s;
}

function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

function invalidHost(message: string, netloc: string): UrlError {
  return new UrlError(ErrorCodes.URL_INVALID_HOST, message, { details: { netloc } });
}

const IPV6_PIECE = /^[0-9a-f]{1,4}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a valid IPv6 address text (Python's `ipaddress.IPv6Address`, zone id allowed). */
export function isIpv6(text: string): boolean {
  const pct = text.indexOf('%');
  const addr = pct >= 0 ? text.slice(0, pct) : text;
  if (pct >= 0 && pct === text.length - 1) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const parse = (part: string): string[] | null => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (head === null || tail === null) return false;
  const groups = [...head, ...tail];
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last?.includes('.')) {
    if (!IPV4.test(last)) return false;
    groups.pop();
    count += 1;
  }
  for (const g of groups) if (!IPV6_PIECE.test(g)) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function checkBracketedNetloc(netloc: string): void {
  const hostAndPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const open = hostAndPort.indexOf('[');
  if (open < 0) return;
  if (open > 0) throw invalidHost('Invalid IPv6 URL: text before "["', netloc);
  const close = hostAndPort.indexOf(']');
  const host = hostAndPort.slice(1, close < 0 ? undefined : close);
  const after = close < 0 ? '' : hostAndPort.slice(close + 1);
  if (after && !after.startsWith(':')) throw invalidHost('Invalid IPv6 URL: text after "]"', netloc);
  if (host.startsWith('v')) {
    if (!/^v[0-9a-f]+\..+$/i.test(host)) throw invalidHost('Invalid IPvFuture address', netloc);
  } else if (!isIpv6(host)) {
    throw invalidHost(`"${host}" is not an IPv6 address`, netloc);
  }
}

/** Python `urlsplit` on an already stripped URL (fragments allowed). */
export function splitUrl(url: string): SplitUrl {
  let scheme = '';
  let rest = url;
  const colon = url.indexOf(':');
  if (colon > 0) {
    const first = url.charCodeAt(0);
    if ((first >= 97 && first <= 122) || (first >= 65 && first <= 90)) {
      let ok = true;
      for (let i = 1; i < colon; i++) {
        if (!isSchemeChar(url.charCodeAt(i))) {
          ok = false;
          break;
        }
      }
      if (ok) {
        scheme = url.slice(0, colon).toLowerCase();
        rest = url.slice(colon + 1);
      }
    }
  }
  let netloc = '';
  let hasNetloc = false;
  if (rest.charCodeAt(0) === 47 && rest.charCodeAt(1) === 47) {
    hasNetloc = true;
    let end = rest.length;
    for (let i = 2; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c === 47 || c === 63 || c === 35) {
        end = i;
        break;
      }
    }
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
    const hasOpen = netloc.includes('[');
    const hasClose = netloc.includes(']');
    if (hasOpen !== hasClose) throw invalidHost('Invalid IPv6 URL: unbalanced brackets', netloc);
    if (hasOpen) checkBracketedNetloc(netloc);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (netloc && !isAscii(netloc)) checkNetlocNfkc(netloc);
  return { scheme, netloc, hasNetloc, path: rest, query, fragment };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Python's `_checknetloc`: a netloc whose NFKC form grows a delimiter is rejected. */
function checkNetlocNfkc(netloc: string): void {
  const n = netloc.replace(/[@:#?]/g, '');
  const normalized = n.normalize('NFKC');
  if (n === normalized) return;
  for (const c of '/?#@:') {
    if (normalized.includes(c)) throw invalidHost('netloc contains characters that become delimiters under NFKC', netloc);
  }
}

/** Python's `_splitparams` as `urlparse` applies it: `;params` of the last path segment. */
export function splitParams(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  const semi = path.indexOf(';', Math.max(slash, 0));
  if (semi < 0) return [path, ''];
  return [path.slice(0, semi), path.slice(semi + 1)];
}

/** Userinfo and host/port of a netloc, as Python's `username` / `password` / `_hostinfo` see them. */
export interface NetlocParts {
  username: string | null;
  password: string | null;
  /** Raw host text (brackets removed for IPv6), not lower-cased. */
  host: string;
  /** Raw port text, or null when absent or empty. */
  port: string | null;
}

/** Splits a netloc the way Python's `SplitResult` properties do. */
export function splitNetloc(netloc: string): NetlocParts {
  const at = netloc.lastIndexOf('@');
  let username: string | null = null;
  let password: string | null = null;
  if (at >= 0) {
    const userinfo = netloc.slice(0, at);
    const colon = userinfo.indexOf(':');
    username = colon < 0 ? userinfo : userinfo.slice(0, colon);
    password = colon < 0 ? null : userinfo.slice(colon + 1);
  }
  const hostinfo = netloc.slice(at + 1);
  let host: string;
  let port: string;
  const open = hostinfo.indexOf('[');
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf(']');
    host = close < 0 ? bracketed : bracketed.slice(0, close);
    const after = close < 0 ? '' : bracketed.slice(close + 1);
    const c = after.indexOf(':');
    port = c < 0 ? '' : after.slice(c + 1);
  } else {
    const c = hostinfo.indexOf(':');
    host = c < 0 ? hostinfo : hostinfo.slice(0, c);
    port = c < 0 ? '' : hostinfo.slice(c + 1);
  }
  return { username, password, host, port: port === '' ? null : port };
}
