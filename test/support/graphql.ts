import { graphqlMount } from '../../src/graphql/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from './server.js';

export interface GraphqlResponse<T = Record<string, unknown>> {
  readonly data?: T | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown>; readonly path?: readonly (string | number)[] }[];
}

/** The real server with the GraphQL mount, in this process. */
export function startGraphqlServer(databaseUrl: string, config: Parameters<typeof startTestServer>[1] = {}): Promise<RunningServer> {
  return startTestServer(databaseUrl, { ...config, mounts: [graphqlMount, ...(config.mounts ?? [])] });
}

/** POST /graphql with JSON; returns the parsed body (and fails on a non-JSON answer). */
export async function gql<T = Record<string, unknown>>(server: RunningServer, query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
  });
  return (await res.json()) as GraphqlResponse<T>;
}

/** The data of a response that must have no errors. */
export async function data<T = Record<string, unknown>>(server: RunningServer, query: string, variables?: Record<string, unknown>): Promise<T> {
  const body = await gql<T>(server, query, variables);
  if (body.errors !== undefined && body.errors.length > 0) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  if (body.data === undefined || body.data === null) throw new Error('no data');
  return body.data;
}
