import { describe, expect, it } from 'vitest';
import { Chain, type Identity, type RequestInfo } from '../../src/chain/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import type { JoinPath, ReadPlan } from '../../src/plan/index.js';
import { limitsOptions, useLimits } from '../../plugins/limits/index.js';
import { planDepth } from '../../src/plan/index.js';

/** The limits plugin alone: depth of nested relationships and rows per request, per role. */

const request: RequestInfo = { id: 't', protocol: 'rest', graph: {} as TypeGraph, headers: {} };
const as = (role: string): Identity => ({ role, session: {}, authenticated: true });
const join: JoinPath = { target: { schema: 'public', dbName: 'x' }, mapping: [{ from: 'id', to: 'id' }] };
const read = (depth: number, limit?: number): ReadPlan => ({
  kind: 'read',
  source: { kind: 'entity', entity: { schema: 'public', dbName: 'x' } },
  selection: depth === 0 ? [] : [{ kind: 'relation', key: 'r', join, cardinality: 'many', plan: read(depth - 1) }],
  orderBy: [],
  ...(limit === undefined ? {} : { limit }),
});

const chain = new Chain([useLimits(limitsOptions.parse({ maxDepth: 2, maxRows: 100, defaultRows: 20, roles: { admin: { maxDepth: 5, maxRows: 1000 } } }))]);

describe('limits', () => {
  it('counts depth on the Plan', () => {
    expect(planDepth(read(0))).toBe(0);
    expect(planDepth(read(3))).toBe(3);
  });

  it('refuses a Plan nested deeper than the role may, before any SQL', async () => {
    await expect(chain.authorize(read(3), request, as('user'))).rejects.toMatchObject({ code: 'PGD403', status: 400 });
    expect((await chain.authorize(read(3), request, as('admin'))).selection).toHaveLength(1);
  });

  it('gives a default page, and bounds what is asked for', async () => {
    expect((await chain.authorize(read(0), request, as('user'))).limit).toBe(20);
    expect((await chain.authorize(read(0, 5000), request, as('user'))).limit).toBe(100);
    expect((await chain.authorize(read(0, 5000), request, as('admin'))).limit).toBe(1000);
    expect((await chain.authorize(read(0, 7), request, as('user'))).limit).toBe(7);
  });

  it('refuses a default page larger than the maximum', () => {
    expect(() => limitsOptions.parse({ maxRows: 10, defaultRows: 20 })).toThrow(/defaultRows cannot exceed maxRows/);
  });
});
