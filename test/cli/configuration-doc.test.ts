import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configReference } from '../../src/config.ts';

describe('docs/configuration.md', () => {
  it('holds the current configReference() table', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const m = /<!-- BEGIN configReference -->\n([\s\S]*?)\n<!-- END configReference -->/.exec(doc);
    assert.ok(m, 'markers present');
    assert.equal(m[1], configReference(), 'regenerate the table: node --import tsx -e "..." (see the comment in the doc)');
  });
});
