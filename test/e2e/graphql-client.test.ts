import { ClientError, GraphQLClient, gql } from 'graphql-request';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The running `pgduet` command, asked by a real GraphQL client (graphql-request), as a web
 * app would: queries with variables, mutations, and the errors it gets back.
 */
let db: TestDatabase;
let child: ChildProcess;
let client: GraphQLClient;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const server = await serve([], { DATABASE_URL: db.url });
  child = server.child;
  client = new GraphQLClient(`${server.url}/graphql`);
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await db?.drop();
});

describe('graphql-request against pgduet', () => {
  it('queries with variables, relationships and aggregates', async () => {
    const result = await client.request<{
      film: { film_id: number; title: string; language: { name: string }; film_actors: { actor: { last_name: string } }[] }[];
      film_aggregate: { aggregate: { count: number } };
    }>(
      gql`
        query Films($limit: Int!, $rating: mpaa_rating!) {
          film(limit: $limit, order_by: { film_id: asc }, where: { rating: { _eq: $rating } }) {
            film_id
            title
            language { name }
            film_actors(order_by: { actor_id: asc }, limit: 1) { actor { last_name } }
          }
          film_aggregate(where: { rating: { _eq: $rating } }) { aggregate { count } }
        }
      `,
      { limit: 3, rating: 'PG' },
    );
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const ids = (await sql.query("select film_id from film where rating = 'PG' order by film_id limit 3")).rows.map((r: { film_id: number }) => r.film_id);
    const count = Number((await sql.query("select count(*) from film where rating = 'PG'")).rows[0].count);
    await sql.end();
    expect(result.film.map((f) => f.film_id)).toEqual(ids);
    expect(result.film[0]?.language.name.trim()).toBe('English');
    expect(result.film[0]?.film_actors).toHaveLength(1);
    expect(result.film_aggregate.aggregate.count).toBe(count);
  });

  it('inserts, updates and deletes, with returning', async () => {
    const inserted = await client.request<{ insert_actor_one: { actor_id: number; first_name: string } }>(
      gql`mutation { insert_actor_one(object: { first_name: "ADA", last_name: "LOVELACE" }) { actor_id first_name } }`,
    );
    const id = inserted.insert_actor_one.actor_id;
    expect(inserted.insert_actor_one.first_name).toBe('ADA');
    const updated = await client.request<{ update_actor_by_pk: { last_name: string } }>(
      gql`mutation($id: Int!) { update_actor_by_pk(pk_columns: { actor_id: $id }, _set: { last_name: "BYRON" }) { last_name } }`,
      { id },
    );
    expect(updated.update_actor_by_pk.last_name).toBe('BYRON');
    const deleted = await client.request<{ delete_actor: { affected_rows: number } }>(
      gql`mutation($id: Int!) { delete_actor(where: { actor_id: { _eq: $id } }) { affected_rows } }`,
      { id },
    );
    expect(deleted.delete_actor.affected_rows).toBe(1);
  });

  it('gets Hasura error codes it can act on', async () => {
    const error = await client.request(gql`mutation { insert_actor_one(object: { actor_id: 1, first_name: "X", last_name: "Y" }) { actor_id } }`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const first = (error as ClientError).response.errors?.[0];
    expect(first?.extensions?.['code']).toBe('constraint-violation');
    expect(first?.message).toContain('actor_pkey');
    const invalid = await client.request(gql`{ film { nope } }`).catch((e: unknown) => e);
    expect((invalid as ClientError).response.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });
});
