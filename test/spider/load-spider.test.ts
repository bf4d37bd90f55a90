import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ErrorCodes, SpiderError } from '../../src/errors.ts';
import { isSpider } from '../../src/spider/define-spider.ts';
import { loadSpider } from '../../src/spider/load-spider.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const defineSpiderUrl = pathToFileURL(join(root, 'src/spider/define-spider.ts')).href;
let dir: string;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function isLoadError(code: string, pattern: RegExp) {
  return (e: unknown) => e instanceof SpiderError && e.code === code && pattern.test(e.message);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-load-spider-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadSpider', () => {
  it('loads a TypeScript default export made with defineSpider', async () => {
    const path = write(
      'default-spider.ts',
      `import { defineSpider } from ${JSON.stringify(defineSpiderUrl)};
       interface Quote { text: string }
       const first: Quote = { text: 'typed' };
       export default defineSpider({ name: 'typed', startUrls: ['http://a.example/'], parse: () => [first] });`,
    );
    const spider = await loadSpider(path);
    assert.equal(isSpider(spider), true);
    assert.equal(spider.name, 'typed');
  });

  it('loads a named `spider` export given as a plain definition, resolving relative paths', async () => {
    const path = write(
      'named-spider.ts',
      `const seeds: string[] = ['http://b.example/'];
       export const spider = { name: 'plain', startUrls: seeds, parse: () => [] };`,
    );
    const spider = await loadSpider(relative(process.cwd(), path));
    assert.equal(isSpider(spider), true);
    assert.equal(spider.name, 'plain');
  });

  it('fails with SF_SPIDER_LOAD naming the path for a missing file', async () => {
    await assert.rejects(loadSpider(join(dir, 'missing.ts')), isLoadError(ErrorCodes.SPIDER_LOAD, /missing\.ts: no such file/));
    await assert.rejects(loadSpider(dir), isLoadError(ErrorCodes.SPIDER_LOAD, /not a file/));
  });

  it('fails with SF_SPIDER_LOAD and the cause for a module that does not compile or throws', async () => {
    const broken = write('broken.ts', 'export default {{{ nope');
    await assert.rejects(loadSpider(broken), (e: unknown) => isLoadError(ErrorCodes.SPIDER_LOAD, /broken\.ts/)(e) && (e as Error).cause !== undefined);
    const throwing = write('throwing.ts', "throw new Error('top-level failure'); export {};");
    await assert.rejects(loadSpider(throwing), isLoadError(ErrorCodes.SPIDER_LOAD, /throwing\.ts: top-level failure/));
  });

  it('fails with SF_SPIDER_LOAD when nothing usable is exported', async () => {
    await assert.rejects(loadSpider(write('empty.ts', 'export const other = 1;')), isLoadError(ErrorCodes.SPIDER_LOAD, /exports no spider/));
    await assert.rejects(loadSpider(write('number.ts', 'export default 42;')), isLoadError(ErrorCodes.SPIDER_LOAD, /is a number/));
  });

  it('fails with SF_SPIDER_INVALID naming the path for a malformed definition', async () => {
    const path = write('invalid.ts', "export default { name: 'bad name!', startUrls: ['http://a.example/'], parse() {} };");
    await assert.rejects(loadSpider(path), isLoadError(ErrorCodes.SPIDER_INVALID, /invalid\.ts: spider "bad name!": name must be/));
  });
});

describe('loadSpider without a TypeScript loader (the built package)', () => {
  it('registers tsx itself and loads a .ts spider', () => {
    // Build src/ to plain JavaScript (transpile only), as the published package ships it.
    const out = join(dir, 'build');
    const walk = (from: string): string[] =>
      readdirSync(from).flatMap((name) => {
        const path = join(from, name);
        return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
      });
    for (const sub of ['errors.ts', 'config.ts', 'contracts.ts', 'spider', 'url']) {
      const from = join(root, 'src', sub);
      for (const file of statSync(from).isDirectory() ? walk(from) : [from]) {
        const js = ts.transpileModule(readFileSync(file, 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true },
        }).outputText;
        const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, js);
      }
    }
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
    const spiderPath = write('plain-spider.ts', "const n: string = 'no-loader'; export default { name: n, startUrls: ['http://c.example/'], parse: () => [] };");
    const runner = join(out, 'run.mjs');
    writeFileSync(
      runner,
      `import { loadSpider } from './src/spider/load-spider.js';
       const spider = await loadSpider(process.argv[2]);
       for await (const r of spider.startRequests()) console.log(spider.name, r.url);`,
    );
    const child = spawnSync(process.execPath, [runner, spiderPath], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout.trim(), 'no-loader http://c.example/');
    assert.equal(child.status, 0);
  });
});
