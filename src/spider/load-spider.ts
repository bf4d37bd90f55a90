/**
 * Loads a spider from a file: `superfilter crawl ./my-spider.ts`.
 *
 * TypeScript spider files run directly. Under the CLI (started with tsx) the import simply
 * works; from the built package, where no TypeScript loader is active, tsx's ESM hook is
 * registered when a `.ts` file fails to import, and the import is tried once more.
 *
 * Invariants: the module's default export or its `spider` export is used, in that order; it
 * may be a spider from `defineSpider` or a plain definition object (which is then validated).
 * Every failure is a SpiderError: SF_SPIDER_LOAD (missing file, import error, no spider
 * exported) or SF_SPIDER_INVALID (the definition is malformed), naming the path, with the
 * underlying error as `cause`.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, SpiderError, isSuperfilterError } from '../errors.ts';
import { type Spider, type SpiderDefinition, defineSpider, isSpider } from './define-spider.ts';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

let tsxRegistered: Promise<void> | undefined;

/** Registers tsx for both module systems (a `.ts` file outside a `"type": "module"` package is CommonJS). */
function registerTsx(): Promise<void> {
  tsxRegistered ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    esm.register();
    cjs.register();
  });
  return tsxRegistered;
}

function loadError(path: string, message: string, cause?: unknown): SpiderError {
  return new SpiderError(ErrorCodes.SPIDER_LOAD, `cannot load spider ${path}: ${message}`, { cause, details: { path } });
}

/**
 * Imports `abs`. A TypeScript file that fails to import while no loader of ours is registered
 * is tried once more after registering tsx: without a loader Node 20 either refuses the
 * extension or reads the file as JavaScript and stops at the first type annotation, so the
 * first error says nothing about the spider. A fresh query string avoids the cached failure.
 */
async function importFile(abs: string): Promise<Record<string, unknown>> {
  const href = pathToFileURL(abs).href;
  if (!TYPESCRIPT.has(extname(abs)) || tsxRegistered !== undefined) return (await import(href)) as Record<string, unknown>;
  try {
    return (await import(href)) as Record<string, unknown>;
  } catch {
    await registerTsx();
    return (await import(`${href}?with-tsx`)) as Record<string, unknown>;
  }
}

/**
 * Imports the spider file at `path` (relative to the working directory) and returns its
 * validated spider.
 */
export async function loadSpider(path: string): Promise<Spider> {
  const abs = resolve(path);
  try {
    const info = await stat(abs);
    if (!info.isFile()) throw loadError(path, 'not a file');
  } catch (error) {
    if (isSuperfilterError(error)) throw error;
    throw loadError(path, 'no such file', error);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importFile(abs);
  } catch (error) {
    throw loadError(path, (error as Error)?.message ?? String(error), error);
  }
  let exported = mod.default ?? mod.spider;
  // A TypeScript file compiled as CommonJS arrives wrapped: its exports object is the default.
  if (typeof exported === 'object' && exported !== null && !isSpider(exported) && !('parse' in exported)) {
    const wrapped = exported as Record<string, unknown>;
    if ('default' in wrapped || 'spider' in wrapped) exported = wrapped.default ?? wrapped.spider;
  }
  if (exported === undefined || exported === null) {
    throw loadError(path, 'the module exports no spider (export default defineSpider({...}) or export const spider = ...)');
  }
  if (isSpider(exported)) return exported;
  if (typeof exported !== 'object') throw loadError(path, `the exported spider is a ${typeof exported}, not a spider`);
  try {
    return defineSpider(exported as SpiderDefinition);
  } catch (error) {
    if (isSuperfilterError(error, ErrorCodes.SPIDER_INVALID)) {
      throw new SpiderError(ErrorCodes.SPIDER_INVALID, `${path}: ${error.message}`, { cause: error, details: { ...error.details, path } });
    }
    throw error;
  }
}
