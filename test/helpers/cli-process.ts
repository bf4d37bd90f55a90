/**
 * Runs the CLI as a real child process (through tsx) and collects its output, for CLI tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
// By absolute URL, so a CLI run from another working directory still finds the TypeScript loader.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A running CLI process. */
export interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>;
}

/** Starts `superfilter <args>` with a clean environment (only PATH, plus `env`), in `options.cwd` if given. */
export function cli(args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}): Run {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>((resolve) => {
    child.on('exit', (code, signal) => setImmediate(() => resolve({ code, signal, stderr, stdout })));
  });
  return { child, done };
}

/** Polls `cond` every 25 ms until true; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

