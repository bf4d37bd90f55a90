/**
 * Loads the Lua scripts of lua/ and defines them as commands on an ioredis client or cluster.
 *
 * Host scripts are `host-lib.lua` + the script; crawl scripts `crawl-lib.lua` + the script.
 * ioredis runs them with EVALSHA and falls back to EVAL after a NOSCRIPT (a restarted server),
 * so nothing needs loading up front.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

/** Script name → number of keys it declares. */
const HOST_SCRIPTS = ['host-seen', 'host-push', 'host-lease', 'host-ack', 'host-release', 'host-expire', 'host-policy', 'host-summary'] as const;
const CRAWL_SCRIPTS = ['crawl-report', 'crawl-claim', 'crawl-due'] as const;

/** A script's reply: strings and nested arrays of strings. */
export type ScriptReply = string[];

/** The commands the store calls: keys first, then arguments. */
export type ScriptRunner = (keys: readonly string[], args: readonly (string | number)[]) => Promise<ScriptReply>;

/** Every script of the store, bound to one client. */
export type RedisScripts = Record<(typeof HOST_SCRIPTS)[number] | (typeof CRAWL_SCRIPTS)[number], ScriptRunner>;

/** The folder holding the .lua files: beside this module, or in the package's src/ when run from dist/. */
function luaDir(): string {
  const candidates = [new URL('./lua/', import.meta.url), new URL('../../../src/stores/redis/lua/', import.meta.url)];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(`${path}host-lib.lua`)) return path;
  }
  return fileURLToPath(candidates[0]);
}

let sources: Map<string, string> | undefined;

/** The full source of every script (library prepended), read once per process. */
export function scriptSources(): Map<string, string> {
  if (sources) return sources;
  const dir = luaDir();
  const read = (name: string) => readFileSync(`${dir}${name}.lua`, 'utf8');
  const hostLib = read('host-lib');
  const crawlLib = read('crawl-lib');
  const map = new Map<string, string>();
  for (const name of HOST_SCRIPTS) map.set(name, `${hostLib}\n${read(name)}`);
  for (const name of CRAWL_SCRIPTS) map.set(name, `${crawlLib}\n${read(name)}`);
  sources = map;
  return map;
}

/** Defines every script on `client` and returns callable runners. */
export function defineScripts(client: Redis | Cluster): RedisScripts {
  const out: Partial<RedisScripts> = {};
  const callable = client as unknown as Record<string, (...args: (string | number)[]) => Promise<ScriptReply>>;
  for (const [name, lua] of scriptSources()) {
    const command = `sf_${name.replace(/-/g, '_')}`;
    const keys = name.startsWith('host-') ? 8 : 4;
    if (typeof callable[command] !== 'function') client.defineCommand(command, { numberOfKeys: keys, lua });
    out[name as keyof RedisScripts] = (k, a) => callable[command](...k, ...a);
  }
  return out as RedisScripts;
}
