/**
 * robots.txt per RFC 9309: parsing into groups, picking the group for a product token, and
 * matching a URL path against allow/disallow rules.
 *
 * Invariants: only the first 500 KiB of a file are parsed (a line cut by the limit is dropped,
 * so a truncated rule never applies); rules outside any group are ignored; groups naming the
 * same agent are merged; the most specific (longest) matching rule wins and allow wins ties;
 * `/robots.txt` itself is always allowed. Paths and patterns are compared in one normal form:
 * percent-encoded unreserved characters decoded, other escapes upper-cased, non-ASCII octets
 * percent-encoded as UTF-8. Crawl-delay (non-standard) and Sitemap lines are kept.
 */

/** RFC 9309 requires parsing at least 500 KiB; content past it is ignored. */
export const ROBOTS_PARSE_LIMIT = 500 * 1024;

/** One allow or disallow rule, compiled for matching. */
export interface RobotsRule {
  allow: boolean;
  /** The pattern in normal form, as written (with `*` and a final `$`). */
  pattern: string;
  /** Literal pieces between `*` wildcards. */
  parts: string[];
  /** Pattern ended with `$`: the path must end where the pattern ends. */
  anchored: boolean;
}

/** A group: the user agents it names and its members. */
export interface RobotsGroup {
  /** Lower-case product tokens, or `*`. */
  agents: string[];
  rules: RobotsRule[];
  /** Crawl-delay in seconds, if the group sets one. */
  crawlDelaySec?: number;
}

const KEYS: Record<string, 'user-agent' | 'allow' | 'disallow' | 'sitemap' | 'crawl-delay'> = {
  'user-agent': 'user-agent',
  useragent: 'user-agent',
  'user agent': 'user-agent',
  allow: 'allow',
  disallow: 'disallow',
  dissallow: 'disallow',
  dissalow: 'disallow',
  disalow: 'disallow',
  diasllow: 'disallow',
  disallaw: 'disallow',
  sitemap: 'sitemap',
  'site-map': 'sitemap',
  'crawl-delay': 'crawl-delay',
  crawldelay: 'crawl-delay',
};

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const HEX = '0123456789ABCDEF';

function encodeByte(byte: number): string {
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * Puts a path (or, with `pattern`, a rule pattern) in the normal form used for matching.
 * In a URL path `*` and `$` are literal and become %2A / %24, the form a pattern spells them in.
 */
export function normalizeRobotsPath(input: string, pattern = false): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    const code = input.charCodeAt(i);
    if (ch === '%' && i + 2 < input.length && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      const byte = Number.parseInt(input.slice(i + 1, i + 3), 16);
      const decoded = String.fromCharCode(byte);
      out += byte < 0x80 && UNRESERVED.test(decoded) ? decoded : encodeByte(byte);
      i += 2;
    } else if (code > 0x7e || code <= 0x20) {
      const cp = input.codePointAt(i) ?? code;
      if (cp > 0xffff) i++;
      for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += encodeByte(byte);
    } else if (!pattern && (ch === '*' || ch === '$')) {
      out += encodeByte(code);
    } else {
      out += ch;
    }
  }
  return out;
}

function compileRule(allow: boolean, raw: string): RobotsRule {
  let text = normalizeRobotsPath(raw, true);
  const anchored = text.endsWith('$');
  if (anchored) text = text.slice(0, -1);
  // A `$` anywhere else is an ordinary character, spelled as a URL path would be normalized.
  text = text.replaceAll('$', '%24');
  return { allow, pattern: anchored ? `${text}$` : text, parts: text.split('*'), anchored };
}

/** True when `rule` matches the normalized `path` from its first octet. */
export function ruleMatches(rule: RobotsRule, path: string): boolean {
  const { parts, anchored } = rule;
  const first = parts[0];
  if (parts.length === 1) return anchored ? path === first : path.startsWith(first);
  if (!path.startsWith(first)) return false;
  let pos = first.length;
  // Leftmost matching of each middle piece is optimal for `*`-only globs: linear, no backtracking.
  for (let i = 1; i < parts.length - 1; i++) {
    const at = path.indexOf(parts[i], pos);
    if (at < 0) return false;
    pos = at + parts[i].length;
  }
  const last = parts[parts.length - 1];
  if (!anchored) return path.indexOf(last, pos) >= 0;
  return path.length - last.length >= pos && path.endsWith(last);
}

/**
 * The product token of a User-Agent header: its leading run of letters, `-` and `_`
 * (`superfilter/0.1 (+https://…)` → `superfilter`), lower-case.
 */
export function productTokenOf(userAgent: string): string {
  return (/^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? '').toLowerCase();
}

function agentOf(value: string): string {
  if (value.startsWith('*') && (value.length === 1 || /\s/.test(value[1]))) return '*';
  return productTokenOf(value);
}

function pathOf(urlOrPath: string): string {
  if (urlOrPath.startsWith('/')) return urlOrPath;
  try {
    const url = new URL(urlOrPath);
    return `${url.pathname}${url.search}`;
  } catch {
    return urlOrPath;
  }
}

/** The rules that apply to one crawler: the merged matching groups, or none. */
export class RobotsRules {
  /** Allow and disallow rules of the merged groups, in file order. */
  readonly rules: readonly RobotsRule[];
  /** Largest crawl-delay of the merged groups, in milliseconds, or null. */
  readonly crawlDelayMs: number | null;

  constructor(groups: readonly RobotsGroup[]) {
    this.rules = groups.flatMap((g) => g.rules);
    const delays = groups.map((g) => g.crawlDelaySec).filter((d): d is number => d !== undefined);
    this.crawlDelayMs = delays.length === 0 ? null : Math.round(Math.max(...delays) * 1000);
  }

  /** True when the URL (or an absolute path with query) may be fetched. */
  isAllowed(urlOrPath: string): boolean {
    const raw = pathOf(urlOrPath) || '/';
    const path = normalizeRobotsPath(raw);
    if (path === '/robots.txt') return true;
    let allowLen = -1;
    let disallowLen = -1;
    for (const rule of this.rules) {
      const len = rule.pattern.length;
      if (rule.allow ? len <= allowLen : len <= disallowLen) continue;
      if (!ruleMatches(rule, path)) continue;
      if (rule.allow) allowLen = len;
      else disallowLen = len;
    }
    return disallowLen <= allowLen;
  }
}

/** A parsed robots.txt. */
export class RobotsTxt {
  /** Every group, in file order. */
  readonly groups: readonly RobotsGroup[];
  /** Sitemap URLs, in file order. */
  readonly sitemaps: readonly string[];

  private constructor(groups: RobotsGroup[], sitemaps: string[]) {
    this.groups = groups;
    this.sitemaps = sitemaps;
  }

  /** Parses a robots.txt body (bytes are read as UTF-8); past 500 KiB the content is ignored. */
  static parse(input: string | Uint8Array): RobotsTxt {
    let bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (bytes.length > ROBOTS_PARSE_LIMIT) {
      bytes = bytes.subarray(0, ROBOTS_PARSE_LIMIT);
      // Drop the line the limit cut: a truncated rule could mean something else entirely.
      const lastBreak = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d));
      bytes = bytes.subarray(0, lastBreak + 1);
    }
    let text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

    const groups: RobotsGroup[] = [];
    const sitemaps: string[] = [];
    let current: RobotsGroup | null = null;
    let inAgentList = false;
    for (const rawLine of text.split(/\r\n|\r|\n/)) {
      const hash = rawLine.indexOf('#');
      const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
      if (line === '') continue;
      let key: string;
      let value: string;
      const colon = line.indexOf(':');
      if (colon >= 0) {
        key = line.slice(0, colon).trim().toLowerCase();
        value = line.slice(colon + 1).trim();
      } else {
        // A missing colon is common ("Disallow /x"); accept it when the line is exactly two words.
        const words = line.split(/\s+/);
        if (words.length !== 2) continue;
        key = words[0].toLowerCase();
        value = words[1];
      }
      const kind = KEYS[key];
      if (kind === 'sitemap') {
        if (value !== '') sitemaps.push(value);
      } else if (kind === 'user-agent') {
        if (!inAgentList || current === null) {
          current = { agents: [], rules: [] };
          groups.push(current);
          inAgentList = true;
        }
        const agent = agentOf(value);
        if (agent !== '') current.agents.push(agent);
      } else if (kind === 'allow' || kind === 'disallow') {
        inAgentList = false;
        if (current !== null && value !== '') current.rules.push(compileRule(kind === 'allow', value));
      } else if (kind === 'crawl-delay') {
        inAgentList = false;
        const seconds = Number(value);
        if (current !== null && value !== '' && Number.isFinite(seconds) && seconds >= 0) current.crawlDelaySec = seconds;
      }
    }
    return new RobotsTxt(groups, sitemaps);
  }

  /** The rules for a product token (case-insensitive): its own groups merged, else `*` groups, else none. */
  rulesFor(productToken: string): RobotsRules {
    const token = productToken.toLowerCase();
    const own = token === '' ? [] : this.groups.filter((g) => g.agents.includes(token));
    return new RobotsRules(own.length > 0 ? own : this.groups.filter((g) => g.agents.includes('*')));
  }

  /** Shorthand: is `urlOrPath` allowed for `productToken`. */
  isAllowed(urlOrPath: string, productToken: string): boolean {
    return this.rulesFor(productToken).isAllowed(urlOrPath);
  }
}
