import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHasura } from '../../src/cli/import-hasura.js';
import { configSchema, loadConfig } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { data, gql, startGraphqlServer } from '../support/graphql.js';
import { eventually } from '../support/server.js';

/**
 * Hasura's graphql-default naming convention (`graphql.namingConvention`), end to end on
 * Pagila: camelCase root fields, fields and arguments, PascalCase types, upper-case order_by
 * values; every answer checked against the tables read with hand-written SQL.
 */

let db: TestDatabase;
let server: RunningServer;
let resolvers: RunningServer;
let sql: pg.Client;

const rows = async <T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> => (await sql.query(text, values)).rows as T[];

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create table doc_item (item_id int primary key, body_json jsonb not null default '{}');
    insert into doc_item values (1, '{"a": 1, "b": 2}'), (2, '{"c": 3}');
    create table film_note (film_id int primary key references film, note text not null);
    create table day_name (value text primary key, comment text);
    insert into day_name values ('Sunday', 'day of rest'), ('Monday', null);
    alter table doc_item add column favourite_day text references day_name;
    update doc_item set favourite_day = 'Sunday' where item_id = 1;
    create function film_title_upper(p_film_id int, p_suffix text default '') returns text language sql stable
      as $$ select upper(title) || p_suffix from film where film_id = p_film_id $$;
    insert into film_note values (1, 'a classic'), (2, 'a sequel');
  `);
  const config = {
    graphql: { namingConvention: 'graphql-default' as const },
    subscriptions: { interval: 200 },
    // custom names win: a table and a column renamed in the configuration keep their spelling
    tables: { 'public.film_note': { name: 'filmBlurb' }, 'public.day_name': { isEnum: true }, 'public.staff': { columns: { first_name: { name: 'given_name' } } } },
  };
  server = await startGraphqlServer(db.url, { config });
  // the same schema answered by the resolvers (DataLoader) rather than one statement
  resolvers = await startGraphqlServer(db.url, { config: { ...config, graphql: { ...config.graphql, oneStatement: false } } });
});

afterAll(async () => {
  await server?.close();
  await resolvers?.close();
  await sql?.end();
  await db?.drop();
});

describe('graphql-default queries', () => {
  it('reads one row by key: filmByPk, with camelCase columns and the PascalCase __typename', async () => {
    const got = await data<{ filmByPk: { title: string; releaseYear: number; rentalRate: number; __typename: string } }>(server, '{ filmByPk(filmId: 7) { title releaseYear rentalRate __typename } }');
    const [row] = await rows<{ title: string; release_year: number; rental_rate: string }>('select title, release_year, rental_rate from film where film_id = 7');
    expect(got.filmByPk).toEqual({ title: row?.title, releaseYear: row?.release_year, rentalRate: Number(row?.rental_rate), __typename: 'Film' });
  });

  it('filters with where on camelCase columns, orders with orderBy and upper-case directions', async () => {
    for (const target of [server, resolvers]) {
      const got = await data<{ film: { filmId: number }[] }>(
        target,
        '{ film(where: {releaseYear: {_gt: 2000}, rating: {_eq: "PG"}, originalLanguageId: {_isNull: true}}, orderBy: [{length: DESC_NULLS_LAST}, {filmId: ASC}], limit: 5) { filmId } }',
      );
      const expected = await rows<{ film_id: number }>(
        "select film_id from film where release_year > 2000 and rating = 'PG' and original_language_id is null order by length desc nulls last, film_id limit 5",
      );
      expect(got.film.map((f) => f.filmId)).toEqual(expected.map((r) => r.film_id));
      expect(got.film.length).toBe(5);
    }
  });

  it('aggregates: filmAggregate { aggregate { count, stddevPop, max } } with its types', async () => {
    const got = await data<{ filmAggregate: { __typename: string; aggregate: { __typename: string; count: number; max: { rentalRate: number }; stddevPop: { length: number } } } }>(
      server,
      '{ filmAggregate(where: {releaseYear: {_gt: 2000}}) { __typename aggregate { __typename count max { rentalRate } stddevPop { length } } } }',
    );
    const [row] = await rows<{ count: string; max: string; sd: number }>('select count(*), max(rental_rate), stddev_pop(length)::float8 as sd from film where release_year > 2000');
    expect(got.filmAggregate.__typename).toBe('FilmAggregate');
    expect(got.filmAggregate.aggregate.__typename).toBe('FilmAggregateFields');
    expect(got.filmAggregate.aggregate.count).toBe(Number(row?.count));
    expect(got.filmAggregate.aggregate.max.rentalRate).toBe(Number(row?.max));
    expect(got.filmAggregate.aggregate.stddevPop.length).toBeCloseTo(row?.sd ?? NaN, 6);
  });

  it('distinctOn with a matching orderBy', async () => {
    const got = await data<{ film: { rating: string }[] }>(server, '{ film(distinctOn: [rating], orderBy: [{rating: ASC}]) { rating } }');
    const expected = await rows<{ rating: string }>('select distinct on (rating) rating from film order by rating');
    expect(got.film.map((f) => f.rating)).toEqual(expected.map((r) => r.rating));
  });

  it('follows relationships (camelCase names), filters and orders by an aggregate of an array relationship', async () => {
    for (const target of [server, resolvers]) {
      const got = await data<{ film: { filmId: number; language: { name: string }; filmActorsAggregate: { aggregate: { count: number } }; actors: { lastName: string }[] }[] }>(
        target,
        `{ film(where: {filmActorsAggregate: {count: {predicate: {_gt: 10}}}}, orderBy: [{filmActorsAggregate: {count: DESC}}, {filmId: ASC}], limit: 3) {
             filmId language { name } filmActorsAggregate { aggregate { count } } actors(orderBy: {lastName: ASC}, limit: 2) { lastName } } }`,
      );
      const expected = await rows<{ film_id: number; n: string }>(
        'select f.film_id, count(*) as n from film f join film_actor fa using (film_id) group by f.film_id having count(*) > 10 order by count(*) desc, f.film_id limit 3',
      );
      expect(got.film.map((f) => [f.filmId, f.filmActorsAggregate.aggregate.count])).toEqual(expected.map((r) => [r.film_id, Number(r.n)]));
      const first = got.film[0];
      const actors = await rows<{ last_name: string }>('select a.last_name from actor a join film_actor fa using (actor_id) where fa.film_id = $1 order by a.last_name limit 2', [first?.filmId]);
      expect(first?.actors.map((a) => a.lastName)).toEqual(actors.map((a) => a.last_name));
      const [language] = await rows<{ name: string }>('select l.name from language l join film f using (language_id) where f.film_id = $1', [first?.filmId]);
      expect(first?.language.name).toBe(language?.name);
    }
  });

  it('reads jsonb with the camelCase operators (_hasKey, _containedIn)', async () => {
    const got = await data<{ docItem: { itemId: number }[] }>(server, '{ docItem(where: {bodyJson: {_hasKey: "a", _containedIn: {a: 1, b: 2, z: 0}}}) { itemId } }');
    expect(got.docItem).toEqual([{ itemId: 1 }]);
  });

  it('spells the values of an enum table upper case, in answers and in arguments (the table keeps its own)', async () => {
    for (const target of [server, resolvers]) {
      const got = await data<{ docItem: { itemId: number; favouriteDay: string }[] }>(target, '{ docItem(where: {favouriteDay: {_eq: SUNDAY}}) { itemId favouriteDay } }');
      expect(got.docItem).toEqual([{ itemId: 1, favouriteDay: 'SUNDAY' }]);
    }
    const inserted = await data<{ insertDocItemOne: { favouriteDay: string } }>(server, 'mutation { insertDocItemOne(object: {itemId: 3, favouriteDay: MONDAY}) { favouriteDay } }');
    expect(inserted.insertDocItemOne.favouriteDay).toBe('MONDAY');
    expect(await rows('select favourite_day from doc_item where item_id = 3')).toEqual([{ favourite_day: 'Monday' }]);
  });

  it('takes variables typed with the graphql-default type names (FilmBoolExp, [FilmOrderBy!], OrderBy)', async () => {
    const got = await data<{ film: { filmId: number }[] }>(
      server,
      'query($where: FilmBoolExp, $orderBy: [FilmOrderBy!], $dir: OrderBy) { film(where: $where, orderBy: $orderBy, limit: 2) { filmId } actor(orderBy: {actorId: $dir}, limit: 1) { actorId } }',
      { where: { title: { _ilike: 'a%' } }, orderBy: [{ title: 'DESC' }], dir: 'DESC' },
    );
    const expected = await rows<{ film_id: number }>("select film_id from film where title ilike 'a%' order by title desc limit 2");
    expect(got.film.map((f) => f.filmId)).toEqual(expected.map((r) => r.film_id));
  });

  it('calls a function with camelCase arguments (PostgreSQL gets them by their own names)', async () => {
    const got = await data<{ filmTitleUpper: string }>(server, '{ filmTitleUpper(args: {pFilmId: 3, pSuffix: "!"}) }');
    const [row] = await rows<{ title: string }>("select upper(title) || '!' as title from film where film_id = 3");
    expect(got.filmTitleUpper).toBe(row?.title);
    const wrong = await gql(server, '{ filmTitleUpper(args: {p_film_id: 3}) }');
    expect(wrong.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });

  it('groups with filmGroups(groupBy:, having:, orderBy:) { keys aggregate }', async () => {
    for (const target of [server, resolvers]) {
      const got = await data<{ filmGroups: { __typename: string; keys: { rating: string }; aggregate: { count: number; stddevPop: { length: number } } }[] }>(
        target,
        '{ filmGroups(groupBy: [rating], having: {count: {predicate: {_gt: 190}}, stddevPop: {length: {_isNull: false}}}, orderBy: [{aggregate: {stddevPop: {length: DESC}}}]) { __typename keys { rating } aggregate { count stddevPop { length } } } }',
      );
      const expected = await rows<{ rating: string; n: string }>('select rating::text, count(*) as n from film group by rating having count(*) > 190 order by stddev_pop(length) desc');
      expect(got.filmGroups.map((g) => [g.keys.rating, g.aggregate.count])).toEqual(expected.map((r) => [r.rating, Number(r.n)]));
      expect(got.filmGroups[0]?.__typename).toBe('FilmGroup');
    }
  });

  it('keeps custom names as written: a renamed table and a renamed column', async () => {
    const got = await data<{ filmBlurb: { filmId: number; __typename: string }[]; filmBlurbByPk: { note: string } | null; staff: { given_name: string }[] }>(
      server,
      '{ filmBlurb(limit: 1, orderBy: {filmId: ASC}) { filmId __typename } filmBlurbByPk(filmId: 1) { note } staff(orderBy: {staffId: ASC}, limit: 1) { given_name } }',
    );
    const [note] = await rows<{ note: string }>('select note from film_note where film_id = 1');
    const [staff] = await rows<{ first_name: string }>('select first_name from staff order by staff_id limit 1');
    expect(got.filmBlurb[0]).toEqual({ filmId: 1, __typename: 'filmBlurb' });
    expect(got.filmBlurbByPk?.note).toBe(note?.note);
    expect(got.staff[0]?.given_name).toBe(staff?.first_name);
  });

  it('refuses the hasura-default spellings with a validation error, not a 500', async () => {
    const body = await gql(server, '{ film_by_pk(film_id: 1) { title } }');
    expect(body.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    const wrongOrder = await gql(server, '{ film(order_by: {title: asc}) { title } }');
    expect(wrongOrder.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });
});

describe('graphql-default mutations', () => {
  it('insertActorOne, updateActorByPk(pkColumns:, _set:), deleteActorByPk', async () => {
    const inserted = await data<{ insertActorOne: { actorId: number; firstName: string; __typename: string } }>(server, 'mutation { insertActorOne(object: {firstName: "GRACE", lastName: "HOPPER"}) { actorId firstName __typename } }');
    const id = inserted.insertActorOne.actorId;
    expect(inserted.insertActorOne.__typename).toBe('Actor');
    expect(await rows('select first_name, last_name from actor where actor_id = $1', [id])).toEqual([{ first_name: 'GRACE', last_name: 'HOPPER' }]);

    const updated = await data<{ updateActorByPk: { lastName: string } }>(server, `mutation { updateActorByPk(pkColumns: {actorId: ${id}}, _set: {lastName: "MURRAY"}) { lastName } }`);
    expect(updated.updateActorByPk.lastName).toBe('MURRAY');
    expect(await rows('select last_name from actor where actor_id = $1', [id])).toEqual([{ last_name: 'MURRAY' }]);

    const deleted = await data<{ deleteActorByPk: { actorId: number } }>(server, `mutation { deleteActorByPk(actorId: ${id}) { actorId } }`);
    expect(deleted.deleteActorByPk.actorId).toBe(id);
    expect(await rows('select 1 from actor where actor_id = $1', [id])).toEqual([]);
  });

  it('insertActor(objects:, onConflict: {constraint: actorPkey, updateColumns: […]}) { affectedRows returning }', async () => {
    const got = await data<{ insertActor: { affectedRows: number; returning: { actorId: number; firstName: string }[]; __typename: string } }>(
      server,
      'mutation { insertActor(objects: [{actorId: 1, firstName: "PENNY", lastName: "GUINESS"}, {actorId: 9001, firstName: "ADA", lastName: "LOVELACE"}], onConflict: {constraint: actorPkey, updateColumns: [firstName]}) { affectedRows returning { actorId firstName } __typename } }',
    );
    expect(got.insertActor.__typename).toBe('ActorMutationResponse');
    expect(got.insertActor.affectedRows).toBe(2);
    expect(await rows('select actor_id, first_name from actor where actor_id in (1, 9001) order by actor_id')).toEqual([
      { actor_id: 1, first_name: 'PENNY' },
      { actor_id: 9001, first_name: 'ADA' },
    ]);
  });

  it('updateActor(where:, _inc:) and updateActorMany(updates:), deleteActor { affectedRows }', async () => {
    const many = await data<{ updateActorMany: { affectedRows: number }[] }>(
      server,
      'mutation { updateActorMany(updates: [{where: {actorId: {_eq: 9001}}, _set: {lastName: "BYRON"}}, {where: {actorId: {_eq: 9001}}, _set: {firstName: "AUGUSTA"}}]) { affectedRows } }',
    );
    expect(many.updateActorMany).toEqual([{ affectedRows: 1 }, { affectedRows: 1 }]);
    expect(await rows('select first_name, last_name from actor where actor_id = 9001')).toEqual([{ first_name: 'AUGUSTA', last_name: 'BYRON' }]);

    const inc = await data<{ updateFilm: { affectedRows: number; returning: { rentalDuration: number }[] } }>(
      server,
      'mutation { updateFilm(where: {filmId: {_eq: 3}}, _inc: {rentalDuration: 1}) { affectedRows returning { rentalDuration } } }',
    );
    const [film] = await rows<{ rental_duration: number }>('select rental_duration from film where film_id = 3');
    expect(inc.updateFilm.returning[0]?.rentalDuration).toBe(film?.rental_duration);

    const deleted = await data<{ deleteActor: { affectedRows: number } }>(server, 'mutation { deleteActor(where: {actorId: {_eq: 9001}}) { affectedRows } }');
    expect(deleted.deleteActor.affectedRows).toBe(1);
  });

  it('edits jsonb with _deleteKey and _append', async () => {
    const got = await data<{ updateDocItemByPk: { bodyJson: Record<string, unknown> } }>(server, 'mutation { updateDocItemByPk(pkColumns: {itemId: 1}, _deleteKey: {bodyJson: "a"}, _append: {bodyJson: {d: 4}}) { bodyJson } }');
    expect(got.updateDocItemByPk.bodyJson).toEqual({ b: 2, d: 4 });
    expect(await rows('select body_json from doc_item where item_id = 1')).toEqual([{ body_json: { b: 2, d: 4 } }]);
  });

  it('inserts nested rows through a relationship, with the nested onConflict', async () => {
    const got = await data<{ insertCountryOne: { country: string; cities: { city: string }[] } }>(
      server,
      'mutation { insertCountryOne(object: {country: "Atlantis", cities: {data: [{city: "Poseidonia"}], onConflict: {constraint: cityPkey, updateColumns: []}}}) { country cities { city } } }',
    );
    expect(got.insertCountryOne).toEqual({ country: 'Atlantis', cities: [{ city: 'Poseidonia' }] });
    expect(await rows("select c.city from city c join country k using (country_id) where k.country = 'Atlantis'")).toEqual([{ city: 'Poseidonia' }]);
  });
});

describe('graphql-default with permissions', () => {
  it('shows a role its columns in camelCase; the rules keep the type graph\'s names', async () => {
    const secret = 'naming-test-secret';
    const guarded = await startGraphqlServer(db.url, {
      config: {
        graphql: { namingConvention: 'graphql-default' },
        auth: { adminSecret: secret },
        permissions: { reader: { tables: { actor: { select: { columns: ['actor_id', 'first_name'], filter: { actor_id: { _lte: 3 }, last_name: { _is_null: false } } } } } } },
      },
    });
    try {
      const ask = async (query: string) => {
        const res = await fetch(`${guarded.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hasura-admin-secret': secret, 'x-hasura-role': 'reader' }, body: JSON.stringify({ query }) });
        return (await res.json()) as { data?: { actor?: { actorId: number; firstName: string }[] }; errors?: { extensions?: { code?: string } }[] };
      };
      const got = await ask('{ actor(orderBy: {actorId: ASC}) { actorId firstName } }');
      expect(got.errors).toBeUndefined();
      const expected = await rows<{ actor_id: number; first_name: string }>('select actor_id, first_name from actor where actor_id <= 3 order by actor_id');
      expect(got.data?.actor).toEqual(expected.map((r) => ({ actorId: r.actor_id, firstName: r.first_name })));
      const hidden = await ask('{ actor { lastName } }');
      expect(hidden.errors?.[0]?.extensions?.code).toBe('validation-failed');
    } finally {
      await guarded.close();
    }
  });
});

describe('a naming convention per source', () => {
  it('serves another source in its own convention (Hasura\'s per-source customization)', async () => {
    const both = await startGraphqlServer(db.url, { config: { graphql: { namingConvention: 'graphql-default' }, sources: [{ name: 'classic', url: db.url, namingConvention: 'hasura-default' }] } });
    try {
      const post = async (path: string, query: string) => {
        const res = await fetch(`${both.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        return { status: res.status, body: (await res.json()) as { data?: Record<string, { title: string } | null>; errors?: unknown[] } };
      };
      let classic = await post('/graphql/classic', '{ film_by_pk(film_id: 1) { title } }');
      // the other source's graph loads in the background (503 until then)
      await eventually(async () => (classic = await post('/graphql/classic', '{ film_by_pk(film_id: 1) { title } }')).status === 200, 10_000, 'the source');
      const [row] = await rows<{ title: string }>('select title from film where film_id = 1');
      expect(classic.body.data?.['film_by_pk']?.title).toBe(row?.title);
      const main = await post('/graphql', '{ filmByPk(filmId: 1) { title } }');
      expect(main.body.data?.['filmByPk']?.title).toBe(row?.title);
      expect((await post('/graphql/classic', '{ filmByPk(filmId: 1) { title } }')).body.errors).toBeDefined();
    } finally {
      await both.close();
    }
  });
});

describe('graphql-default subscriptions', () => {
  it('streams with filmStream(batchSize:, cursor: {initialValue:, ordering:}) and follows a live query', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const subscribe = (query: string) => client.subscribe({ query }, { next: (r) => void results.push(r), error: (e) => void errors.push(e), complete: () => undefined });
    try {
      const stop = subscribe('subscription { filmStream(batchSize: 2, cursor: {initialValue: {filmId: 997}, ordering: ASC}) { filmId } }');
      await eventually(() => results.length >= 2 || errors.length > 0, 5000, 'two batches');
      stop();
      expect(errors).toEqual([]);
      expect(results.slice(0, 2)).toEqual([{ data: { filmStream: [{ filmId: 998 }, { filmId: 999 }] } }, { data: { filmStream: [{ filmId: 1000 }] } }]);

      results.length = 0;
      const stopLive = subscribe('subscription { actorAggregate(where: {lastName: {_eq: "NAMINGTEST"}}) { aggregate { count } } }');
      await eventually(() => results.length >= 1 || errors.length > 0, 5000, 'the first result');
      await sql.query("insert into actor (first_name, last_name) values ('LIVE', 'NAMINGTEST')");
      await eventually(() => results.length >= 2 || errors.length > 0, 5000, 'the result after the insert');
      stopLive();
      expect(errors).toEqual([]);
      expect(results.slice(0, 2)).toEqual([{ data: { actorAggregate: { aggregate: { count: 0 } } } }, { data: { actorAggregate: { aggregate: { count: 1 } } } }]);
    } finally {
      await client.dispose();
    }
  });
});

describe('the README', () => {
  it('runs the example of "Hasura\'s graphql-default" as written', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const start = readme.indexOf("### Hasura's graphql-default");
    const block = /```graphql\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? '';
    const documents = block.split(/\n(?=mutation )/);
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      const body = await gql(server, document);
      expect(body.errors).toBeUndefined();
      expect(Object.keys(body.data ?? {}).length).toBeGreaterThan(1);
    }
  });

  it('refuses, as it says, a subscription selecting an enum table value', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    try {
      const stop = client.subscribe({ query: 'subscription { docItemByPk(itemId: 1) { favouriteDay } }' }, { next: (r) => void results.push(r), error: (e) => void results.push(e), complete: () => undefined });
      await eventually(() => results.length >= 1, 5000, 'the first result');
      stop();
      // one statement would send PostgreSQL's 'Sunday': refused with a clear error rather than a wrong value
      expect(results[0]).toMatchObject({ data: null, errors: [{ extensions: { code: 'not-supported' } }] });
    } finally {
      await client.dispose();
    }
  });
});

describe('graphql-default schema', () => {
  it('has no hasura-default leftover: types PascalCase, fields and arguments camelCase, order_by values upper case', async () => {
    const body = await gql<IntrospectionQuery>(server, getIntrospectionQuery());
    const schema = body.data?.__schema;
    expect(schema).toBeDefined();
    const problems: string[] = [];
    // what Hasura keeps in graphql-default too, and what is not pgduet's to spell
    const keptTypes = new Set(['query_root', 'mutation_root', 'subscription_root']);
    const custom = /^filmBlurb/; // tables.public.film_note.name: a custom name stays as written
    const camel = /^_?[a-z][A-Za-z0-9]*$/;
    for (const type of schema?.types ?? []) {
      if (type.name.startsWith('__') || type.kind === 'SCALAR') continue;
      // a leading underscore stays on its word, as Hasura's fromSnake keeps it (`_group_concat` → `_groupConcatArgs`)
      if (!keptTypes.has(type.name) && !custom.test(type.name) && !/^([A-Z]|_[a-z])[A-Za-z0-9]*$/.test(type.name)) problems.push(`type ${type.name}`);
      const fields = type.kind === 'OBJECT' ? type.fields : type.kind === 'INPUT_OBJECT' ? type.inputFields : [];
      for (const field of fields) {
        if (!camel.test(field.name) && field.name !== 'given_name' && !/^(String|geography|geometry)$/.test(field.name)) problems.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) if (!camel.test(arg.name)) problems.push(`${type.name}.${field.name}(${arg.name})`);
      }
      if (type.kind === 'ENUM') {
        for (const value of type.enumValues) {
          const ok = type.name === 'OrderBy' || type.name === 'CursorOrdering' || type.name === 'DayNameEnum' ? /^[A-Z_]+$/.test(value.name) : camel.test(value.name) || value.name === 'given_name';
          if (!ok) problems.push(`${type.name}.${value.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
    const type = (name: string) => schema?.types.find((t) => t.name === name);
    for (const name of ['FilmBoolExp', 'FilmOrderBy', 'FilmAggregate', 'FilmAggregateFields', 'FilmInsertInput', 'FilmMutationResponse', 'FilmSelectColumn', 'FilmConstraint', 'FilmUpdateColumn', 'FilmPkColumnsInput', 'FilmSetInput', 'FilmIncInput', 'FilmOnConflict', 'IntComparisonExp', 'OrderBy', 'filmBlurbBoolExp']) {
      expect(type(name), name).toBeDefined();
    }
    const orderBy = type('OrderBy');
    expect(orderBy?.kind === 'ENUM' ? orderBy.enumValues.map((v) => v.name) : []).toEqual(['ASC', 'ASC_NULLS_FIRST', 'ASC_NULLS_LAST', 'DESC', 'DESC_NULLS_FIRST', 'DESC_NULLS_LAST']);
    const root = (name: string | undefined) => schema?.types.find((t) => t.name === name);
    const names = (name: string | undefined) => {
      const t = root(name);
      return t?.kind === 'OBJECT' ? t.fields.map((f) => f.name) : [];
    };
    expect(names(schema?.queryType.name)).toEqual(expect.arrayContaining(['film', 'filmByPk', 'filmAggregate', 'filmBlurb', 'filmBlurbByPk', 'filmBlurbAggregate']));
    expect(names(schema?.mutationType?.name)).toEqual(
      expect.arrayContaining(['insertFilm', 'insertFilmOne', 'updateFilm', 'updateFilmByPk', 'updateFilmMany', 'deleteFilm', 'deleteFilmByPk', 'insertFilmBlurbOne']),
    );
    expect(names(schema?.subscriptionType?.name)).toEqual(expect.arrayContaining(['film', 'filmByPk', 'filmStream']));
  });
});

describe('configuration', () => {
  it('takes HASURA_GRAPHQL_DEFAULT_NAMING_CONVENTION, and refuses other values', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pgduet-naming-'));
    expect(loadConfig({ env: {}, cwd }).config.graphql.namingConvention).toBe('hasura-default');
    expect(loadConfig({ env: { HASURA_GRAPHQL_DEFAULT_NAMING_CONVENTION: 'graphql-default' }, cwd }).config.graphql.namingConvention).toBe('graphql-default');
    expect(() => loadConfig({ env: { HASURA_GRAPHQL_DEFAULT_NAMING_CONVENTION: 'camel' }, cwd })).toThrow(/namingConvention/);
  });

  it('pgduet import-hasura maps a source\'s customization.naming_convention', () => {
    const source = (naming_convention: string) => ({ version: 3, sources: [{ name: 'default', kind: 'postgres', customization: { naming_convention }, tables: [] }] });
    const imported = importHasura(source('graphql-default'));
    expect(configSchema.parse(imported.config).graphql.namingConvention).toBe('graphql-default');
    expect(importHasura(source('hasura-default')).config['graphql']).toBeUndefined();
    expect(importHasura(source('kebab-case')).notes.some((n) => n.includes('naming_convention "kebab-case"'))).toBe(true);
  });
});
