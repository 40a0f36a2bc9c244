import type { ChildProcess } from 'node:child_process';
import { PostgrestClient } from '@supabase/postgrest-js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, tempConfig } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, sqlColumn, sqlJson } from '../support/rest.js';

/**
 * The running `pgduet` command, used unchanged by the real PostgREST client a web app uses
 * (`@supabase/postgrest-js`): reads with embedding, filters, order, ranges and counts,
 * single rows, writes with `.select()`, RPC, and the errors the client hands back. Every
 * answer is compared with the same question asked in SQL.
 */

let db: TestDatabase;
let child: ChildProcess;
let client: PostgrestClient;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query('create table todo (id serial primary key, task text not null unique, done boolean not null default false, tags text[])');
  const config = tempConfig(['database:', '  schemas: [public, other]', 'tables:', '  todo:', '    allowUnfilteredWrites: true', ''].join('\n'));
  const server = await serve(['--config', config], { DATABASE_URL: db.url });
  child = server.child;
  client = new PostgrestClient(`${server.url}/rest`);
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await sql?.end();
  await db?.drop();
});

describe('reads', () => {
  it('select with columns and filters', async () => {
    const { data, error, status } = await client.from('film').select('film_id, title, rating').eq('rating', 'PG').lt('film_id', 40).order('film_id');
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual(await sqlJson(sql, `select film_id, title, rating from film where rating = 'PG' and film_id < 40 order by film_id`));
  });

  it('embedding: to-one with a hint, to-many, many-to-many, with per-embedding order and limit', async () => {
    const { data, error } = await client
      .from('film')
      .select('title, language!language_id(name), actor(first_name)')
      .in('film_id', [1, 2])
      .order('film_id')
      .order('actor_id', { referencedTable: 'actor' })
      .limit(2, { referencedTable: 'actor' });
    expect(error).toBeNull();
    expect(data).toEqual(
      await sqlJson(
        sql,
        `select f.title, json_build_object('name', l.name) as language,
           (select json_agg(json_build_object('first_name', x.first_name) order by x.actor_id) from
             (select a.actor_id, a.first_name from film_actor fa join actor a using (actor_id) where fa.film_id = f.film_id order by a.actor_id limit 2) x) as actor
         from film f join language l on l.language_id = f.language_id where f.film_id in (1, 2) order by f.film_id`,
      ),
    );
  });

  it('an !inner embedding filtered through the client', async () => {
    const { data, error } = await client.from('city').select('city, country!inner(country)').eq('country.country', 'Canada').order('city');
    expect(error).toBeNull();
    expect((data as { city: string }[]).map((c) => c.city)).toEqual(
      await sqlColumn(sql, `select c.city from city c join country co using (country_id) where co.country = 'Canada' order by c.city`),
    );
  });

  it('.gt .in .like .ilike .or .not .is .contains .overlaps .match .textSearch', async () => {
    const ids = async (query: PromiseLike<{ data: unknown; error: unknown }>): Promise<unknown[]> => {
      const { data, error } = await query;
      expect(error).toBeNull();
      return (data as { film_id: number }[]).map((f) => f.film_id);
    };
    const film = (): ReturnType<ReturnType<PostgrestClient['from']>['select']> => client.from('film').select('film_id');
    const expect_ = async (query: PromiseLike<{ data: unknown; error: unknown }>, condition: string): Promise<void> => {
      const expected = await sqlColumn(sql, `select film_id from film where ${condition} order by film_id`);
      expect(expected.length).toBeGreaterThan(0);
      expect(await ids(query)).toEqual(expected);
    };
    await expect_(film().gt('length', 183).order('film_id'), 'length > 183');
    await expect_(film().in('film_id', [3, 1, 999]).order('film_id'), 'film_id in (1, 3, 999)');
    await expect_(film().like('title', '%DINO%').order('film_id'), `title like '%DINO%'`);
    await expect_(film().ilike('title', 'zo%').order('film_id'), `title ilike 'zo%'`);
    await expect_(film().or('film_id.eq.1,and(film_id.gt.998,film_id.lt.1000)').order('film_id'), 'film_id = 1 or (film_id > 998 and film_id < 1000)');
    await expect_(film().not('rating', 'in', '("PG","G")').lt('film_id', 20).order('film_id'), `rating not in ('PG', 'G') and film_id < 20`);
    await expect_(film().is('original_language_id', null).lt('film_id', 5).order('film_id'), 'original_language_id is null and film_id < 5');
    await expect_(film().contains('special_features', ['Trailers', 'Commentaries']).lt('length', 60).order('film_id'), `special_features @> '{Trailers,Commentaries}' and length < 60`);
    await expect_(film().overlaps('special_features', ['Commentaries']).lt('length', 50).order('film_id'), `special_features && '{Commentaries}' and length < 50`);
    await expect_(film().match({ rating: 'G', length: 185 }).order('film_id'), `rating = 'G' and length = 185`);
    await expect_(film().textSearch('fulltext', `'academy' & 'dinosaur'`, { config: 'english' }).order('film_id'), `fulltext @@ to_tsquery('english', 'academy & dinosaur')`);
    await expect_(film().textSearch('fulltext', 'academy dinosaur', { type: 'websearch' }).order('film_id'), `fulltext @@ websearch_to_tsquery('academy dinosaur')`);
    await expect_(film().likeAnyOf('title', ['ZO%', 'ZH%']).order('film_id'), `title like any ('{ZO%,ZH%}')`);
    await expect_(film().filter('film_id', 'in', '(1,2)').order('film_id'), 'film_id in (1, 2)');
  });

  it('.contains on jsonb, .rangeGt on a range, a JSON path filter', async () => {
    const { data: json } = await client.from('doc').select('id').contains('data', { b: { c: 'x' } });
    expect(json).toEqual([{ id: 1 }]);
    const { data: range } = await client.from('doc').select('id').rangeGt('during', '[2024-01-15,2024-01-20)').order('id');
    expect(range).toEqual(await sqlJson(sql, `select id from doc where during >> '[2024-01-15,2024-01-20)' order by id`));
    const { data: path } = await client.from('doc').select('id, data->b->>c').eq('data->>a', '2');
    expect(path).toEqual([{ id: 2, c: 'y' }]);
  });

  it('order with nulls and by a referenced table; range with count: exact', async () => {
    const { data, error, count, status } = await client
      .from('rental')
      .select('rental_id, return_date', { count: 'exact' })
      .order('return_date', { ascending: false, nullsFirst: false })
      .order('rental_id')
      .range(5, 9);
    expect(error).toBeNull();
    expect(status).toBe(206);
    expect(count).toBe(Number((await sqlColumn(sql, 'select count(*) from rental'))[0]));
    expect(data).toEqual(await sqlJson(sql, 'select rental_id, return_date from rental order by return_date desc nulls last, rental_id limit 5 offset 5'));
    // the parent ordered by a column of a to-one embedding
    const { data: byLanguage } = await client.from('film').select('title, language!language_id(name)').order('language(name)', { ascending: false }).order('film_id').limit(2);
    expect(byLanguage).toEqual(await sqlJson(sql, `select f.title, json_build_object('name', l.name) as language from film f join language l using (language_id) order by l.name desc, f.film_id limit 2`));
  });

  it('head: true with count: exact gives the count and no rows', async () => {
    const { data, count, error } = await client.from('film').select('*', { count: 'exact', head: true }).eq('rating', 'R');
    expect(error).toBeNull();
    expect(data).toBeNull();
    expect(count).toBe(Number((await sqlColumn(sql, `select count(*) from film where rating = 'R'`))[0]));
  });

  it('.single() and .maybeSingle()', async () => {
    const one = await client.from('film').select('film_id, title').eq('film_id', 1).single();
    expect(one.error).toBeNull();
    expect(one.data).toEqual({ film_id: 1, title: 'ACADEMY DINOSAUR' });
    const two = await client.from('film').select('film_id').lt('film_id', 3).single();
    expect(two.data).toBeNull();
    expect(two.status).toBe(406);
    expect(two.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' });
    const none = await client.from('film').select('film_id').eq('film_id', -1).maybeSingle();
    expect(none.error).toBeNull();
    expect(none.data).toBeNull();
    const some = await client.from('film').select('film_id').eq('film_id', 2).maybeSingle();
    expect(some.data).toEqual({ film_id: 2 });
  });

  it('.csv() and .stripNulls()', async () => {
    const { data } = await client.from('film').select('film_id,title').lt('film_id', 3).order('film_id').csv();
    // PostgREST's CSV: PostgreSQL's record text, which quotes a value with a space
    expect(data).toBe('film_id,title\n1,"ACADEMY DINOSAUR"\n2,"ACE GOLDFINGER"');
    const stripped = await client.from('doc').select('id, body').order('id').stripNulls();
    expect(stripped.data).toEqual([{ id: 1, body: 'the quick brown fox' }, { id: 2, body: 'lazy dogs sleep' }, { id: 3 }, { id: 4, body: 'a "quoted", (odd) value' }]);
  });

  it('.schema() reads another exposed schema', async () => {
    const { data, error } = await client.schema('other').from('thing').select('*').order('id');
    expect(error).toBeNull();
    expect(data).toEqual(await sqlJson(sql, 'select * from other.thing order by id'));
  });
});

describe('writes', () => {
  it('insert with .select() and .single()', async () => {
    const many = await client.from('todo').insert([{ task: 'write tests', tags: ['dev'] }, { task: 'ship it' }]).select();
    expect(many.error).toBeNull();
    expect(many.status).toBe(201);
    expect(many.data).toEqual(await sqlJson(sql, `select * from todo where task in ('write tests', 'ship it') order by id`));
    // postgrest-js sends missing=default: the key an object lacks takes the column default
    expect((many.data as { tags: unknown }[])[1]?.tags).toBeNull();
    const one = await client.from('todo').insert({ task: 'single' }).select('task, done').single();
    expect(one.error).toBeNull();
    expect(one.data).toEqual({ task: 'single', done: false });
  });

  it('upsert merges on a conflict, or ignores it', async () => {
    await client.from('todo').insert({ task: 'upsert me' });
    const merged = await client.from('todo').upsert({ task: 'upsert me', done: true }, { onConflict: 'task' }).select('task, done');
    expect(merged.error).toBeNull();
    expect(merged.data).toEqual([{ task: 'upsert me', done: true }]);
    const ignored = await client.from('todo').upsert({ task: 'upsert me', done: false }, { onConflict: 'task', ignoreDuplicates: true }).select('task, done');
    expect(ignored.error).toBeNull();
    expect(ignored.data).toEqual([]);
    expect(await sqlJson(sql, `select task, done from todo where task = 'upsert me'`)).toEqual([{ task: 'upsert me', done: true }]);
  });

  it('update with filters, .select() and count', async () => {
    await client.from('todo').insert([{ task: 'upd-1' }, { task: 'upd-2' }, { task: 'upd-3' }]);
    const updated = await client.from('todo').update({ done: true }).in('task', ['upd-1', 'upd-3']).select('task').order('task');
    expect(updated.error).toBeNull();
    expect((updated.data as { task: string }[]).map((t) => t.task).sort()).toEqual(['upd-1', 'upd-3']);
    expect(await sqlColumn(sql, `select task from todo where task like 'upd-%' and done order by task`)).toEqual(['upd-1', 'upd-3']);
    const counted = await client.from('todo').update({ done: false }, { count: 'exact' }).like('task', 'upd-%');
    expect(counted.error).toBeNull();
    expect(counted.count).toBe(3);
    expect(await sqlColumn(sql, `select count(*) from todo where task like 'upd-%' and not done`)).toEqual(['3']);
  });

  it('delete with .select(), and .maybeSingle() of nothing', async () => {
    await client.from('todo').insert([{ task: 'd1' }, { task: 'd2' }]);
    const deleted = await client.from('todo').delete().eq('task', 'd1').select('task');
    expect(deleted.error).toBeNull();
    expect(deleted.data).toEqual([{ task: 'd1' }]);
    const nothing = await client.from('todo').delete().eq('task', 'nobody').select().maybeSingle();
    expect(nothing.error).toBeNull();
    expect(nothing.data).toBeNull();
    expect(await sqlColumn(sql, `select task from todo where task like 'd%' order by task`)).toEqual(['d2']);
  });

  it('.single() on a write of two rows: PGRST116, and nothing written', async () => {
    const result = await client.from('todo').insert([{ task: 's1' }, { task: 's2' }]).select().single();
    expect(result.error).toMatchObject({ code: 'PGRST116' });
    expect(await sqlColumn(sql, `select count(*) from todo where task in ('s1', 's2')`)).toEqual(['0']);
  });

  it('.rollback() (tx=rollback) and .maxAffected()', async () => {
    const dry = await client.from('todo').insert({ task: 'dry' }).select('task').rollback();
    expect(dry.error).toBeNull();
    expect(dry.data).toEqual([{ task: 'dry' }]);
    expect(await sqlColumn(sql, `select count(*) from todo where task = 'dry'`)).toEqual(['0']);
    await client.from('todo').insert([{ task: 'm1' }, { task: 'm2' }]);
    const update = client.from('todo').update({ done: true }).like('task', 'm%');
    // the client's types offer maxAffected() only to a client typed for PostgREST 13; the method is there
    const limited = await (update as unknown as { maxAffected(rows: number): typeof update }).maxAffected(1);
    expect(limited.error).toMatchObject({ code: 'PGRST124' });
    expect(await sqlColumn(sql, `select count(*) from todo where task like 'm%' and done`)).toEqual(['0']);
  });
});

describe('rpc', () => {
  it('a scalar function by POST and by GET', async () => {
    const posted = await client.rpc('add_them', { a: 2, b: 3 });
    expect(posted.error).toBeNull();
    expect(posted.data).toBe(5);
    const got = await client.rpc('add_them', { a: 2 }, { get: true });
    expect(got.data).toBe(12);
  });

  it('a set-returning function, filtered, ordered and counted', async () => {
    const { data, error, count } = await client.rpc('films_longer', { min_length: 180 }, { count: 'exact' }).select('film_id, title').lt('film_id', 500).order('film_id');
    expect(error).toBeNull();
    const expected = await sqlJson(sql, 'select film_id, title from films_longer(180) where film_id < 500 order by film_id');
    expect(data).toEqual(expected);
    expect(count).toBe(expected.length);
  });

  it('variadic arrays by GET, a whole-body jsonb argument, void', async () => {
    expect((await client.rpc('sum_all', { nums: [1, 2, 3] }, { get: true })).data).toBe(6);
    expect((await client.rpc('echo_json', { any: ['thing'] })).data).toEqual({ any: ['thing'] });
    const nothing = await client.rpc('do_nothing');
    expect(nothing.error).toBeNull();
    expect(nothing.status).toBe(204);
  });

  it('head: true with count', async () => {
    const { count, data } = await client.rpc('films_longer', { min_length: 180 }, { head: true, count: 'exact' });
    expect(data).toBeNull();
    expect(count).toBe(Number((await sqlColumn(sql, 'select count(*) from films_longer(180)'))[0]));
  });
});

describe('errors the client hands back', () => {
  it('an unknown table', async () => {
    const { data, error, status } = await client.from('nope').select();
    expect(data).toBeNull();
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: 'PGRST205', message: "Could not find the table 'public.nope' in the schema cache" });
  });

  it('an ambiguous embedding', async () => {
    const { error, status } = await client.from('film').select('title, language(name)');
    expect(status).toBe(300);
    expect(error?.code).toBe('PGRST201');
  });

  it('a unique violation and a foreign key violation', async () => {
    await client.from('todo').insert({ task: 'unique' });
    const duplicate = await client.from('todo').insert({ task: 'unique' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.error).toMatchObject({ code: '23505', details: 'Key (task)=(unique) already exists.' });
    const orphan = await client.from('film_actor').insert({ film_id: 1, actor_id: 99999 });
    expect(orphan.status).toBe(409);
    expect(orphan.error?.code).toBe('23503');
  });

  it('a raised exception and a bad value', async () => {
    const raised = await client.rpc('fail_me', { msg: 'nope' });
    expect(raised.status).toBe(400);
    expect(raised.error).toEqual({ code: 'P0001', message: 'nope', details: 'it failed on purpose', hint: 'call it with another message' });
    const bad = await client.from('film').select('film_id').eq('film_id', 'abc');
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe('22P02');
  });

  it('throwOnError() throws the PostgREST error', async () => {
    await expect(client.from('nope').select().throwOnError()).rejects.toMatchObject({ code: 'PGRST205' });
  });
});
