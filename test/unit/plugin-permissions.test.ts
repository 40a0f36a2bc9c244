import { describe, expect, it } from 'vitest';
import { Chain, type Identity, type RequestInfo } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import { buildTypeGraph, type TypeGraph } from '../../src/model/index.js';
import type { Condition, InsertPlan, ReadPlan, UpdatePlan } from '../../src/plan/index.js';
import { compileInsert, compileRead } from '../../src/sql/index.js';
import { permissionsOptions, usePermissions } from '../../plugins/permissions/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/** The permissions plugin alone, over a hand-built graph and hand-built Plans (no database). */

const { graph } = buildTypeGraph(
  new CatalogBuilder()
    .table('customer', { customer_id: 'int4', name: 'text', email: 'text', secret: 'text' }, { pk: ['customer_id'] })
    .table('rental', { rental_id: 'int4', customer_id: 'int4', amount: 'numeric' }, {
      pk: ['rental_id'],
      fks: [{ name: 'rental_customer_fk', columns: ['customer_id'], target: 'customer', targetColumns: ['customer_id'] }],
    })
    .table('staff_note', { id: 'int4', body: 'text' }, { pk: ['id'] })
    .build(),
  'fp',
  { naming: 'database', tables: {}, functions: {}, relationships: [] },
);

const options = permissionsOptions.parse({
  admin: { unrestricted: true },
  customer: {
    tables: {
      customer: { select: { columns: ['customer_id', 'name', 'email'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } } },
      rental: {
        select: { columns: '*', filter: { customer_id: { _eq: 'X-Hasura-User-Id' } }, limit: 50 },
        insert: { columns: ['rental_id', 'amount'], check: { amount: { _gt: 0 } }, set: { customer_id: 'X-Hasura-User-Id' } },
        update: { columns: ['amount'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } },
      },
    },
  },
});

const chain = new Chain([usePermissions(options)]);
const request: RequestInfo = { id: 't', protocol: 'rest', graph, headers: {} };
const customer7: Identity = { role: 'customer', session: { 'x-hasura-user-id': '7' }, authenticated: true };
const ref = (dbName: string) => ({ schema: 'public', dbName });
const int4 = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' } as const;
const userFilter = (): Condition => ({ kind: 'compare', column: { column: 'customer_id', type: int4 }, operator: 'eq', value: '7' });

describe('the role graph', () => {
  it('holds only the tables and columns the role may read, and the operations it has rules for', () => {
    const view: TypeGraph = chain.graphFor(graph, 'customer');
    expect(view.entities.map((e) => e.dbName)).toEqual(['customer', 'rental']);
    const customer = view.entities.find((e) => e.dbName === 'customer');
    expect(customer?.columns.map((c) => c.dbName)).toEqual(['customer_id', 'name', 'email']);
    expect(customer?.operations).toEqual({ select: true, insert: false, update: false, delete: false });
    expect(view.entities.find((e) => e.dbName === 'rental')?.operations).toEqual({ select: true, insert: true, update: true, delete: false });
  });

  it('is the whole graph for an unrestricted role, and empty for a role with no rules', () => {
    expect(chain.graphFor(graph, 'admin')).toBe(graph);
    expect(chain.graphFor(graph, 'stranger').entities).toEqual([]);
  });
});

describe('reads', () => {
  const read = (extra: Partial<ReadPlan> = {}): ReadPlan => ({
    kind: 'read',
    source: { kind: 'entity', entity: ref('rental') },
    selection: [{ kind: 'column', key: 'rental_id', column: 'rental_id', type: int4 }],
    orderBy: [],
    ...extra,
  });

  it('adds the row filter with the session variable, and the row limit', async () => {
    const plan = await chain.authorize(read({ limit: 500 }), request, customer7);
    expect(plan.where).toEqual(userFilter());
    expect(plan.limit).toBe(50);
    expect((await chain.authorize(read({ limit: 5 }), request, customer7)).limit).toBe(5);
  });

  it('filters nested reads and the rows behind a relationship condition', async () => {
    const toCustomer = { target: ref('customer'), mapping: [{ from: 'customer_id', to: 'customer_id' }] };
    const plan = await chain.authorize(
      read({
        selection: [{ kind: 'relation', key: 'customer', join: toCustomer, cardinality: 'one', plan: { kind: 'read', source: { kind: 'entity', entity: ref('customer') }, selection: [], orderBy: [] } }],
        where: { kind: 'related', join: toCustomer, condition: { kind: 'compare', column: { column: 'name', type: { kind: 'scalar', schema: 'pg_catalog', name: 'text' } }, operator: 'like', value: 'A%' } },
      }),
      request,
      customer7,
    );
    const nested = plan.selection[0];
    expect(nested?.kind === 'relation' ? nested.plan.where : undefined).toEqual(userFilter());
    const where = plan.where;
    expect(where?.kind).toBe('and');
    const related = where?.kind === 'and' ? where.conditions[0] : undefined;
    expect(related?.kind === 'related' ? related.condition : undefined).toMatchObject({ kind: 'and', conditions: [{ operator: 'like' }, userFilter()] });
  });

  it('refuses a table without rules, aggregates when not allowed, and a missing session variable', async () => {
    const code = async (p: Promise<unknown>) => p.then(() => 'allowed', (e: unknown) => (e instanceof PgduetError ? e.code : String(e)));
    expect(await code(chain.authorize(read({ source: { kind: 'entity', entity: ref('staff_note') } }), request, customer7))).toBe('PGD303');
    expect(await code(chain.authorize(read({ selection: [{ kind: 'aggregate', key: 'count', fn: 'count' }] }), request, customer7))).toBe('PGD303');
    expect(await code(chain.authorize(read(), request, { role: 'customer', session: {}, authenticated: true }))).toBe('PGD303');
    expect(await code(chain.authorize(read(), request, { role: 'admin', session: {}, authenticated: true }))).toBe('allowed');
  });

  it('compiles the filter as a parameter, never as SQL text', async () => {
    const evil: Identity = { role: 'customer', session: { 'x-hasura-user-id': "7'; drop table rental; --" }, authenticated: true };
    const { text, values } = compileRead(await chain.authorize(read(), request, evil));
    expect(text).not.toContain('drop table');
    expect(values).toContain("7'; drop table rental; --");
  });
});

describe('writes', () => {
  const insert = (values: { column: string; value: unknown }[]): InsertPlan => ({
    kind: 'insert',
    entity: ref('rental'),
    rows: [{ values: values.map((v) => ({ ...v, type: int4 })) }],
    returning: { selection: [{ kind: 'column', key: 'rental_id', column: 'rental_id', type: int4 }], rowsOnly: true },
  });

  it('presets columns from the session, adds the check, and returns only readable rows', async () => {
    const plan = await chain.authorize(insert([{ column: 'rental_id', value: 1 }, { column: 'amount', value: 5 }]), request, customer7);
    expect(plan.rows[0]?.values).toEqual([
      { column: 'rental_id', type: int4, value: 1 },
      { column: 'amount', type: int4, value: 5 },
      { column: 'customer_id', type: int4, value: '7' },
    ]);
    expect(plan.check).toMatchObject({ kind: 'compare', operator: 'gt', value: 0 });
    expect(plan.returning.where).toEqual(userFilter());
    const { text } = compileInsert(plan);
    expect(text).toContain('case when (select count(*) from "m" where ("m"."amount" > $');
    expect(text).toContain("'pgduet check failed: '");
  });

  it('refuses a column the role may not write, and an operation it has no rule for', async () => {
    await expect(chain.authorize(insert([{ column: 'customer_id', value: 8 }]), request, customer7)).rejects.toThrow(/may not insert the column public.rental.customer_id/);
    const del = { kind: 'delete' as const, entity: ref('rental'), returning: { selection: [] } };
    await expect(chain.authorize(del, request, customer7)).rejects.toThrow(/may not delete/);
  });

  it('an update gets the role\'s filter on top of the request\'s', async () => {
    const update: UpdatePlan = { kind: 'update', entity: ref('rental'), assignments: [{ op: 'set', column: 'amount', type: int4, value: 1 }], returning: { selection: [] } };
    expect((await chain.authorize(update, request, customer7)).where).toEqual(userFilter());
  });
});

describe('upserts and ordering (review findings)', () => {
  const upsertOptions = permissionsOptions.parse({
    owner: {
      tables: {
        customer: { select: { columns: '*', filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } } },
        rental: {
          select: { columns: '*' },
          insert: { columns: '*' },
          update: { columns: ['amount'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } },
        },
        staff_note: { select: { columns: '*' }, insert: { columns: '*' }, update: { columns: '*', check: { id: { _gt: 0 } } } },
      },
    },
  });
  const owner = new Chain([usePermissions(upsertOptions)]);
  const who: Identity = { role: 'owner', session: { 'x-hasura-user-id': '7' }, authenticated: true };
  const upsert = (entity: string, updateColumns: string[]): InsertPlan => ({
    kind: 'insert',
    entity: ref(entity),
    rows: [{ values: [{ column: entity === 'rental' ? 'rental_id' : 'id', type: int4, value: 1 }] }],
    onConflict: { action: 'update', columns: [entity === 'rental' ? 'rental_id' : 'id'], updateColumns },
    returning: { selection: [] },
  });

  it('an upsert updates only the rows the update rule\'s filter allows, and only its columns', async () => {
    const plan = await owner.authorize(upsert('rental', ['amount']), request, who);
    expect(plan.onConflict).toMatchObject({ action: 'update', where: userFilter() });
    await expect(owner.authorize(upsert('rental', ['customer_id']), request, who)).rejects.toThrow(/may not update the column/);
  });

  it('refuses an upsert whose update rule has a check it cannot keep', async () => {
    await expect(owner.authorize(upsert('staff_note', ['body']), request, who)).rejects.toThrow(/cannot keep/);
  });

  it('a nested upsert goes through the same rules', async () => {
    const nested: InsertPlan = {
      kind: 'insert',
      entity: ref('staff_note'),
      rows: [{ values: [], children: [{ join: { target: ref('rental'), mapping: [{ from: 'id', to: 'rental_id' }] }, entity: ref('rental'), rows: [{ values: [] }], onConflict: { action: 'update', columns: ['rental_id'], updateColumns: ['customer_id'] } }] }],
      returning: { selection: [] },
    };
    await expect(owner.authorize(nested, request, who)).rejects.toThrow(/may not update the column public.rental.customer_id/);
  });

  it('refuses ordering by a related table the role sees only some rows of', async () => {
    const byCustomer: ReadPlan = {
      kind: 'read',
      source: { kind: 'entity', entity: ref('rental') },
      selection: [],
      orderBy: [{ target: { kind: 'related_column', join: { target: ref('customer'), mapping: [{ from: 'customer_id', to: 'customer_id' }] }, column: 'name' }, direction: 'asc' }],
    };
    await expect(owner.authorize(byCustomer, request, who)).rejects.toThrow(/may not order by public.customer/);
  });
});

describe('many-to-many joins', () => {
  const m2m = permissionsOptions.parse({
    viewer: {
      tables: {
        customer: { select: { columns: '*' } },
        rental: { select: { columns: '*', filter: { amount: { _gt: 0 } } } },
        staff_note: { select: { columns: '*' } },
      },
    },
  });
  const viewer = new Chain([usePermissions(m2m)]);
  const who: Identity = { role: 'viewer', session: {}, authenticated: true };
  const through = (junction: string): ReadPlan => ({
    kind: 'read',
    source: { kind: 'entity', entity: ref('customer') },
    selection: [{
      kind: 'relation',
      key: 'notes',
      cardinality: 'many',
      join: { target: ref('staff_note'), mapping: [{ from: 'customer_id', to: 'customer_id' }], through: { junction: ref(junction), targetMapping: [{ from: 'id', to: 'id' }] } },
      plan: { kind: 'read', source: { kind: 'entity', entity: ref('staff_note') }, selection: [], orderBy: [] },
    }],
    orderBy: [],
  });

  it('joins through a junction the role reads whole, not one it sees only partly', async () => {
    await expect(viewer.authorize(through('rental'), request, who)).rejects.toThrow(/may not join through public.rental/);
    await expect(viewer.authorize(through('customer'), request, who)).resolves.toBeDefined();
  });
});
