/**
 * The one configuration schema: every setting's default, validation, environment variable and
 * documentation live together here, and the configuration is parsed once (`parseConfig`).
 * Nothing else in superfilter reads `process.env`.
 *
 * Precedence: defaults < environment (SUPERFILTER_*) < explicit values (CLI flags, API).
 */
import { ConfigError, ErrorCodes } from './errors.ts';

type Kind = 'int' | 'number' | 'boolean' | 'string' | 'list';

interface Field<T> {
  kind: Kind;
  default: T;
  env: string;
  doc: string;
  /** Extra validation after the kind check; returns a problem description or null. */
  // biome-ignore lint/suspicious/noExplicitAny: each field's check takes that field's own value type
  check?: (value: any) => string | null;
  choices?: readonly string[];
}

const nonNegative = (v: number) => (v >= 0 ? null : 'must be >= 0');
const positive = (v: number) => (v > 0 ? null : 'must be > 0');

/** The schema: one entry per setting. */
export const configSchema = {
  concurrency: { kind: 'int', default: 64, env: 'SUPERFILTER_CONCURRENCY', doc: 'Requests in flight at once, across all hosts.', check: positive },
  perHost: { kind: 'int', default: 8, env: 'SUPERFILTER_PER_HOST', doc: 'Requests in flight at once to one host (global across workers).', check: positive },
  delayMs: { kind: 'int', default: 0, env: 'SUPERFILTER_DELAY_MS', doc: 'Milliseconds between request starts to one host.', check: nonNegative },
  politenessSlackMs: {
    kind: 'int',
    default: 25,
    env: 'SUPERFILTER_POLITENESS_SLACK_MS',
    doc: 'With a per-host delay: leases are spaced by delay + this, and a request not sent within half of it after its lease is given back, so starts reach the server at least the delay apart.',
    check: nonNegative,
  },
  jitterMs: { kind: 'int', default: 0, env: 'SUPERFILTER_JITTER_MS', doc: 'Random extra delay per request, in [0, jitterMs).', check: nonNegative },
  autoThrottle: { kind: 'boolean', default: false, env: 'SUPERFILTER_AUTO_THROTTLE', doc: 'Adapt each host delay to its observed latency.' },
  maxPages: { kind: 'int', default: 0, env: 'SUPERFILTER_MAX_PAGES', doc: 'Stop after this many pages fetched (0: no limit).', check: nonNegative },
  maxDepth: { kind: 'int', default: 0, env: 'SUPERFILTER_MAX_DEPTH', doc: 'Do not follow links deeper than this (0: no limit).', check: nonNegative },
  scope: { kind: 'string', default: 'host', env: 'SUPERFILTER_SCOPE', doc: 'Which links to follow: host, domain (registrable), origin, any.', choices: ['host', 'domain', 'origin', 'any'] },
  ignoreRobots: { kind: 'boolean', default: false, env: 'SUPERFILTER_IGNORE_ROBOTS', doc: 'Do not fetch or obey robots.txt.' },
  userAgent: { kind: 'string', default: 'superfilter/0.1 (+https://github.com/superfilter/superfilter)', env: 'SUPERFILTER_USER_AGENT', doc: 'User-Agent header, also the robots.txt product token source.' },
  connectTimeoutMs: { kind: 'int', default: 10_000, env: 'SUPERFILTER_CONNECT_TIMEOUT_MS', doc: 'Connect timeout.', check: positive },
  idleTimeoutMs: { kind: 'int', default: 30_000, env: 'SUPERFILTER_IDLE_TIMEOUT_MS', doc: 'Longest silence while waiting for headers or body bytes.', check: positive },
  totalTimeoutMs: { kind: 'int', default: 60_000, env: 'SUPERFILTER_TOTAL_TIMEOUT_MS', doc: 'Longest time for one request, start to last body byte.', check: positive },
  maxBodyBytes: { kind: 'int', default: 10 * 1024 * 1024, env: 'SUPERFILTER_MAX_BODY_BYTES', doc: 'Cap on the decompressed body; reading stops past it.', check: positive },
  maxHeaderBytes: { kind: 'int', default: 64 * 1024, env: 'SUPERFILTER_MAX_HEADER_BYTES', doc: 'Cap on response header size.', check: positive },
  maxRedirects: { kind: 'int', default: 10, env: 'SUPERFILTER_MAX_REDIRECTS', doc: 'Redirect hops followed from one request.', check: nonNegative },
  maxUrlLength: { kind: 'int', default: 2083, env: 'SUPERFILTER_MAX_URL_LENGTH', doc: 'Longer URLs are dropped with SF_URL_TOO_LONG.', check: positive },
  maxLinksPerPage: { kind: 'int', default: 1000, env: 'SUPERFILTER_MAX_LINKS_PER_PAGE', doc: 'Links taken from one page at most.', check: positive },
  retries: { kind: 'int', default: 2, env: 'SUPERFILTER_RETRIES', doc: 'Retries for network errors, 5xx and 429.', check: nonNegative },
  retryBaseMs: { kind: 'int', default: 500, env: 'SUPERFILTER_RETRY_BASE_MS', doc: 'First retry backoff; doubles each time (Retry-After wins).', check: nonNegative },
  leaseMs: { kind: 'int', default: 120_000, env: 'SUPERFILTER_LEASE_MS', doc: 'How long a worker holds a request before others may take it back.', check: positive },
  maxDeliveries: { kind: 'int', default: 5, env: 'SUPERFILTER_MAX_DELIVERIES', doc: 'A request leased this many times without an outcome is retired.', check: positive },
  output: { kind: 'string', default: '', env: 'SUPERFILTER_OUTPUT', doc: 'Feed file; the format follows the extension (.jsonl, .csv, .json).' },
  statsJson: { kind: 'string', default: '', env: 'SUPERFILTER_STATS_JSON', doc: 'Write the final stats to this JSON file.' },
  logLevel: { kind: 'string', default: 'info', env: 'SUPERFILTER_LOG_LEVEL', doc: 'error, warn, info or debug.', choices: ['error', 'warn', 'info', 'debug'] },
  jobdir: { kind: 'string', default: '', env: 'SUPERFILTER_JOBDIR', doc: 'Job directory (default: .superfilter/<spider name>).' },
  store: { kind: 'string', default: 'jobdir', env: 'SUPERFILTER_STORE', doc: 'memory, jobdir or redis.', choices: ['memory', 'jobdir', 'redis'] },
  redis: { kind: 'string', default: '', env: 'SUPERFILTER_REDIS', doc: 'Redis URL (redis:// or rediss://) for fleet mode.' },
  crawlName: { kind: 'string', default: '', env: 'SUPERFILTER_CRAWL', doc: 'Name of a shared crawl in Redis (default: the spider name).' },
  resolve: { kind: 'list', default: [] as string[], env: 'SUPERFILTER_RESOLVE', doc: 'host:port:address entries, as curl --resolve.' },
} satisfies Record<string, Field<unknown>>;

type Schema = typeof configSchema;
type ValueOf<F> = F extends { kind: 'int' | 'number' } ? number : F extends { kind: 'boolean' } ? boolean : F extends { kind: 'list' } ? string[] : string;

/** The parsed configuration: one value per schema entry. */
export type Config = { readonly [K in keyof Schema]: ValueOf<Schema[K]> };

/** Raw input for `parseConfig`: any subset of settings, as values or strings. */
export type ConfigInput = { [K in keyof Schema]?: ValueOf<Schema[K]> | string | undefined };

function coerce(name: string, field: Field<unknown>, raw: unknown): unknown {
  const bad = (why: string) =>
    new ConfigError(ErrorCodes.CONFIG_INVALID, `setting "${name}": ${why} (got ${JSON.stringify(raw)})`, {
      details: { setting: name, value: raw },
    });
  switch (field.kind) {
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw bad('expected a number');
      if (field.kind === 'int' && !Number.isInteger(n)) throw bad('expected a whole number');
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no' || raw === '') return false;
      throw bad('expected true or false');
    }
    case 'list': {
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      throw bad('expected a list');
    }
    default: {
      if (typeof raw !== 'string') throw bad('expected a string');
      if (field.choices && !field.choices.includes(raw)) throw bad(`expected one of ${field.choices.join(', ')}`);
      return raw;
    }
  }
}

/**
 * Parses a configuration once: defaults, then `env` (SUPERFILTER_* variables), then `input`.
 * Throws ConfigError SF_CONFIG_INVALID naming the setting and the problem.
 */
export function parseConfig(input: ConfigInput = {}, env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(configSchema) as [string, Field<unknown>][]) {
    let value: unknown = field.default;
    const fromEnv = env[field.env];
    if (fromEnv !== undefined) value = coerce(name, field, fromEnv);
    const given = (input as Record<string, unknown>)[name];
    if (given !== undefined) value = coerce(name, field, given);
    const problem = field.check?.(value as never);
    if (problem) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `setting "${name}": ${problem} (got ${JSON.stringify(value)})`, {
        details: { setting: name, value },
      });
    }
    out[name] = value;
  }
  for (const key of Object.keys(input)) {
    if (!(key in configSchema)) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `unknown setting "${key}"`, { details: { setting: key } });
    }
  }
  return Object.freeze(out) as Config;
}

/** A Markdown table of every setting: name, default, environment variable, description. */
export function configReference(): string {
  const rows = Object.entries(configSchema).map(
    ([name, f]) => `| \`${name}\` | \`${JSON.stringify(f.default)}\` | \`${f.env}\` | ${f.doc} |`,
  );
  return ['| setting | default | env | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
