import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { data, gql, startGraphqlServer } from '../support/graphql.js';
import { recordStatements } from '../support/statements.js';

/** GraphQL mutations on Pagila, each checked against the tables read with hand-written SQL. */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

const one = async <T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T | undefined> => (await sql.query(text, values)).rows[0] as T | undefined;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create table doc (id int primary key, body jsonb not null default '{}', list jsonb);
    insert into doc values (1, '{"a": 1, "b": {"c": 2}}', '[1, 2, 3]');
    create function rename_actor(p_id int, p_name text) returns actor language sql volatile
      as $$ update actor set first_name = p_name where actor_id = p_id returning * $$;
  `);
  server = await startGraphqlServer(db.url);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('insert', () => {
  it('inserts several rows in one statement, with defaults for what is not given', async () => {
    const got = await data<{ insert_actor: { affected_rows: number; returning: { actor_id: number; first_name: string; last_update: string }[] } }>(
      server,
      'mutation { insert_actor(objects: [{first_name: "GRACE", last_name: "HOPPER"}, {first_name: "ALAN", last_name: "TURING"}]) { affected_rows returning { actor_id first_name last_update } } }',
    );
    expect(got.insert_actor.affected_rows).toBe(2);
    expect(got.insert_actor.returning.map((a) => a.first_name)).toEqual(['GRACE', 'ALAN']);
    for (const actor of got.insert_actor.returning) {
      const row = await one<{ first_name: string; last_update: Date }>('select first_name, last_update from actor where actor_id = $1', [actor.actor_id]);
      expect(row?.first_name).toBe(actor.first_name);
      expect(row?.last_update).toBeInstanceOf(Date);
    }
  });

  it('upserts on a constraint: update the given columns, or do nothing', async () => {
    const updated = await data<{ insert_language_one: { language_id: number; name: string } }>(
      server,
      'mutation { insert_language_one(object: {language_id: 1, name: "English!"}, on_conflict: {constraint: language_pkey, update_columns: [name]}) { language_id name } }',
    );
    expect(updated.insert_language_one.name.trim()).toBe('English!');
    expect((await one<{ name: string }>('select name from language where language_id = 1'))?.name.trim()).toBe('English!');
    const ignored = await data<{ insert_language: { affected_rows: number } }>(
      server,
      'mutation { insert_language(objects: [{language_id: 1, name: "Ignored"}], on_conflict: {constraint: language_pkey, update_columns: []}) { affected_rows } }',
    );
    expect(ignored.insert_language.affected_rows).toBe(0);
    const guarded = await data<{ insert_language: { affected_rows: number } }>(
      server,
      'mutation { insert_language(objects: [{language_id: 1, name: "Never"}], on_conflict: {constraint: language_pkey, update_columns: [name], where: {name: {_eq: "no such name"}}}) { affected_rows } }',
    );
    expect(guarded.insert_language.affected_rows).toBe(0);
    expect((await one<{ name: string }>('select name from language where language_id = 1'))?.name.trim()).toBe('English!');
  });

  it('inserts nested rows through array and object relationships, and returns them', async () => {
    const got = await data<{ insert_language_one: { language_id: number; name: string; films: { title: string; language_id: number }[] } }>(
      server,
      `mutation { insert_language_one(object: {name: "Klingon", films: {data: [
          {title: "QAPLA", rental_duration: 3, rental_rate: "1.99", replacement_cost: "9.99", fulltext: "qapla"},
          {title: "HEGHLU", rental_duration: 3, rental_rate: "1.99", replacement_cost: "9.99", fulltext: "heghlu"}]}}) {
        language_id name films(order_by: {title: asc}) { title language_id } } }`,
    );
    const id = got.insert_language_one.language_id;
    expect(got.insert_language_one.films).toEqual([
      { title: 'HEGHLU', language_id: id },
      { title: 'QAPLA', language_id: id },
    ]);
    expect(Number((await one<{ n: string }>('select count(*) as n from film where language_id = $1', [id]))?.n)).toBe(2);

    const parent = await data<{ insert_film_one: { title: string; language: { name: string } } }>(
      server,
      `mutation { insert_film_one(object: {title: "NESTED PARENT", rental_duration: 3, rental_rate: "1.99", replacement_cost: "9.99", fulltext: "x",
          language: {data: {name: "Elvish"}}}) { title language { name } } }`,
    );
    expect(parent.insert_film_one.language.name.trim()).toBe('Elvish');
  });

  it('upserts nested rows with their own on_conflict: an existing parent is updated and keeps its key', async () => {
    // language 1 exists: the nested parent upserts it (name updated) and the film points at it
    const got = await data<{ insert_film_one: { title: string; language: { language_id: number; name: string } } }>(
      server,
      `mutation { insert_film_one(object: {title: "UPSERTED PARENT", rental_duration: 3, rental_rate: "1.99", replacement_cost: "9.99", fulltext: "x",
          language: {data: {language_id: 1, name: "English (upserted)"}, on_conflict: {constraint: language_pkey, update_columns: [name]}}}) {
          title language { language_id name } } }`,
    );
    expect(got.insert_film_one.language.language_id).toBe(1);
    expect(got.insert_film_one.language.name.trim()).toBe('English (upserted)');
    expect((await one<{ name: string }>('select name from language where language_id = 1'))?.name.trim()).toBe('English (upserted)');

    // children that exist already are skipped with do-nothing; new ones are inserted
    const before = Number((await one<{ n: string }>('select count(*) as n from film_actor where film_id = 1'))?.n);
    const children = await data<{ insert_actor_one: { actor_id: number } }>(
      server,
      `mutation { insert_actor_one(object: {first_name: "NEW", last_name: "ACTOR", film_actors: {data: [{film_id: 1}, {film_id: 2}],
          on_conflict: {constraint: film_actor_pkey, update_columns: []}}}) { actor_id } }`,
    );
    const actor = children.insert_actor_one.actor_id;
    expect(Number((await one<{ n: string }>('select count(*) as n from film_actor where actor_id = $1', [actor]))?.n)).toBe(2);
    expect(Number((await one<{ n: string }>('select count(*) as n from film_actor where film_id = 1'))?.n)).toBe(before + 1);

    // a do-nothing parent that already exists gives no key: a clear error, nothing written
    const refused = await gql(
      server,
      `mutation { insert_film_one(object: {title: "ORPHAN", rental_duration: 3, rental_rate: "1.99", replacement_cost: "9.99", fulltext: "x",
          language: {data: {language_id: 2, name: "Italian"}, on_conflict: {constraint: language_pkey, update_columns: []}}}) { title } }`,
    );
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    expect(refused.errors?.[0]?.message).toMatch(/was not inserted/);
    expect(await one('select 1 from film where title = $1', ['ORPHAN'])).toBeUndefined();
  });

  it('reports a constraint violation with its code, and writes nothing', async () => {
    const before = await one<{ n: string }>('select count(*) as n from actor');
    const result = await gql(server, 'mutation { insert_actor(objects: [{first_name: "OK", last_name: "ROW"}, {actor_id: 1, first_name: "DUP", last_name: "KEY"}]) { affected_rows } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'constraint-violation', constraint: 'actor_pkey' });
    expect(result.data).toBeNull();
    expect((await one<{ n: string }>('select count(*) as n from actor'))?.n).toBe(before?.n);
  });
});

describe('update', () => {
  it('sets and increments, returning the new values', async () => {
    const before = await one<{ rental_duration: number }>('select rental_duration from film where film_id = 10');
    const got = await data<{ update_film: { affected_rows: number; returning: { rental_duration: number; title: string }[] } }>(
      server,
      'mutation { update_film(where: {film_id: {_eq: 10}}, _set: {title: "RENAMED"}, _inc: {rental_duration: 2}) { affected_rows returning { title rental_duration } } }',
    );
    expect(got.update_film).toEqual({ affected_rows: 1, returning: [{ title: 'RENAMED', rental_duration: (before?.rental_duration ?? 0) + 2 }] });
    expect(await one('select title, rental_duration from film where film_id = 10')).toEqual({ title: 'RENAMED', rental_duration: (before?.rental_duration ?? 0) + 2 });
  });

  it('applies the jsonb operators', async () => {
    await data(server, 'mutation { update_doc_by_pk(pk_columns: {id: 1}, _append: {body: {d: 4}}, _delete_key: {body: "a"}) { id } }');
    expect((await one<{ body: unknown }>('select body from doc where id = 1'))?.body).toEqual({ b: { c: 2 }, d: 4 });
    await data(server, 'mutation { update_doc_by_pk(pk_columns: {id: 1}, _prepend: {list: [0]}, _delete_at_path: {body: ["b", "c"]}) { id } }');
    expect(await one('select body, list from doc where id = 1')).toEqual({ body: { b: {}, d: 4 }, list: [0, 1, 2, 3] });
    await data(server, 'mutation { update_doc_by_pk(pk_columns: {id: 1}, _delete_elem: {list: -1}) { id } }');
    expect((await one<{ list: unknown }>('select list from doc where id = 1'))?.list).toEqual([0, 1, 2]);
  });

  it('runs update_many in order and update_by_pk gives null for no row', async () => {
    const got = await data<{ update_actor_many: { affected_rows: number }[]; update_actor_by_pk: unknown }>(
      server,
      `mutation {
        update_actor_many(updates: [{where: {actor_id: {_eq: 2}}, _set: {last_name: "FIRST"}}, {where: {last_name: {_eq: "FIRST"}}, _set: {last_name: "SECOND"}}]) { affected_rows }
        update_actor_by_pk(pk_columns: {actor_id: 999999}, _set: {last_name: "NOBODY"}) { actor_id }
      }`,
    );
    expect(got.update_actor_many).toEqual([{ affected_rows: 1 }, { affected_rows: 1 }]);
    expect(got.update_actor_by_pk).toBeNull();
    expect((await one<{ last_name: string }>('select last_name from actor where actor_id = 2'))?.last_name).toBe('SECOND');
  });

  it('refuses an update without any operator', async () => {
    const result = await gql(server, 'mutation { update_actor(where: {actor_id: {_eq: 2}}) { affected_rows } }');
    expect(result.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });
});

describe('delete', () => {
  it('deletes by condition and by primary key, returning what was deleted', async () => {
    await sql.query("insert into actor (actor_id, first_name, last_name) values (9001, 'DEL', 'ONE'), (9002, 'DEL', 'TWO'), (9003, 'DEL', 'THREE')");
    const got = await data<{ delete_actor: { affected_rows: number; returning: { actor_id: number }[] }; delete_actor_by_pk: { last_name: string } }>(
      server,
      'mutation { delete_actor(where: {actor_id: {_in: [9001, 9002]}}) { affected_rows returning { actor_id } } delete_actor_by_pk(actor_id: 9003) { last_name } }',
    );
    expect(got.delete_actor.affected_rows).toBe(2);
    expect(got.delete_actor.returning.map((a) => a.actor_id).sort()).toEqual([9001, 9002]);
    expect(got.delete_actor_by_pk.last_name).toBe('THREE');
    expect((await one<{ n: string }>('select count(*) as n from actor where actor_id between 9001 and 9003'))?.n).toBe('0');
  });
});

describe('one transaction per request', () => {
  it('runs a one-field mutation with nothing to load afterwards as one statement, without BEGIN/COMMIT', async () => {
    const { result, texts } = await recordStatements(server.pool, () =>
      data<{ insert_actor_one: { first_name: string } }>(server, 'mutation { insert_actor_one(object: {first_name: "ONE", last_name: "STATEMENT"}) { first_name } }'),
    );
    expect(result.insert_actor_one.first_name).toBe('ONE');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/insert into/i);
  });

  it('rolls back every mutation field when a later one fails', async () => {
    const result = await gql(
      server,
      `mutation {
        a: insert_actor_one(object: {actor_id: 9100, first_name: "ROLLED", last_name: "BACK"}) { actor_id }
        b: update_film(where: {film_id: {_eq: 1}}, _set: {title: "SHOULD NOT STAY"}) { affected_rows }
        c: insert_actor_one(object: {actor_id: 1, first_name: "DUP", last_name: "KEY"}) { actor_id }
      }`,
    );
    expect(result.errors?.[0]?.extensions?.['code']).toBe('constraint-violation');
    expect(result.data).toBeNull();
    expect(await one('select 1 from actor where actor_id = 9100')).toBeUndefined();
    expect((await one<{ title: string }>('select title from film where film_id = 1'))?.title).not.toBe('SHOULD NOT STAY');
  });

  it('serves volatile functions as mutations: set-returning scalars and rows of a table', async () => {
    const stock = await data<{ film_in_stock: number[] }>(server, 'mutation { film_in_stock(args: {p_film_id: 1, p_store_id: 1}) }');
    const expected = (await sql.query('select * from film_in_stock(1, 1)')).rows.map((r: Record<string, number>) => Object.values(r)[0]);
    expect(expected.length).toBeGreaterThan(0);
    expect(stock.film_in_stock).toEqual(expected);
    const touched = await data<{ rename_actor: { actor_id: number; first_name: string } }>(server, 'mutation { rename_actor(args: {p_id: 3, p_name: "RENAMED"}) { actor_id first_name } }');
    expect(touched.rename_actor).toEqual({ actor_id: 3, first_name: 'RENAMED' });
    expect((await one<{ first_name: string }>('select first_name from actor where actor_id = 3'))?.first_name).toBe('RENAMED');
  });
});
