import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, rest, restError, sqlColumn, startRestServer, type RestRequestInit } from '../support/rest.js';

/**
 * REST errors as PostgREST gives them: the body `{code, message, details, hint}` and the status
 * PostgREST uses, for request errors (PGRST1xx), schema-cache errors (PGRST2xx) and the
 * SQLSTATEs PostgreSQL raises; and a sweep of hostile requests none of which may get a 500.
 */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query('create table uniq (id int primary key, code text not null unique, parent int references uniq (id), qty int check (qty >= 0))');
  server = await startRestServer(db.url);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('schema cache errors', () => {
  it('an unknown table: 404 PGRST205, with a hint for a near name', async () => {
    expect(await restError(server, '/nope', {}, 404)).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'public.nope' in the schema cache",
      details: null,
      hint: null,
    });
    expect(await restError(server, '/Film', {}, 404)).toMatchObject({ code: 'PGRST205', hint: "Perhaps you meant the table 'public.film'" });
    // writes too
    await expect(restError(server, '/nope', { method: 'POST', body: { a: 1 } }, 404)).resolves.toMatchObject({ code: 'PGRST205' });
  });

  it('an unknown column in select, a filter, order or an aggregate: PostgreSQL\'s 42703, as PostgREST passes it on', async () => {
    for (const path of ['/film?select=nope', '/film?nope=eq.1', '/film?order=nope.desc', '/film?select=nope.sum()', '/film?select=sum(nope)']) {
      expect([path, await restError(server, path, {}, 400)]).toEqual([path, { code: '42703', message: 'column film.nope does not exist', details: null, hint: null }]);
    }
    // an embedded table is named by its alias in PostgREST's SQL
    expect(await restError(server, '/film?select=title,language!language_id(nope)', {}, 400)).toEqual({
      code: '42703',
      message: 'column language_1.nope does not exist',
      details: null,
      // PostgreSQL's own suggestion (half the letters or fewer differ)
      hint: 'Perhaps you meant to reference the column "language_1.name".',
    });
    // a near name: PostgreSQL's hint
    expect(await restError(server, '/film?select=titel', {}, 400)).toEqual({ code: '42703', message: 'column film.titel does not exist', details: null, hint: 'Perhaps you meant to reference the column "film.title".' });
  });

  it('one table embedded twice without an alias: PostgreSQL\'s 42712', async () => {
    expect(await restError(server, '/film?select=title,actor(first_name),actor(last_name)', {}, 400)).toEqual({
      code: '42712',
      message: 'table name "film_actor_1" specified more than once',
      details: null,
      hint: null,
    });
  });

  it('an unknown column in a body or columns=: 400 PGRST204', async () => {
    expect(await restError(server, '/uniq', { method: 'POST', body: { id: 1, code: 'a', nope: 1 } }, 400)).toEqual({
      code: 'PGRST204',
      message: "Could not find the 'nope' column of 'uniq' in the schema cache",
      details: null,
      hint: null,
    });
    await expect(restError(server, '/uniq?id=eq.1', { method: 'PATCH', body: { nope: 1 } }, 400)).resolves.toMatchObject({ code: 'PGRST204' });
  });

  it('an unknown relationship: 400 PGRST200 in PostgREST\'s words', async () => {
    expect(await restError(server, '/film?select=title,nope(*)', {}, 400)).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'film' and 'nope' in the schema cache",
      details: "Searched for a foreign key relationship between 'film' and 'nope' in the schema 'public', but no matches were found.",
      hint: null,
    });
    expect(await restError(server, '/film?select=title,language!nope(name)', {}, 400)).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'film' and 'language' in the schema cache",
      details: "Searched for a foreign key relationship between 'film' and 'language' using the hint 'nope' in the schema 'public', but no matches were found.",
      hint: null,
    });
    expect(await restError(server, '/film?select=title,languag(name)', {}, 400)).toMatchObject({ code: 'PGRST200', hint: "Perhaps you meant 'language' instead of 'languag'." });
  });

  it('EXPLAIN is off by default: a plan media type is 406 PGRST107', async () => {
    expect(await restError(server, '/film?limit=1', { headers: { Accept: 'application/vnd.pgrst.plan+json' } }, 406)).toEqual({
      code: 'PGRST107',
      message: 'None of these media types are available: application/vnd.pgrst.plan+json',
      details: null,
      hint: null,
    });
  });

  it('a filter on a resource that is not embedded: 400 PGRST108', async () => {
    expect(await restError(server, '/film?select=title&language.name=eq.English', {}, 400)).toMatchObject({
      code: 'PGRST108',
      hint: "Verify that 'language' is included in the 'select' query parameter.",
    });
  });

  it('ordering by a to-many embedding: 400 PGRST118', async () => {
    await expect(restError(server, '/film?select=title,actor(first_name)&order=actor(first_name)', {}, 400)).resolves.toMatchObject({ code: 'PGRST118' });
  });

  it('an unknown function: 404 PGRST202', async () => {
    await expect(restError(server, '/rpc/nope', { method: 'POST', body: {} }, 404)).resolves.toMatchObject({ code: 'PGRST202' });
  });
});

describe('request errors', () => {
  it('an unknown operator: 400 PGRST100', async () => {
    expect(await restError(server, '/film?film_id=zz.1', {}, 400)).toEqual({
      code: 'PGRST100',
      message: 'failed to parse filter (zz.1)',
      details: 'unknown operator "zz" at column 1',
      hint: null,
    });
  });

  it.each([
    ['/film?select=title,', 'select'],
    ['/film?order=title.sideways', 'order'],
    ['/film?limit=-1', 'limit'],
    ['/film?offset=x', 'offset'],
    ['/film?or=(film_id.eq.1', 'logic tree'],
    ['/film?film_id=in.1,2', 'filter'],
    ['/film?film_id=is.maybe', 'filter'],
  ])('%s: 400 PGRST100 (%s)', async (path, what) => {
    const error = await restError(server, path, {}, 400);
    expect(error.code).toBe('PGRST100');
    expect(error.message).toContain(`failed to parse ${what}`);
  });

  it('a bad Range: 416 PGRST103', async () => {
    await expect(restError(server, '/film', { headers: { Range: '5-1' } }, 416)).resolves.toMatchObject({
      code: 'PGRST103',
      details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    });
    await expect(restError(server, '/film', { headers: { Range: 'bytes=0-1' } }, 416)).resolves.toMatchObject({ code: 'PGRST103' });
  });

  it('a body that is not JSON, or not rows: 400 PGRST102', async () => {
    const json = { 'Content-Type': 'application/json' };
    for (const body of ['{"code": ', '', 'null', '[1, 2]', '"text"']) {
      const error = await restError(server, '/uniq', { method: 'POST', headers: json, body }, 400);
      expect(error.code).toBe('PGRST102');
    }
    await expect(restError(server, '/uniq?id=eq.1', { method: 'PATCH', body: [{ code: 'x' }] }, 400)).resolves.toMatchObject({ code: 'PGRST102' });
    await expect(restError(server, '/uniq', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: 'id,code\n"1' }, 400)).resolves.toMatchObject({ code: 'PGRST102' });
  });

  it('a Content-Type pgduet cannot read: 406 PGRST107', async () => {
    await expect(restError(server, '/uniq', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'id=1' }, 406)).resolves.toMatchObject({ code: 'PGRST107' });
  });

  it('Prefer: handling=strict with a preference pgduet does not know: 400 PGRST122', async () => {
    expect(await restError(server, '/film?limit=1', { headers: { Prefer: 'handling=strict, frobnicate=yes' } }, 400)).toEqual({
      code: 'PGRST122',
      message: 'Invalid preferences given with handling=strict',
      details: 'Invalid preferences: frobnicate=yes',
      hint: null,
    });
    // lenient (the default): ignored
    expect((await rest(server, '/film?limit=1', { headers: { Prefer: 'frobnicate=yes' } })).status).toBe(200);
  });

  it('an unsupported method: 405 PGRST117 with Allow; OPTIONS lists what is allowed', async () => {
    const res = await rest(server, '/film', { method: 'PROPFIND' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('OPTIONS, GET, HEAD, POST, PUT, PATCH, DELETE');
    expect((res.body as { code: string }).code).toBe('PGRST117');
    const table = await rest(server, '/film', { method: 'OPTIONS' });
    expect(table.status).toBe(200);
    expect(table.headers.get('allow')).toBe('OPTIONS, GET, HEAD, POST, PUT, PATCH, DELETE');
    const view = await rest(server, '/film_list', { method: 'OPTIONS' });
    expect(view.headers.get('allow')).toBe('OPTIONS, GET, HEAD');
    const root = await rest(server, '/', { method: 'OPTIONS' });
    expect(root.status).toBe(200);
    expect(root.headers.get('allow')).toBe('OPTIONS, GET, HEAD');
    const post = await rest(server, '/', { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('a path below a table, or bad percent-encoding: 404 / 400', async () => {
    await expect(restError(server, '/film/1', {}, 404)).resolves.toMatchObject({ code: 'PGD101' });
    await expect(restError(server, '/%E0%A4%A', {}, 400)).resolves.toMatchObject({ code: 'PGRST100' });
  });

  it('an unfiltered PATCH or DELETE: 400 PGD105, nothing changed', async () => {
    await expect(restError(server, '/film', { method: 'DELETE' }, 400)).resolves.toMatchObject({ code: 'PGD105' });
    expect((await sqlColumn(sql, 'select count(*) from film'))[0]).toBe('1000');
  });
});

describe('PostgreSQL errors, mapped as PostgREST maps them', () => {
  beforeAll(async () => {
    await sql.query(`insert into uniq values (1, 'one', null, 1)`);
  });

  it('23505 unique violation: 409, with PostgreSQL message and detail', async () => {
    expect(await restError(server, '/uniq', { method: 'POST', body: { id: 2, code: 'one' } }, 409)).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "uniq_code_key"',
      details: 'Key (code)=(one) already exists.',
      hint: null,
    });
  });

  it('23503 foreign key violation: 409', async () => {
    expect(await restError(server, '/uniq', { method: 'POST', body: { id: 3, code: 'three', parent: 99 } }, 409)).toEqual({
      code: '23503',
      message: 'insert or update on table "uniq" violates foreign key constraint "uniq_parent_fkey"',
      details: 'Key (parent)=(99) is not present in table "uniq".',
      hint: null,
    });
  });

  it('23502 not-null violation: 400', async () => {
    await expect(restError(server, '/uniq', { method: 'POST', body: { id: 4 } }, 400)).resolves.toMatchObject({
      code: '23502',
      message: 'null value in column "code" of relation "uniq" violates not-null constraint',
    });
  });

  it('23514 check violation: 400', async () => {
    await expect(restError(server, '/uniq?id=eq.1', { method: 'PATCH', body: { qty: -1 } }, 400)).resolves.toMatchObject({ code: '23514' });
  });

  it('22P02 invalid text: 400, in a filter and in a body', async () => {
    expect(await restError(server, '/film?film_id=eq.abc', {}, 400)).toEqual({
      code: '22P02',
      message: 'invalid input syntax for type integer: "abc"',
      details: null,
      hint: null,
    });
    await expect(restError(server, '/uniq', { method: 'POST', body: { id: 'abc', code: 'x' } }, 400)).resolves.toMatchObject({ code: '22P02' });
    await expect(restError(server, '/film?rating=eq.XXX', {}, 400)).resolves.toMatchObject({ code: '22P02', message: 'invalid input value for enum mpaa_rating: "XXX"' });
  });

  it('22003 out of range, 22007 bad datetime: 400', async () => {
    await expect(restError(server, '/uniq', { method: 'POST', body: { id: 99999999999, code: 'x' } }, 400)).resolves.toMatchObject({ code: '22003' });
    await expect(restError(server, '/film?last_update=gt.yesterdayish', {}, 400)).resolves.toMatchObject({ code: '22007' });
  });

  it('RAISE EXCEPTION (P0001): 400 with the message, detail and hint it raised', async () => {
    expect(await restError(server, '/rpc/fail_me', { method: 'POST', body: { msg: 'no such thing' } }, 400)).toEqual({
      code: 'P0001',
      message: 'no such thing',
      details: 'it failed on purpose',
      hint: 'call it with another message',
    });
  });
});

describe('never a 500 for anything a client can send', () => {
  const json = { 'Content-Type': 'application/json' };
  const hostile: readonly (readonly [string, RestRequestInit])[] = [
    ['/film?select=', {}],
    ['/film?select=*,*', {}],
    ['/film?select=title.sum()', {}],
    ['/film?select=fulltext.avg()', {}],
    ['/film?select=title::int', {}],
    ['/film?select=rating::int', {}],
    ['/film?select=title::nope', {}],
    ['/film?select=count(),language!language_id(name)', {}],
    ['/film?select=...actor(first_name)', {}],
    ['/film?select=language!language_id(count())', {}],
    ['/film?select=a:title,a:film_id', {}],
    ['/film?film_id=eq.', {}],
    ['/film?film_id=cs.{1}', {}],
    ['/film?title=sl.[1,2)', {}],
    ['/film?title=adj.x', {}],
    ['/film?fulltext=eq.abc', {}],
    ['/film?special_features=eq.notarray', {}],
    ['/film?film_id=is.true', {}],
    ['/film?title=fts.%27', {}],
    ['/film?title=fts(nolanguage).x', {}],
    ['/film?film_id=gt(any).{a,b}', {}],
    ['/film?offset=99999999999999', {}],
    ['/film?limit=9007199254740991', {}],
    ['/film?limit=99999999999999999999', {}],
    ['/film', { headers: { Range: '9007199254740990-9007199254740991' } }],
    ['/film', { headers: { Range: '0-99999999999999999999' } }],
    ['/film', { headers: { Accept: ';;;' } }],
    ['/film?limit=1', { headers: { Accept: '*/*;q=abc' } }],
    ['/film?limit=1', { headers: { Prefer: '=====, count=, return' } }],
    ['/film?film_id=lt.3', { headers: { Prefer: 'count=exact', Accept: 'application/vnd.pgrst.object+json' } }],
    ['/film%00', {}],
    ['/rpc/', {}],
    ['/doc?data=cs.notjson', {}],
    ['/doc?data->a=in.(1,x)', {}],
    ['/doc?data=ov.{}', {}],
    ['/doc?during=adj.x', {}],
    ['/doc?select=during.min()', {}],
    ['/doc?select=data->a.sum()', {}],
    ['/doc?select=data->>a::int', {}],
    ['/doc', { method: 'POST', body: { id: 10, tags: [[1, 2], [3]] } }],
    ['/doc', { method: 'POST', body: { id: 11, during: '[2024-01-01,2023-01-01)' } }],
    ['/doc', { method: 'POST', body: { id: 12, body: '\u0000' } }],
    ['/doc', { method: 'POST', headers: json, body: '{"id": 13, "id": 14}' }],
    ['/doc?select=count()', { method: 'POST', headers: { Prefer: 'return=representation' }, body: { id: 15 } }],
    ['/doc?on_conflict=body', { method: 'POST', headers: { Prefer: 'resolution=merge-duplicates' }, body: { id: 16 } }],
    ['/doc?id=eq.1&select=count()', { method: 'DELETE', headers: { Prefer: 'return=representation, tx=rollback' } }],
    ['/doc?id=eq.1&order=nope&limit=1', { method: 'PATCH', body: { body: 'x' } }],
    ['/film_list?fid=eq.1&limit=1', { method: 'DELETE' }],
    ['/doc?id=eq.x', { method: 'PUT', body: { id: 'x' } }],
    ['/doc?id=eq.1', { method: 'PUT', body: { id: '01' } }],
    ['/rpc/add_them', { method: 'POST', headers: { Prefer: 'params=single-object' }, body: { a: 1 } }],
    ['/rpc/add_them?a=1&a=2', {}],
    ['/rpc/films_longer', { method: 'POST', body: { min_length: [1] } }],
    ['/rpc/films_longer', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: 'min_length\n1' }],
    ['/rpc/echo_json?arg_1=notjson', {}],
    ['/rpc/greet', { method: 'POST', headers: { Prefer: 'params=single-object' }, body: [1] }],
    ['/rpc/letters?select=nope', {}],
    ['/rpc/film_stats?min_rating=PG&select=rating,x:films.sum()', {}],
    ['/rpc/fail_me', { method: 'POST', body: { msg: null } }],
  ];

  it.each(hostile)('%s %j', async (path, init) => {
    const res = await rest(server, path, init);
    expect(res.status, res.text).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Object.keys(res.body as object).sort()).toEqual(['code', 'details', 'hint', 'message']);
    }
  });

  it('the server still answers after all of them', async () => {
    expect((await rest(server, '/film?select=film_id&film_id=eq.1')).body).toEqual([{ film_id: 1 }]);
  });
});
