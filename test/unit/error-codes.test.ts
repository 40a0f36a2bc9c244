import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/index.js';

/** README's "Error codes" table and src/errors/codes.ts must list the same codes and statuses. */
describe('error codes', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1));
  const documented = new Map(
    [...section.matchAll(/^\| (PGD\d{3}) \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])]),
  );

  it('documents every code with its status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) expect(documented.get(code), code).toBe(status);
  });

  it('documents no code that does not exist', () => {
    expect([...documented.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});
