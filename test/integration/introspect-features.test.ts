/**
 * Introspection of test/fixtures/catalog-features.sql on a real PostgreSQL, asserted feature
 * by feature against the fixture's header: catalog query → catalog → TypeGraph.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, type Catalog } from '../../src/introspection/index.js';
import {
  buildTypeGraph,
  decodeSchemaCache,
  encodeSchemaCache,
  type Column,
  type ColumnPair,
  type DbRef,
  type Entity,
  type FunctionDef,
  type Relation,
  type TypeGraph,
  type TypeRef,
} from '../../src/model/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/catalog-features.sql', import.meta.url));

let db: TestDatabase | undefined;
let client: pg.Client | undefined;
/** introspected with both schemas exposed, default options */
let catalog: Catalog;
let fingerprint: string;
let graph: TypeGraph;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [FIXTURE] });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const result = await introspect(client, ['app', 'other']);
  catalog = result.catalog;
  fingerprint = result.fingerprint;
  const built = buildTypeGraph(catalog, fingerprint);
  expect(built.warnings).toEqual([]);
  graph = built.graph;
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

function connection(): pg.Client {
  if (client === undefined) throw new Error('no connection: beforeAll failed');
  return client;
}

// ---------------------------------------------------------------------------------------------
// helpers

const app = (dbName: string): DbRef => ({ schema: 'app', dbName });
const other = (dbName: string): DbRef => ({ schema: 'other', dbName });
const scalar = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });
const int4 = scalar('int4');
const text = scalar('text');
const pairs = (...list: [string, string][]): ColumnPair[] => list.map(([from, to]) => ({ from, to }));

function entityOf(g: TypeGraph, ref: DbRef): Entity {
  const found = g.entities.find((e) => e.schema === ref.schema && e.dbName === ref.dbName);
  if (found === undefined) throw new Error(`no entity ${ref.schema}.${ref.dbName}`);
  return withoutViewKeys(found);
}

/**
 * The entity's own keys and relations: those a base table's foreign key gives through a view
 * (PostgREST's, `viaView`) are left out here and tested on their own.
 */
function withoutViewKeys(e: Entity): Entity {
  return { ...e, foreignKeys: e.foreignKeys.filter((fk) => fk.viaView !== true), relations: e.relations.filter((r) => r.viaView !== true) };
}

const entity = (dbName: string, schema = 'app'): Entity => entityOf(graph, { schema, dbName });

function column(table: string, dbName: string): Column {
  const found = entity(table).columns.find((c) => c.dbName === dbName);
  if (found === undefined) throw new Error(`no column app.${table}.${dbName}`);
  return found;
}

function fn(dbName: string, schema = 'app'): FunctionDef {
  const found = graph.functions.filter((f) => f.schema === schema && f.dbName === dbName);
  if (found.length !== 1) throw new Error(`${found.length} functions ${schema}.${dbName}`);
  return found[0] as FunctionDef;
}

/** A relation from a foreign key, as the graph must hold it. */
function fkRelation(
  name: string,
  type: Relation['type'],
  cardinality: Relation['cardinality'],
  target: DbRef,
  mapping: ColumnPair[],
  constraint: string,
  // which side holds the key: the referencing side, except on the reverse of a relation
  foreignKeyOn: 'source' | 'target' = type === 'array' ? 'target' : 'source',
): Relation {
  return { name, type, cardinality, target, mapping, constraint, foreignKeyOn, origin: 'foreign_key' };
}

function manyToMany(
  name: string,
  target: DbRef,
  mapping: ColumnPair[],
  junction: DbRef,
  targetMapping: ColumnPair[],
  sourceConstraint: string,
  targetConstraint: string,
): Relation {
  return {
    name,
    type: 'array',
    cardinality: 'many_to_many',
    target,
    mapping,
    through: { junction, targetMapping, sourceConstraint, targetConstraint },
    origin: 'foreign_key',
  };
}

/** Every relation target and junction is an entity of the graph. */
function danglingRelations(g: TypeGraph): string[] {
  const keys = new Set(g.entities.map((e) => `${e.schema}.${e.dbName}`));
  return g.entities.flatMap((e) =>
    e.relations
      .filter(
        (r) =>
          !keys.has(`${r.target.schema}.${r.target.dbName}`) ||
          (r.through !== undefined && !keys.has(`${r.through.junction.schema}.${r.through.junction.dbName}`)),
      )
      .map((r) => `${e.schema}.${e.dbName}.${r.name}`),
  );
}

const ALL_OPERATIONS = { select: true, insert: true, update: true, delete: true };
const READ_ONLY = { select: true, insert: false, update: false, delete: false };

// ---------------------------------------------------------------------------------------------

describe('the schema cache', () => {
  it('gives back the fixture\'s graph exactly: every value, in the same key order', () => {
    const back = decodeSchemaCache(encodeSchemaCache(graph), 'cache.json');
    expect(back).toEqual(graph);
    expect(JSON.stringify(back)).toBe(JSON.stringify(graph));
  });
});

describe('entities', () => {
  it('exposes every table, view and foreign table of both schemas, with its kind', () => {
    expect(graph.schemas).toEqual(['app', 'other']);
    expect(graph.entities.map((e) => [`${e.schema}.${e.dbName}`, e.kind])).toEqual([
      ['app.active_person', 'view'],
      ['app.booking', 'table'],
      ['app.event', 'partitioned_table'],
      ['app.organization', 'table'],
      ['app.person', 'table'],
      ['app.person_alias', 'table'],
      ['app.person_directory', 'view'],
      ['app.person_profile', 'table'],
      ['app.post', 'table'],
      ['app.post_count_by_author', 'view'],
      ['app.post_like', 'table'],
      ['app.post_tag', 'table'],
      ['app.project', 'table'],
      ['app.remote_item', 'foreign_table'],
      ['app.remote_item_view', 'view'],
      ['app.remote_item_view_view', 'view'],
      ['app.tag', 'table'],
      ['app.tag_usage', 'materialized_view'],
      ['app.task', 'table'],
      ['other.country', 'table'],
    ]);
  });

  it('leaves the partitions out of the catalog itself: clients use the partitioned parent', () => {
    const names = catalog.relations.map((r) => r.name);
    expect(names).toContain('event');
    expect(names).not.toContain('event_2024');
    expect(names).not.toContain('event_2025');
    expect(entity('event')).toMatchObject({
      kind: 'partitioned_table',
      primaryKey: ['id', 'occurred_at'],
      operations: ALL_OPERATIONS,
      description: 'Partitioned by year.',
    });
    expect(entity('event').columns.map((c) => c.dbName)).toEqual(['id', 'occurred_at', 'kind', 'payload']);
  });

  it('gives tables, partitioned tables and the handler-less foreign table the operations they accept', () => {
    for (const table of ['booking', 'organization', 'person', 'post', 'post_tag', 'project', 'task', 'event']) {
      expect(entity(table).operations, table).toEqual(ALL_OPERATIONS);
    }
    expect(entity('country', 'other').operations).toEqual(ALL_OPERATIONS);
    // fixture_fdw has no handler: PostgreSQL can neither read nor write through it
    expect(entity('remote_item')).toMatchObject({
      kind: 'foreign_table',
      operations: READ_ONLY,
      primaryKey: [],
      description: 'A foreign table (its wrapper has no handler: never queried).',
    });
    // views over it, at any depth, are read-only too (and do not break the introspection)
    expect(entity('remote_item_view').operations).toEqual(READ_ONLY);
    expect(entity('remote_item_view_view').operations).toEqual(READ_ONLY);
    expect(entity('remote_item').columns).toEqual([
      { name: 'id', dbName: 'id', type: int4, nullable: false, hasDefault: false, generated: false },
      { name: 'label', dbName: 'label', type: text, nullable: true, hasDefault: false, generated: false },
    ]);
  });

  it('reports views as PostgreSQL reports them updatable', () => {
    // a simple view is automatically updatable
    expect(entity('active_person').operations).toEqual(ALL_OPERATIONS);
    // an aggregate view is not
    expect(entity('post_count_by_author').operations).toEqual(READ_ONLY);
    // an INSTEAD OF INSERT trigger makes a join view insertable, and only that
    expect(entity('person_directory').operations).toEqual({ select: true, insert: true, update: false, delete: false });
    expect(entity('tag_usage').operations).toEqual(READ_ONLY);
  });

  it('gives views and materialized views no keys, and nullable columns', () => {
    for (const view of ['active_person', 'post_count_by_author', 'person_directory', 'tag_usage']) {
      const e = entity(view);
      expect([e.primaryKey, e.uniqueKeys, e.foreignKeys, e.checks, e.relations], view).toEqual([[], [], [], [], []]);
      expect(e.columns.every((c) => c.nullable && !c.hasDefault && !c.generated), view).toBe(true);
    }
    expect(entity('active_person').columns.map((c) => [c.dbName, c.type])).toEqual([
      ['id', int4],
      ['email', text],
      ['first_name', text],
      ['last_name', text],
    ]);
    expect(entity('post_count_by_author').columns.map((c) => [c.dbName, c.type])).toEqual([
      ['author_id', int4],
      ['post_count', scalar('int8')],
    ]);
    expect(entity('person_directory').columns.map((c) => c.dbName)).toEqual(['id', 'email', 'first_name', 'organization_name']);
    expect(entity('tag_usage').columns.map((c) => [c.dbName, c.type])).toEqual([
      ['tag_id', int4],
      ['name', text],
      ['uses', scalar('int8')],
    ]);
  });
});

describe('columns', () => {
  it('keeps the column order of the table and leaves @omit columns out', () => {
    expect(entity('person').columns.map((c) => c.dbName)).toEqual([
      'id',
      'email',
      'first_name',
      'last_name',
      'full_name',
      'age',
      'status',
      'organization_id',
      'manager_id',
      'phone_numbers',
      'nick',
      'created_at',
    ]);
    expect(entity('person').columns.map((c) => c.name)).not.toContain('internal_notes');
  });

  it('resolves base, enum, array, domain, composite, range and json types', () => {
    expect(column('person', 'status').type).toEqual({ kind: 'enum', schema: 'app', name: 'person_status' });
    expect(column('task', 'priority').type).toEqual({ kind: 'enum', schema: 'app', name: 'priority' });
    expect(column('person', 'phone_numbers').type).toEqual({ kind: 'array', element: text });
    expect(column('post', 'related_ids').type).toEqual({ kind: 'array', element: int4 });
    // domains resolve to their base type and keep their own name
    expect(column('task', 'estimate_hours').type).toEqual({ ...int4, domain: app('positive_int') });
    expect(column('post', 'tags').type).toEqual({ kind: 'array', element: text, domain: app('tag_list') });
    expect(column('organization', 'address').type).toEqual({ kind: 'composite', schema: 'app', name: 'address' });
    expect(column('organization', 'country_code').type).toEqual(scalar('bpchar'));
    expect(column('booking', 'during').type).toEqual({
      kind: 'range',
      schema: 'pg_catalog',
      name: 'tstzrange',
      subtype: scalar('timestamptz'),
    });
    expect(column('booking', 'price_range').type).toEqual({
      kind: 'range',
      schema: 'app',
      name: 'float_range',
      subtype: scalar('float8'),
    });
    expect(column('post', 'raw').type).toEqual(scalar('json'));
    expect(column('post', 'metadata').type).toEqual(scalar('jsonb'));
    expect(column('event', 'payload').type).toEqual(scalar('jsonb'));
    expect(column('person', 'created_at').type).toEqual(scalar('timestamptz'));
  });

  it('reports nullability', () => {
    expect(column('person', 'last_name').nullable).toBe(true);
    expect(column('person', 'email').nullable).toBe(false);
    expect(column('person', 'age').nullable).toBe(true);
    expect(column('post', 'editor_id').nullable).toBe(true);
    expect(column('post', 'author_id').nullable).toBe(false);
    // a domain's column is as nullable as the column says
    expect(column('task', 'estimate_hours').nullable).toBe(true);
    expect(column('post', 'tags').nullable).toBe(false);
  });

  it('reports defaults as PostgreSQL prints them', () => {
    expect(column('person', 'status')).toEqual({
      name: 'status',
      dbName: 'status',
      type: { kind: 'enum', schema: 'app', name: 'person_status' },
      nullable: false,
      hasDefault: true,
      default: "'active'::app.person_status",
      generated: false,
    });
    expect(column('person', 'created_at')).toMatchObject({ hasDefault: true, default: 'now()' });
    expect(column('post', 'tags')).toMatchObject({ hasDefault: true, default: "'{}'::text[]" });
    expect(column('post', 'metadata')).toMatchObject({ hasDefault: true, default: "'{}'::jsonb" });
    expect(column('task', 'priority')).toMatchObject({ hasDefault: true, default: "'medium'::app.priority" });
    // serial
    expect(column('organization', 'id')).toEqual({
      name: 'id',
      dbName: 'id',
      type: int4,
      nullable: false,
      hasDefault: true,
      default: "nextval('app.organization_id_seq'::regclass)",
      generated: false,
    });
    expect(column('event', 'id')).toMatchObject({ type: scalar('int8'), hasDefault: true, default: "nextval('app.event_id_seq'::regclass)" });
    expect(column('person', 'last_name')).toEqual({
      name: 'last_name',
      dbName: 'last_name',
      type: text,
      nullable: true,
      hasDefault: false,
      generated: false,
    });
  });

  it('reports identity columns, which have a default but no default expression', () => {
    expect(column('person', 'id')).toEqual({
      name: 'id',
      dbName: 'id',
      type: int4,
      nullable: false,
      hasDefault: true,
      identity: 'always',
      generated: false,
    });
    expect(column('post', 'id')).toEqual({
      name: 'id',
      dbName: 'id',
      type: int4,
      nullable: false,
      hasDefault: true,
      identity: 'by_default',
      generated: false,
    });
    expect(column('organization', 'id').identity).toBeUndefined();
  });

  it('marks stored generated columns', () => {
    expect(column('person', 'full_name')).toMatchObject({
      name: 'full_name',
      type: text,
      nullable: true,
      hasDefault: true,
      generated: true,
    });
    expect(column('person', 'full_name').identity).toBeUndefined();
    // the generation expression is not a default a client could rely on
    expect(column('person', 'full_name').default).toBeUndefined();
    expect(entity('person').columns.filter((c) => c.generated).map((c) => c.dbName)).toEqual(['full_name']);
  });
});

describe('keys and constraints', () => {
  it('reads primary keys, composite ones in key order', () => {
    expect(entity('person').primaryKey).toEqual(['id']);
    expect(entity('project').primaryKey).toEqual(['org_id', 'project_no']);
    expect(entity('post_tag').primaryKey).toEqual(['post_id', 'tag_id']);
    expect(entity('post_like').primaryKey).toEqual(['id']);
    expect(entity('event').primaryKey).toEqual(['id', 'occurred_at']);
    expect(entity('country', 'other').primaryKey).toEqual(['code']);
  });

  it('reads unique keys', () => {
    expect(entity('person').uniqueKeys).toEqual([{ name: 'person_email_key', columns: ['email'] }]);
    expect(entity('person_profile').uniqueKeys).toEqual([{ name: 'person_profile_person_id_key', columns: ['person_id'] }]);
    expect(entity('post_like').uniqueKeys).toEqual([{ name: 'post_like_post_id_person_id_key', columns: ['post_id', 'person_id'] }]);
    expect(entity('organization').uniqueKeys).toEqual([{ name: 'organization_name_key', columns: ['name'] }]);
    expect(entity('tag').uniqueKeys).toEqual([{ name: 'tag_name_key', columns: ['name'] }]);
    expect(entity('country', 'other').uniqueKeys).toEqual([{ name: 'country_name_key', columns: ['name'] }]);
    expect(entity('post').uniqueKeys).toEqual([]);
  });

  it('reads check constraints (a domain check is not a table check)', () => {
    expect(entity('person').checks).toEqual([
      { name: 'person_age_check', definition: 'CHECK (age >= 0 AND age <= 150)' },
      { name: 'person_first_name_check', definition: "CHECK (first_name <> ''::text)" },
    ]);
    expect(entity('task').checks).toEqual([]);
    expect(entity('post').checks).toEqual([]);
  });

  it('reads foreign keys: composite, self-referencing, two to one table, cross-schema', () => {
    expect(entity('task').foreignKeys).toEqual([
      {
        name: 'task_org_id_project_no_fkey',
        columns: ['org_id', 'project_no'],
        target: app('project'),
        targetColumns: ['org_id', 'project_no'],
      },
    ]);
    expect(entity('person').foreignKeys).toEqual([
      { name: 'person_manager_id_fkey', columns: ['manager_id'], target: app('person'), targetColumns: ['id'] },
      { name: 'person_organization_id_fkey', columns: ['organization_id'], target: app('organization'), targetColumns: ['id'] },
    ]);
    expect(entity('post').foreignKeys).toEqual([
      { name: 'post_author_id_fkey', columns: ['author_id'], target: app('person'), targetColumns: ['id'] },
      { name: 'post_editor_id_fkey', columns: ['editor_id'], target: app('person'), targetColumns: ['id'] },
    ]);
    expect(entity('organization').foreignKeys).toEqual([
      { name: 'organization_country_code_fkey', columns: ['country_code'], target: other('country'), targetColumns: ['code'] },
    ]);
    expect(entity('post_like').foreignKeys).toEqual([
      { name: 'post_like_person_id_fkey', columns: ['person_id'], target: app('person'), targetColumns: ['id'] },
      { name: 'post_like_post_id_fkey', columns: ['post_id'], target: app('post'), targetColumns: ['id'] },
    ]);
  });
});

describe('relations', () => {
  it('person: self reference both ways, reverse sides, one-to-one, two FKs from post, many-to-many via a unique key', () => {
    expect(entity('person').relations).toEqual([
      fkRelation('manager', 'object', 'many_to_one', app('person'), pairs(['manager_id', 'id']), 'person_manager_id_fkey'),
      fkRelation('organization', 'object', 'many_to_one', app('organization'), pairs(['organization_id', 'id']), 'person_organization_id_fkey'),
      // the reverse side of the self reference: the people this person manages
      fkRelation('people', 'array', 'one_to_many', app('person'), pairs(['id', 'manager_id']), 'person_manager_id_fkey'),
      // person_alias is renamed people_alias: the plural follows the new name
      fkRelation('people_aliases', 'array', 'one_to_many', app('person_alias'), pairs(['id', 'person_id']), 'person_alias_person_id_fkey'),
      // one-to-one reverse: the referencing table's name, singular
      fkRelation('person_profile', 'object', 'one_to_one', app('person_profile'), pairs(['id', 'person_id']), 'person_profile_person_id_fkey', 'target'),
      fkRelation('post_likes', 'array', 'one_to_many', app('post_like'), pairs(['id', 'person_id']), 'post_like_person_id_fkey'),
      fkRelation('posts', 'array', 'one_to_many', app('post'), pairs(['id', 'author_id']), 'post_author_id_fkey'),
      // the later of two FKs from post to person gets _by_<fk columns>
      fkRelation('posts_by_editor_id', 'array', 'one_to_many', app('post'), pairs(['id', 'editor_id']), 'post_editor_id_fkey'),
      // many-to-many after `posts` is taken: _by_<junction>
      manyToMany(
        'posts_by_post_like',
        app('post'),
        pairs(['id', 'person_id']),
        app('post_like'),
        pairs(['post_id', 'id']),
        'post_like_person_id_fkey',
        'post_like_post_id_fkey',
      ),
    ]);
  });

  it('post: two object relations to person, many-to-many via both junctions, a name taken by a column', () => {
    expect(entity('post').relations).toEqual([
      fkRelation('author', 'object', 'many_to_one', app('person'), pairs(['author_id', 'id']), 'post_author_id_fkey'),
      fkRelation('editor', 'object', 'many_to_one', app('person'), pairs(['editor_id', 'id']), 'post_editor_id_fkey'),
      manyToMany(
        'people',
        app('person'),
        pairs(['id', 'post_id']),
        app('post_like'),
        pairs(['person_id', 'id']),
        'post_like_post_id_fkey',
        'post_like_person_id_fkey',
      ),
      fkRelation('post_likes', 'array', 'one_to_many', app('post_like'), pairs(['id', 'post_id']), 'post_like_post_id_fkey'),
      fkRelation('post_tags', 'array', 'one_to_many', app('post_tag'), pairs(['id', 'post_id']), 'post_tag_post_id_fkey'),
      // `tags` is the name of a column of post
      manyToMany(
        'tags_by_post_tag',
        app('tag'),
        pairs(['id', 'post_id']),
        app('post_tag'),
        pairs(['tag_id', 'id']),
        'post_tag_post_id_fkey',
        'post_tag_tag_id_fkey',
      ),
    ]);
  });

  it('tag: many-to-many through the primary-key junction', () => {
    expect(entity('tag').relations).toEqual([
      fkRelation('post_tags', 'array', 'one_to_many', app('post_tag'), pairs(['id', 'tag_id']), 'post_tag_tag_id_fkey'),
      manyToMany('posts', app('post'), pairs(['id', 'tag_id']), app('post_tag'), pairs(['post_id', 'id']), 'post_tag_tag_id_fkey', 'post_tag_post_id_fkey'),
    ]);
  });

  it('junctions keep their own object relations', () => {
    expect(entity('post_tag').relations).toEqual([
      fkRelation('post', 'object', 'many_to_one', app('post'), pairs(['post_id', 'id']), 'post_tag_post_id_fkey'),
      fkRelation('tag', 'object', 'many_to_one', app('tag'), pairs(['tag_id', 'id']), 'post_tag_tag_id_fkey'),
    ]);
    expect(entity('post_like').relations).toEqual([
      fkRelation('person', 'object', 'many_to_one', app('person'), pairs(['person_id', 'id']), 'post_like_person_id_fkey'),
      fkRelation('post', 'object', 'many_to_one', app('post'), pairs(['post_id', 'id']), 'post_like_post_id_fkey'),
    ]);
  });

  it('one-to-one from the side holding the unique foreign key', () => {
    expect(entity('person_profile').relations).toEqual([
      fkRelation('person', 'object', 'one_to_one', app('person'), pairs(['person_id', 'id']), 'person_profile_person_id_fkey'),
    ]);
    expect(entity('person_alias').relations).toEqual([
      fkRelation('person', 'object', 'many_to_one', app('person'), pairs(['person_id', 'id']), 'person_alias_person_id_fkey'),
    ]);
  });

  it('composite foreign key: both directions map every column pair, in key order', () => {
    expect(entity('task').relations).toEqual([
      fkRelation('project', 'object', 'many_to_one', app('project'), pairs(['org_id', 'org_id'], ['project_no', 'project_no']), 'task_org_id_project_no_fkey'),
    ]);
    expect(entity('project').relations).toEqual([
      // org_id → org: the FK column without _id
      fkRelation('org', 'object', 'many_to_one', app('organization'), pairs(['org_id', 'id']), 'project_org_id_fkey'),
      fkRelation('tasks', 'array', 'one_to_many', app('task'), pairs(['org_id', 'org_id'], ['project_no', 'project_no']), 'task_org_id_project_no_fkey'),
    ]);
  });

  it('cross-schema foreign key: a relation on each side when both schemas are exposed', () => {
    expect(entity('organization').relations).toEqual([
      // country_code does not end in _id: the referenced table's name
      fkRelation('country', 'object', 'many_to_one', other('country'), pairs(['country_code', 'code']), 'organization_country_code_fkey'),
      fkRelation('people', 'array', 'one_to_many', app('person'), pairs(['id', 'organization_id']), 'person_organization_id_fkey'),
      fkRelation('projects', 'array', 'one_to_many', app('project'), pairs(['id', 'org_id']), 'project_org_id_fkey'),
    ]);
    expect(entity('country', 'other').relations).toEqual([
      fkRelation('organizations', 'array', 'one_to_many', app('organization'), pairs(['code', 'country_code']), 'organization_country_code_fkey'),
    ]);
  });

  it('entities without foreign keys either way have no relations', () => {
    for (const table of ['booking', 'event', 'remote_item']) expect(entity(table).relations, table).toEqual([]);
  });

  it('leaves no relation name equal to a column name, nor two relations of one name', () => {
    for (const e of graph.entities) {
      const names = [...e.columns.map((c) => c.name), ...e.relations.map((r) => r.name)];
      expect(new Set(names).size, `${e.schema}.${e.dbName}`).toBe(names.length);
    }
    expect(danglingRelations(graph)).toEqual([]);
  });
});

describe('comments and smart comments', () => {
  it('turns comments into descriptions', () => {
    expect(entity('person').description).toBe('A person using the application.');
    expect(entity('post').description).toBe('Posts: author and editor are both people.');
    expect(entity('country', 'other').description).toBe('Countries, in another schema.');
    expect(entity('active_person').description).toBe('Simple view: automatically updatable.');
    expect(entity('booking').description).toBeUndefined();
    expect(column('person', 'email').description).toBe('Unique login e-mail.');
    expect(column('person', 'manager_id').description).toBe("Self reference: the person's manager.");
    expect(column('organization', 'country_code').description).toBe('Cross-schema reference to other.country.');
    expect(column('person', 'first_name').description).toBeUndefined();
  });

  it('@omit hides a table, a column and a function', () => {
    expect(catalog.relations.map((r) => r.name)).toContain('secret_stuff');
    expect(graph.entities.map((e) => e.dbName)).not.toContain('secret_stuff');
    expect(entity('person').columns.map((c) => c.dbName)).not.toContain('internal_notes');
    expect(catalog.functions.map((f) => f.name)).toContain('internal_helper');
    expect(graph.functions.map((f) => f.dbName)).not.toContain('internal_helper');
  });

  it('@name renames a table and a column, keeps the database name, and strips the tag from the description', () => {
    expect(entity('person_alias')).toMatchObject({ schema: 'app', dbName: 'person_alias', name: 'people_alias', description: 'Renamed table.' });
    expect(column('person', 'nick')).toEqual({
      name: 'nickname',
      dbName: 'nick',
      type: text,
      nullable: true,
      hasDefault: false,
      generated: false,
      description: 'Short name shown in the UI.',
    });
    expect(graph.entities.map((e) => e.name)).not.toContain('person_alias');
    expect(entity('person').columns.map((c) => c.name)).not.toContain('nick');
  });
});

describe('types', () => {
  it('lists the enums with their values in catalog order, not alphabetical', () => {
    expect(graph.enums).toEqual([
      {
        schema: 'app',
        dbName: 'person_status',
        name: 'person_status',
        values: ['pending', 'active', 'suspended', 'archived'],
        description: 'Lifecycle of a person; the order is meaningful, not alphabetical.',
      },
      { schema: 'app', dbName: 'priority', name: 'priority', values: ['low', 'medium', 'high', 'urgent'] },
    ]);
  });

  it('lists the standalone composite types with their fields (not the row types of tables)', () => {
    expect(graph.composites).toEqual([
      {
        schema: 'app',
        dbName: 'address',
        name: 'address',
        fields: [
          { name: 'street', type: text, nullable: true },
          { name: 'city', type: text, nullable: true },
          { name: 'postal_code', type: text, nullable: true },
        ],
        description: 'A postal address.',
      },
    ]);
  });
});

describe('functions', () => {
  const oid = expect.stringMatching(/^\d+$/) as unknown as string;

  it('exposes the user functions of both schemas, and neither @omit, trigger nor aggregate functions', () => {
    // The constructors CREATE TYPE … AS RANGE makes for app.float_range (and its multirange)
    // are PostgreSQL's, not the user's: they are left out with the rest.
    expect(graph.functions.map((f) => `${f.schema}.${f.dbName}`)).toEqual([
      'app.add_numbers',
      'app.archive_person',
      'app.count_secret_stuff',
      'app.create_tag',
      'app.greet',
      'app.person_display_name',
      'app.person_name_parts',
      'app.post_stats',
      'app.search_people',
      'app.strict_upper',
      'app.sum_all',
      'other.country_name',
    ]);
    const names = graph.functions.map((f) => f.dbName);
    expect(names).not.toContain('internal_helper');
    expect(names).not.toContain('person_directory_insert');
    expect(names).not.toContain('text_concat');
    // the aggregate is not even in the catalog; the trigger function is, and the model drops it
    expect(catalog.functions.map((f) => f.name)).not.toContain('text_concat');
    expect(catalog.functions.map((f) => f.name)).toContain('person_directory_insert');
  });

  it('stable SETOF an entity', () => {
    expect(fn('search_people')).toEqual({
      schema: 'app',
      dbName: 'search_people',
      name: 'search_people',
      oid,
      kind: 'function',
      description: 'People whose full name contains q.',
      args: [{ name: 'q', type: text, mode: 'in', hasDefault: false }],
      returns: { kind: 'entity', entity: app('person'), set: true },
      volatility: 'stable',
      strict: false,
      securityDefiner: false,
      language: 'sql',
    });
  });

  it('RETURNS TABLE and OUT parameters become columns; OUT parameters are not arguments', () => {
    expect(fn('post_stats')).toMatchObject({
      args: [],
      returns: {
        kind: 'columns',
        columns: [
          { name: 'author_id', type: int4 },
          { name: 'post_count', type: scalar('int8') },
        ],
        set: true,
      },
      volatility: 'stable',
    });
    expect(fn('person_name_parts')).toEqual({
      schema: 'app',
      dbName: 'person_name_parts',
      name: 'person_name_parts',
      oid,
      kind: 'function',
      args: [{ name: 'p_id', type: int4, mode: 'in', hasDefault: false }],
      returns: {
        kind: 'columns',
        columns: [
          { name: 'first_name', type: text },
          { name: 'last_name', type: text },
        ],
        set: false,
      },
      volatility: 'stable',
      strict: false,
      securityDefiner: false,
      language: 'sql',
    });
  });

  it('immutable scalar, volatile returning one entity row', () => {
    expect(fn('add_numbers')).toEqual({
      schema: 'app',
      dbName: 'add_numbers',
      name: 'add_numbers',
      oid,
      kind: 'function',
      description: 'Adds two integers.',
      args: [
        { name: 'a', type: int4, mode: 'in', hasDefault: false },
        { name: 'b', type: int4, mode: 'in', hasDefault: false },
      ],
      returns: { kind: 'value', type: int4, set: false },
      volatility: 'immutable',
      strict: false,
      securityDefiner: false,
      language: 'sql',
    });
    expect(fn('create_tag')).toMatchObject({
      args: [{ name: 'tag_name', type: text, mode: 'in', hasDefault: false }],
      returns: { kind: 'entity', entity: app('tag'), set: false },
      volatility: 'volatile',
    });
  });

  it('variadic, defaults, strict, security definer', () => {
    expect(fn('sum_all')).toMatchObject({
      args: [{ name: 'nums', type: { kind: 'array', element: int4 }, mode: 'variadic', hasDefault: false }],
      returns: { kind: 'value', type: int4, set: false },
      volatility: 'immutable',
    });
    expect(fn('greet').args).toEqual([
      { name: 'name', type: text, mode: 'in', hasDefault: false },
      { name: 'greeting', type: text, mode: 'in', hasDefault: true },
    ]);
    expect(fn('strict_upper')).toMatchObject({ strict: true, securityDefiner: false, volatility: 'immutable' });
    expect(fn('greet').strict).toBe(false);
    // it reads an @omit table, but returns a plain bigint: nothing of the table leaks
    expect(fn('count_secret_stuff')).toMatchObject({
      args: [],
      returns: { kind: 'value', type: scalar('int8'), set: false },
      volatility: 'stable',
      strict: false,
      securityDefiner: true,
    });
  });

  it('procedures', () => {
    expect(fn('archive_person')).toEqual({
      schema: 'app',
      dbName: 'archive_person',
      name: 'archive_person',
      oid,
      kind: 'procedure',
      description: 'A procedure: called with CALL, not a query.',
      args: [{ name: 'p_id', type: int4, mode: 'in', hasDefault: false }],
      returns: { kind: 'void' },
      volatility: 'volatile',
      strict: false,
      securityDefiner: false,
      language: 'sql',
    });
  });

  it('a function whose first argument is an entity row is a computed field of it', () => {
    expect(fn('person_display_name')).toEqual({
      schema: 'app',
      dbName: 'person_display_name',
      name: 'person_display_name',
      oid,
      kind: 'function',
      description: 'Computed field of app.person.',
      args: [{ name: 'p', type: { kind: 'composite', schema: 'app', name: 'person' }, mode: 'in', hasDefault: false }],
      returns: { kind: 'value', type: text, set: false },
      volatility: 'stable',
      strict: false,
      securityDefiner: false,
      language: 'sql',
      computedFieldOf: app('person'),
    });
    expect(graph.functions.filter((f) => f.computedFieldOf !== undefined).map((f) => f.dbName)).toEqual(['person_display_name']);
  });

  it('the function of the other schema', () => {
    expect(fn('country_name', 'other')).toMatchObject({
      schema: 'other',
      args: [{ name: 'code', type: text, mode: 'in', hasDefault: false }],
      returns: { kind: 'value', type: text, set: false },
      volatility: 'stable',
    });
  });
});

describe('the graph as data', () => {
  it('round-trips through JSON unchanged', () => {
    expect(JSON.parse(JSON.stringify(graph))).toStrictEqual(graph);
  });

  it('is the same when built again from the same catalog', () => {
    expect(buildTypeGraph(catalog, fingerprint).graph).toStrictEqual(graph);
  });

  it('carries the fingerprint and the server version', () => {
    expect(graph.fingerprint).toBe(fingerprint);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(graph.serverVersionNum).toBeGreaterThanOrEqual(150000);
  });
});

describe('only the app schema exposed', () => {
  let appOnly: TypeGraph;
  let appOnlyCatalog: Catalog;

  beforeAll(async () => {
    const result = await introspect(connection(), ['app']);
    appOnlyCatalog = result.catalog;
    const built = buildTypeGraph(result.catalog, result.fingerprint);
    expect(built.warnings).toEqual([]);
    appOnly = built.graph;
  });

  it('has only app entities, and keeps the cross-schema foreign key out of keys and relations', () => {
    expect(appOnly.schemas).toEqual(['app']);
    expect(appOnly.entities.every((e) => e.schema === 'app')).toBe(true);
    expect(appOnly.entities.map((e) => e.dbName)).toEqual(graph.entities.filter((e) => e.schema === 'app').map((e) => e.dbName));
    const organization = entityOf(appOnly, app('organization'));
    expect(organization.foreignKeys).toEqual([]);
    expect(organization.relations.map((r) => r.name)).toEqual(['people', 'projects']);
    // the column itself stays
    expect(organization.columns.find((c) => c.dbName === 'country_code')?.type).toEqual(scalar('bpchar'));
    expect(danglingRelations(appOnly)).toEqual([]);
    expect(appOnly.entities.flatMap((e) => e.relations).filter((r) => r.target.schema !== 'app')).toEqual([]);
  });

  it('leaves every other entity exactly as with both schemas exposed', () => {
    for (const e of appOnly.entities) {
      if (e.dbName === 'organization') continue;
      expect(withoutViewKeys(e), e.dbName).toStrictEqual(entity(e.dbName));
    }
  });

  it('has the app functions and not the other schema function', () => {
    expect(appOnlyCatalog.functions.map((f) => f.schema)).not.toContain('other');
    expect(appOnly.functions.map((f) => `${f.schema}.${f.dbName}`)).toEqual(
      graph.functions.filter((f) => f.schema === 'app').map((f) => `${f.schema}.${f.dbName}`),
    );
    expect(appOnly.functions.map((f) => f.dbName)).not.toContain('country_name');
    expect(appOnly.enums).toEqual(graph.enums);
    expect(appOnly.composites).toEqual(graph.composites);
  });

  it('has a fingerprint of its own', () => {
    expect(appOnly.fingerprint).not.toBe(fingerprint);
    expect(JSON.parse(JSON.stringify(appOnly))).toStrictEqual(appOnly);
  });
});

// Last: it changes the database.
describe('fingerprint', () => {
  it('is stable across runs, and changes (with the graph) when a column is added', async () => {
    const again = await introspect(connection(), ['app', 'other']);
    expect(again.fingerprint).toBe(fingerprint);
    expect(again.catalog).toStrictEqual(catalog);

    await connection().query('alter table app.person add column x int');
    const changed = await introspect(connection(), ['app', 'other']);
    expect(changed.fingerprint).not.toBe(fingerprint);
    const person = entityOf(buildTypeGraph(changed.catalog, changed.fingerprint).graph, app('person'));
    expect(person.columns.map((c) => c.dbName)).toEqual([...entity('person').columns.map((c) => c.dbName), 'x']);
    expect(person.columns.at(-1)).toEqual({ name: 'x', dbName: 'x', type: int4, nullable: true, hasDefault: false, generated: false });

    const stable = await introspect(connection(), ['app', 'other']);
    expect(stable.fingerprint).toBe(changed.fingerprint);
  });
});
