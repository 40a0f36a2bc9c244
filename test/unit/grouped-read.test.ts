import { describe, expect, it } from 'vitest';
import { Chain, type AuthorizedPlan, type Identity, type RequestInfo } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import { buildTypeGraph } from '../../src/model/index.js';
import { walkPlan, type Condition, type ReadPlan, type Selection } from '../../src/plan/index.js';
import { compileRead } from '../../src/sql/index.js';
import { permissionsOptions, usePermissions } from '../../plugins/permissions/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/**
 * A grouped ReadPlan (GraphQL's `<t>_groups`: `groupBy`, `having`, an order by a group's
 * aggregate, `object` and `aggregates` selections) through the permissions plugin alone and
 * the SQL compiler, without a database.
 */

const { graph } = buildTypeGraph(
  new CatalogBuilder()
    .table('customer', { customer_id: 'int4', region: 'text', secret: 'text' }, { pk: ['customer_id'] })
    .table('rental', { rental_id: 'int4', customer_id: 'int4', amount: 'numeric', kind: 'text' }, {
      pk: ['rental_id'],
      fks: [{ name: 'rental_customer_fk', columns: ['customer_id'], target: 'customer', targetColumns: ['customer_id'] }],
    })
    .build(),
  'fp',
  { naming: 'database', tables: {}, functions: {}, relationships: [] },
);

const options = permissionsOptions.parse({
  analyst: {
    tables: {
      rental: { select: { columns: ['rental_id', 'customer_id', 'amount'], filter: { amount: { _gt: 0 } }, limit: 10, allowAggregations: true } },
      customer: { select: { columns: ['customer_id', 'region'], filter: { region: { _eq: 'X-Hasura-Region' } } } },
    },
  },
  reader: { tables: { rental: { select: { columns: '*' } } } },
});

const chain = new Chain([usePermissions(options)]);
const request: RequestInfo = { id: 't', protocol: 'graphql', graph, headers: {} };
const analyst: Identity = { role: 'analyst', session: { 'x-hasura-region': 'north' }, authenticated: true };
const reader: Identity = { role: 'reader', session: {}, authenticated: true };
const int4 = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' } as const;
const numeric = { kind: 'scalar', schema: 'pg_catalog', name: 'numeric' } as const;
const text = { kind: 'scalar', schema: 'pg_catalog', name: 'text' } as const;

const keys: Selection = { kind: 'object', key: 'keys', selection: [{ kind: 'column', key: 'customer_id', column: 'customer_id', type: int4 }] };
const aggregate: Selection = {
  kind: 'aggregates',
  key: 'aggregate',
  aggregates: [
    { kind: 'count', key: 'count', distinct: false },
    { kind: 'function', key: 'sum', fn: 'sum', columns: [{ kind: 'column', key: 'amount', column: 'amount', type: numeric }] },
  ],
};
const toCustomer = { target: { schema: 'public', dbName: 'customer' }, mapping: [{ from: 'customer_id', to: 'customer_id' }] };
const having: Condition = {
  kind: 'group_aggregate',
  fn: 'count',
  condition: { kind: 'related', join: toCustomer, condition: { kind: 'compare', column: { column: 'region', type: text }, operator: 'neq', value: 'south' } },
  predicate: [{ operator: 'gt', value: 1 }],
};

function grouped(extra: Partial<ReadPlan> = {}): ReadPlan {
  return {
    kind: 'read',
    source: { kind: 'entity', entity: { schema: 'public', dbName: 'rental' } },
    selection: [{ kind: 'literal', key: '__typename', value: 'rental_group' }, keys, aggregate],
    groupBy: ['customer_id'],
    orderBy: [{ target: { kind: 'aggregate', fn: 'sum', column: 'amount' }, direction: 'desc' }],
    ...extra,
  };
}

const refusal = async (plan: ReadPlan, identity: Identity): Promise<string> => {
  try {
    await chain.authorize(plan, request, identity);
  } catch (error) {
    expect(error).toBeInstanceOf(PgduetError);
    return (error as PgduetError).code;
  }
  throw new Error('the plan was not refused');
};

describe('permissions over a grouped read', () => {
  it('filters the rows before grouping, caps the groups at the role\'s limit, and filters what having reads through a relationship', async () => {
    const plan = await chain.authorize(grouped({ limit: 100, having }), request, analyst);
    expect(plan.where).toEqual({ kind: 'compare', column: { column: 'amount', type: numeric }, operator: 'gt', value: 0 });
    expect(plan.limit).toBe(10);
    // the customer rows the count's filter reaches are those of the role's region only
    const inner = plan.having?.kind === 'group_aggregate' ? plan.having.condition : undefined;
    expect(inner?.kind === 'related' ? inner.condition : undefined).toEqual({
      kind: 'and',
      conditions: [
        { kind: 'compare', column: { column: 'region', type: text }, operator: 'neq', value: 'south' },
        { kind: 'compare', column: { column: 'region', type: text }, operator: 'eq', value: 'north' },
      ],
    });
  });

  it('refuses grouping, an aggregate object, a having or an order by an aggregate to a role without allowAggregations', async () => {
    expect(await refusal(grouped(), reader)).toBe('PGD303');
    const noGroupBy = { kind: 'read', source: grouped().source, orderBy: [] } as const;
    expect(await refusal({ ...noGroupBy, selection: [aggregate] }, reader)).toBe('PGD303');
    expect(await refusal({ ...noGroupBy, selection: [keys], having }, reader)).toBe('PGD303');
    expect(await refusal({ ...noGroupBy, selection: [keys], orderBy: [{ target: { kind: 'aggregate', fn: 'count' }, direction: 'asc' }] }, reader)).toBe('PGD303');
  });

  it('refuses a group key the role may not read, even in a Plan its graph could not have made', async () => {
    expect(await refusal(grouped({ groupBy: ['kind'] }), analyst)).toBe('PGD303');
  });
});

describe('the compiled grouped read', () => {
  // an empty chain lets any Plan through: the compiler takes only authorized ones
  const compiled = async (plan: ReadPlan) => compileRead((await new Chain([]).authorize(plan, request, analyst)) as AuthorizedPlan<ReadPlan>);

  it('groups by the keys asked, keeps groups by having, orders by an aggregate, and builds nested objects', async () => {
    const { text: sql, values } = await compiled(grouped({ having, limit: 5 }));
    expect(sql).toMatch(/group by 1, "t\d+"\."customer_id"/);
    expect(sql).toMatch(/having \(count\(\*\) filter \(where exists \(select 1 from "public"\."customer"/);
    expect(sql).toMatch(/order by sum\("t\d+"\."amount"\) desc limit 5\b/);
    // the keys object and the aggregate object are built in the outer query, __typename a parameter
    expect(sql).toMatch(/^select \(select coalesce\(json_agg\("x\d+"\.r\), '\[\]'::json\) from \(select json_build_object\(\$\d+::\S+, \$\d+::\S+, \$\d+::\S+, json_build_object\(\$\d+::\S+, "g\d+"\."c0"\)/);
    expect(values).toContain('rental_group');
    expect(values).not.toContain(5);
  });

  it('is grouped by its groupBy even when no key is selected', async () => {
    const { text: sql } = await compiled(grouped({ selection: [aggregate], orderBy: [] }));
    expect(sql).toMatch(/group by "t\d+"\."customer_id"/);
  });

  it('is walked: having and the keys object are visited', () => {
    const seen: string[] = [];
    walkPlan(grouped({ having }), { condition: (c) => void seen.push(c.kind), selection: (s) => void seen.push(s.kind), join: () => void seen.push('join') });
    expect(seen).toEqual(['literal', 'object', 'aggregates', 'column', 'group_aggregate', 'related', 'join', 'compare']);
  });
});
