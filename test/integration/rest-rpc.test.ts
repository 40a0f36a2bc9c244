import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, rest, restError, restOk, sqlColumn, sqlJson, startRestServer } from '../support/rest.js';

/**
 * `/rest/rpc/<function>` in PostgREST's dialect: named arguments in a POST body or (stable and
 * immutable functions) the query string, defaults, variadic, a whole-body json argument,
 * `params=single-object`; rows shaped with select/filters/order/limit/embedding; scalars,
 * void, RETURNS TABLE; errors. Each answer is compared with the same call in SQL.
 */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query(`
    create function add_actor(first text, last text) returns actor language sql volatile
      as $$ insert into actor (first_name, last_name) values (first, last) returning * $$;
    create function pick(a int) returns text language sql immutable as $$ select 'one' $$;
    create function pick(a int, b int) returns text language sql immutable as $$ select 'two' $$;
    create type pair_t as (a int, b text);
    create function pairs() returns setof pair_t language sql immutable as $$ values (1, 'x'), (2, 'y'), (3, 'z') $$;
    create function outs(x int, out doubled int, out tripled int) language sql immutable as $$ select x * 2, x * 3 $$;
    create function films_of(lang text default 'English') returns setof film language sql stable
      as $$ select f.* from film f join language l using (language_id) where trim(l.name) = lang $$;
  `);
  server = await startRestServer(db.url);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

const post = (fn: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => restOk(server, `/rpc/${fn}`, { method: 'POST', body, headers });
const get = (path: string, headers: Record<string, string> = {}): Promise<unknown> => restOk(server, `/rpc/${path}`, { headers });
const sqlValue = async (query: string): Promise<unknown> => (await sqlColumn(sql, query))[0];

describe('functions returning rows', () => {
  it('GET a stable SETOF function with select, filters, order, limit and an embedding', async () => {
    const body = await get('films_longer?min_length=180&select=film_id,title,language!language_id(name)&rating=in.(PG,G)&order=film_id.desc&limit=3');
    expect(body).toEqual(
      await sqlJson(
        sql,
        `select f.film_id, f.title, json_build_object('name', l.name) as language from films_longer(180) f join language l on l.language_id = f.language_id
         where f.rating in ('PG', 'G') order by f.film_id desc limit 3`,
      ),
    );
    expect((body as unknown[]).length).toBe(3);
  });

  it('POST with the arguments in the body, the rest in the query string', async () => {
    const body = await restOk(server, '/rpc/films_longer?select=film_id,length&order=length.desc,film_id&limit=5', { method: 'POST', body: { min_length: 150 } });
    expect(body).toEqual(await sqlJson(sql, 'select film_id, length from films_longer(150) order by length desc, film_id limit 5'));
  });

  it('a default argument may be left out', async () => {
    expect(await get('films_of?select=film_id&order=film_id&limit=3')).toEqual(await sqlJson(sql, 'select film_id from films_of() order by film_id limit 3'));
    expect(await get('films_of?lang=Japanese&select=film_id')).toEqual(await sqlJson(sql, `select film_id from films_of('Japanese')`));
  });

  it('Range and count=exact on the rows of a function', async () => {
    const total = Number(await sqlValue('select count(*) from films_longer(170)'));
    const res = await rest(server, '/rpc/films_longer?min_length=170&select=film_id&order=film_id', { headers: { Range: '0-4', Prefer: 'count=exact' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`0-4/${total}`);
    expect(res.body).toEqual(await sqlJson(sql, 'select film_id from films_longer(170) order by film_id limit 5'));
  });

  it('vnd.pgrst.object+json on the rows of a function: one row is an object', async () => {
    const res = await rest(server, '/rpc/films_longer?min_length=100&film_id=eq.5&select=film_id,title', { headers: { Accept: 'application/vnd.pgrst.object+json' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual((await sqlJson(sql, 'select film_id, title from films_longer(100) where film_id = 5'))[0]);
  });

  it('RETURNS TABLE: its columns select, filter and order like a table', async () => {
    expect(await get('film_stats?min_rating=PG&order=rating')).toEqual(await sqlJson(sql, `select * from film_stats('PG') order by rating`));
    expect(await get('film_stats?min_rating=PG&select=rating,films&films=gt.200&order=films.desc')).toEqual(
      await sqlJson(sql, `select rating, films from film_stats('PG') where films > 200 order by films desc`),
    );
  });

  it('RETURNS film (one row): an object, shaped by select', async () => {
    expect(await get('one_film?id=1&select=film_id,title,language!language_id(name)')).toEqual(
      (await sqlJson(sql, `select f.film_id, f.title, json_build_object('name', l.name) as language from one_film(1) f join language l on l.language_id = f.language_id`))[0],
    );
  });

  it('RETURNS film with Accept: text/csv: the row as CSV', async () => {
    const res = await rest(server, '/rpc/one_film?id=2&select=film_id,title', { headers: { Accept: 'text/csv' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.text).toBe('film_id,title\n2,"ACE GOLDFINGER"');
  });

  it('SETOF a composite type: its fields select, filter and order like columns', async () => {
    expect(await get('pairs?a=gt.1&select=b&order=a.desc')).toEqual(await sqlJson(sql, 'select b from pairs() where a > 1 order by a desc'));
    expect(await get('pairs')).toEqual(await sqlJson(sql, 'select * from pairs()'));
  });

  it('OUT parameters: one object of them', async () => {
    expect(await get('outs?x=2')).toEqual({ doubled: 4, tripled: 6 });
  });

  it('SETOF a scalar: a JSON array of the values', async () => {
    expect(await get('letters')).toEqual(['a', 'b', 'c']);
  });
});

describe('functions returning a value', () => {
  it('named arguments by GET and POST, with a default', async () => {
    expect(await get('add_them?a=1&b=2')).toBe(await sqlValue('select add_them(1, 2)'));
    expect(await get('add_them?a=1')).toBe(await sqlValue('select add_them(1)'));
    expect(await post('add_them', { a: 5 })).toBe(15);
    expect(await post('add_them', { a: 5, b: -5 })).toBe(0);
  });

  it('void: 204 and no body', async () => {
    const res = await rest(server, '/rpc/do_nothing', { method: 'POST' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('variadic: a JSON array, repeated query parameters, one parameter, an array literal', async () => {
    expect(await post('sum_all', { nums: [1, 2, 3] })).toBe(6);
    expect(await get('sum_all?nums=1&nums=2&nums=5')).toBe(8);
    expect(await get('sum_all?nums=7')).toBe(7);
    expect(await get('sum_all?nums={4,5}')).toBe(9);
  });

  it('one unnamed jsonb argument takes the whole body', async () => {
    const value = { x: [1, 2, { y: null }], s: 'text' };
    expect(await post('echo_json', value)).toEqual(value);
    expect(await post('echo_json', [1, 'two'])).toEqual([1, 'two']);
  });

  it('Prefer: params=single-object passes the body as the one argument', async () => {
    expect(await post('greet', { name: 'Ada' }, { Prefer: 'params=single-object' })).toBe('hello Ada');
    expect(await post('greet', { o: { name: 'Grace' } })).toBe('hello Grace');
  });

  it('overloads are told apart by the arguments given', async () => {
    expect(await post('pick', { a: 1 })).toBe('one');
    expect(await post('pick', { a: 1, b: 2 })).toBe('two');
    expect(await get('pick?a=1&b=2')).toBe('two');
  });

  it('a volatile function writes; Prefer: tx=rollback undoes it', async () => {
    const before = Number(await sqlValue('select count(*) from actor'));
    const made = (await post('add_actor', { first: 'ALAN', last: 'TURING' })) as { actor_id: number; first_name: string };
    expect(made.first_name).toBe('ALAN');
    expect(await sqlJson(sql, 'select first_name, last_name from actor where actor_id = $1', [made.actor_id])).toEqual([{ first_name: 'ALAN', last_name: 'TURING' }]);
    const dry = (await post('add_actor', { first: 'DRY', last: 'RUN' }, { Prefer: 'tx=rollback' })) as { first_name: string };
    expect(dry.first_name).toBe('DRY');
    expect(Number(await sqlValue('select count(*) from actor'))).toBe(before + 1);
    expect(Number(await sqlValue(`select count(*) from actor where first_name = 'DRY'`))).toBe(0);
  });
});

describe('errors', () => {
  it('a volatile function called with GET (or HEAD): 405 PGRST101, Allow: POST, nothing run', async () => {
    const before = Number(await sqlValue('select count(*) from actor'));
    const res = await rest(server, '/rpc/add_actor?first=GET&last=CALL');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((res.body as { code: string }).code).toBe('PGRST101');
    const head = await fetch(`${server.url}/rest/rpc/bump?n=1`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(Number(await sqlValue('select count(*) from actor'))).toBe(before);
  });

  it('RAISE EXCEPTION: 400 with its SQLSTATE, message, detail and hint', async () => {
    const error = await restError(server, '/rpc/fail_me', { method: 'POST', body: { msg: 'boom' } }, 400);
    expect(error).toEqual({ code: 'P0001', message: 'boom', details: 'it failed on purpose', hint: 'call it with another message' });
  });

  it('an unknown function, or unknown or missing arguments: 404 PGRST202 in PostgREST\'s words', async () => {
    expect(await restError(server, '/rpc/nope', { method: 'POST', body: {} }, 404)).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function public.nope() in the schema cache',
      details: 'Searched for the function public.nope without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: null,
    });
    expect(await restError(server, '/rpc/add_them', { method: 'POST', body: { zz: 2, a: 1 } }, 404)).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function public.add_them(a, zz) in the schema cache',
      details: 'Searched for the function public.add_them with parameters a, zz or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.add_them(a, b)',
    });
    await expect(restError(server, '/rpc/add_them', { method: 'POST', body: {} }, 404)).resolves.toMatchObject({ code: 'PGRST202' });
    // by GET, a parameter without an operator is an argument (PostgREST's rule), so an unknown one is PGRST202 too
    await expect(restError(server, '/rpc/add_them?a=1&zz=2', {}, 404)).resolves.toMatchObject({
      code: 'PGRST202',
      message: 'Could not find the function public.add_them(a, zz) in the schema cache',
      details: 'Searched for the function public.add_them with parameters a, zz, but no matches were found in the schema cache.',
    });
    await expect(restError(server, '/rpc/add_thme?a=1', {}, 404)).resolves.toMatchObject({ hint: 'Perhaps you meant to call the function public.add_them' });
  });

  it('by GET, a parameter with an operator filters the rows; one without is an argument', async () => {
    expect(await get('films_longer?min_length=180&film_id=lt.200&select=film_id')).toEqual(await sqlJson(sql, 'select film_id from films_longer(180) where film_id < 200'));
    expect(await get('film_stats?min_rating=PG&films=gt.200&select=rating')).toEqual(await sqlJson(sql, `select rating from film_stats('PG') where films > 200`));
  });

  it('a body that is not an object of arguments: 400 PGRST102', async () => {
    await expect(restError(server, '/rpc/add_them', { method: 'POST', body: [1, 2] }, 400)).resolves.toMatchObject({ code: 'PGRST102' });
    await expect(restError(server, '/rpc/add_them', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":' }, 400)).resolves.toMatchObject({ code: 'PGRST102' });
  });

  it('a filter on a function that returns a value, not rows: 400, not silently ignored', async () => {
    await expect(restError(server, '/rpc/add_them?a=1&add_them=eq.2', {}, 400)).resolves.toMatchObject({ code: 'PGRST100' });
    await expect(restError(server, '/rpc/letters?letters=eq.a', {}, 400)).resolves.toMatchObject({ code: 'PGRST100' });
  });

  it('an argument of the wrong type: 400 22P02', async () => {
    await expect(restError(server, '/rpc/add_them?a=one', {}, 400)).resolves.toMatchObject({ code: '22P02' });
  });

  it('OPTIONS lists the methods a function answers', async () => {
    const stable = await rest(server, '/rpc/add_them', { method: 'OPTIONS' });
    expect(stable.status).toBe(200);
    expect(stable.headers.get('allow')).toBe('OPTIONS, GET, HEAD, POST');
    const volatile = await rest(server, '/rpc/bump', { method: 'OPTIONS' });
    expect(volatile.headers.get('allow')).toBe('OPTIONS, POST');
  });

  it('other methods: 405', async () => {
    const res = await rest(server, '/rpc/add_them', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});
