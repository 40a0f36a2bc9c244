import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, rest, restError, restOk, sqlColumn, sqlJson, startRestServer } from '../support/rest.js';

/**
 * REST writes in PostgREST's dialect — POST (one, many, CSV, upserts, nested), PUT, PATCH and
 * DELETE with their Prefer headers — on a scratch table and on Pagila, each checked against
 * what hand-written SQL then finds in the tables.
 */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

const REPRESENTATION = { Prefer: 'return=representation' };

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query(`
    create table scratch (
      id serial primary key,
      name text not null unique,
      score int default 7,
      note text,
      data jsonb,
      tags text[],
      created timestamptz not null default now()
    );
    create table pair (a int, b int, label text, primary key (a, b));
    create table bounded (id int primary key, grp text not null, touched boolean not null default false);
    insert into bounded select i, case when i % 2 = 0 then 'even' else 'odd' end from generate_series(1, 10) as i;
  `);
  server = await startRestServer(db.url, {
    config: { database: { schemas: ['public', 'other'] }, tables: { scratch: { allowUnfilteredWrites: true } } },
  });
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

const count = async (query: string, values: unknown[] = []): Promise<number> => Number((await sqlColumn(sql, query, values))[0]);

describe('POST', () => {
  it('one object: 201, no body, the row is in the table', async () => {
    const res = await rest(server, '/scratch', { method: 'POST', body: { name: 'post-one', score: 3 } });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    expect(res.headers.get('content-range')).toBe('*/*');
    expect(await sqlJson(sql, `select name, score, note from scratch where name = 'post-one'`)).toEqual([{ name: 'post-one', score: 3, note: null }]);
  });

  it('an array with return=representation: the rows written, as the table has them', async () => {
    const body = (await restOk(
      server,
      '/scratch',
      { method: 'POST', headers: REPRESENTATION, body: [{ name: 'bulk-1', data: { k: [1, null] }, tags: ['a', 'b,c'] }, { name: 'bulk-2', score: 9 }] },
      201,
    )) as Record<string, unknown>[];
    expect(body.map((r) => r['name'])).toEqual(['bulk-1', 'bulk-2']);
    expect(body).toEqual(await sqlJson(sql, `select * from scratch where name like 'bulk-%' order by id`));
    // the keys are the union of the objects' keys: a key one object lacks is NULL, not the default
    expect(body[0]?.['score']).toBeNull();
    expect(body[1]?.['score']).toBe(9);
    expect(body[0]?.['data']).toEqual({ k: [1, null] });
    expect(body[0]?.['tags']).toEqual(['a', 'b,c']);
  });

  it('missing=default: a key an object lacks takes the column default', async () => {
    const res = await rest(server, '/scratch?select=name,score', {
      method: 'POST',
      headers: { Prefer: 'return=representation, missing=default' },
      body: [{ name: 'missing-1', score: 1 }, { name: 'missing-2' }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ name: 'missing-1', score: 1 }, { name: 'missing-2', score: 7 }]);
    expect(res.headers.get('preference-applied')).toBe('return=representation, missing=default');
  });

  it('a bulk insert is one statement: a failing row inserts nothing', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: { name: 'dup' } }, 201);
    const before = await count('select count(*) from scratch');
    const error = await restError(server, '/scratch', { method: 'POST', body: [{ name: 'atomic-1' }, { name: 'dup' }, { name: 'atomic-2' }] }, 409);
    expect(error.code).toBe('23505');
    expect(error.details).toBe('Key (name)=(dup) already exists.');
    expect(await count('select count(*) from scratch')).toBe(before);
    expect(await count(`select count(*) from scratch where name like 'atomic-%'`)).toBe(0);
  });

  it('a bulk insert of more values than one statement takes (65,535 parameters) is still one atomic insert', async () => {
    const rows = Array.from({ length: 22_000 }, (_, i) => ({ name: `huge-${i}`, score: i, note: 'n' }));
    const res = await rest(server, '/scratch?select=name', { method: 'POST', headers: { Prefer: 'return=representation, count=exact' }, body: rows });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-range')).toBe('*/22000');
    expect((res.body as unknown[]).length).toBe(22_000);
    expect(await count(`select count(*) from scratch where name like 'huge-%'`)).toBe(22_000);
    expect(await count(`select sum(score) from scratch where name like 'huge-%'`)).toBe((21_999 * 22_000) / 2);
    // a failing row at the very end: nothing of the whole body is written
    const failing = [...Array.from({ length: 22_000 }, (_, i) => ({ name: `lost-${i}`, score: i, note: 'n' })), { name: 'huge-0', score: 0, note: 'n' }];
    await expect(restError(server, '/scratch', { method: 'POST', body: failing }, 409)).resolves.toMatchObject({ code: '23505' });
    expect(await count(`select count(*) from scratch where name like 'lost-%'`)).toBe(0);
  });

  it('a CSV body: NULL and empty fields, quotes, json and array columns', async () => {
    const csv = 'name,score,note,data,tags\ncsv-1,5,"a, ""quoted"" note","{""k"":1}","{x,y}"\ncsv-2,,NULL,,\n';
    const res = await rest(server, '/scratch?select=name,score,note,data,tags', { method: 'POST', headers: { 'Content-Type': 'text/csv', ...REPRESENTATION }, body: csv });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([
      { name: 'csv-1', score: 5, note: 'a, "quoted" note', data: { k: 1 }, tags: ['x', 'y'] },
      { name: 'csv-2', score: null, note: null, data: null, tags: null },
    ]);
    expect(await sqlJson(sql, `select name, score, note, data, tags from scratch where name like 'csv-%' order by name`)).toEqual(res.body);
  });

  it('a CSV body with CRLF line ends, a BOM and blank lines at the end', async () => {
    const csv = '\uFEFFname,score\r\ncsv-crlf-1,1\r\n"csv-crlf-2",2\r\n\r\n\r\n';
    const res = await rest(server, '/scratch?select=name,score', { method: 'POST', headers: { 'Content-Type': 'text/csv', ...REPRESENTATION }, body: csv });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ name: 'csv-crlf-1', score: 1 }, { name: 'csv-crlf-2', score: 2 }]);
    // a one-column body: a trailing blank line is no row (it would be a NULL one)
    const one = await rest(server, '/scratch?select=name', { method: 'POST', headers: { 'Content-Type': 'text/csv', ...REPRESENTATION }, body: 'name\ncsv-single\n\n' });
    expect(one.status).toBe(201);
    expect(one.body).toEqual([{ name: 'csv-single' }]);
  });

  it('columns= takes only those keys of the body', async () => {
    const res = await rest(server, '/scratch?columns=name,note&select=name,score,note', {
      method: 'POST',
      headers: REPRESENTATION,
      body: [{ name: 'cols-1', score: 100, note: 'kept', ignored: true }, { name: 'cols-2' }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ name: 'cols-1', score: 7, note: 'kept' }, { name: 'cols-2', score: 7, note: null }]);
    await expect(restError(server, '/scratch?columns=name,nope', { method: 'POST', body: { name: 'x' } }, 400)).resolves.toMatchObject({ code: 'PGRST204' });
  });

  it('columns= names the columns written: one no object has is NULL, or its default with missing=default', async () => {
    const res = await rest(server, '/scratch?columns=name,score&select=name,score', { method: 'POST', headers: REPRESENTATION, body: [{ name: 'cols-3' }] });
    expect(res.body).toEqual([{ name: 'cols-3', score: null }]);
    const defaulted = await rest(server, '/scratch?columns=name,score&select=name,score', {
      method: 'POST',
      headers: { Prefer: 'return=representation, missing=default' },
      body: [{ name: 'cols-4' }],
    });
    expect(defaulted.body).toEqual([{ name: 'cols-4', score: 7 }]);
  });

  it('return=headers-only: a Location naming the new row', async () => {
    const res = await rest(server, '/scratch', { method: 'POST', headers: { Prefer: 'return=headers-only' }, body: { name: 'located' } });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    const id = (await sqlColumn(sql, `select id from scratch where name = 'located'`))[0];
    expect(res.headers.get('location')).toBe(`/rest/scratch?id=eq.${String(id)}`);
    // the path is the REST API's: a GET of it finds the row
    expect(await restOk(server, (res.headers.get('location') ?? '').slice('/rest'.length) + '&select=name')).toEqual([{ name: 'located' }]);
    const composite = await rest(server, '/pair', { method: 'POST', headers: { Prefer: 'return=headers-only' }, body: { a: 1, b: 2, label: 'x' } });
    expect(composite.headers.get('location')).toBe('/rest/pair?a=eq.1&b=eq.2');
  });

  it('representation with a computed field of the rows written', async () => {
    const body = await restOk(server, '/film?select=title,film_title_length', { method: 'POST', headers: { Prefer: 'return=representation, tx=rollback' }, body: { title: 'SEVEN', language_id: 1 } }, 201);
    expect(body).toEqual([{ title: 'SEVEN', film_title_length: 5 }]);
  });

  it('return=minimal says nothing', async () => {
    const res = await rest(server, '/scratch', { method: 'POST', headers: { Prefer: 'return=minimal' }, body: { name: 'minimal' } });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('preference-applied')).toBe('return=minimal');
  });

  it('representation with select= and embeddings of the rows written', async () => {
    const body = await restOk(
      server,
      '/film_actor?select=actor_id,film_id,actor(first_name),film(title,language!language_id(name))',
      { method: 'POST', headers: REPRESENTATION, body: [{ actor_id: 1, film_id: 2 }, { actor_id: 2, film_id: 1 }] },
      201,
    );
    expect(body).toEqual(
      await sqlJson(
        sql,
        `select fa.actor_id, fa.film_id, json_build_object('first_name', a.first_name) as actor, json_build_object('title', f.title, 'language', json_build_object('name', l.name)) as film
         from film_actor fa join actor a using (actor_id) join film f using (film_id) join language l on l.language_id = f.language_id
         where (fa.actor_id, fa.film_id) in ((1, 2), (2, 1)) order by fa.actor_id`,
      ),
    );
  });

  it('Accept: vnd.pgrst.object+json — one row is an object; two rows are 406 and nothing is written', async () => {
    const one = await rest(server, '/scratch?select=name', { method: 'POST', headers: { ...REPRESENTATION, Accept: 'application/vnd.pgrst.object+json' }, body: { name: 'single' } });
    expect(one.status).toBe(201);
    expect(one.body).toEqual({ name: 'single' });
    const error = await restError(
      server,
      '/scratch?select=name',
      { method: 'POST', headers: { ...REPRESENTATION, Accept: 'application/vnd.pgrst.object+json' }, body: [{ name: 'single-a' }, { name: 'single-b' }] },
      406,
    );
    expect(error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' });
    expect(await count(`select count(*) from scratch where name like 'single-%'`)).toBe(0);
  });

  it('Prefer: tx=rollback answers as if written, and writes nothing', async () => {
    const res = await rest(server, '/scratch?select=name', { method: 'POST', headers: { Prefer: 'return=representation, tx=rollback' }, body: { name: 'dry-run' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ name: 'dry-run' }]);
    expect(res.headers.get('preference-applied')).toBe('return=representation, tx=rollback');
    expect(await count(`select count(*) from scratch where name = 'dry-run'`)).toBe(0);
  });

  it('Prefer: count=exact counts the rows inserted', async () => {
    const res = await rest(server, '/scratch', { method: 'POST', headers: { Prefer: 'count=exact' }, body: [{ name: 'counted-1' }, { name: 'counted-2' }] });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-range')).toBe('*/2');
  });

  it('Content-Profile writes to another exposed schema', async () => {
    const res = await rest(server, '/thing', { method: 'POST', headers: { 'Content-Profile': 'other', ...REPRESENTATION }, body: { id: 3, name: 'three' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ id: 3, name: 'three' }]);
    expect(await sqlJson(sql, 'select * from other.thing where id = 3')).toEqual([{ id: 3, name: 'three' }]);
  });

  it('into Pagila: the defaults and triggers of the table apply', async () => {
    const body = (await restOk(server, '/actor?select=actor_id,first_name,last_name,last_update', { method: 'POST', headers: REPRESENTATION, body: { first_name: 'ADA', last_name: 'LOVELACE' } }, 201)) as {
      actor_id: number;
    }[];
    const id = body[0]?.actor_id;
    expect(id).toBeGreaterThan(200);
    expect(body).toEqual(await sqlJson(sql, 'select actor_id, first_name, last_name, last_update from actor where actor_id = $1', [id]));
  });
});

describe('upsert', () => {
  it('resolution=merge-duplicates with on_conflict= updates the rows that exist and inserts the others', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'up-1', score: 1, note: 'old' }] }, 201);
    const res = await rest(server, '/scratch?on_conflict=name&select=name,score,note', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [{ name: 'up-1', score: 100 }, { name: 'up-2', score: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toContain('resolution=merge-duplicates');
    // only the columns given are merged: the note stays
    expect(res.body).toEqual([{ name: 'up-1', score: 100, note: 'old' }, { name: 'up-2', score: 2, note: null }]);
    expect(await sqlJson(sql, `select name, score, note from scratch where name like 'up-%' order by name`)).toEqual(res.body);
  });

  it('an upsert whose every row merged into an existing one: 200, not 201 (one new row: 201)', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'all-1', score: 1 }, { name: 'all-2', score: 2 }] }, 201);
    const merged = await rest(server, '/scratch?on_conflict=name&select=name,score', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      body: [{ name: 'all-1', score: 10 }, { name: 'all-2', score: 20 }],
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual([{ name: 'all-1', score: 10 }, { name: 'all-2', score: 20 }]);
    const minimal = await rest(server, '/scratch?on_conflict=name', { method: 'POST', headers: { Prefer: 'resolution=merge-duplicates' }, body: { name: 'all-1', score: 11 } });
    expect(minimal.status).toBe(200);
    expect(minimal.text).toBe('');
    const mixed = await rest(server, '/scratch?on_conflict=name', { method: 'POST', headers: { Prefer: 'resolution=merge-duplicates' }, body: [{ name: 'all-1', score: 12 }, { name: 'all-3', score: 3 }] });
    expect(mixed.status).toBe(201);
    expect(await sqlJson(sql, `select name, score from scratch where name like 'all-%' order by name`)).toEqual([
      { name: 'all-1', score: 12 },
      { name: 'all-2', score: 20 },
      { name: 'all-3', score: 3 },
    ]);
  });

  it('resolution=ignore-duplicates leaves existing rows alone', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: { name: 'ign-1', score: 1 } }, 201);
    const res = await rest(server, '/scratch?on_conflict=name&select=name,score', {
      method: 'POST',
      headers: { Prefer: 'return=representation, resolution=ignore-duplicates' },
      body: [{ name: 'ign-1', score: 50 }, { name: 'ign-2', score: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ name: 'ign-2', score: 2 }]);
    expect(await sqlJson(sql, `select name, score from scratch where name like 'ign-%' order by name`)).toEqual([
      { name: 'ign-1', score: 1 },
      { name: 'ign-2', score: 2 },
    ]);
  });

  it('an upsert whose rows repeat a key: 400 21000, nothing written', async () => {
    const error = await restError(server, '/scratch?on_conflict=name', { method: 'POST', headers: { Prefer: 'resolution=merge-duplicates' }, body: [{ name: 'twice' }, { name: 'twice' }] }, 400);
    expect(error).toMatchObject({ code: '21000', message: 'ON CONFLICT DO UPDATE command cannot affect row a second time' });
    expect(await count(`select count(*) from scratch where name = 'twice'`)).toBe(0);
  });

  it('without on_conflict, the primary key is the conflict target', async () => {
    await restOk(server, '/pair', { method: 'POST', body: { a: 10, b: 20, label: 'first' } }, 201);
    await restOk(server, '/pair', { method: 'POST', headers: { Prefer: 'resolution=merge-duplicates' }, body: [{ a: 10, b: 20, label: 'second' }, { a: 10, b: 21, label: 'new' }] }, 201);
    expect(await sqlJson(sql, 'select * from pair where a = 10 order by b')).toEqual([
      { a: 10, b: 20, label: 'second' },
      { a: 10, b: 21, label: 'new' },
    ]);
  });
});

describe('PUT', () => {
  it('creates the row its primary key names (201), then replaces it (200)', async () => {
    const created = await rest(server, '/pair?a=eq.5&b=eq.6', { method: 'PUT', headers: REPRESENTATION, body: { a: 5, b: 6, label: 'made' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual([{ a: 5, b: 6, label: 'made' }]);
    const replaced = await rest(server, '/pair?a=eq.5&b=eq.6', { method: 'PUT', headers: REPRESENTATION, body: { a: 5, b: 6, label: 'replaced' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual([{ a: 5, b: 6, label: 'replaced' }]);
    const minimal = await rest(server, '/pair?a=eq.5&b=eq.6', { method: 'PUT', body: { a: 5, b: 6, label: 'again' } });
    expect(minimal.status).toBe(204);
    expect(await sqlJson(sql, 'select * from pair where a = 5')).toEqual([{ a: 5, b: 6, label: 'again' }]);
  });

  it('filters that are not exactly the primary key with eq: 405 PGRST105', async () => {
    for (const query of ['a=eq.5', 'a=eq.5&b=gt.6', 'a=eq.5&b=eq.6&label=eq.x', 'a=eq.5&b=not.eq.6', '']) {
      const error = await restError(server, `/pair?${query}`, { method: 'PUT', body: { a: 5, b: 6, label: 'x' } }, 405);
      expect(error.code).toBe('PGRST105');
    }
  });

  it('a body whose key differs from the URL: 400 PGRST115; more than one object: 400', async () => {
    const error = await restError(server, '/pair?a=eq.7&b=eq.8', { method: 'PUT', body: { a: 7, b: 9, label: 'x' } }, 400);
    expect(error.code).toBe('PGRST115');
    await expect(restError(server, '/pair?a=eq.7&b=eq.8', { method: 'PUT', body: [{ a: 7, b: 8 }, { a: 7, b: 8 }] }, 400)).resolves.toMatchObject({ code: 'PGRST102' });
    expect(await count('select count(*) from pair where a = 7')).toBe(0);
  });
});

describe('PATCH', () => {
  it('updates the filtered rows, with return=representation and count=exact', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'patch-1' }, { name: 'patch-2' }, { name: 'patch-3' }] }, 201);
    const res = await rest(server, '/scratch?name=in.(patch-1,patch-3)&select=name,note&order=name', {
      method: 'PATCH',
      headers: { Prefer: 'return=representation, count=exact' },
      body: { note: 'patched', data: { n: 1 } },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBe('0-1/2');
    expect(res.body).toEqual(expect.arrayContaining([{ name: 'patch-1', note: 'patched' }, { name: 'patch-3', note: 'patched' }]));
    expect(await sqlJson(sql, `select name, note, data from scratch where name like 'patch-%' order by name`)).toEqual([
      { name: 'patch-1', note: 'patched', data: { n: 1 } },
      { name: 'patch-2', note: null, data: null },
      { name: 'patch-3', note: 'patched', data: { n: 1 } },
    ]);
    const minimal = await rest(server, '/scratch?name=like.patch-*', { method: 'PATCH', body: { score: 1 } });
    expect(minimal.status).toBe(204);
    expect(minimal.headers.get('content-range')).toBe('0-2/*');
  });

  it('no row matched: 200 and [] (representation), 204 otherwise, Content-Range */*', async () => {
    const res = await rest(server, '/scratch?name=eq.nobody', { method: 'PATCH', headers: REPRESENTATION, body: { note: 'x' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(res.headers.get('content-range')).toBe('*/*');
  });

  it('an embedding on the updated rows', async () => {
    const body = await restOk(server, '/address?address_id=eq.3&select=address_id,district,city(city)', { method: 'PATCH', headers: REPRESENTATION, body: { district: 'Patched District' } });
    expect(body).toEqual(
      await sqlJson(sql, `select a.address_id, a.district, json_build_object('city', c.city) as city from address a join city c using (city_id) where a.address_id = 3`),
    );
    expect((body as { district: string }[])[0]?.district).toBe('Patched District');
  });

  it('filters, order and limit of an embedded resource shape what the written rows embed', async () => {
    const res = await rest(server, '/language?language_id=eq.1&select=language_id,film!film_language_id_fkey(title)&film.title=like.A*&film.order=title.desc&film.limit=2', {
      method: 'PATCH',
      headers: { Prefer: 'return=representation, tx=rollback' },
      body: { name: 'Inglish' },
    });
    expect(res.status).toBe(200);
    expect((res.body as { film: unknown[] }[])[0]?.film).toHaveLength(2);
    expect(res.body).toEqual(
      await sqlJson(
        sql,
        `select 1 as language_id, (select json_agg(json_build_object('title', x.title) order by x.title desc) from
           (select title from film where language_id = 1 and title like 'A%' order by title desc limit 2) x) as film`,
      ),
    );
  });

  it('order + limit bound the rows changed', async () => {
    const res = await rest(server, '/bounded?grp=eq.even&order=id.desc&limit=2&select=id', { method: 'PATCH', headers: REPRESENTATION, body: { touched: true } });
    expect(res.status).toBe(200);
    expect((res.body as { id: number }[]).map((r) => r.id).sort((a, b) => a - b)).toEqual([8, 10]);
    expect(await sqlColumn(sql, 'select id from bounded where touched order by id')).toEqual([8, 10]);
  });

  it('Accept: vnd.pgrst.object+json on two rows: 406, and nothing changed', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'obj-1', note: 'before' }, { name: 'obj-2', note: 'before' }] }, 201);
    const error = await restError(server, '/scratch?name=like.obj-*', { method: 'PATCH', headers: { ...REPRESENTATION, Accept: 'application/vnd.pgrst.object+json' }, body: { note: 'after' } }, 406);
    expect(error.code).toBe('PGRST116');
    expect(await sqlColumn(sql, `select distinct note from scratch where name like 'obj-%'`)).toEqual(['before']);
  });

  it('Prefer: max-affected refuses to change more rows, and changes none', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'max-1' }, { name: 'max-2' }] }, 201);
    const error = await restError(server, '/scratch?name=like.max-*', { method: 'PATCH', headers: { Prefer: 'handling=strict, max-affected=1' }, body: { note: 'x' } }, 400);
    expect(error).toMatchObject({ code: 'PGRST124', details: 'The query affects 2 rows' });
    expect(await count(`select count(*) from scratch where name like 'max-%' and note is not null`)).toBe(0);
    await restOk(server, '/scratch?name=eq.max-1', { method: 'PATCH', headers: { Prefer: 'handling=strict, max-affected=1' }, body: { note: 'x' } }, 204);
    expect(await count(`select count(*) from scratch where name = 'max-1' and note = 'x'`)).toBe(1);
  });

  it('tx=rollback: the answer of the update, and no change', async () => {
    const res = await rest(server, '/actor?actor_id=eq.1&select=first_name', { method: 'PATCH', headers: { Prefer: 'return=representation, tx=rollback' }, body: { first_name: 'NOBODY' } });
    expect(res.body).toEqual([{ first_name: 'NOBODY' }]);
    expect(await sqlColumn(sql, 'select first_name from actor where actor_id = 1')).toEqual(['PENELOPE']);
  });

  it('an empty body changes nothing', async () => {
    const res = await rest(server, '/actor?actor_id=eq.1', { method: 'PATCH', headers: REPRESENTATION, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('an unfiltered PATCH is refused (PGD105) unless the table allows it', async () => {
    const before = await sqlColumn(sql, 'select count(*) from film where length = 1');
    const error = await restError(server, '/film', { method: 'PATCH', body: { length: 1 } }, 400);
    expect(error.code).toBe('PGD105');
    expect(error.hint).toContain('allowUnfilteredWrites');
    expect(await sqlColumn(sql, 'select count(*) from film where length = 1')).toEqual(before);
    // order/limit alone is no filter either
    await expect(restError(server, '/film?order=film_id&limit=1', { method: 'PATCH', body: { length: 1 } }, 400)).resolves.toMatchObject({ code: 'PGD105' });
    // scratch allows it: every row changes
    const res = await rest(server, '/scratch', { method: 'PATCH', headers: { Prefer: 'count=exact' }, body: { score: 0 } });
    expect(res.status).toBe(204);
    const total = await count('select count(*) from scratch');
    expect(res.headers.get('content-range')).toBe(`0-${total - 1}/${total}`);
    expect(await count('select count(*) from scratch where score <> 0 or score is null')).toBe(0);
  });
});

describe('DELETE', () => {
  it('deletes the filtered rows, with representation and a count', async () => {
    await restOk(server, '/scratch', { method: 'POST', body: [{ name: 'del-1' }, { name: 'del-2' }, { name: 'keep-1' }] }, 201);
    const res = await rest(server, '/scratch?name=like.del-*&select=name', { method: 'DELETE', headers: { Prefer: 'return=representation, count=exact' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBe('*/2');
    expect((res.body as { name: string }[]).map((r) => r.name).sort()).toEqual(['del-1', 'del-2']);
    expect(await sqlColumn(sql, `select name from scratch where name like 'del-%' or name = 'keep-1'`)).toEqual(['keep-1']);
    const none = await rest(server, '/scratch?name=eq.nobody', { method: 'DELETE' });
    expect(none.status).toBe(204);
  });

  it('order + limit delete only the first rows in that order', async () => {
    const res = await rest(server, '/bounded?grp=eq.odd&order=id&limit=2&select=id', { method: 'DELETE', headers: REPRESENTATION });
    expect((res.body as { id: number }[]).map((r) => r.id).sort((a, b) => a - b)).toEqual([1, 3]);
    expect(await sqlColumn(sql, `select id from bounded where grp = 'odd' order by id`)).toEqual([5, 7, 9]);
  });

  it('a row still referenced: 409 23503, nothing deleted', async () => {
    const error = await restError(server, '/language?language_id=eq.1', { method: 'DELETE' }, 409);
    expect(error.code).toBe('23503');
    expect(await count('select count(*) from language where language_id = 1')).toBe(1);
  });

  it('tx=rollback deletes nothing', async () => {
    const res = await rest(server, '/film_actor?film_id=eq.1&select=actor_id&order=actor_id', { method: 'DELETE', headers: { Prefer: 'return=representation, tx=rollback' } });
    expect(res.status).toBe(200);
    expect((res.body as unknown[]).length).toBe(await count('select count(*) from film_actor where film_id = 1'));
    expect(await count('select count(*) from film_actor where film_id = 1')).toBeGreaterThan(0);
  });

  it('an unfiltered DELETE is refused; with allowUnfilteredWrites it empties the table', async () => {
    const error = await restError(server, '/pair', { method: 'DELETE' }, 400);
    expect(error.code).toBe('PGD105');
    expect(await count('select count(*) from pair')).toBeGreaterThan(0);
    await restOk(server, '/scratch', { method: 'DELETE', headers: { Prefer: 'tx=rollback' } }, 204);
    expect(await count('select count(*) from scratch')).toBeGreaterThan(0);
  });

  it('a view that cannot be written: 405 with Allow', async () => {
    const res = await rest(server, '/film_list?fid=eq.1', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((res.body as { code: string }).code).toBe('PGRST117');
  });
});

describe('nested insert', () => {
  it('a film with its film_actor rows and a to-one parent, returned with select=*,film_actor(*)', async () => {
    const res = await rest(server, '/film?select=*,film_actor(*),language!language_id(name)&film_actor.order=actor_id', {
      method: 'POST',
      headers: REPRESENTATION,
      body: { title: 'NESTED FILM', 'language!language_id': { name: 'Klingon' }, film_actor: [{ actor_id: 1 }, { actor_id: 2 }] },
    });
    expect(res.status).toBe(201);
    const [film] = res.body as { film_id: number; film_actor: unknown[]; language: { name: string } }[];
    expect(film).toBeDefined();
    const id = film?.film_id;
    expect(res.body).toEqual(
      await sqlJson(
        sql,
        `select f.*, (select json_agg(fa order by fa.actor_id) from film_actor fa where fa.film_id = f.film_id) as film_actor,
           json_build_object('name', l.name) as language
         from film f join language l on l.language_id = f.language_id where f.film_id = $1`,
        [id],
      ),
    );
    expect(film?.film_actor).toHaveLength(2);
    expect(film?.language.name.trim()).toBe('Klingon');
  });

  it('by relationship name, one-to-many from the parent side: a language with its films', async () => {
    const body = (await restOk(
      server,
      '/language?select=name,film!film_language_id_fkey(title)',
      { method: 'POST', headers: REPRESENTATION, body: { name: 'Esperanto', films: [{ title: 'SALUTON' }, { title: 'ADIAU' }] } },
      201,
    )) as { name: string; film: { title: string }[] }[];
    expect(body[0]?.name.trim()).toBe('Esperanto');
    expect(body[0]?.film.map((f) => f.title).sort()).toEqual(['ADIAU', 'SALUTON']);
    expect(await sqlColumn(sql, `select f.title from film f join language l using (language_id) where l.name = 'Esperanto' order by f.title`)).toEqual(['ADIAU', 'SALUTON']);
  });

  it('a failing child rolls back the whole insert', async () => {
    const films = await count('select count(*) from film');
    const languages = await count('select count(*) from language');
    const error = await restError(
      server,
      '/film',
      { method: 'POST', body: { title: 'DOOMED FILM', original_language: { name: 'Doomed' }, language_id: 1, film_actor: [{ actor_id: 1 }, { actor_id: 99999 }] } },
      409,
    );
    expect(error.code).toBe('23503');
    expect(await count('select count(*) from film')).toBe(films);
    expect(await count('select count(*) from language')).toBe(languages);
    expect(await count(`select count(*) from film where title = 'DOOMED FILM'`)).toBe(0);
  });

  it('an unknown key is PGRST204; a many-to-many key is refused', async () => {
    await expect(restError(server, '/film', { method: 'POST', body: { title: 'X', language_id: 1, nope: [{ a: 1 }] } }, 400)).resolves.toMatchObject({ code: 'PGRST204' });
    await expect(restError(server, '/film', { method: 'POST', body: { title: 'X', language_id: 1, actor: [{ first_name: 'A', last_name: 'B' }] } }, 400)).resolves.toMatchObject({
      code: 'PGRST100',
    });
    expect(await count(`select count(*) from film where title = 'X'`)).toBe(0);
  });
});
