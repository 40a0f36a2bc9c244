import { describe, expect, it } from 'vitest';
import { batchOf, deferRelations, planDepth, relationAt, walkPlan, type AggregatePlan, type InsertPlan, type JoinPath, type ReadPlan, type Selection } from '../../src/plan/index.js';

/** plan/visit.ts (one walk for every pass) and plan/defer-relations.ts (the resolvers' parts). */

const ref = (dbName: string) => ({ schema: 'public', dbName });
const join = (target: string, from = `${target}_id`): JoinPath => ({ target: ref(target), mapping: [{ from, to: 'id' }] });
const read = (table: string, selection: Selection[] = []): ReadPlan => ({ kind: 'read', source: { kind: 'entity', entity: ref(table) }, selection, orderBy: [] });
const column = (key: string): Selection => ({ kind: 'column', key, column: key, type: { kind: 'scalar', schema: 'pg_catalog', name: 'text' } });

/** a chain of `depth` nested relationships, t0 → t1 → … */
function chain(depth: number): ReadPlan {
  let plan = read(`t${depth}`, [column('name')]);
  for (let i = depth - 1; i >= 0; i--) plan = read(`t${i}`, [column('name'), { kind: 'relation', key: 'next', join: join(`t${i + 1}`), cardinality: 'one', plan }]);
  return plan;
}

describe('walkPlan', () => {
  it('visits every read with its depth, parents first, in written order', () => {
    const plan = read('film', [
      column('title'),
      { kind: 'relation', key: 'language', join: join('language'), cardinality: 'one', plan: read('language', [column('name')]) },
      { kind: 'relation', key: 'actors', join: join('actor'), cardinality: 'many', plan: read('actor', [{ kind: 'relation', key: 'films', join: join('film'), cardinality: 'many', plan: read('film') }]) },
    ]);
    const seen: string[] = [];
    walkPlan(plan, { read: (r, depth) => seen.push(`${r.source.kind === 'entity' ? r.source.entity.dbName : '?'}@${depth}`) });
    expect(seen).toEqual(['film@0', 'language@1', 'actor@1', 'film@2']);
    expect(planDepth(plan)).toBe(2);
  });

  it('reaches relationships in conditions, orderings and an aggregate relationship', () => {
    const aggregate: AggregatePlan = { kind: 'aggregate', rows: read('rental'), outputs: [{ kind: 'aggregate', key: 'aggregate', aggregates: [{ kind: 'count', key: 'count', distinct: false }] }] };
    const plan: ReadPlan = {
      ...read('customer', [{ kind: 'relation_aggregate', key: 'rentals', join: join('rental'), plan: aggregate }]),
      where: { kind: 'related', join: join('address'), condition: { kind: 'and', conditions: [] } },
      orderBy: [{ target: { kind: 'related', join: join('store'), target: { kind: 'related_column', join: join('staff'), column: 'name' } }, direction: 'asc' }],
    };
    const joins: string[] = [];
    walkPlan(plan, { join: (j) => joins.push(j.target.dbName) });
    expect(joins.sort()).toEqual(['address', 'rental', 'staff', 'store']);
    expect(planDepth(plan)).toBe(1);
  });

  it('walks the rows of a nested insert with their nesting', () => {
    const plan: InsertPlan = {
      kind: 'insert',
      entity: ref('author'),
      rows: [{ values: [], children: [{ join: join('book', 'id'), entity: ref('book'), rows: [{ values: [], parents: [{ join: join('publisher'), entity: ref('publisher'), row: { values: [] } }] }] }] }],
      returning: { selection: [] },
    };
    const writes: string[] = [];
    walkPlan(plan, { write: (entity, kind, depth) => writes.push(`${kind} ${entity.dbName}@${depth}`) });
    expect(writes).toEqual(['insert author@0', 'insert book@1', 'insert publisher@2']);
  });

  it('does not depend on the call stack: a Plan 20,000 relationships deep is walked', () => {
    expect(planDepth(chain(20_000))).toBe(20_000);
  });
});

describe('deferRelations and relationAt', () => {
  const plan = read('film', [
    column('title'),
    { kind: 'relation', key: 'language', join: join('language'), cardinality: 'one', plan: read('language', [column('name')]) },
    { kind: 'relation', key: 'lang2', join: join('language'), cardinality: 'one', plan: read('language', [column('code')]) },
    { kind: 'relation_aggregate', key: 'actors_aggregate', join: join('actor'), plan: { kind: 'aggregate', rows: read('actor', [{ kind: 'relation', key: 'films', join: join('film'), cardinality: 'many', plan: read('film', [column('title')]) }]), outputs: [{ kind: 'nodes', key: 'nodes' }] } },
  ]);

  it('leaves each join column once in place of the relationships', () => {
    expect(deferRelations(plan).selection).toEqual([column('title'), { kind: 'key', key: '__k:language_id', column: 'language_id' }, { kind: 'key', key: '__k:actor_id', column: 'actor_id' }]);
  });

  it('finds a relationship by response keys, through an aggregate\'s nodes', () => {
    expect(relationAt(plan, ['language'])?.key).toBe('language');
    expect(relationAt(plan, ['actors_aggregate', 'nodes', 'films'])?.key).toBe('films');
    expect(relationAt(plan, ['actors_aggregate', 'films'])).toBeUndefined();
    expect(relationAt(plan, ['title'])).toBeUndefined();
    expect(relationAt(plan, ['nope'])).toBeUndefined();
  });

  it('a batch of a nested relationship keeps its Plan and defers its own relationships', () => {
    const found = relationAt(plan, ['actors_aggregate']);
    if (found === undefined) throw new Error('not found');
    const batch = { join: join('actor'), cardinality: 'many' as const, keys: [[1]], keyTypes: [{ kind: 'scalar' as const, schema: 'pg_catalog', name: 'int4' }] };
    const part = batchOf(found, batch) as AggregatePlan;
    expect(part.rows.batch).toEqual(batch);
    expect(part.rows.selection).toEqual([{ kind: 'key', key: '__k:film_id', column: 'film_id' }]);
  });
});
