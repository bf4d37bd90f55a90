/**
 * Opens the ioredis connection of a fleet worker: one server (`redis://`, `rediss://`) or a
 * Redis Cluster (`redis+cluster://host:port,host:port`, `rediss+cluster://...`).
 *
 * Invariants: commands never fail because the connection dropped: they wait in ioredis's
 * offline queue (`maxRetriesPerRequest: null`) while it reconnects with capped exponential
 * backoff, and every lost connection and every reconnection is logged. Commands that were
 * sent but not answered are sent again after reconnecting, so every script is idempotent.
 * The exception is a connection refused for a reason that no retry can change: a server
 * certificate that fails verification (SF_STORE_TLS) or a refused password (SF_STORE_AUTH).
 * Such a client is closed for good, and every command on it fails with that error.
 */
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { redactUrl } from './redact-url.ts';

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

/** True for `redis+cluster://` and `rediss+cluster://` URLs. */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url);
}

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** TLS options for `rediss://` URLs, e.g. `{ ca }` to trust a private CA; plain URLs ignore them. */
  tls?: ConnectionOptions;
}

/** Certificate verification failures (OpenSSL's names, as Node reports them): the same certificate fails again. */
const CERTIFICATE_CODES = new Set([
  'CERT_CHAIN_TOO_LONG',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** TLS alerts of a server that refuses this client's certificate, or the lack of one (`tls-auth-clients yes`). */
const CLIENT_CERTIFICATE_ALERT = /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE)$/;

/** Replies to AUTH / HELLO (or to the first command without them) that only a new password can change. */
const AUTH_REPLY = /^(WRONGPASS|NOAUTH)\b|^ERR invalid (password|username-password pair)/;

function certificateHint(code: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'connect with a host name or address the certificate lists';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return "renew the server's certificate (or check this machine's clock)";
  return 'to trust a private CA, start superfilter with NODE_EXTRA_CA_CERTS=/path/to/ca.pem (docs/fleet.md, "TLS and passwords")';
}

/**
 * The StoreError a connection error amounts to when retrying cannot help: SF_STORE_TLS for a
 * server certificate that fails verification, SF_STORE_AUTH for a refused user or password.
 * Null for everything worth retrying (refused or reset connections, timeouts, LOADING, ...).
 */
export function fatalConnectionError(error: unknown, label: string): StoreError | null {
  // A cluster reports a failed slots refresh with the last node's error attached.
  const candidates = [error, (error as { lastNodeError?: unknown } | null)?.lastNodeError];
  for (const e of candidates) {
    if (!(e instanceof Error)) continue;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
      return new StoreError(ErrorCodes.STORE_TLS, `redis ${label}: the server's TLS certificate was rejected (${code}: ${e.message}); ${certificateHint(code)}`, {
        cause: e,
        details: { tlsCode: code },
      });
    }
    if (typeof code === 'string' && CLIENT_CERTIFICATE_ALERT.test(code)) {
      return new StoreError(
        ErrorCodes.STORE_TLS,
        `redis ${label}: the server wants a client certificate it accepts (${code}); the CLI sends none: run Redis with tls-auth-clients no or optional`,
        { cause: e, details: { tlsCode: code } },
      );
    }
    if (AUTH_REPLY.test(e.message)) {
      return new StoreError(ErrorCodes.STORE_AUTH, `redis ${label}: authentication failed (${e.message}); check the user and password in the URL`, { cause: e });
    }
  }
  return null;
}

/** How a client created here ended for good, if it did. */
interface Fate {
  failure?: StoreError;
  /** Calls waiting on the client, to fail at once when it ends for good. */
  waiting: Set<(failure: StoreError) => void>;
}

const fates = new WeakMap<Redis | Cluster, Fate>();

/** The error that closed `client` for good (see {@link fatalConnectionError}), if any. */
export function connectionFailure(client: Redis | Cluster): StoreError | undefined {
  return fates.get(client)?.failure;
}

/**
 * Runs `fn` on `client` and fails with the reason the client was closed for good (SF_STORE_TLS,
 * SF_STORE_AUTH) once there is one: rather than the "Connection is closed." its commands see,
 * and even when a command is left waiting (a cluster closed while it had no node keeps its
 * queue). Clients not created by {@link createRedisClient} just run `fn`.
 */
export function withConnectionFailure<T>(client: Redis | Cluster, fn: () => Promise<T>): Promise<T> {
  const fate = fates.get(client);
  if (fate === undefined) return fn();
  if (fate.failure) return Promise.reject(fate.failure);
  let running: Promise<T>;
  try {
    running = fn();
  } catch (error) {
    return Promise.reject(error);
  }
  // Not Promise.race with one long-lived promise: every call would stay attached to it.
  return new Promise<T>((resolve, reject) => {
    fate.waiting.add(reject);
    running.then(resolve, (error: unknown) => reject(fate.failure ?? error)).finally(() => fate.waiting.delete(reject));
  });
}

/** Logs the connection's losses and recoveries and closes it on a fatal error; returns its error handler. */
function watchConnection(client: Redis | Cluster, label: string, log: RedisLog): (error: Error) => void {
  const fate: Fate = { waiting: new Set() };
  fates.set(client, fate);
  let lost = false;
  const onError = (error: Error) => {
    if (fate.failure) return;
    const failure = fatalConnectionError(error, label);
    if (failure !== null) {
      fate.failure = failure;
      log('error', `${failure.code}: ${failure.message}; not retrying`);
      for (const reject of fate.waiting) reject(failure);
      // Ends the reconnect loop for good.
      client.disconnect();
      return;
    }
    if (!lost) log('warn', `redis ${label}: ${error.message}`);
  };
  client.on('error', onError);
  // A cluster reports its nodes' errors apart from its own; only the fatal ones matter here
  // (the cluster reports an outage itself).
  if (client instanceof Cluster) client.on('node error', (error: Error) => fatalConnectionError(error, label) && onError(error));
  client.on('reconnecting', (ms: number) => {
    lost = true;
    log('warn', `redis ${label}: connection lost; reconnecting in ${ms} ms (work waits, nothing is dropped)`);
  });
  client.on('ready', () => {
    if (lost) log('info', `redis ${label}: reconnected`);
    lost = false;
  });
  return onError;
}

/** Opens a client for `url`; the caller owns it (quit it when done). */
export function createRedisClient(url: string, log: RedisLog = stderrLog, options: RedisClientOptions = {}): Redis | Cluster {
  const label = redactUrl(url);
  const tls = /^rediss/i.test(url);
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (attempt: number) => reconnectDelay(attempt),
    // A failover leaves writes on a replica: reconnect and send the command again.
    reconnectOnError: (error: Error) => (/READONLY|LOADING|MASTERDOWN/.test(error.message) ? 2 : false),
    ...(tls && options.tls ? { tls: options.tls } : {}),
  };
  let client: Redis | Cluster;
  let firstNode: { host: string; port: number } | undefined;
  if (isClusterUrl(url)) {
    // WHATWG URL parsing refuses a host list: read user, password and nodes by hand.
    const m = /^rediss?\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)/i.exec(url);
    if (!m) throw new StoreError(ErrorCodes.STORE_UNAVAILABLE, `not a Redis Cluster URL: ${label}`);
    const nodes = m[3].split(',').map((hostPort) => {
      const [host, port] = splitHostPort(hostPort);
      return { host, port };
    });
    firstNode = nodes[0];
    client = new Cluster(nodes, {
      clusterRetryStrategy: (attempt: number) => reconnectDelay(attempt),
      enableOfflineQueue: true,
      redisOptions: {
        ...common,
        username: m[1] ? decodeURIComponent(m[1]) : undefined,
        password: m[2] ? decodeURIComponent(m[2]) : undefined,
        ...(tls ? { tls: options.tls ?? {} } : {}),
      },
    });
  } else if (/^rediss?:\/\//i.test(url)) {
    client = new Redis(url, common);
  } else {
    throw new StoreError(ErrorCodes.STORE_UNAVAILABLE, `not a Redis URL: ${label} (use redis://, rediss:// or redis+cluster://)`);
  }
  const onError = watchConnection(client, label, log);
  if (tls && firstNode !== undefined) checkCertificate(firstNode, options.tls, onError);
  return client;
}

/**
 * Checks a cluster node's certificate on a connection of its own. ioredis discards the errors
 * of the connection that reads the cluster's slots, so a certificate it rejects would only be
 * retried, never reported; this check reports it (and only a fatal error) to `onError`.
 */
function checkCertificate(node: { host: string; port: number }, tls: ConnectionOptions | undefined, onError: (error: Error) => void): void {
  const socket = tlsConnect({ ...tls, host: node.host, port: node.port });
  socket.setTimeout(10_000, () => socket.destroy());
  socket.once('secureConnect', () => socket.destroy());
  socket.once('error', (error) => {
    socket.destroy();
    // An outage is the cluster's to report and wait out.
    if (fatalConnectionError(error, '') !== null) onError(error);
  });
}

function splitHostPort(text: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  return [m?.[1] || '127.0.0.1', Number(m?.[2] ?? 6379)];
}
