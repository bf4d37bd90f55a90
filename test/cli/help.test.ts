import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from '../helpers/cli-process.ts';

describe('superfilter help and bad arguments', () => {
  it('every command has help that exits 0 and describes each option', async () => {
    const commands = [[], ['crawl'], ['demo'], ['fingerprint'], ['status'], ['export'], ['fleet-status'], ['bench', 'seen']];
    const runs = await Promise.all(commands.map((c) => cli([...c, '--help']).done));
    runs.forEach(({ code, stdout, stderr }, i) => {
      const name = commands[i].join(' ') || '(program)';
      assert.equal(code, 0, `${name}: ${stderr}`);
      assert.match(stdout, /^Usage: superfilter/, name);
      // Every option line carries a description (commander prints a bare flag otherwise).
      for (const line of stdout.split('\n')) {
        if (/^ {2}-/.test(line)) assert.match(line, /^ {2}\S.*\S {2,}\S/, `${name}: option without a description: ${line}`);
      }
    });
    const crawl = runs[1].stdout.replace(/\s+/g, ' ');
    for (const flag of ['--output', '--concurrency', '--per-host', '--delay', '--max-pages', '--depth', '--scope', '--resolve', '--ignore-robots', '--stats-json', '--log-level', '--auto-throttle']) {
      assert.ok(crawl.includes(flag), `crawl --help lacks ${flag}`);
    }
    assert.match(crawl, /--concurrency <n> requests in flight at once, across all hosts \(default 64\)/);
    assert.match(crawl, /Exit codes: 0 done, 1 failed while running, 2 bad arguments, 130 aborted/);
    assert.match(crawl, /--scope <scope> which links to follow, relative to the start URLs \(default host\)/);
    assert.match(runs[2].stdout, /\.superfilter\/demo\/demo-items\.jsonl/);
  });

  it('bad arguments exit 2 with one line naming the flag and a stable code', async () => {
    const cases: [string[], RegExp][] = [
      [['crawl', 'http://127.0.0.1:1/', '--delay', 'soon'], /^superfilter: SF_CONFIG_INVALID: --delay: expected a number \(got "soon"\)$/m],
      [['crawl', 'http://127.0.0.1:1/', '--max-pages', '-3'], /^superfilter: SF_CONFIG_INVALID: --max-pages: must be >= 0 \(got -3\)$/m],
      [['crawl', 'http://127.0.0.1:1/', '--set', 'retries=many'], /^superfilter: SF_CONFIG_INVALID: --set retries: expected a number/m],
      [['crawl', 'http://127.0.0.1:1/', '--set', 'noSuchSetting=1'], /^superfilter: SF_ARGS_INVALID: --set expects name=value/m],
      [['crawl', 'http://127.0.0.1:1/', '--log-level', 'loud'], /^superfilter: SF_ARGS_INVALID: option '--log-level <level>' argument 'loud' is invalid/m],
      [['crawl', 'http://127.0.0.1:1/', '--bogus'], /^superfilter: SF_ARGS_INVALID: unknown option '--bogus'$/m],
      [['crawl'], /^superfilter: SF_ARGS_INVALID: missing required argument 'target'$/m],
      [['nonsense'], /^superfilter: SF_ARGS_INVALID: unknown command 'nonsense'$/m],
      [['crawl', 'mailto:x@example.com'], /^superfilter: SF_ARGS_INVALID: "mailto:x@example.com" is neither an http\(s\) URL nor an existing spider file$/m],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args).done));
    cases.forEach(([args, message], i) => {
      const { code, stderr } = runs[i];
      assert.equal(code, 2, `${args.join(' ')} → ${code}: ${stderr}`);
      assert.match(stderr, message, args.join(' '));
      assert.ok(!/\n\s+at /.test(stderr), `no stack trace: ${stderr}`);
    });
  });
});
