/**
 * IDNA 2003 ToASCII for host names, as Python's built-in `idna` codec computes it (the codec
 * w3lib relies on): nameprep (RFC 3491: map to nothing, case folding, NFKC, prohibited
 * characters, bidi rules) and Punycode (RFC 3492), label by label.
 *
 * Invariants: `idnaEncode` never throws; it returns null exactly where the codec raises
 * (empty or over-long label, prohibited character, bidi violation, ACE prefix on a
 * non-ASCII label), so callers can fall back the way w3lib does. An all-ASCII host is
 * returned unchanged (no lower-casing), as the codec's fast path does.
 */
import { KEEP_AS_IS, LEFT_TO_RIGHT, MAP_EXCEPTIONS, MAP_TO_NOTHING, PROHIBITED, RAND_AL } from './idna-tables.ts';

const PUNY_BASE = 36;
const PUNY_TMIN = 1;
const PUNY_TMAX = 26;
const PUNY_SKEW = 38;
const PUNY_DAMP = 700;
const PUNY_INITIAL_BIAS = 72;
const PUNY_INITIAL_N = 128;

function inRanges(ranges: readonly number[], cp: number): boolean {
  let lo = 0;
  let hi = (ranges.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ranges[mid * 2]) hi = mid - 1;
    else if (cp > ranges[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

let exceptions: Map<number, string> | null = null;
function mapExceptions(): Map<number, string> {
  if (exceptions) return exceptions;
  exceptions = new Map();
  for (const entry of MAP_EXCEPTIONS.split(' ')) {
    if (!entry) continue;
    const [from, to] = entry.split(':');
    exceptions.set(Number.parseInt(from, 16), String.fromCodePoint(...to.split('.').map((h) => Number.parseInt(h, 16))));
  }
  return exceptions;
}

function adapt(delta: number, numPoints: number, firstTime: boolean): number {
  delta = firstTime ? Math.floor(delta / PUNY_DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) >> 1) {
    delta = Math.floor(delta / (PUNY_BASE - PUNY_TMIN));
    k += PUNY_BASE;
  }
  return k + Math.floor(((PUNY_BASE - PUNY_TMIN + 1) * delta) / (delta + PUNY_SKEW));
}

function digit(d: number): string {
  // 0..25 are a..z, 26..35 are 0..9
  return String.fromCharCode(d < 26 ? 97 + d : 22 + d);
}

/** Punycode (RFC 3492) of a string of code points, without the ACE prefix. */
export function punycodeEncode(input: string): string {
  const cps = Array.from(input, (c) => c.codePointAt(0)!);
  let out = '';
  for (const cp of cps) if (cp < 0x80) out += String.fromCharCode(cp);
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += '-';
  let n = PUNY_INITIAL_N;
  let delta = 0;
  let bias = PUNY_INITIAL_BIAS;
  while (handled < cps.length) {
    let m = Number.MAX_SAFE_INTEGER;
    for (const cp of cps) if (cp >= n && cp < m) m = cp;
    delta += (m - n) * (handled + 1);
    n = m;
    for (const cp of cps) {
      if (cp < n) delta++;
      if (cp === n) {
        let q = delta;
        for (let k = PUNY_BASE; ; k += PUNY_BASE) {
          const t = k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
          if (q < t) break;
          out += digit(t + ((q - t) % (PUNY_BASE - t)));
          q = Math.floor((q - t) / (PUNY_BASE - t));
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return out;
}

/** Nameprep (RFC 3491) of one label, or null where the profile forbids the result. */
export function nameprep(label: string): string | null {
  const table = mapExceptions();
  let mapped = '';
  // Characters unassigned in Unicode 3.2 must escape the final NFKC, so normalize between them.
  let pending = '';
  for (const ch of label) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(MAP_TO_NOTHING, cp)) continue;
    if (inRanges(KEEP_AS_IS, cp)) {
      mapped += pending.normalize('NFKC') + ch;
      pending = '';
      continue;
    }
    const special = table.get(cp);
    pending += special ?? ch.toLowerCase().normalize('NFKC').toLowerCase().normalize('NFKC');
  }
  mapped += pending.normalize('NFKC');
  let hasRandAL = false;
  let hasL = false;
  for (const ch of mapped) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(PROHIBITED, cp)) return null;
    if (inRanges(RAND_AL, cp)) hasRandAL = true;
    else if (inRanges(LEFT_TO_RIGHT, cp)) hasL = true;
  }
  if (hasRandAL) {
    if (hasL) return null;
    const first = mapped.codePointAt(0)!;
    const last = mapped.codePointAt(mapped.length - 1)!;
    const lastCp = last >= 0xdc00 && last <= 0xdfff ? mapped.codePointAt(mapped.length - 2)! : last;
    if (!inRanges(RAND_AL, first) || !inRanges(RAND_AL, lastCp)) return null;
  }
  return mapped;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** True when the string holds a UTF-16 surrogate without its pair (not encodable as UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return true;
  }
  return false;
}

function labelToAscii(label: string): string | null {
  if (isAscii(label)) return label.length > 0 && label.length < 64 ? label : null;
  const prepped = nameprep(label);
  if (prepped === null) return null;
  if (isAscii(prepped)) return prepped.length > 0 && prepped.length < 64 ? prepped : null;
  if (prepped.startsWith('xn--')) return null;
  const ace = 'xn--' + punycodeEncode(prepped);
  return ace.length < 64 ? ace : null;
}

/**
 * The host as Python's `str.encode('idna')` writes it, or null where that raises.
 * Lone surrogates (which Python could not hold in a valid host either) also give null.
 */
export function idnaEncode(host: string): string | null {
  if (host.length === 0) return '';
  if (isAscii(host)) {
    // Every label but the last must hold 1..63 characters; the last may be empty.
    let start = 0;
    for (let i = 0; i < host.length; i++) {
      if (host.charCodeAt(i) !== 46) continue;
      const n = i - start;
      if (n === 0 || n > 63) return null;
      start = i + 1;
    }
    return host.length - start < 64 ? host : null;
  }
  if (hasLoneSurrogate(host)) return null;
  const labels = host.split(/[.\u3002\uff0e\uff61]/);
  let trailingDot = '';
  if (labels.length > 0 && labels[labels.length - 1] === '') {
    trailingDot = '.';
    labels.pop();
  }
  const out: string[] = [];
  for (const label of labels) {
    const ascii = labelToAscii(label);
    if (ascii === null) return null;
    out.push(ascii);
  }
  return out.join('.') + trailingDot;
}
