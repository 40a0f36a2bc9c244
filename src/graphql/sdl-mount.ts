import { printSchema } from 'graphql';
import { toRestError } from '../errors/index.js';
import { scopeRequest, type Mount, type MountContext } from '../http/index.js';
import type { TypeGraph } from '../model/index.js';
import { schemaStoreOf } from './schema-store.js';

/**
 * `GET <graphqlPath>/sdl`: the GraphQL schema the caller's role sees, in SDL (what
 * `pgduet sdl` prints), for code generators and for reading. Printed once per role's graph,
 * from the schema the GraphQL mount serves (one store per server: no second build).
 */
export function sdlMount(context: MountContext): Mount {
  const { chain, config } = context;
  const schemas = schemaStoreOf(context.holder, context.logger);
  const printed = new WeakMap<TypeGraph, string>();
  const sdlOf = async (graph: TypeGraph): Promise<string> => {
    let text = printed.get(graph);
    if (text === undefined) printed.set(graph, (text = `${printSchema((await schemas.ready(graph)).schema)}\n`));
    return text;
  };
  const base = config.server.graphqlPath.replace(/\/+$/, '');
  return {
    name: 'graphql_sdl',
    protocol: 'graphql',
    path: `${base}/sdl`,
    methods: ['GET', 'HEAD'],
    handler: async (req, res, ctx) => {
      let text: string;
      try {
        text = await sdlOf((await scopeRequest(chain, req, ctx, 'graphql')).graph);
      } catch (error) {
        // refused before any GraphQL (a bad token, a spent rate limit): the status and the code
        const { status, body, unexpected } = toRestError(error);
        if (unexpected) ctx.log.error({ err: error }, 'unexpected error serving the SDL');
        const text = JSON.stringify(body);
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}
