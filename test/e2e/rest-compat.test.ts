import { PostgrestClient } from '@supabase/postgrest-js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, sqlColumn, sqlJson, startRestServer } from '../support/rest.js';

/**
 * PostgREST behaviours a postgrest-js user relies on (issue 15), through the real client
 * against the real server over Pagila: each answer compared with the same question in SQL, or
 * with what PostgREST 12/13 answers.
 */

let db: TestDatabase;
let server: RunningServer;
let client: PostgrestClient;
let sql: pg.Client;

const FIXTURE = `
  create table task (id serial primary key, title text not null unique, done boolean not null default false);
  create function add_tasks(titles text[]) returns setof task language sql volatile
    as $$ insert into task (title) select unnest(titles) returning * $$;
  create table person (id int primary key, name text not null, parent_id int references person (id));
  insert into person values (1, 'Ada', null), (2, 'Ben', 1), (3, 'Cy', 1), (4, 'Dee', 2);
  create table message (
    id int primary key, body text not null,
    sender_id int not null constraint message_sender_fkey references person (id),
    recipient_id int not null constraint message_recipient_fkey references person (id)
  );
  insert into message values (1, 'hi', 1, 2), (2, 'yo', 2, 3), (3, 'ok', 4, 1);
  create view letters as select id, body, sender_id from message;
  create view people as select id as pid, name from person;
  create function add_task(t text) returns task language sql volatile
    as $$ insert into task (title) values (t) returning * $$;
`;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query(FIXTURE);
  server = await startRestServer(db.url, { config: { database: { schemas: ['public', 'other'] }, rest: { explain: true } } });
  client = new PostgrestClient(`${server.url}/rest`);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('writes', () => {
  it('an upsert whose every row merged answers 200; one that inserts, 201', async () => {
    const first = await client.from('task').upsert([{ title: 'u1' }, { title: 'u2' }], { onConflict: 'title' }).select('title, done');
    expect(first.status).toBe(201);
    const merged = await client.from('task').upsert([{ title: 'u1', done: true }, { title: 'u2', done: true }], { onConflict: 'title' }).select('title, done');
    expect(merged.error).toBeNull();
    expect(merged.status).toBe(200);
    expect(merged.data).toEqual([{ title: 'u1', done: true }, { title: 'u2', done: true }]);
    expect(await sqlJson(sql, `select title, done from task where title like 'u_' order by title`)).toEqual(merged.data);
  });

  it('Location after return=headers-only is a path a GET finds', async () => {
    const answer = await fetch(`${server.url}/rest/task`, { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'return=headers-only' }, body: JSON.stringify({ title: 'located' }) });
    expect(answer.status).toBe(201);
    const id = (await sqlColumn(sql, `select id from task where title = 'located'`))[0];
    const location = answer.headers.get('location');
    expect(location).toBe(`/rest/task?id=eq.${String(id)}`);
    expect(await (await fetch(`${server.url}${location ?? ''}`)).json()).toEqual([{ id, title: 'located', done: false }]);
  });
});

/** postgrest-js types offer maxAffected() to clients typed for PostgREST 13; the method is there */
function maxAffected<T>(builder: T, rows: number): T {
  return (builder as unknown as { maxAffected(rows: number): T }).maxAffected(rows);
}

describe('rpc', () => {
  it('handling=strict, max-affected on a volatile set-returning function: PGRST124 and nothing written', async () => {
    const refused = await maxAffected(client.rpc('add_tasks', { titles: ['r1', 'r2', 'r3'] }), 2);
    expect(refused.status).toBe(400);
    expect(refused.error).toEqual({ code: 'PGRST124', message: 'Query result exceeds max-affected preference constraint', details: 'The query affects 3 rows', hint: null });
    expect(await sqlColumn(sql, `select count(*) from task where title in ('r1', 'r2', 'r3')`)).toEqual(['0']);
    const allowed = await maxAffected(client.rpc('add_tasks', { titles: ['r1', 'r2'] }).select('title'), 2);
    expect(allowed.error).toBeNull();
    expect(allowed.data).toEqual([{ title: 'r1' }, { title: 'r2' }]);
    expect(await sqlColumn(sql, `select count(*) from task where title in ('r1', 'r2')`)).toEqual(['2']);
    // one row returned: within any max-affected of at least 1
    const one = await maxAffected(client.rpc('add_task', { t: 'r4' }).select('title'), 1);
    expect(one.error).toBeNull();
    expect(one.data).toEqual({ title: 'r4' });
  });

  it('without handling=strict, max-affected is not enforced (PostgREST ignores it)', async () => {
    const answer = await fetch(`${server.url}/rest/rpc/add_tasks`, { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'max-affected=1' }, body: JSON.stringify({ titles: ['lenient-1', 'lenient-2'] }) });
    expect(answer.status).toBe(200);
    expect(await sqlColumn(sql, `select count(*) from task where title like 'lenient-%'`)).toEqual(['2']);
  });

  it('counts on GET, POST and HEAD, with Content-Range', async () => {
    const total = Number((await sqlColumn(sql, 'select count(*) from films_longer(150)'))[0]);
    const got = await client.rpc('films_longer', { min_length: 150 }, { get: true, count: 'exact' }).select('film_id').order('film_id').range(0, 4);
    expect(got.error).toBeNull();
    expect(got.count).toBe(total);
    expect(got.status).toBe(206);
    expect(got.data).toEqual(await sqlJson(sql, 'select film_id from films_longer(150) order by film_id limit 5'));
    const posted = await client.rpc('films_longer', { min_length: 150 }, { count: 'exact' }).select('film_id').limit(3);
    expect(posted.count).toBe(total);
    const head = await client.rpc('films_longer', { min_length: 150 }, { head: true, count: 'planned' });
    expect(head.data).toBeNull();
    expect(head.count).toBeGreaterThan(0);
    const estimated = await client.rpc('films_longer', { min_length: 150 }, { get: true, count: 'estimated' }).select('film_id').limit(2);
    // fewer rows than rest.maxRows: counted exactly
    expect(estimated.count).toBe(total);
    // a scalar is one row; a set of scalars its length
    const scalar = await fetch(`${server.url}/rest/rpc/add_them?a=1`, { headers: { Prefer: 'count=exact' } });
    expect(scalar.headers.get('content-range')).toBe('0-0/1');
    expect(scalar.headers.get('preference-applied')).toBe('count=exact');
    const letters = await fetch(`${server.url}/rest/rpc/letters`);
    expect(letters.headers.get('content-range')).toBe('0-2/*');
  });
});

describe('embedding by foreign key name and column', () => {
  it('alias:fk_name(*), table!fk_name(*) and fk_column(*)', async () => {
    const { data, error } = await client.from('message').select('body, from:message_sender_fkey(name), to:person!message_recipient_fkey(name), recipient_id(id)').order('id');
    expect(error).toBeNull();
    expect(data).toEqual(
      await sqlJson(
        sql,
        `select m.body, json_build_object('name', s.name) as "from", json_build_object('name', r.name) as "to", json_build_object('id', r.id) as recipient_id
         from message m join person s on s.id = m.sender_id join person r on r.id = m.recipient_id order by m.id`,
      ),
    );
  });

  it('a hint naming a column of the foreign key: person!sender_id', async () => {
    const { data, error } = await client.from('message').select('id, person!sender_id(name)').eq('id', 3);
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 3, person: { name: 'Dee' } }]);
  });

  it('a self-referencing table: its own name is its children, the key column its parent', async () => {
    const { data, error } = await client.from('person').select('name, person(name), parent:parent_id(name), kids:person!parent_id(id)').order('id').order('id', { referencedTable: 'person' }).order('id', { referencedTable: 'kids' });
    expect(error).toBeNull();
    expect(data).toEqual(
      await sqlJson(
        sql,
        `select p.name,
           (select coalesce(json_agg(json_build_object('name', c.name) order by c.id), '[]') from person c where c.parent_id = p.id) as person,
           (select json_build_object('name', q.name) from person q where q.id = p.parent_id) as parent,
           (select coalesce(json_agg(json_build_object('id', c.id) order by c.id), '[]') from person c where c.parent_id = p.id) as kids
         from person p order by p.id`,
      ),
    );
  });

  it('PGRST201 lists the candidates as PostgREST does, PGRST200 says where it searched', async () => {
    const ambiguous = await client.from('message').select('body, person(name)');
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.error).toEqual({
      code: 'PGRST201',
      message: "Could not embed because more than one relationship was found for 'message' and 'person'",
      details: [
        { cardinality: 'many-to-one', embedding: 'message with person', relationship: 'message_recipient_fkey using message(recipient_id) and person(id)' },
        { cardinality: 'many-to-one', embedding: 'message with person', relationship: 'message_sender_fkey using message(sender_id) and person(id)' },
      ],
      hint: "Try changing 'person' to one of the following: 'person!message_recipient_fkey', 'person!message_sender_fkey'. Find the desired relationship in the 'details' key.",
    });
    const reverse = await client.from('person').select('name, message(body)');
    expect(reverse.status).toBe(300);
    expect((reverse.error?.details as unknown as { relationship: string }[]).map((d) => d.relationship)).toEqual([
      'message_recipient_fkey using person(id) and message(recipient_id)',
      'message_sender_fkey using person(id) and message(sender_id)',
    ]);
    const missing = await client.from('message').select('body, nope(*)');
    expect(missing.status).toBe(400);
    expect(missing.error).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'message' and 'nope' in the schema cache",
      details: "Searched for a foreign key relationship between 'message' and 'nope' in the schema 'public', but no matches were found.",
      hint: null,
    });
  });

  it('unknown columns and a table embedded twice are PostgreSQL\'s errors', async () => {
    const unknown = await client.from('message').select('nope');
    expect(unknown.status).toBe(400);
    expect(unknown.error).toEqual({ code: '42703', message: 'column message.nope does not exist', details: null, hint: null });
    const aggregate = await client.from('message').select('nope.sum()');
    expect(aggregate.error?.code).toBe('42703');
    const twice = await client.from('person').select('name, person(name), person(id)');
    expect(twice.status).toBe(400);
    expect(twice.error).toEqual({ code: '42712', message: 'table name "person_person_1" specified more than once', details: null, hint: null });
  });
});

describe('csv', () => {
  it('.csv() cell for cell as PostgREST writes it', async () => {
    const { data, error } = await client.from('doc').select('id, tags, data, body').order('id').csv();
    expect(error).toBeNull();
    const rows = await sqlColumn(sql, `select string_agg(substring(t::text, 2, length(t::text) - 2), chr(10) order by t.id) from (select id, tags, data, body from doc) t`);
    expect(data).toBe(`id,tags,data,body\n${String(rows[0])}`);
    expect(String(data).split('\n')[2]).toBe('2,{blue},"{""a"": 2, ""b"": {""c"": ""y""}, ""s"": ""two, (2)""}","lazy dogs sleep"');
  });
});

describe('profiles, form bodies, computed fields', () => {
  it('Content-Profile names the schema of the answer when more than one is exposed', async () => {
    const other = await fetch(`${server.url}/rest/thing?select=id`, { headers: { 'Accept-Profile': 'other' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('content-profile')).toBe('other');
    const plain = await fetch(`${server.url}/rest/task?select=id&limit=1`);
    expect(plain.headers.get('content-profile')).toBe('public');
    const { data, error } = await client.schema('other').from('thing').select('name').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'one' }, { name: 'two' }]);
    const wrong = await fetch(`${server.url}/rest/thing`, { headers: { 'Accept-Profile': 'nope' } });
    expect(wrong.status).toBe(406);
    expect(wrong.headers.get('content-profile')).toBeNull();
  });

  it('application/x-www-form-urlencoded bodies for an insert and an RPC', async () => {
    const inserted = await fetch(`${server.url}/rest/task?select=title,done`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Prefer: 'return=representation' },
      body: new URLSearchParams({ title: 'from a form', done: 'true' }).toString(),
    });
    expect(inserted.status).toBe(201);
    expect(await inserted.json()).toEqual([{ title: 'from a form', done: true }]);
    const called = await fetch(`${server.url}/rest/rpc/add_them`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=4&b=5' });
    expect(called.status).toBe(200);
    expect(await called.json()).toBe(9);
  });

  it('computed fields in filters and ordering', async () => {
    const { data, error } = await client.from('film').select('title, film_title_length').lt('film_title_length', 9).order('film_title_length', { ascending: false }).order('title').limit(5);
    expect(error).toBeNull();
    expect(data).toEqual(await sqlJson(sql, 'select title, length(title) as film_title_length from film where length(title) < 9 order by length(title) desc, title limit 5'));
  });
});

describe('aggregates with embeds and spreads', () => {
  it('an aggregate next to an embedded resource groups by it', async () => {
    const { data, error } = await client.from('city').select('country(country), count()').lt('country_id', 6);
    expect(error).toBeNull();
    const expected = await sqlJson(sql, `select json_build_object('country', co.country) as country, count(*) as count from city c join country co using (country_id) where c.country_id < 6 group by co.country`);
    const key = (row: unknown): string => JSON.stringify(row);
    expect((data as unknown[]).map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('an aggregate next to a spread groups by its keys', async () => {
    const { data, error } = await client.from('film').select('rating, ...language!language_id(name), length.max()').order('rating');
    expect(error).toBeNull();
    expect(data).toEqual(await sqlJson(sql, `select f.rating, l.name, max(f.length) as max from film f join language l on l.language_id = f.language_id group by f.rating, l.name order by f.rating`));
  });

  it('a bare count in an embedded resource is count()', async () => {
    const { data, error } = await client.from('country').select('country, city(count)').lt('country_id', 4).order('country_id');
    expect(error).toBeNull();
    expect(data).toEqual(await sqlJson(sql, `select co.country, json_build_array(json_build_object('count', (select count(*) from city c where c.country_id = co.country_id))) as city from country co where co.country_id < 4 order by co.country_id`));
  });

  it('an aggregate inside a to-many spread is hoisted to the level that spreads it', async () => {
    const { data, error } = await client.from('country').select('country, ...city(count())').lt('country_id', 6).order('country');
    expect(error).toBeNull();
    const expected = await sqlJson(sql, `select co.country, (select count(*) from city c where c.country_id = co.country_id) as count from country co where co.country_id < 6 order by co.country`);
    expect(data).toEqual(expected);
    // grouped by a column many rows share: the related rows of the whole group
    const byRating = await client.from('film').select('rating, ...inventory(count())').order('rating');
    expect(byRating.error).toBeNull();
    expect(byRating.data).toEqual(await sqlJson(sql, `select f.rating, count(i.inventory_id) as count from film f left join inventory i using (film_id) group by f.rating order by f.rating`));
  });

  it('a spread inside a spread brings its keys up', async () => {
    const { data, error } = await client.from('address').select('address, ...city(city, ...country(country))').lt('address_id', 4).order('address_id');
    expect(error).toBeNull();
    expect(data).toEqual(await sqlJson(sql, `select a.address, c.city, co.country from address a join city c using (city_id) join country co using (country_id) where a.address_id < 4 order by a.address_id`));
  });

  it('a to-many spread: each column becomes the array of its values', async () => {
    const { data, error } = await client.from('country').select('country, ...city(city, city_id)').lt('country_id', 4).order('country_id').order('city', { referencedTable: 'city' });
    expect(error).toBeNull();
    expect(data).toEqual(
      await sqlJson(
        sql,
        `select co.country,
           (select coalesce(json_agg(c.city order by c.city), '[]') from city c where c.country_id = co.country_id) as city,
           (select coalesce(json_agg(c.city_id order by c.city), '[]') from city c where c.country_id = co.country_id) as city_id
         from country co where co.country_id < 4 order by co.country_id`,
      ),
    );
  });
});

describe('explain (rest.explain: true)', () => {
  it('.explain() as text and as JSON, with options', async () => {
    const text = await client.from('film').select('title').eq('film_id', 1).explain();
    expect(text.error).toBeNull();
    expect(typeof text.data).toBe('string');
    expect(String(text.data)).toMatch(/film/);
    expect(String(text.data)).toMatch(/cost=/);
    const json = await client.from('film').select('title, language!language_id(name)').limit(2).explain({ format: 'json', analyze: true, verbose: true });
    expect(json.error).toBeNull();
    const plan = (json.data as unknown as { Plan: { 'Node Type': string; 'Actual Rows'?: number; Output?: string[] } }[])[0]?.Plan;
    expect(plan?.['Node Type']).toBe('Aggregate');
    expect(plan?.['Actual Rows']).toBe(1);
    expect(plan?.Output).toBeDefined();
    const rpc = await client.rpc('films_longer', { min_length: 150 }).explain({ format: 'json' });
    expect(rpc.error).toBeNull();
    // PostgreSQL inlines the SQL function: its filter is in the plan
    expect(JSON.stringify(rpc.data)).toContain('(length > 150)');
  });

  it('the content type names the plan, its target and options; a bad option is 406', async () => {
    const answer = await fetch(`${server.url}/rest/film?limit=1`, { headers: { Accept: 'application/vnd.pgrst.plan+json; for="text/csv"; options=analyze|buffers' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/vnd.pgrst.plan+json; for="text/csv"; options=analyze|buffers; charset=utf-8');
    expect(((await answer.json()) as { Plan: unknown }[])[0]?.Plan).toBeDefined();
    const bad = await fetch(`${server.url}/rest/film?limit=1`, { headers: { Accept: 'application/vnd.pgrst.plan; options=drop' } });
    expect(bad.status).toBe(406);
    expect(((await bad.json()) as { code: string }).code).toBe('PGRST107');
  });
});

describe('relationships through views', () => {
  it('a view showing a foreign key\'s columns embeds as its table does, both ways and view to view', async () => {
    const toTable = await client.from('letters').select('body, person(name)').order('id');
    expect(toTable.error).toBeNull();
    expect(toTable.data).toEqual(await sqlJson(sql, `select m.body, json_build_object('name', p.name) as person from message m join person p on p.id = m.sender_id order by m.id`));
    const fromTable = await client.from('person').select('name, letters(body)').eq('id', 1);
    expect(fromTable.error).toBeNull();
    expect(fromTable.data).toEqual([{ name: 'Ada', letters: [{ body: 'hi' }] }]);
    const viewToView = await client.from('letters').select('body, sender:people!message_sender_fkey(pid, name)').eq('id', 2);
    expect(viewToView.error).toBeNull();
    expect(viewToView.data).toEqual([{ body: 'yo', sender: { pid: 2, name: 'Ben' } }]);
    const toView = await client.from('message').select('id, people!message_recipient_fkey(name)').eq('id', 1);
    expect(toView.data).toEqual([{ id: 1, people: { name: 'Ben' } }]);
  });
});
