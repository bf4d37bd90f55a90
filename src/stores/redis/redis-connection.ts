/**
 * Opens the ioredis connection of a fleet worker: one server (`redis://`, `rediss://`) or a
 * Redis Cluster (`redis+cluster://host:port,host:port`, `rediss+cluster://...`).
 *
 * Invariants: commands never fail because the connection dropped: they wait in ioredis's
 * offline queue (`maxRetriesPerRequest: null`) while it reconnects with capped exponential
 * backoff, and every lost connection and every reconnection is logged. Commands that were
 * sent but not answered are sent again after reconnecting, so every script is idempotent.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ErrorCodes, StoreError } from '../../errors.ts';

/** Where the store writes its operational log lines. */
export type RedisLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** The default log: one line on stderr. */
export const stderrLog: RedisLog = (level, message) => {
  process.stderr.write(`${new Date().toISOString()} [${level}] ${message}\n`);
};

/** Backoff before reconnect attempt `attempt` (1-based): 100 ms doubling, capped at 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt - 1, 6));
}

/** The URL with its password hidden, for log lines. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** True for `redis+cluster://` and `rediss+cluster://` URLs. */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url);
}

function connectionLog(client: Redis | Cluster, label: string, log: RedisLog): void {
  let lost = false;
  client.on('error', (error: Error) => {
    if (!lost) log('warn', `redis ${label}: ${error.message}`);
  });
  client.on('reconnecting', (ms: number) => {
    lost = true;
    log('warn', `redis ${label}: connection lost; reconnecting in ${ms} ms (work waits, nothing is dropped)`);
  });
  client.on('ready', () => {
    if (lost) log('info', `redis ${label}: reconnected`);
    lost = false;
  });
}

/** Opens a client for `url`; the caller owns it (quit it when done). */
export function createRedisClient(url: string, log: RedisLog = stderrLog): Redis | Cluster {
  const label = redactUrl(url);
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (attempt: number) => reconnectDelay(attempt),
    // A failover leaves writes on a replica: reconnect and send the command again.
    reconnectOnError: (error: Error) => (/READONLY|LOADING|MASTERDOWN/.test(error.message) ? 2 : false),
  };
  let client: Redis | Cluster;
  if (isClusterUrl(url)) {
    // WHATWG URL parsing refuses a host list: read user, password and nodes by hand.
    const m = /^rediss?\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)/i.exec(url);
    if (!m) throw new StoreError(ErrorCodes.STORE_UNAVAILABLE, `not a Redis Cluster URL: ${label}`);
    const tls = /^rediss/i.test(url);
    const nodes = m[3].split(',').map((hostPort) => {
      const [host, port] = splitHostPort(hostPort);
      return { host, port };
    });
    client = new Cluster(nodes, {
      clusterRetryStrategy: (attempt: number) => reconnectDelay(attempt),
      enableOfflineQueue: true,
      redisOptions: {
        ...common,
        username: m[1] ? decodeURIComponent(m[1]) : undefined,
        password: m[2] ? decodeURIComponent(m[2]) : undefined,
        ...(tls ? { tls: {} } : {}),
      },
    });
  } else if (/^rediss?:\/\//i.test(url)) {
    client = new Redis(url, common);
  } else {
    throw new StoreError(ErrorCodes.STORE_UNAVAILABLE, `not a Redis URL: ${label} (use redis://, rediss:// or redis+cluster://)`);
  }
  connectionLog(client, label, log);
  return client;
}

function splitHostPort(text: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  return [m?.[1] || '127.0.0.1', Number(m?.[2] ?? 6379)];
}
