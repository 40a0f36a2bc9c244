/**
 * Introspection of Pagila on a real PostgreSQL: the entities, keys, relations, types and
 * functions of a well-known schema, in both naming conventions. Nothing here is timed:
 * introspection speed is measured in bench/.
 */
import { printSchema } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, type Catalog } from '../../src/introspection/index.js';
import {
  buildTypeGraph,
  decodeSchemaCache,
  encodeSchemaCache,
  DEFAULT_MODEL_OPTIONS,
  type ColumnPair,
  type DbRef,
  type Entity,
  type FunctionDef,
  type Relation,
  type TypeGraph,
  type TypeRef,
} from '../../src/model/index.js';
import { makeTypeResolver } from '../../src/model/resolve-type.js';
import { buildGraphqlSchema } from '../../src/graphql/index.js';
import { renderOpenApi } from '../../src/rest/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase | undefined;
let catalog: Catalog;
let fingerprint: string;
let graph: TypeGraph;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const result = await introspect(client, ['public']);
    catalog = result.catalog;
    fingerprint = result.fingerprint;
  } finally {
    await client.end();
  }
  const built = buildTypeGraph(catalog, fingerprint);
  expect(built.warnings).toEqual([]);
  graph = built.graph;
});

afterAll(async () => {
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// helpers

const pub = (dbName: string): DbRef => ({ schema: 'public', dbName });
const scalar = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });
const int4 = scalar('int4');
const pairs = (...list: [string, string][]): ColumnPair[] => list.map(([from, to]) => ({ from, to }));

function entityOf(g: TypeGraph, dbName: string): Entity {
  const found = g.entities.find((e) => e.schema === 'public' && e.dbName === dbName);
  if (found === undefined) throw new Error(`no entity public.${dbName}`);
  return withoutViewKeys(found);
}

/**
 * The entity's own keys and relations: those a base table's foreign key gives through a view
 * (PostgREST's, `viaView`) are left out here and tested on their own.
 */
function withoutViewKeys(e: Entity): Entity {
  return { ...e, foreignKeys: e.foreignKeys.filter((fk) => fk.viaView !== true), relations: e.relations.filter((r) => r.viaView !== true) };
}

const entity = (dbName: string): Entity => entityOf(graph, dbName);

function relation(table: string, name: string): Relation {
  const found = entity(table).relations.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no relation ${table}.${name} (has ${entity(table).relations.map((r) => r.name).join(', ')})`);
  return found;
}

function fn(dbName: string): FunctionDef {
  const found = graph.functions.filter((f) => f.dbName === dbName);
  if (found.length !== 1) throw new Error(`${found.length} functions public.${dbName}`);
  return found[0] as FunctionDef;
}

const manyToOne = (target: string, mapping: ColumnPair[], constraint: string): Omit<Relation, 'name'> => ({
  type: 'object',
  cardinality: 'many_to_one',
  target: pub(target),
  mapping,
  constraint,
  foreignKeyOn: 'source',
  origin: 'foreign_key',
});

const oneToMany = (target: string, mapping: ColumnPair[], constraint: string): Omit<Relation, 'name'> => ({
  type: 'array',
  cardinality: 'one_to_many',
  target: pub(target),
  mapping,
  constraint,
  foreignKeyOn: 'target',
  origin: 'foreign_key',
});

// ---------------------------------------------------------------------------------------------

describe('the schema cache', () => {
  it('gives back Pagila\'s graph exactly: every value, in the same key order', () => {
    const back = decodeSchemaCache(encodeSchemaCache(graph), 'cache.json');
    expect(back).toEqual(graph);
    expect(JSON.stringify(back)).toBe(JSON.stringify(graph));
  });

  it('serves the same GraphQL schema and OpenAPI document as the graph it was written from', () => {
    // the decoded graph shares its equal values (types, references, key lists) between places:
    // what the APIs derive from it must not change for that
    const back = decodeSchemaCache(encodeSchemaCache(graph), 'cache.json');
    expect(printSchema(buildGraphqlSchema(back).schema)).toBe(printSchema(buildGraphqlSchema(graph).schema));
    const options = { title: 'Pagila', version: '1', serverUrl: '/rest' };
    expect(JSON.stringify(renderOpenApi(back, options))).toBe(JSON.stringify(renderOpenApi(graph, options)));
  });
});

describe('entities', () => {
  it('lists the tables, views, the partitioned payment and the materialized view', () => {
    expect(graph.schemas).toEqual(['public']);
    expect(graph.entities.map((e) => [e.dbName, e.kind])).toEqual([
      ['actor', 'table'],
      ['actor_info', 'view'],
      ['address', 'table'],
      ['category', 'table'],
      ['city', 'table'],
      ['country', 'table'],
      ['customer', 'table'],
      ['customer_list', 'view'],
      ['film', 'table'],
      ['film_actor', 'table'],
      ['film_category', 'table'],
      ['film_list', 'view'],
      ['inventory', 'table'],
      ['language', 'table'],
      ['nicer_but_slower_film_list', 'view'],
      ['payment', 'partitioned_table'],
      ['rental', 'table'],
      ['rental_by_category', 'materialized_view'],
      ['sales_by_film_category', 'view'],
      ['sales_by_store', 'view'],
      ['staff', 'table'],
      ['staff_list', 'view'],
      ['store', 'table'],
    ]);
    expect(graph.entities.every((e) => e.name === e.dbName)).toBe(true);
  });

  it('leaves the payment partitions out, from the catalog already', () => {
    expect(catalog.relations.filter((r) => r.name.startsWith('payment_p'))).toEqual([]);
    expect(graph.entities.filter((e) => e.dbName.startsWith('payment_p'))).toEqual([]);
    expect(entity('payment').columns.map((c) => c.dbName)).toEqual([
      'payment_id',
      'customer_id',
      'staff_id',
      'rental_id',
      'amount',
      'payment_date',
    ]);
  });

  it('makes tables writable and Pagila’s views and materialized view read-only', () => {
    for (const e of graph.entities) {
      const writable = e.kind === 'table' || e.kind === 'partitioned_table';
      expect(e.operations, e.dbName).toEqual({ select: true, insert: writable, update: writable, delete: writable });
    }
  });

  it('reads primary keys, composite ones in key order', () => {
    expect(entity('film').primaryKey).toEqual(['film_id']);
    expect(entity('actor').primaryKey).toEqual(['actor_id']);
    expect(entity('film_actor').primaryKey).toEqual(['actor_id', 'film_id']);
    expect(entity('film_category').primaryKey).toEqual(['film_id', 'category_id']);
    expect(entity('payment').primaryKey).toEqual(['payment_date', 'payment_id']);
    expect(entity('rental').primaryKey).toEqual(['rental_id']);
    expect(entity('film_list').primaryKey).toEqual([]);
    expect(entity('rental_by_category').primaryKey).toEqual([]);
  });
});

describe('relations', () => {
  it('film → language twice: named after the FK column without _id', () => {
    expect(relation('film', 'language')).toEqual({
      name: 'language',
      ...manyToOne('language', pairs(['language_id', 'language_id']), 'film_language_id_fkey'),
    });
    expect(relation('film', 'original_language')).toEqual({
      name: 'original_language',
      ...manyToOne('language', pairs(['original_language_id', 'language_id']), 'film_original_language_id_fkey'),
    });
  });

  it('language → films twice: the later one gets _by_<fk columns>', () => {
    expect(entity('language').relations).toEqual([
      { name: 'films', ...oneToMany('film', pairs(['language_id', 'language_id']), 'film_language_id_fkey') },
      {
        name: 'films_by_original_language_id',
        ...oneToMany('film', pairs(['language_id', 'original_language_id']), 'film_original_language_id_fkey'),
      },
    ]);
  });

  it('film ↔ actor many-to-many through film_actor, both ways', () => {
    expect(relation('film', 'actors')).toEqual({
      name: 'actors',
      type: 'array',
      cardinality: 'many_to_many',
      target: pub('actor'),
      mapping: pairs(['film_id', 'film_id']),
      through: {
        junction: pub('film_actor'),
        targetMapping: pairs(['actor_id', 'actor_id']),
        sourceConstraint: 'film_actor_film_id_fkey',
        targetConstraint: 'film_actor_actor_id_fkey',
      },
      origin: 'foreign_key',
    });
    expect(relation('actor', 'films')).toEqual({
      name: 'films',
      type: 'array',
      cardinality: 'many_to_many',
      target: pub('film'),
      mapping: pairs(['actor_id', 'actor_id']),
      through: {
        junction: pub('film_actor'),
        targetMapping: pairs(['film_id', 'film_id']),
        sourceConstraint: 'film_actor_actor_id_fkey',
        targetConstraint: 'film_actor_film_id_fkey',
      },
      origin: 'foreign_key',
    });
    expect(entity('actor').relations.map((r) => r.name)).toEqual(['film_actors', 'films']);
    expect(relation('actor', 'film_actors')).toEqual({
      name: 'film_actors',
      ...oneToMany('film_actor', pairs(['actor_id', 'actor_id']), 'film_actor_actor_id_fkey'),
    });
  });

  it('film ↔ category many-to-many through film_category', () => {
    expect(relation('film', 'categories')).toEqual({
      name: 'categories',
      type: 'array',
      cardinality: 'many_to_many',
      target: pub('category'),
      mapping: pairs(['film_id', 'film_id']),
      through: {
        junction: pub('film_category'),
        targetMapping: pairs(['category_id', 'category_id']),
        sourceConstraint: 'film_category_film_id_fkey',
        targetConstraint: 'film_category_category_id_fkey',
      },
      origin: 'foreign_key',
    });
    expect(relation('category', 'films')).toMatchObject({ cardinality: 'many_to_many', target: pub('film'), through: { junction: pub('film_category') } });
  });

  it('film has exactly its object, array and many-to-many relations', () => {
    expect(entity('film').relations.map((r) => [r.name, r.cardinality, r.target.dbName])).toEqual([
      ['actors', 'many_to_many', 'actor'],
      ['categories', 'many_to_many', 'category'],
      ['film_actors', 'one_to_many', 'film_actor'],
      ['film_categories', 'one_to_many', 'film_category'],
      ['inventories', 'one_to_many', 'inventory'],
      ['language', 'many_to_one', 'language'],
      ['original_language', 'many_to_one', 'language'],
    ]);
  });

  it('the customer → address → city → country chain', () => {
    expect(relation('customer', 'address')).toEqual({
      name: 'address',
      ...manyToOne('address', pairs(['address_id', 'address_id']), 'customer_address_id_fkey'),
    });
    expect(relation('address', 'city')).toEqual({
      name: 'city',
      ...manyToOne('city', pairs(['city_id', 'city_id']), 'address_city_id_fkey'),
    });
    expect(relation('city', 'country')).toEqual({
      name: 'country',
      ...manyToOne('country', pairs(['country_id', 'country_id']), 'city_country_id_fkey'),
    });
    expect(relation('country', 'cities')).toEqual({
      name: 'cities',
      ...oneToMany('city', pairs(['country_id', 'country_id']), 'city_country_id_fkey'),
    });
    expect(entity('address').relations.map((r) => r.name)).toEqual(['city', 'customers', 'staff', 'stores']);
  });

  it('customer → rentals → inventory → film', () => {
    expect(relation('customer', 'rentals')).toEqual({
      name: 'rentals',
      ...oneToMany('rental', pairs(['customer_id', 'customer_id']), 'rental_customer_id_fkey'),
    });
    expect(relation('rental', 'inventory')).toEqual({
      name: 'inventory',
      ...manyToOne('inventory', pairs(['inventory_id', 'inventory_id']), 'rental_inventory_id_fkey'),
    });
    expect(relation('inventory', 'film')).toEqual({
      name: 'film',
      ...manyToOne('film', pairs(['film_id', 'film_id']), 'inventory_film_id_fkey'),
    });
    expect(entity('rental').relations.map((r) => r.name)).toEqual(['customer', 'inventory', 'staff']);
    expect(entity('customer').relations.map((r) => r.name)).toEqual(['address', 'rentals', 'store']);
  });

  it('views have no relations of their own, only those through a base table\'s foreign key; no relation dangles', () => {
    for (const e of graph.entities.filter((x) => x.kind === 'view' || x.kind === 'materialized_view')) {
      expect(e.relations.filter((r) => r.viaView !== true), e.dbName).toEqual([]);
    }
    // actor_info shows actor.actor_id as it is: film_actor's foreign key to actor holds for it
    const actorInfo = graph.entities.find((e) => e.dbName === 'actor_info');
    expect(actorInfo?.relations.map((r) => [r.name, r.cardinality, r.target.dbName, r.constraint, r.viaView])).toContainEqual(['film_actors', 'one_to_many', 'film_actor', 'film_actor_actor_id_fkey', true]);
    const keys = new Set(graph.entities.map((e) => e.dbName));
    const dangling = graph.entities.flatMap((e) =>
      e.relations.filter((r) => !keys.has(r.target.dbName) || (r.through !== undefined && !keys.has(r.through.junction.dbName))),
    );
    expect(dangling).toEqual([]);
  });
});

describe('types', () => {
  it('resolves the year domain to int4 and keeps its name', () => {
    expect(entity('film').columns.find((c) => c.dbName === 'release_year')).toEqual({
      name: 'release_year',
      dbName: 'release_year',
      type: { ...int4, domain: pub('year') },
      nullable: true,
      hasDefault: false,
      generated: false,
    });
  });

  it('reads the unused bıgınt domain with its non-ASCII name, over int8', () => {
    const domain = catalog.types.find((t) => t.schema === 'public' && t.name === 'bıgınt');
    expect(domain).toMatchObject({ typtype: 'd', base_oid: '20' });
    expect(catalog.types.find((t) => t.oid === '20')).toMatchObject({ schema: 'pg_catalog', name: 'int8' });
    expect(makeTypeResolver(catalog.types)(domain?.oid ?? '')).toEqual({ ...scalar('int8'), domain: pub('bıgınt') });
    // no column uses it
    expect(graph.entities.flatMap((e) => e.columns).filter((c) => c.type.kind !== 'unsupported' && c.type.domain?.dbName === 'bıgınt')).toEqual([]);
  });

  it('lists mpaa_rating with its values in order and types film.rating with it', () => {
    expect(graph.enums).toEqual([
      { schema: 'public', dbName: 'mpaa_rating', name: 'mpaa_rating', values: ['G', 'PG', 'PG-13', 'R', 'NC-17'] },
    ]);
    expect(entity('film').columns.find((c) => c.dbName === 'rating')).toEqual({
      name: 'rating',
      dbName: 'rating',
      type: { kind: 'enum', schema: 'public', name: 'mpaa_rating' },
      nullable: true,
      hasDefault: true,
      default: "'G'::public.mpaa_rating",
      generated: false,
    });
    expect(graph.composites).toEqual([]);
  });

  it('film.special_features is text[], film.fulltext is tsvector', () => {
    const film = entity('film');
    expect(film.columns.find((c) => c.dbName === 'special_features')?.type).toEqual({ kind: 'array', element: scalar('text') });
    expect(film.columns.find((c) => c.dbName === 'fulltext')).toMatchObject({ type: scalar('tsvector'), nullable: false });
    expect(film.columns.find((c) => c.dbName === 'film_id')).toMatchObject({
      type: int4,
      nullable: false,
      hasDefault: true,
      default: "nextval('public.film_film_id_seq'::regclass)",
    });
    expect(film.columns.find((c) => c.dbName === 'rental_rate')).toMatchObject({ type: scalar('numeric'), default: '4.99' });
    expect(film.columns.find((c) => c.dbName === 'length')?.type).toEqual(scalar('int2'));
  });
});

describe('functions', () => {
  const oid = expect.stringMatching(/^\d+$/) as unknown as string;

  it('exposes the callable functions, not the trigger function nor the aggregate', () => {
    expect(graph.functions.map((f) => f.dbName)).toEqual([
      '_group_concat',
      'film_in_stock',
      'film_not_in_stock',
      'get_customer_balance',
      'inventory_held_by_customer',
      'inventory_in_stock',
      'last_day',
      'rewards_report',
    ]);
    // the trigger function is in the catalog and dropped by the model; the aggregate is not even read
    expect(catalog.functions.map((f) => f.name)).toContain('last_updated');
    expect(catalog.functions.map((f) => f.name)).not.toContain('group_concat');
  });

  it('film_in_stock: volatile SETOF int4, its one OUT parameter is not an argument', () => {
    expect(fn('film_in_stock')).toEqual({
      schema: 'public',
      dbName: 'film_in_stock',
      name: 'film_in_stock',
      oid,
      kind: 'function',
      args: [
        { name: 'p_film_id', type: int4, mode: 'in', hasDefault: false },
        { name: 'p_store_id', type: int4, mode: 'in', hasDefault: false },
      ],
      returns: { kind: 'value', type: int4, set: true },
      volatility: 'volatile',
      strict: false,
      securityDefiner: false,
      language: 'sql',
    });
  });

  it('rewards_report returns SETOF the customer entity', () => {
    expect(fn('rewards_report')).toEqual({
      schema: 'public',
      dbName: 'rewards_report',
      name: 'rewards_report',
      oid,
      kind: 'function',
      args: [
        { name: 'min_monthly_purchases', type: int4, mode: 'in', hasDefault: false },
        { name: 'min_dollar_amount_purchased', type: scalar('numeric'), mode: 'in', hasDefault: false },
      ],
      returns: { kind: 'entity', entity: pub('customer'), set: true },
      volatility: 'volatile',
      strict: false,
      securityDefiner: true,
      language: 'plpgsql',
    });
  });

  it('last_day and _group_concat: immutable, unnamed arguments', () => {
    expect(fn('last_day')).toMatchObject({
      args: [{ name: null, type: scalar('timestamptz'), mode: 'in', hasDefault: false }],
      returns: { kind: 'value', type: scalar('date'), set: false },
      volatility: 'immutable',
      strict: true,
    });
    expect(fn('_group_concat')).toMatchObject({
      args: [
        { name: null, type: scalar('text'), mode: 'in', hasDefault: false },
        { name: null, type: scalar('text'), mode: 'in', hasDefault: false },
      ],
      returns: { kind: 'value', type: scalar('text'), set: false },
      volatility: 'immutable',
    });
  });

  it('other volatilities and returns', () => {
    expect(fn('get_customer_balance')).toMatchObject({ volatility: 'volatile', returns: { kind: 'value', type: scalar('numeric'), set: false } });
    expect(fn('inventory_in_stock')).toMatchObject({ volatility: 'volatile', returns: { kind: 'value', type: scalar('bool'), set: false } });
    expect(graph.functions.filter((f) => f.computedFieldOf !== undefined)).toEqual([]);
  });
});

describe('the graph as data', () => {
  it('round-trips through JSON unchanged', () => {
    expect(JSON.parse(JSON.stringify(graph))).toStrictEqual(graph);
  });
});

describe('camel naming', () => {
  let camel: TypeGraph;

  beforeAll(() => {
    const built = buildTypeGraph(catalog, fingerprint, { ...DEFAULT_MODEL_OPTIONS, naming: 'camel' });
    expect(built.warnings).toEqual([]);
    camel = built.graph;
  });

  it('renames entities and columns, keeping database names', () => {
    expect(entityOf(camel, 'film_actor')).toMatchObject({ name: 'filmActor', dbName: 'film_actor', primaryKey: ['actor_id', 'film_id'] });
    expect(entityOf(camel, 'film_actor').columns.map((c) => [c.name, c.dbName])).toEqual([
      ['actorId', 'actor_id'],
      ['filmId', 'film_id'],
      ['lastUpdate', 'last_update'],
    ]);
    expect(entityOf(camel, 'rental_by_category').name).toBe('rentalByCategory');
    expect(entityOf(camel, 'nicer_but_slower_film_list').name).toBe('nicerButSlowerFilmList');
    expect(entityOf(camel, 'actor').name).toBe('actor');
  });

  it('camel-cases relation names, and mappings keep database column names', () => {
    expect(entityOf(camel, 'actor').relations.map((r) => r.name)).toEqual(['filmActors', 'films']);
    expect(entityOf(camel, 'film').relations.map((r) => r.name)).toEqual([
      'actors',
      'categories',
      'filmActors',
      'filmCategories',
      'inventories',
      'language',
      'originalLanguage',
    ]);
    expect(entityOf(camel, 'language').relations.map((r) => r.name)).toEqual(['films', 'filmsByOriginalLanguageId']);
    // the same relations as in database naming, only renamed
    const byConstraint = (g: TypeGraph, table: string): Omit<Relation, 'name'>[] =>
      entityOf(g, table).relations.map(({ name: _name, ...rest }) => rest);
    for (const table of ['film', 'actor', 'language', 'customer']) {
      expect(byConstraint(camel, table), table).toEqual(byConstraint(graph, table));
    }
    expect(entityOf(camel, 'film').relations.find((r) => r.name === 'originalLanguage')?.mapping).toEqual(
      pairs(['original_language_id', 'language_id']),
    );
  });

  it('camel-cases function names', () => {
    expect(camel.functions.find((f) => f.dbName === 'film_in_stock')?.name).toBe('filmInStock');
    expect(camel.functions.find((f) => f.dbName === 'rewards_report')?.name).toBe('rewardsReport');
  });

  it('has the same fingerprint and another config digest', () => {
    expect(camel.fingerprint).toBe(graph.fingerprint);
    expect(camel.configDigest).not.toBe(graph.configDigest);
    expect(JSON.parse(JSON.stringify(camel))).toStrictEqual(camel);
  });
});
