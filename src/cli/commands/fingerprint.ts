/**
 * `superfilter fingerprint <url>`: prints the canonical URL a request's fingerprint covers and
 * the fingerprint itself, as Scrapy would compute them.
 *
 * Invariants: stdout gets exactly two labelled lines on success; on a bad URL stderr gets
 * `error SF_...: message` and the exit code is 2; nothing is thrown to the caller.
 */
import type { Command } from 'commander';
import { isSuperfilterError } from '../../errors.ts';
import { fingerprintHex, fingerprintUrl } from '../../fingerprint/fingerprint.ts';

interface FingerprintCommandOptions {
  method: string;
  body?: string;
  keepFragments?: boolean;
  includeHeader?: string[];
  header?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the `fingerprint` command to a commander program. */
export function registerFingerprintCommand(program: Command): void {
  program
    .command('fingerprint')
    .description('print the canonical URL and the Scrapy-compatible fingerprint of a request')
    .argument('<url>', 'request URL (http or https)')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--body <body>', 'request body (UTF-8 text)')
    .option('--keep-fragments', 'keep the #fragment in the canonical URL')
    .option('--include-header <name>', 'header name to include in the fingerprint (repeatable)', collect)
    .option('--header <name:value>', 'request header, "Name: value" (repeatable)', collect)
    .action((url: string, options: FingerprintCommandOptions) => {
      try {
        const headers: Record<string, string[]> = {};
        for (const line of options.header ?? []) {
          const colon = line.indexOf(':');
          const name = colon < 0 ? line.trim() : line.slice(0, colon).trim();
          const value = colon < 0 ? '' : line.slice(colon + 1).trim();
          (headers[name] ??= []).push(value);
        }
        const request = { url, method: options.method, body: options.body, headers };
        const fpOptions = { includeHeaders: options.includeHeader ?? [], keepFragments: options.keepFragments === true };
        const canonical = fingerprintUrl(url, fpOptions.keepFragments);
        const hex = fingerprintHex(request, fpOptions);
        process.stdout.write(`canonical-url: ${canonical}\nfingerprint: ${hex}\n`);
      } catch (error) {
        if (!isSuperfilterError(error)) throw error;
        process.stderr.write(`error ${error.code}: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
}
