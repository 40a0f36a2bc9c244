import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * A web app written for Hasura, pointed at the running `pgduet` command with nothing changed
 * but the host: Apollo Client (its normalised InMemoryCache, which needs `__typename` on every
 * selection) and urql, at `/v1/graphql` with the admin secret — queries with fragments and
 * variables, native enums as their labels, aggregates, and a mutation whose answer updates
 * the cache.
 */
const SECRET = 'an-e2e-admin-secret';
let db: TestDatabase;
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const server = await serve([], { DATABASE_URL: db.url, PGDUET_ADMIN_SECRET: SECRET });
  child = server.child;
  url = `${server.url}/v1/graphql`;
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await db?.drop();
});

const FILM_FIELDS = gql`
  fragment FilmFields on film {
    film_id
    title
    rating
    length
    rental_rate
    language { language_id name }
  }
`;

const FILMS = gql`
  ${FILM_FIELDS}
  query Films($rating: mpaa_rating!, $limit: Int!) {
    film(where: { rating: { _eq: $rating } }, order_by: { film_id: asc }, limit: $limit) { ...FilmFields }
    film_aggregate(where: { rating: { _eq: $rating } }) {
      aggregate { count sum { length } max { rental_rate } }
      nodes { film_id }
    }
  }
`;

interface Film {
  __typename: 'film';
  film_id: number;
  title: string;
  rating: string;
  length: number;
  rental_rate: number;
  language: { __typename: 'language'; language_id: number; name: string };
}

describe('Apollo Client with InMemoryCache', () => {
  const client = (): ApolloClient =>
    new ApolloClient({
      link: new HttpLink({ uri: url, headers: { 'x-hasura-admin-secret': SECRET } }),
      // Hasura's keys are the tables' primary keys: a Hasura app's cache says so, per __typename
      cache: new InMemoryCache({ typePolicies: { film: { keyFields: ['film_id'] }, language: { keyFields: ['language_id'] } } }),
    });

  it('queries with a fragment and an enum variable; every object is normalised by its __typename', async () => {
    const apollo = client();
    const { data } = await apollo.query<{ film: Film[]; film_aggregate: { __typename: string; aggregate: { __typename: string; count: number; sum: { __typename: string; length: number }; max: { rental_rate: number } }; nodes: { __typename: string; film_id: number }[] } }>({
      query: FILMS,
      variables: { rating: 'PG-13', limit: 3 },
    });
    expect(data?.film).toHaveLength(3);
    expect(data?.film[0]).toMatchObject({ __typename: 'film', rating: 'PG-13', language: { __typename: 'language', name: 'English'.padEnd(20) } });
    expect(data?.film_aggregate.__typename).toBe('film_aggregate');
    expect(data?.film_aggregate.aggregate).toMatchObject({ __typename: 'film_aggregate_fields', count: 223, sum: { __typename: 'film_sum_fields' } });
    expect(typeof data?.film_aggregate.aggregate.sum.length).toBe('number');
    expect(data?.film_aggregate.aggregate.max.rental_rate).toBe(4.99);
    expect(data?.film_aggregate.nodes).toHaveLength(223);
    // normalised: film:<id> and language:<id> entries, not blobs under the query
    const cache = apollo.cache.extract() as Record<string, Record<string, unknown>>;
    const first = data?.film[0];
    expect(cache[apollo.cache.identify({ __typename: 'film', film_id: first?.film_id }) ?? '']).toMatchObject({ __typename: 'film', title: first?.title });
    expect(cache['language:{"language_id":1}']).toMatchObject({ __typename: 'language' });
  });

  it('a mutation\'s answer updates the cached film, and a cache read sees it', async () => {
    const apollo = client();
    const { data } = await apollo.query<{ film: Film[] }>({ query: FILMS, variables: { rating: 'G', limit: 1 } });
    const film = data?.film[0];
    expect(film).toBeDefined();
    const title = `${film?.title ?? ''} (RESTORED)`;
    const result = await apollo.mutate<{ update_film_by_pk: Film; update_film: { __typename: string; affected_rows: number } }>({
      mutation: gql`
        ${FILM_FIELDS}
        mutation Rename($id: Int!, $title: String!) {
          update_film_by_pk(pk_columns: { film_id: $id }, _set: { title: $title }) { ...FilmFields }
        }
      `,
      variables: { id: film?.film_id, title },
    });
    expect(result.data?.update_film_by_pk).toMatchObject({ __typename: 'film', film_id: film?.film_id, title });
    // the cached query now reads the new title, without asking the server again
    const cached = apollo.readQuery<{ film: Film[] }>({ query: FILMS, variables: { rating: 'G', limit: 1 } });
    expect(cached?.film[0]?.title).toBe(title);
    const many = await apollo.mutate<{ update_film: { __typename: string; affected_rows: number; returning: { __typename: string; film_id: number }[] } }>({
      mutation: gql`mutation($id: Int!, $title: String!) { update_film(where: { film_id: { _eq: $id } }, _set: { title: $title }) { affected_rows returning { film_id title } } }`,
      variables: { id: film?.film_id, title: film?.title },
    });
    expect(many.data?.update_film).toMatchObject({ __typename: 'film_mutation_response', affected_rows: 1, returning: [{ __typename: 'film', film_id: film?.film_id }] });
    expect(apollo.readFragment<Film>({ id: apollo.cache.identify({ __typename: 'film', film_id: film?.film_id }) ?? '', fragment: FILM_FIELDS, fragmentName: 'FilmFields' })?.title).toBe(film?.title);
  });

  it('gets Hasura\'s errors as GraphQL errors', async () => {
    const apollo = client();
    const error = await apollo.query({ query: gql`{ film(limit: 1) { nope } }` }).then(() => undefined, (e: unknown) => e);
    expect(String(error)).toContain("field 'nope' not found in type: 'film'");
  });
});

describe('urql', () => {
  it('queries with a fragment and aggregates, with __typename everywhere (its document cache needs it)', async () => {
    const client = new Client({ url, exchanges: [cacheExchange, fetchExchange], fetchOptions: () => ({ headers: { 'x-hasura-admin-secret': SECRET } }) });
    const result = await client.query(FILMS, { rating: 'NC-17', limit: 2 }).toPromise();
    expect(result.error).toBeUndefined();
    const data = result.data as { film: Film[]; film_aggregate: { __typename: string; aggregate: { __typename: string; count: number } } };
    expect(data.film.map((f) => f.rating)).toEqual(['NC-17', 'NC-17']);
    expect(data.film_aggregate).toMatchObject({ __typename: 'film_aggregate', aggregate: { __typename: 'film_aggregate_fields', count: 210 } });
    const inserted = await client
      .mutation(gql`mutation($name: String!) { insert_category_one(object: { name: $name }) { category_id name } delete_category(where: { name: { _eq: $name } }) { affected_rows } }`, { name: 'urql' })
      .toPromise();
    expect(inserted.error).toBeUndefined();
    expect(inserted.data).toMatchObject({ insert_category_one: { __typename: 'category', name: 'urql' }, delete_category: { __typename: 'category_mutation_response', affected_rows: 1 } });
  });
});
