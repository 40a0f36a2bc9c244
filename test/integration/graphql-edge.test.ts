import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { data, gql, startGraphqlServer } from '../support/graphql.js';

/** Edge cases found in review, each once wrong: kept as regression tests. */

let db: TestDatabase;
let server: RunningServer;
let numbers: RunningServer;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create table big_parent (id int8 primary key, name text not null);
    create table big_child (id serial primary key, parent_id int8 references big_parent, note text);
    insert into big_parent values (9007199254740993, 'p'), (9007199254740992, 'q');
    insert into big_child (parent_id, note) values (9007199254740993, 'child of p');
    create table node (id serial primary key, label text not null, next_id int unique references node);
    create table tagged (id int primary key, tags text[]);
    insert into tagged values (2000000000, '{a}'), (2000000001, '{b,c}'), (3, null);
    create type tri as enum ('true', 'false', 'unknown');
    create table answer (id int primary key, value tri not null);
    insert into answer values (1, 'true'), (2, 'unknown');
    create table parent (id serial primary key, name text not null);
    create table child (id serial primary key, parent_id int not null references parent, name text not null);
  `);
  server = await startGraphqlServer(db.url);
  numbers = await startGraphqlServer(db.url, { config: { output: { exactNumbers: 'number' } } });
});

afterAll(async () => {
  await numbers?.close();
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('keys and loaders', () => {
  it('joins on int8 keys beyond 2^53 even when numbers are emitted as JSON numbers', async () => {
    for (const target of [server, numbers]) {
      const got = await data<{ big_child: { parent: { name: string } }[]; big_parent: { name: string; big_children: { note: string }[] }[] }>(
        target,
        '{ big_child { parent { name } } big_parent(order_by: [{name: asc}]) { name big_children { note } } }',
      );
      expect(got.big_child).toEqual([{ parent: { name: 'p' } }]);
      expect(got.big_parent).toEqual([
        { name: 'p', big_children: [{ note: 'child of p' }] },
        { name: 'q', big_children: [] },
      ]);
    }
  });

  it('gives a fragment used at two depths its own loader at each', async () => {
    await sql.query("insert into parent (name) values ('a'); insert into child (parent_id, name) select id, 'c' from parent");
    const got = await data<{ child: unknown[]; parent: { children: { parent: { id: number; name: string; children: { name: string }[] } }[] }[] }>(
      server,
      `{ child { ...C } parent { children { ...C parent { name children { name } } } } }
       fragment C on child { id parent { id } }`,
    );
    // the fragment's `parent { id }` merges with the `parent { name children }` beside it
    const parentId = (await sql.query("select id from parent where name = 'a'")).rows[0].id;
    expect(got.parent[0]?.children[0]?.parent).toEqual({ id: parentId, name: 'a', children: [{ name: 'c' }] });
  });
});

describe('nested inserts', () => {
  it('inserts the side that holds the key second, also on a self-referencing one-to-one', async () => {
    const got = await data<{ insert_node_one: { label: string; node: { label: string; next_id: number } } }>(
      server,
      'mutation { insert_node_one(object: {label: "a", node: {data: {label: "prev"}}}) { id label node { label next_id } } }',
    );
    const a = await sql.query("select id from node where label = 'a'");
    expect(got.insert_node_one.label).toBe('a');
    expect(got.insert_node_one.node).toEqual({ label: 'prev', next_id: a.rows[0].id });
  });

  it('accepts a null relationship, and refuses a key given twice as validation-failed', async () => {
    const ok = await data<{ insert_parent_one: { name: string } }>(server, 'mutation { insert_parent_one(object: {name: "x", children: null}) { name } }');
    expect(ok.insert_parent_one.name).toBe('x');
    const twice = await gql(server, 'mutation { insert_child_one(object: {name: "c", parent_id: 1, parent: {data: {name: "y"}}}) { id } }');
    expect(twice.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });
});

describe('inputs and types', () => {
  it('refuses an order_by object with two keys (GraphQL does not keep their order)', async () => {
    const result = await gql(server, '{ tagged(order_by: {id: asc, tags: desc}) { id } }');
    expect(result.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    expect(result.errors?.[0]?.message).toContain('one key');
  });

  it('refuses an operator object left empty by a variable that was not given', async () => {
    const result = await gql(server, 'query($x: Int) { tagged(where: {id: {_eq: $x}}) { id } }');
    expect(result.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    expect(result.errors?.[0]?.message).toContain('no operator for "id"');
  });

  it('filters array columns with _in and _nin', async () => {
    const got = await data<{ a: { id: number }[]; b: { id: number }[] }>(
      server,
      '{ a: tagged(where: {tags: {_in: [["a"], ["x"]]}}) { id } b: tagged(where: {tags: {_nin: [["a"]]}}, order_by: [{id: asc}]) { id } }',
    );
    expect(got).toEqual({ a: [{ id: 2000000000 }], b: [{ id: 2000000001 }] });
  });

  it('answers the sum of an int4 as Hasura does: typed Int, a JSON number beyond 32 bits when one statement answers', async () => {
    const got = await data<{ tagged_aggregate: { aggregate: { sum: { id: number } } } }>(server, '{ tagged_aggregate { aggregate { sum { id } } } }');
    expect(got.tagged_aggregate.aggregate.sum.id).toBe(4000000004);
  });

  it('serves an enum whose labels are true and false', async () => {
    const got = await data<{ answer: { value: string }[] }>(server, '{ answer(where: {value: {_eq: _true}}) { value } }');
    expect(got.answer).toEqual([{ value: 'true' }]);
    const quoted = await data<{ answer: { value: string }[] }>(server, '{ answer(where: {value: {_eq: "unknown"}}) { value } }');
    expect(quoted.answer).toEqual([{ value: 'unknown' }]);
  });

  it('codes parse errors and bad variables as validation-failed', async () => {
    const parse = await gql(server, '{ tagged(');
    expect(parse.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    const variables = await gql(server, 'query($l: Int) { tagged(limit: $l) { id } }', { l: 'abc' });
    expect(variables.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });
});
