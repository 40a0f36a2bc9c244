import pg from 'pg';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from './server.js';

/**
 * Helpers for the REST tests: the real server with the REST mounts, plain `fetch` requests
 * that keep the status and every header, and hand-written SQL answered as JSON by PostgreSQL
 * itself (so that numbers, timestamps and nulls look exactly as they do in a REST answer).
 */

/** The real server with the REST mounts (`/rest`, `/openapi.json`, `/docs`), in this process. */
export function startRestServer(databaseUrl: string, options: Parameters<typeof startTestServer>[1] = {}): Promise<RunningServer> {
  return startTestServer(databaseUrl, { ...options, mounts: [restMounts, ...(options.mounts ?? [])] });
}

export interface RestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** the body parsed as JSON (undefined when it is empty or not JSON) */
  readonly body: unknown;
}

export interface RestRequestInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** a string is sent as it is; anything else as JSON (with Content-Type: application/json) */
  readonly body?: unknown;
}

/** One request to `/rest<path>`; `path` starts with `/` (`/film?select=title`). */
export async function rest(server: RunningServer, path: string, init: RestRequestInit = {}): Promise<RestResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    if (typeof init.body === 'string') {
      body = init.body;
    } else {
      body = JSON.stringify(init.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(`${server.url}/rest${path}`, { method: init.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** The body of a request that must answer `status` (the error body is shown when it does not). */
export async function restOk(server: RunningServer, path: string, init: RestRequestInit = {}, status = 200): Promise<unknown> {
  const res = await rest(server, path, init);
  if (res.status !== status) throw new Error(`${init.method ?? 'GET'} ${path}: expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

/** PostgREST's error body. */
export interface RestErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details: unknown;
  readonly hint: string | null;
}

/** A request that must fail with `status`; returns the error body, checked to have PostgREST's four keys. */
export async function restError(server: RunningServer, path: string, init: RestRequestInit, status: number): Promise<RestErrorBody> {
  const res = await rest(server, path, init);
  if (res.status !== status) throw new Error(`${init.method ?? 'GET'} ${path}: expected ${status}, got ${res.status}: ${res.text}`);
  const body = res.body as Record<string, unknown> | undefined;
  if (body === undefined || Object.keys(body).sort().join(',') !== 'code,details,hint,message') {
    throw new Error(`${init.method ?? 'GET'} ${path}: not a PostgREST error body: ${res.text}`);
  }
  return body as unknown as RestErrorBody;
}

/**
 * Hand-written SQL whose rows PostgreSQL turns into a JSON array (`json_agg` of the rows, in
 * the query's order): the answer REST should give to the same question.
 */
export async function sqlJson(client: pg.Client, query: string, values: readonly unknown[] = []): Promise<unknown[]> {
  const { rows } = await client.query<{ r: unknown[] }>(`select coalesce(json_agg(x), '[]'::json) as r from (${query}) as x`, [...values]);
  return rows[0]?.r ?? [];
}

/** The first column of each row of a query. */
export async function sqlColumn(client: pg.Client, query: string, values: readonly unknown[] = []): Promise<unknown[]> {
  const { rows } = await client.query(query, [...values]);
  return rows.map((row: Record<string, unknown>) => Object.values(row)[0]);
}

/** A connected client on the test database (the caller ends it). */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/**
 * What Pagila lacks to show every REST form: a table with jsonb, an array and a range, a
 * second schema, and functions of every return kind.
 */
export const REST_FIXTURE_SQL = `
  create table doc (id int primary key, data jsonb, tags text[], during tstzrange, body text);
  insert into doc values
    (1, '{"a": 1, "b": {"c": "x"}, "arr": [10, 20], "s": "one"}', '{red,blue}', '[2024-01-01,2024-02-01)', 'the quick brown fox'),
    (2, '{"a": 2, "b": {"c": "y"}, "s": "two, (2)"}', '{blue}', '[2024-02-01,2024-03-01)', 'lazy dogs sleep'),
    (3, '{"a": 3}', '{}', '[2024-03-01,2024-04-01)', null),
    (4, null, null, null, 'a "quoted", (odd) value');

  create schema other;
  create table other.thing (id int primary key, name text not null);
  insert into other.thing values (1, 'one'), (2, 'two');

  create function films_longer(min_length int) returns setof film language sql stable
    as $$ select * from film where length > min_length $$;
  create function add_them(a int, b int default 10) returns int language sql immutable
    as $$ select a + b $$;
  create function do_nothing() returns void language sql volatile as $$ select $$;
  create function bump(n int) returns int language sql volatile as $$ select n + 1 $$;
  create function film_stats(min_rating text) returns table (rating text, films bigint, avg_length numeric) language sql stable
    as $$ select rating::text, count(*), avg(length) from film where rating::text >= min_rating group by rating $$;
  create function sum_all(variadic nums int[]) returns int language sql immutable
    as $$ select sum(x)::int from unnest(nums) as x $$;
  create function echo_json(jsonb) returns jsonb language sql immutable as $$ select $1 $$;
  create function greet(o json) returns text language sql immutable as $$ select 'hello ' || (o->>'name') $$;
  create function fail_me(msg text) returns int language plpgsql
    as $$ begin raise exception '%', msg using detail = 'it failed on purpose', hint = 'call it with another message'; end $$;
  create function one_film(id int) returns film language sql stable as $$ select * from film where film_id = id $$;
  create function letters() returns setof text language sql immutable as $$ values ('a'), ('b'), ('c') $$;
  create function film_title_length(f film) returns int language sql stable as $$ select length(f.title) $$;
  create function shout(f film, suffix text default '!') returns text language sql stable as $$ select upper(f.title) || suffix $$;
`;
