import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve, tempConfig } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The running `pgduet` command, subscribed to as a Hasura web app would: Apollo Client's
 * `subscribe` over graphql-ws (what `useSubscription` runs), the legacy
 * subscriptions-transport-ws client, and an EventSource-like reader of REST's server-sent
 * events.
 */
let db: TestDatabase;
let child: ChildProcess;
let url: string;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const config = tempConfig('subscriptions:\n  interval: 250\n');
  const server = await serve(['--config', config], { DATABASE_URL: db.url });
  child = server.child;
  url = server.url;
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await sql?.end();
  await db?.drop();
});

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('subscription clients against pgduet', () => {
  it('Apollo Client over graphql-ws: a live query follows an insert', async () => {
    const wsClient = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
    const seen: { actor_aggregate: { aggregate: { count: number } } }[] = [];
    const subscription = apollo
      .subscribe<{ actor_aggregate: { aggregate: { count: number } } }>({ query: gql`subscription { actor_aggregate(where: { last_name: { _eq: "SUBSCRIBER" } }) { aggregate { count } } }` })
      .subscribe({ next: (result) => void (result.data === undefined || result.data === null ? undefined : seen.push(result.data)) });
    await until(() => seen.length >= 1, 10_000, 'the first result');
    expect(seen[0]?.actor_aggregate.aggregate.count).toBe(0);
    await sql.query("insert into actor (first_name, last_name) values ('LIVE', 'SUBSCRIBER')");
    await until(() => seen.length >= 2, 10_000, 'the change');
    expect(seen[1]?.actor_aggregate.aggregate.count).toBe(1);
    subscription.unsubscribe();
    await wsClient.dispose();
  });

  it('subscriptions-transport-ws (the legacy protocol): a stream delivers old and new rows', async () => {
    const client = new SubscriptionClient(`${url.replace('http', 'ws')}/graphql`, { reconnect: false }, WebSocket);
    const ids: number[] = [];
    const max = Number((await sql.query<{ max: number }>('select max(actor_id) as max from actor')).rows[0]?.max);
    const sub = client
      .request({ query: `subscription { actor_stream(batch_size: 1, cursor: {initial_value: {actor_id: ${max - 2}}}) { actor_id } }` })
      .subscribe({ next: (r) => void ids.push(...((r.data as { actor_stream: { actor_id: number }[] }).actor_stream.map((a) => a.actor_id))) });
    await until(() => ids.length >= 2, 10_000, 'the old rows');
    expect(ids.slice(0, 2)).toEqual([max - 1, max]);
    const { rows } = await sql.query<{ actor_id: number }>("insert into actor (first_name, last_name) values ('NEW', 'STREAMED') returning actor_id");
    await until(() => ids.includes(rows[0]?.actor_id ?? -1), 10_000, 'the new row');
    sub.unsubscribe();
    client.close();
  });

  it('curl-like SSE: GET /rest/<table> with Accept: text/event-stream follows a change', async () => {
    const abort = new AbortController();
    const response = await fetch(`${url}/rest/language?select=name&order=language_id`, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    const decoder = new TextDecoder();
    let text = '';
    const read = async (events: number): Promise<void> => {
      while (text.split('\n\n').filter((b) => b.includes('data: ')).length < events) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    };
    await read(1);
    expect(text).toMatch(/event: snapshot/);
    await sql.query("insert into language (name) values ('Esperanto')");
    await read(2);
    expect(text).toMatch(/event: change[\s\S]*Esperanto/);
    abort.abort();
  });
});
