import { describe, expect, it } from 'vitest';
import { createFaultFilter } from '../../src/server/fault-filter.js';

describe('fault filter', () => {
  it('admits one error object once, even when two layers report it', () => {
    const filter = createFaultFilter(10_000, () => 0);
    const error = new Error('boom');
    expect(filter.admit({ err: error })).toEqual({ err: error });
    expect(filter.admit({ err: error, again: true })).toBeUndefined();
    // GraphQL's wrapper of the same error is the same fault
    expect(filter.admit({ err: Object.assign(new Error('wrapped'), { originalError: error }) })).toBeUndefined();
  });

  it('admits the same fault once per window, then says how many were left out', () => {
    let now = 0;
    const filter = createFaultFilter(10_000, () => now);
    const fault = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(filter.admit({ err: fault() })).toBeDefined();
    for (let i = 0; i < 3; i++) expect(filter.admit({ err: fault() })).toBeUndefined();
    // another code is another fault
    expect(filter.admit({ err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'OTHER' }) })).toBeDefined();
    now = 10_000;
    expect(filter.admit({ err: fault() })).toMatchObject({ suppressed: 3 });
    now = 20_000;
    expect(filter.admit({ err: fault() })).not.toHaveProperty('suppressed');
  });

  it('lets lines without an error through untouched', () => {
    const filter = createFaultFilter();
    expect(filter.admit({ plugin: 'x' })).toEqual({ plugin: 'x' });
  });
});
