/**
 * The fingerprint's canonical URL (`canonicalize_url(safe_url_string(url))`) for the common
 * case, computed in one pass straight into a byte buffer: a lower-case `http://` or
 * `https://` URL of printable ASCII whose path and query hold only characters that
 * `safe_url_string` leaves alone. Everything else is declined (-1) and left to the exact path
 * (safe-url.ts, then canonicalize-url.ts).
 *
 * Invariants: whenever {@link canonicalUrlInto} returns an end offset, the bytes written are
 * the exact canonical URL, and they are JSON-plain (printable ASCII, no `"` or `\`), so they
 * can go into the fingerprint's JSON text unescaped. It never throws: a netloc the exact path
 * would refuse is declined, and the exact path raises the error. Anything unusual in the path
 * (`%`, `;`) or query (`%`, `+`, a second `=`, reserved characters) is handed to the very
 * functions the exact path uses, on the very same text, because the safe step leaves it
 * unchanged; only plain `name=value` queries are sorted here.
 */
import { canonicalNetloc, canonicalPathAndParams, canonicalQuery } from './canonicalize-url.ts';
import { FORM_SAFE, PATH_SAFEST, SPECIAL_QUERY_SAFEST } from './percent-encoding.ts';
import { safeNetloc } from './safe-url.ts';

// Local bindings of the imported tables: a module loader that turns imports into getters (as
// tsx's CommonJS output does) would otherwise run a getter per character.
const PATH_OK: Uint8Array = PATH_SAFEST;
const QUERY_OK: Uint8Array = SPECIAL_QUERY_SAFEST;
const UNRESERVED_OK: Uint8Array = FORM_SAFE;

// Netloc characters the fast path looks at; brackets (IPv6) and anything outside printable
// ASCII are declined, since splitting checks them before the netloc is made safe.
const NETLOC_OK = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) NETLOC_OK[c] = 1;
for (const c of '[]/?#') NETLOC_OK[c.charCodeAt(0)] = 0;

const NETLOC_CACHE_LIMIT = 4096;
/** Raw netloc → canonical netloc of the safe URL, or null where the fast path declines it. */
const netlocCache = new Map<string, string | null>();
const HOST_SIMPLE = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789.-') HOST_SIMPLE[c.charCodeAt(0)] = 1;

/** The most query arguments sorted here; longer queries go to the exact function. */
const MAX_ARGS = 64;
const argStart = new Int32Array(MAX_ARGS);
const argNameEnd = new Int32Array(MAX_ARGS);
const argEnd = new Int32Array(MAX_ARGS);
const order = new Int32Array(MAX_ARGS);

function isJsonPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return false;
  }
  return true;
}

function canonicalNetlocOf(raw: string): string | null {
  let canonical = netlocCache.get(raw);
  if (canonical !== undefined) return canonical;
  try {
    canonical = canonicalNetloc(safeNetloc(raw));
    if (!isJsonPlain(canonical)) canonical = null;
  } catch {
    canonical = null; // the exact path raises the error
  }
  if (netlocCache.size >= NETLOC_CACHE_LIMIT) netlocCache.clear();
  netlocCache.set(raw, canonical);
  return canonical;
}

/**
 * True when url[start, end), already known to be simple host characters then (after `colon`)
 * digits, needs no change: a non-empty host and either no port or one safe_url_string would
 * write back the same (no leading zero, at most 65535).
 */
function isPlainHostPort(url: string, start: number, colon: number, end: number): boolean {
  if (colon < 0) return end > start;
  const digits = end - colon - 1;
  if (colon === start || digits === 0 || digits > 5) return false;
  if (digits > 1 && url.charCodeAt(colon + 1) === 48) return false;
  return digits < 5 || Number(url.slice(colon + 1, end)) <= 65535;
}

/** Writes a JSON-plain string; -1 when it is not plain or does not fit before `limit`. */
function writePlain(s: string, out: Uint8Array, o: number, limit: number): number {
  if (o + s.length > limit) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return -1;
    out[o++] = c;
  }
  return o;
}

/** Compares url[a, aEnd) with url[b, bEnd) by code unit (= byte, the text being ASCII). */
function compareRanges(url: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let k = 0; k < n; k++) {
    const d = url.charCodeAt(a + k) - url.charCodeAt(b + k);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/** Python's tuple order on (name, value), as `sorted(parse_qsl(...))` uses it. */
function compareArgs(url: string, x: number, y: number): number {
  const byName = compareRanges(url, argStart[x], argNameEnd[x], argStart[y], argNameEnd[y]);
  if (byName !== 0) return byName;
  const xv = argNameEnd[x] < argEnd[x] ? argNameEnd[x] + 1 : argEnd[x];
  const yv = argNameEnd[y] < argEnd[y] ? argNameEnd[y] + 1 : argEnd[y];
  return compareRanges(url, xv, argEnd[x], yv, argEnd[y]);
}

/** Writes `count` plain arguments sorted (stable insertion sort: the usual query is short). */
function writeSortedArgs(url: string, count: number, out: Uint8Array, o: number): number {
  for (let k = 0; k < count; k++) {
    const x = k;
    let j = k - 1;
    while (j >= 0 && compareArgs(url, order[j], x) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  for (let k = 0; k < count; k++) {
    const x = order[k];
    if (k > 0) out[o++] = 38;
    for (let i = argStart[x]; i < argNameEnd[x]; i++) out[o++] = url.charCodeAt(i);
    out[o++] = 61; // an argument without `=` gets an empty value
    for (let i = argNameEnd[x] + 1; i < argEnd[x]; i++) out[o++] = url.charCodeAt(i);
  }
  return o;
}

/**
 * Writes the canonical URL a fingerprint covers (what `fingerprintUrl(url, keepFragments)`
 * returns) into `out` from `offset` as ASCII bytes and returns the end offset, or returns -1
 * when the URL is not a common case (or would pass `limit`), for the exact path to handle.
 */
export function canonicalUrlInto(url: string, out: Uint8Array, offset: number, limit: number, keepFragments: boolean): number {
  const n = url.length;
  // A native search flattens a concatenated input once; character reads of a rope are slow.
  if (url.indexOf('\\') >= 0) return -1;
  // Plain copies never write more than twice what they copy (`a&b` → `a=&b=`) plus a `/`: each
  // step keeps that much room for the rest before `limit`.
  if (offset + 2 * n + 8 > limit) return -1;
  if (url.charCodeAt(0) !== 104 || url.charCodeAt(1) !== 116 || url.charCodeAt(2) !== 116 || url.charCodeAt(3) !== 112) return -1;
  let i = url.charCodeAt(4) === 58 ? 5 : url.charCodeAt(4) === 115 && url.charCodeAt(5) === 58 ? 6 : -1;
  if (i < 0 || url.charCodeAt(i) !== 47 || url.charCodeAt(i + 1) !== 47) return -1;
  i += 2;
  let o = offset;
  for (let k = 0; k < i; k++) out[o++] = url.charCodeAt(k);

  // The netloc is copied as it is scanned. A lower-case host of letters, digits, dots and
  // hyphens with at most a plain port is its own canonical form (IDNA leaves ASCII labels as
  // they are, or fails and w3lib keeps them); anything else goes through the exact functions.
  const netStart = i;
  const netOut = o;
  let colon = -1;
  let simple = true;
  for (; i < n; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) break;
    if (c >= 128 || NETLOC_OK[c] === 0) return -1;
    out[o++] = c;
    if (colon < 0) {
      if (c === 58) colon = i;
      else if (HOST_SIMPLE[c] === 0) simple = false;
    } else if (c < 48 || c > 57) simple = false;
  }
  if (!simple || !isPlainHostPort(url, netStart, colon, i)) {
    const netloc = canonicalNetlocOf(url.slice(netStart, i));
    if (netloc === null) return -1;
    o = writePlain(netloc, out, netOut, limit - 2 * (n - i) - 2);
    if (o < 0) return -1;
  }

  const pathStart = i;
  let pathSpecial = false;
  for (; i < n; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 || c === 35) break;
    if (c >= 128 || PATH_OK[c] === 0) return -1;
    if (c === 37 || c === 59) pathSpecial = true;
  }
  if (pathSpecial) {
    o = writePlain(canonicalPathAndParams(url.slice(pathStart, i)), out, o, limit - 2 * (n - i) - 2);
    if (o < 0) return -1;
  } else if (i === pathStart) out[o++] = 47;
  else for (let k = pathStart; k < i; k++) out[o++] = url.charCodeAt(k);

  if (i < n && url.charCodeAt(i) === 63) {
    i++;
    const queryStart = i;
    let plain = true;
    let count = 0;
    let start = i;
    let eq = -1;
    for (; ; i++) {
      const c = i < n ? url.charCodeAt(i) : 35;
      if (c === 38 || c === 59 || c === 35) {
        if (i > start) {
          if (count === MAX_ARGS) plain = false;
          else {
            argStart[count] = start;
            argNameEnd[count] = eq < 0 ? i : eq;
            argEnd[count] = i;
            count++;
          }
        }
        if (c === 35) break;
        start = i + 1;
        eq = -1;
        continue;
      }
      if (c >= 128 || QUERY_OK[c] === 0) return -1;
      if (c === 61 && eq < 0) eq = i;
      else if (UNRESERVED_OK[c] === 0) plain = false;
    }
    if (!plain) {
      const query = canonicalQuery(url.slice(queryStart, i));
      if (query) {
        out[o++] = 63;
        o = writePlain(query, out, o, limit);
        if (o < 0) return -1;
      }
    } else if (count > 0) {
      out[o++] = 63;
      o = writeSortedArgs(url, count, out, o);
    }
  }

  if (i < n) {
    // A fragment: dropped, but its characters must be ones the exact path accepts unchanged.
    if (keepFragments) return -1;
    for (i++; i < n; i++) {
      const c = url.charCodeAt(i);
      if (c < 0x21 || c > 0x7e) return -1;
    }
  }
  return o;
}
