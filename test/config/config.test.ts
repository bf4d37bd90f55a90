import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configReference, parseConfig } from '../../src/config.ts';
import { ConfigError, ErrorCodes } from '../../src/errors.ts';

describe('parseConfig', () => {
  it('applies defaults, then environment, then explicit input', () => {
    const base = parseConfig({}, {});
    assert.equal(base.concurrency, 64);
    const env = parseConfig({}, { SUPERFILTER_CONCURRENCY: '12', SUPERFILTER_IGNORE_ROBOTS: 'true' });
    assert.equal(env.concurrency, 12);
    assert.equal(env.ignoreRobots, true);
    const explicit = parseConfig({ concurrency: '5' }, { SUPERFILTER_CONCURRENCY: '12' });
    assert.equal(explicit.concurrency, 5);
  });

  it('rejects bad values with SF_CONFIG_INVALID naming the setting', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ concurrency: 'lots' }, /concurrency.*number/],
      [{ concurrency: 0 }, /concurrency.*> 0/],
      [{ delayMs: 1.5 }, /delayMs.*whole number/],
      [{ scope: 'planet' }, /scope.*host, domain, origin, any/],
      [{ nonsense: 1 }, /unknown setting "nonsense"/],
    ];
    for (const [input, pattern] of cases) {
      assert.throws(
        () => parseConfig(input as never, {}),
        (e: unknown) => e instanceof ConfigError && e.code === ErrorCodes.CONFIG_INVALID && pattern.test(e.message),
      );
    }
  });

  it('splits list settings and documents every setting', () => {
    const c = parseConfig({ resolve: 'a.test:80:127.0.0.1, b.test:80:127.0.0.2' }, {});
    assert.deepEqual(c.resolve, ['a.test:80:127.0.0.1', 'b.test:80:127.0.0.2']);
    const table = configReference();
    assert.match(table, /\| `perHost` \| `8` \| `SUPERFILTER_PER_HOST` \|/);
  });
});
