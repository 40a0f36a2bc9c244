import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { data, gql, startGraphqlServer } from '../support/graphql.js';
import { recordStatements } from '../support/statements.js';

/**
 * GraphQL reads on Pagila, each compared with the same question asked in hand-written SQL.
 */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

const rows = async <T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> => (await sql.query(text, values)).rows as T[];
const column = async (text: string, values: unknown[] = []): Promise<unknown[]> => (await rows(text, values)).map((r) => Object.values(r)[0]);

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  // what Pagila lacks to show every operator and field: a jsonb column and a computed field
  await sql.query(`
    create table doc (id int primary key, body jsonb, tags text[]);
    insert into doc values (1, '{"a": 1, "b": {"c": true}}', '{x,y}'), (2, '{"a": 2, "d": null}', '{y}'), (3, '[1, 2]', null);
    create function film_title_length(f film) returns int language sql stable as $$ select length(f.title) $$;
    create function film_rental_cost(f film, days int, discount numeric default 0) returns numeric language sql stable as $$ select f.rental_rate * days / f.rental_duration - discount $$;
    create function films_longer_than(min_length int) returns setof film language sql stable as $$ select * from film where length > min_length $$;
  `);
  server = await startGraphqlServer(db.url);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('filters', () => {
  const ids = async (where: string): Promise<number[]> =>
    (await data<{ film: { film_id: number }[] }>(server, `{ film(where: ${where}, order_by: {film_id: asc}) { film_id } }`)).film.map((f) => f.film_id);
  const sqlIds = async (condition: string, values: unknown[] = []): Promise<number[]> =>
    (await column(`select film_id from film where ${condition} order by film_id`, values)) as number[];

  it.each([
    ['{film_id: {_eq: 7}}', 'film_id = 7'],
    ['{film_id: {_neq: 7}}', 'film_id <> 7'],
    ['{length: {_gt: 180}}', 'length > 180'],
    ['{length: {_gte: 184}}', 'length >= 184'],
    ['{length: {_lt: 47}}', 'length < 47'],
    ['{length: {_lte: 46}}', 'length <= 46'],
    ['{film_id: {_in: [1, 5, 999]}}', 'film_id in (1, 5, 999)'],
    ['{film_id: {_nin: [1, 2]}, length: {_gt: 183}}', 'film_id not in (1, 2) and length > 183'],
    ['{original_language_id: {_is_null: false}}', 'original_language_id is not null'],
    ['{title: {_like: "A%"}}', "title like 'A%'"],
    ['{title: {_nlike: "%E%"}}', "title not like '%E%'"],
    ['{title: {_ilike: "%dino%"}}', "title ilike '%dino%'"],
    ['{title: {_nilike: "%a%"}}', "title not ilike '%a%'"],
    ['{title: {_similar: "(A|B)%"}}', "title similar to '(A|B)%'"],
    ['{title: {_nsimilar: "%(A|E|I|O|U)%"}}', "title not similar to '%(A|E|I|O|U)%'"],
    ['{title: {_regex: "^Z"}}', "title ~ '^Z'"],
    ['{title: {_nregex: "[AEIOU]"}}', "title !~ '[AEIOU]'"],
    ['{title: {_iregex: "^z"}}', "title ~* '^z'"],
    ['{title: {_niregex: "[a-s]"}}', "title !~* '[a-s]'"],
    ['{rating: {_in: [PG_13, NC_17]}, length: {_gt: 180}}', "rating in ('PG-13', 'NC-17') and length > 180"],
    ['{rental_rate: {_eq: "0.99"}, length: {_lt: 50}}', 'rental_rate = 0.99 and length < 50'],
    ['{special_features: {_contains: ["Trailers", "Commentaries"]}, length: {_lt: 60}}', "special_features @> '{Trailers,Commentaries}' and length < 60"],
    ['{special_features: {_contained_in: ["Trailers"]}}', "special_features <@ '{Trailers}'"],
    ['{_or: [{length: {_lt: 47}}, {length: {_gt: 184}}]}', 'length < 47 or length > 184'],
    ['{_and: [{length: {_gt: 100}}, {length: {_lt: 102}}]}', 'length > 100 and length < 102'],
    ['{_not: {length: {_gt: 50}}}', 'not (length > 50)'],
    ['{_or: []}', 'false'],
    ['{_and: []}', 'true'],
  ])('%s', async (where, condition) => {
    const expected = await sqlIds(condition);
    expect(await ids(where)).toEqual(expected);
  });

  it('filters through an object relationship', async () => {
    expect(await ids('{language: {name: {_eq: "English"}}, length: {_lt: 50}}')).toEqual(
      await sqlIds("exists (select 1 from language l where l.language_id = film.language_id and l.name = 'English') and length < 50"),
    );
  });

  it('filters through an array relationship: some related row matches (EXISTS)', async () => {
    expect(await ids('{actors: {last_name: {_eq: "GUINESS"}}}')).toEqual(
      await sqlIds("exists (select 1 from film_actor fa join actor a using (actor_id) where fa.film_id = film.film_id and a.last_name = 'GUINESS')"),
    );
    expect(await ids('{film_actors: {actor_id: {_eq: 1}}}')).toEqual(await sqlIds('exists (select 1 from film_actor fa where fa.film_id = film.film_id and fa.actor_id = 1)'));
  });

  it('filters jsonb with every operator', async () => {
    const docIds = async (where: string): Promise<number[]> =>
      (await data<{ doc: { id: number }[] }>(server, `{ doc(where: ${where}, order_by: {id: asc}) { id } }`)).doc.map((d) => d.id);
    expect(await docIds('{body: {_contains: {b: {c: true}}}}')).toEqual([1]);
    expect(await docIds('{body: {_contained_in: {a: 2, d: null, e: 1}}}')).toEqual([2]);
    expect(await docIds('{body: {_has_key: "d"}}')).toEqual([2]);
    expect(await docIds('{body: {_has_keys_any: ["b", "d"]}}')).toEqual([1, 2]);
    expect(await docIds('{body: {_has_keys_all: ["a", "b"]}}')).toEqual([1]);
    expect(await docIds('{body: {_eq: [1, 2]}}')).toEqual([3]);
    expect(await docIds('{tags: {_contains: ["y"]}}')).toEqual([1, 2]);
    expect(await docIds('{tags: {_is_null: true}}')).toEqual([3]);
  });

  it('takes values from variables', async () => {
    const body = await data<{ film: { film_id: number }[] }>(
      server,
      'query($ids: [Int!], $t: String) { film(where: {film_id: {_in: $ids}, title: {_ilike: $t}}, order_by: {film_id: desc}) { film_id } }',
      { ids: [1, 2, 3, 4], t: 'a%' },
    );
    expect(body.film.map((f) => f.film_id)).toEqual(await column("select film_id from film where film_id in (1,2,3,4) and title ilike 'a%' order by film_id desc"));
  });
});

describe('ordering and pagination', () => {
  it('orders with nulls first and last', async () => {
    for (const [order, sqlOrder] of [
      ['asc', 'asc'],
      ['asc_nulls_first', 'asc nulls first'],
      ['desc', 'desc'],
      ['desc_nulls_last', 'desc nulls last'],
    ] as const) {
      const got = await data<{ address: { address_id: number }[] }>(server, `{ address(order_by: [{address2: ${order}}, {address_id: asc}], limit: 8) { address_id } }`);
      expect(got.address.map((a) => a.address_id), order).toEqual(await column(`select address_id from address order by address2 ${sqlOrder}, address_id limit 8`));
    }
  });

  it('orders by an object relationship column and by an array relationship count', async () => {
    const byCity = await data<{ address: { address_id: number }[] }>(server, '{ address(order_by: [{city: {city: desc}}, {address_id: asc}], limit: 5) { address_id } }');
    expect(byCity.address.map((a) => a.address_id)).toEqual(await column('select a.address_id from address a join city c using (city_id) order by c.city desc, a.address_id limit 5'));
    const byActors = await data<{ film: { film_id: number }[] }>(server, '{ film(order_by: [{film_actors_aggregate: {count: desc}}, {film_id: asc}], limit: 5) { film_id } }');
    expect(byActors.film.map((f) => f.film_id)).toEqual(
      await column('select f.film_id from film f order by (select count(*) from film_actor fa where fa.film_id = f.film_id) desc, f.film_id limit 5'),
    );
    const byMaxRate = await data<{ customer: { customer_id: number }[] }>(server, '{ customer(order_by: [{rentals_aggregate: {max: {rental_date: desc}}}, {customer_id: asc}], limit: 3) { customer_id } }');
    expect(byMaxRate.customer.map((c) => c.customer_id)).toEqual(
      await column('select c.customer_id from customer c order by (select max(rental_date) from rental r where r.customer_id = c.customer_id) desc, c.customer_id limit 3'),
    );
  });

  it('paginates with limit and offset, and distinct_on', async () => {
    const page = await data<{ film: { film_id: number }[] }>(server, '{ film(order_by: {film_id: asc}, limit: 5, offset: 10) { film_id } }');
    expect(page.film.map((f) => f.film_id)).toEqual([11, 12, 13, 14, 15]);
    const distinct = await data<{ film: { rating: string; film_id: number }[] }>(server, '{ film(distinct_on: [rating], order_by: [{rating: asc}, {film_id: desc}]) { rating film_id } }');
    expect(distinct.film).toEqual(
      (await rows<{ rating: string; film_id: number }>('select distinct on (f.rating) f.rating::text as rating, f.film_id from film f order by f.rating, f.film_id desc')).map((r) => ({
        rating: r.rating,
        film_id: r.film_id,
      })),
    );
  });
});

describe('relationships', () => {
  it('follows object relationships (many-to-one) and array relationships both ways', async () => {
    const got = await data<{ language: { name: string; films: { film_id: number; language: { language_id: number } }[] }[] }>(
      server,
      '{ language(order_by: {language_id: asc}) { name films(order_by: {film_id: asc}, limit: 3) { film_id language { language_id } } } }',
    );
    const expected = await rows<{ language_id: number; name: string }>('select language_id, name from language order by language_id');
    expect(got.language.map((l) => l.name)).toEqual(expected.map((l) => l.name));
    for (const [i, language] of got.language.entries()) {
      const id = expected[i]?.language_id;
      expect(language.films.map((f) => f.film_id)).toEqual(await column('select film_id from film where language_id = $1 order by film_id limit 3', [id]));
      for (const film of language.films) expect(film.language.language_id).toBe(id);
    }
  });

  it('applies where, order_by, limit and offset of an array relationship per parent', async () => {
    const got = await data<{ actor: { actor_id: number; films: { film_id: number }[] }[] }>(
      server,
      '{ actor(order_by: {actor_id: asc}, limit: 4) { actor_id films(where: {length: {_gt: 100}}, order_by: {film_id: desc}, limit: 2, offset: 1) { film_id } } }',
    );
    expect(got.actor).toHaveLength(4);
    for (const actor of got.actor) {
      expect(actor.films.map((f) => f.film_id)).toEqual(
        await column(
          'select f.film_id from film f join film_actor fa using (film_id) where fa.actor_id = $1 and f.length > 100 order by f.film_id desc limit 2 offset 1',
          [actor.actor_id],
        ),
      );
    }
  });

  it('gives aggregates of array relationships per parent', async () => {
    const got = await data<{ customer: { customer_id: number; rentals_aggregate: { aggregate: { count: number; max: { rental_date: string } } } }[] }>(
      server,
      '{ customer(order_by: {customer_id: asc}, limit: 3) { customer_id rentals_aggregate(where: {staff_id: {_eq: 1}}) { aggregate { count max { rental_date } } } } }',
    );
    for (const c of got.customer) {
      const [expected] = await rows<{ count: string; max: string }>(
        "select count(*)::text as count, to_json(max(rental_date))#>>'{}' as max from rental where customer_id = $1 and staff_id = 1",
        [c.customer_id],
      );
      expect(c.rentals_aggregate.aggregate.count).toBe(Number(expected?.count));
      expect(c.rentals_aggregate.aggregate.max.rental_date).toBe(expected?.max);
    }
  });

  it('returns null for a null foreign key, and serves computed fields', async () => {
    const got = await data<{ film: { original_language: unknown; film_title_length: number; title: string }[] }>(server, '{ film(limit: 2, order_by: {film_id: asc}) { title original_language { name } film_title_length } }');
    for (const film of got.film) {
      expect(film.original_language).toBeNull();
      expect(film.film_title_length).toBe(film.title.length);
    }
  });

  it('orders through several object relationships, and by an aggregate behind one', async () => {
    type Row = { customer_id: number };
    const got = await data<{ customer: Row[] }>(server, '{ customer(order_by: [{address: {city: {country: {country: desc}}}}, {address: {city: {city: asc}}}, {customer_id: asc}], limit: 8) { customer_id } }');
    const { rows } = await sql.query<Row>(
      `select c.customer_id from customer c join address a using (address_id) join city ci using (city_id) join country co using (country_id)
       order by co.country desc, ci.city asc, c.customer_id limit 8`,
    );
    expect(got.customer).toEqual(rows);
    const byCount = await data<{ address: { address_id: number }[] }>(server, '{ address(order_by: [{city: {country: {cities_aggregate: {count: desc}}}}, {address_id: asc}], limit: 5) { address_id } }');
    const expected = await sql.query<{ address_id: number }>(
      `select a.address_id from address a join city ci using (city_id)
       order by (select count(*) from city c2 where c2.country_id = ci.country_id) desc, a.address_id limit 5`,
    );
    expect(byCount.address).toEqual(expected.rows);
  });

  it('serves computed fields with arguments (and their defaults), as the same SQL computes them', async () => {
    type Row = { film_id: number; cost: number; cheaper: number };
    const query = '{ film(limit: 3, order_by: {film_id: asc}) { film_id cost: film_rental_cost(args: {days: 10}) cheaper: film_rental_cost(args: {days: 10, discount: "0.5"}) } }';
    const got = await data<{ film: Row[] }>(server, query);
    const { rows } = await sql.query<Row>(
      `select film_id, (rental_rate * 10 / rental_duration)::float8 as cost, (rental_rate * 10 / rental_duration - 0.5)::float8 as cheaper from film order by film_id limit 3`,
    );
    expect(got.film).toEqual(rows);
    // `days` has no default: leaving it out is a validation error
    const missing = await gql(server, '{ film(limit: 1) { film_rental_cost } }');
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    // and it is not a root field
    const root = await gql(server, '{ film_rental_cost(args: {days: 1}) }');
    expect(root.errors?.[0]).toEqual({ message: "field 'film_rental_cost' not found in type: 'query_root'", extensions: { path: '$.selectionSet.film_rental_cost', code: 'validation-failed' } });
  });

  const counting = async <T,>(target: RunningServer, query: string): Promise<{ result: T; statements: number }> => {
    const { result, texts } = await recordStatements(target.pool, () => data<T>(target, query));
    return { result, statements: texts.length };
  };
  const W1 = '{ film(limit: 50) { title language { name } film_actors { actor { first_name } } actors_aggregate { aggregate { count } } } }';

  it('answers a query PostgreSQL can shape whole in one statement', async () => {
    const { result, statements } = await counting<{ film: unknown[] }>(server, W1);
    expect(result.film).toHaveLength(50);
    expect(statements).toBe(1);
  });

  it('otherwise runs one statement per relationship field (DataLoader), whatever the number of rows', async () => {
    const resolvers = await startGraphqlServer(db.url, { config: { graphql: { oneStatement: false } } });
    try {
      const { result, statements } = await counting<{ film: unknown[] }>(resolvers, W1);
      expect(result.film).toHaveLength(50);
      // root + language + film_actors + film_actors.actor + actors_aggregate
      expect(statements).toBe(5);
      // a field the one-statement path leaves to resolvers (avg is Float) takes this path too
      const mixed = await counting<{ film: unknown[] }>(server, '{ film(limit: 50) { title language { name } actors_aggregate { aggregate { avg { actor_id } } } } }');
      expect(mixed.statements).toBe(3);
    } finally {
      await resolvers.close();
    }
  });
});

describe('aggregates, by primary key, functions', () => {
  it('aggregates over the filtered rows', async () => {
    const got = await data<{ payment_aggregate: { aggregate: Record<string, unknown> } }>(
      server,
      '{ payment_aggregate(where: {customer_id: {_eq: 1}}) { aggregate { count n: count(columns: [staff_id], distinct: true) sum { amount } avg { amount } max { amount payment_date } min { amount } } } }',
    );
    const [expected] = await rows<Record<string, unknown>>(
      `select count(*)::int as count, count(distinct staff_id)::int as n, sum(amount)::float8 as sum, avg(amount)::float8 as avg, max(amount)::float8 as max,
              to_json(max(payment_date))#>>'{}' as max_date, min(amount)::float8 as min from payment where customer_id = 1`,
    );
    expect(got.payment_aggregate.aggregate).toEqual({
      count: expected?.['count'],
      n: expected?.['n'],
      sum: { amount: expected?.['sum'] },
      avg: { amount: expected?.['avg'] },
      max: { amount: expected?.['max'], payment_date: expected?.['max_date'] },
      min: { amount: expected?.['min'] },
    });
  });

  it('returns nodes next to the aggregate, limited as asked', async () => {
    const got = await data<{ film_aggregate: { aggregate: { count: number }; nodes: { film_id: number }[] } }>(
      server,
      '{ film_aggregate(order_by: {film_id: asc}, limit: 3) { aggregate { count } nodes { film_id } } }',
    );
    expect(got.film_aggregate).toEqual({ aggregate: { count: 3 }, nodes: [{ film_id: 1 }, { film_id: 2 }, { film_id: 3 }] });
  });

  it('reads one row by primary key, composite keys included, and null when absent', async () => {
    const got = await data<{ a: { actor_id: number; film_id: number } | null; b: unknown }>(
      server,
      '{ a: film_actor_by_pk(actor_id: 1, film_id: 1) { actor_id film_id } b: film_by_pk(film_id: 99999) { title } }',
    );
    expect(got).toEqual({ a: { actor_id: 1, film_id: 1 }, b: null });
  });

  it('renders values as PostgreSQL does: timestamps with offset, numeric as JSON numbers (as Hasura)', async () => {
    const got = await data<{ rental_by_pk: { rental_date: string; last_update: string } ; payment: { amount: string }[] }>(
      server,
      '{ rental_by_pk(rental_id: 2) { rental_date last_update } payment(limit: 1, order_by: {payment_id: asc}) { amount } }',
    );
    const [expected] = await rows<{ rental_date: string }>("select to_json(rental_date)#>>'{}' as rental_date from rental where rental_id = 2");
    expect(got.rental_by_pk.rental_date).toBe(expected?.rental_date);
    expect(got.rental_by_pk.rental_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([.]\d+)?[+-]\d\d:\d\d$/);
    expect(typeof got.payment[0]?.amount).toBe('number');
  });

  it('emits bigint, numeric and float8 as JSON strings with stringifyNumericTypes, aggregates too; a sum of an integer column stays a number', async () => {
    await sql.query('create table if not exists measures (id int8 primary key, ratio float8, score int4)');
    await sql.query("insert into measures values (9007199254740993, 0.1, 7), (2, 2.5, 8) on conflict do nothing");
    await sql.query("notify pgduet, 'reload schema'");
    for (const config of [{ graphql: { stringifyNumericTypes: true } }, { output: { exactNumbers: 'string' as const } }]) {
      const strings = await startGraphqlServer(db.url, { config });
      try {
        const got = await data<{ payment: { amount: unknown }[]; payment_aggregate: { aggregate: { sum: { amount: unknown } } }; measures: unknown[]; measures_aggregate: unknown }>(
          strings,
          `{ payment(limit: 1, order_by: {payment_id: asc}) { amount } payment_aggregate(where: {customer_id: {_eq: 1}}) { aggregate { sum { amount } } }
             measures(order_by: {id: desc}) { id ratio score } measures_aggregate { aggregate { sum { id ratio score } max { id ratio score } } } }`,
        );
        const [expected] = (await sql.query('select (select amount from payment order by payment_id limit 1)::text as amount, (select sum(amount) from payment where customer_id = 1)::text as sum')).rows;
        expect(got.payment[0]?.amount).toBe(expected.amount);
        expect(got.payment_aggregate.aggregate.sum.amount).toBe(expected.sum);
        expect(got.measures).toEqual([{ id: '9007199254740993', ratio: '0.1', score: 7 }, { id: '2', ratio: '2.5', score: 8 }]);
        expect(got.measures_aggregate).toEqual({ aggregate: { sum: { id: '9007199254740995', ratio: '2.6', score: 15 }, max: { id: '9007199254740993', ratio: '2.5', score: 8 } } });
      } finally {
        await strings.close();
      }
    }
    // by default: JSON numbers (a bigint beyond 2^53 loses digits, as with Hasura)
    const got = await data<{ measures_aggregate: unknown }>(server, '{ measures_aggregate { aggregate { sum { ratio score } max { ratio score } } } }');
    expect(got.measures_aggregate).toEqual({ aggregate: { sum: { ratio: 2.6, score: 15 }, max: { ratio: 2.5, score: 8 } } });
  });

  it('serves stable functions returning rows, with where/limit and an aggregate twin', async () => {
    const got = await data<{ films_longer_than: { film_id: number }[]; films_longer_than_aggregate: { aggregate: { count: number } } }>(
      server,
      '{ films_longer_than(args: {min_length: 180}, where: {rating: {_eq: R}}, order_by: {film_id: asc}) { film_id } films_longer_than_aggregate(args: {min_length: 180}) { aggregate { count } } }',
    );
    expect(got.films_longer_than.map((f) => f.film_id)).toEqual(await column("select film_id from film where length > 180 and rating = 'R' order by film_id"));
    expect(got.films_longer_than_aggregate.aggregate.count).toBe(Number((await column('select count(*) from film where length > 180'))[0]));
  });

  it('serves scalar functions as query fields and volatile ones as mutations', async () => {
    const got = await data<{ last_day: string }>(server, '{ last_day(args: {arg_1: "2024-02-10T00:00:00+00:00"}) }');
    expect(got.last_day).toBe('2024-02-29');
    const mutation = await data<{ inventory_in_stock: boolean }>(server, 'mutation { inventory_in_stock(args: {p_inventory_id: 1}) }');
    expect(mutation.inventory_in_stock).toBe((await column('select inventory_in_stock(1)'))[0]);
  });
});

describe('errors', () => {
  it('reports bad queries as validation-failed', async () => {
    const unknown = await gql(server, '{ film { no_such_field } }');
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    const nullEq = await gql(server, '{ film(where: {title: {_eq: null}}) { title } }');
    expect(nullEq.errors?.[0]).toMatchObject({ extensions: { code: 'validation-failed' } });
    expect(nullEq.errors?.[0]?.message).toContain('_is_null');
    const negative = await gql(server, '{ film(limit: -1) { title } }');
    expect(negative.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    const distinct = await gql(server, '{ film(distinct_on: [rating], order_by: {title: asc}) { title } }');
    expect(distinct.errors?.[0]?.message).toContain('distinct_on');
  });

  it('reports a value PostgreSQL rejects as data-exception, without a stack trace', async () => {
    const bad = await gql(server, '{ last_day(args: {arg_1: "not a date"}) }');
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('data-exception');
    expect(JSON.stringify(bad)).not.toMatch(/at .*\.ts:\d+/);
  });
});
