/**
 * Keeps docs/architecture.md true: each module imports only the modules its row allows, so
 * dependencies point one way (cli → engine → stores/downloader/spider/feeds → seen/frontier/
 * kv/fingerprint/url → contracts/errors/config).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

/** Module of a file under src/: its folder (stores/<backend> counts as one), or the file's name. */
function moduleOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return parts[0].replace(/\.ts$/, '');
  if (parts[0] === 'stores') return `stores/${parts[1]}`;
  return parts[0];
}

const BASE = ['contracts', 'errors'];
const ALLOWED: Record<string, string[]> = {
  contracts: [],
  errors: [],
  config: ['errors'],
  url: [...BASE],
  fingerprint: [...BASE, 'url'],
  kv: [...BASE],
  seen: [...BASE],
  frontier: [...BASE],
  'stores/memory': [...BASE, 'kv', 'seen', 'frontier'],
  'stores/jobdir': [...BASE, 'kv', 'seen', 'frontier'],
  'stores/redis': [...BASE, 'kv', 'seen', 'frontier'],
  downloader: [...BASE, 'config', 'url'],
  spider: [...BASE, 'config', 'url', 'fingerprint'],
  feeds: [...BASE],
};

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('module dependencies', () => {
  it('every import stays within what docs/architecture.md allows', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = moduleOf(file);
      const allowed = ALLOWED[from];
      if (allowed === undefined) continue; // engine, cli and index may import everything
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]);
        const to = moduleOf(target);
        if (to !== from && !allowed.includes(to)) violations.push(`${relative(SRC, file)} imports ${to}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('recognizes a forbidden import (the check itself works)', () => {
    assert.equal(moduleOf(join(SRC, 'stores', 'redis', 'lua', 'x.ts')), 'stores/redis');
    assert.equal(moduleOf(join(SRC, 'errors.ts')), 'errors');
    assert.ok(!ALLOWED.seen.includes('engine'));
  });
});
