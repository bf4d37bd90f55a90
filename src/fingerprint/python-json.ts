/**
 * A JSON writer byte-identical to Python's `json.dumps(obj, sort_keys=True)` with default
 * settings: `", "` and `": "` separators, `ensure_ascii` (every character outside space..`~`
 * written as a lower-case `\uXXXX` escape, astral characters as surrogate pairs, DEL included),
 * keys sorted by code point, floats as Python's `repr` writes them.
 *
 * Invariants: the output is ASCII; only JSON-like values are accepted (string, finite or
 * non-finite number, boolean, null, array, plain object); anything else is a TypeError, as
 * Python raises one.
 */

/** A value Python's json module can write. */
export type PythonJsonValue = string | number | boolean | null | PythonJsonValue[] | { [key: string]: PythonJsonValue };

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as Python's `json.dumps` writes it (with `ensure_ascii=True`). */
export function pythonJsonString(s: string): string {
  // Most strings need no escape; a native scan says so quickly (and flattens a concatenated
  // string once instead of walking it for every character).
  if (JSON_PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 34 && c !== 92) continue;
    if (i > start) out += s.slice(start, i);
    out += SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0');
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** A number as Python writes it: ints plainly, floats with `repr` (`1e-05`, `1e+16`, `1.0`). */
export function pythonJsonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return Object.is(n, -0) ? '-0.0' : String(n);
  // Same shortest digits as Python's repr; only the layout rules differ.
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** `json.dumps(value, sort_keys=True)` as Python writes it. */
export function pythonJsonDumps(value: PythonJsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      return pythonJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']';
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError('only plain objects are JSON serializable');
      const keys = Object.keys(value).sort(compareCodePoints);
      return '{' + keys.map((k) => pythonJsonString(k) + ': ' + pythonJsonDumps(value[k])).join(', ') + '}';
    }
    default:
      throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  }
}
