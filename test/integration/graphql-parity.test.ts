import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { gql, startGraphqlServer } from '../support/graphql.js';

/**
 * The two ways of answering a query — one statement whose JSON goes out unparsed, and the
 * resolvers with DataLoader — must give the same response: the same JSON, key order
 * included. (PostgreSQL writes spaces after colons: the bytes differ, the JSON does not.)
 */

let db: TestDatabase;
let oneStatement: RunningServer;
let resolvers: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  oneStatement = await startGraphqlServer(db.url);
  resolvers = await startGraphqlServer(db.url, { config: { graphql: { oneStatement: false } } });
});

afterAll(async () => {
  await oneStatement?.close();
  await resolvers?.close();
  await db?.drop();
});

const QUERIES: readonly [string, string, Record<string, unknown>?][] = [
  ['W1', '{ film(limit: 50, order_by: {film_id: asc}) { film_id title release_year language { name } film_actors { actor { first_name last_name } } } }'],
  ['W2', 'query($id: Int!) { customer_by_pk(customer_id: $id) { customer_id first_name last_name email address { address district phone city { city } } } }', { id: 42 }],
  ['missing by pk', '{ customer_by_pk(customer_id: 99999) { customer_id } }'],
  ['aliases and typename', '{ a: film(limit: 2, order_by: {film_id: desc}) { __typename id: film_id t: title } b: language(order_by: {language_id: asc}) { n: name } }'],
  ['fragments and directives', 'query($yes: Boolean!) { film(limit: 3, order_by: {film_id: asc}) { ...F title @include(if: $yes) length @skip(if: $yes) } } fragment F on film { film_id rental_rate replacement_cost }', { yes: true }],
  ['per-parent args', '{ actor(limit: 3, order_by: {actor_id: asc}) { actor_id films(where: {length: {_gt: 100}}, order_by: {title: desc}, limit: 2, offset: 1) { title } } }'],
  ['nested aggregates', '{ customer(limit: 3, order_by: {customer_id: asc}) { customer_id rentals_aggregate(where: {staff_id: {_eq: 2}}) { aggregate { count c: count(columns: [inventory_id], distinct: true) max { rental_date } min { return_date } } } } }'],
  ['root aggregate', '{ payment_aggregate(where: {amount: {_gt: "5"}}) { aggregate { count sum { amount } max { amount payment_date } } nodes { payment_id amount } } }'],
  ['nulls and arrays', '{ film(where: {film_id: {_lte: 4}}, order_by: {film_id: asc}) { original_language { name } special_features fulltext } }'],
  ['timestamps', '{ rental(limit: 3, order_by: {rental_id: asc}) { rental_date return_date last_update } }'],
  ['renamed enum labels (resolver path)', '{ film(limit: 3, order_by: {film_id: asc}) { rating } }'],
  ['views', '{ actor_info(limit: 2, order_by: {actor_id: asc}) { actor_id first_name film_info } }'],
  ['distinct on', '{ rental(distinct_on: [staff_id], order_by: [{staff_id: asc}, {rental_id: desc}]) { staff_id rental_id } }'],
  ['order by relation', '{ address(order_by: [{city: {city: asc}}, {address_id: asc}], limit: 4) { address city { city } } }'],
  ['empty result', '{ film(where: {title: {_eq: "NO SUCH FILM"}}) { title language { name } } }'],
];

it.each(QUERIES)('%s: same answer both ways', async (_name, query, variables) => {
  const [a, b] = await Promise.all([gql(oneStatement, query, variables), gql(resolvers, query, variables)]);
  expect(b.errors).toBeUndefined();
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
});
