import { printSchema, type GraphQLSchema } from 'graphql';
import { PgduetError, toRestError } from '../errors/index.js';
import { scopeRequest, type Mount, type MountContext, type RequestScope } from '../http/index.js';
import { graphqlLimitsOf } from './limits.js';
import { graphqlNaming } from './naming.js';
import { schemaWithNamespaces } from './namespaces.js';
import { schemaStoreOf } from './schema-store.js';

/**
 * `GET <graphqlPath>/sdl`: the GraphQL schema the caller's role sees, in SDL (what
 * `pgduet sdl` prints), for code generators and for reading. Printed once per role's schema,
 * from the schema the GraphQL mount serves (one store per server: no second build) — the
 * first source's with the other sources under their namespaces (namespaces.ts).
 */
export function sdlMount(context: MountContext): Mount {
  const { chain, config } = context;
  const schemas = schemaStoreOf(context.holder, context.logger, graphqlNaming(config.graphql.namingConvention));
  const namespaces = context.source === undefined ? context.graphqlNamespaces : undefined;
  // a role whose introspection is off (graphql.limits) may not read the schema this way either
  const limits = graphqlLimitsOf(config.graphql.limits);
  const printed = new WeakMap<GraphQLSchema, string>();
  const sdlOf = async (scope: RequestScope): Promise<string> => {
    const built = await schemas.ready(scope.graph);
    const { schema } = namespaces === undefined ? built : schemaWithNamespaces(built, scope.identity.role, namespaces);
    let text = printed.get(schema);
    if (text === undefined) printed.set(schema, (text = `${printSchema(schema)}\n`));
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
        const scope = await scopeRequest(chain, req, ctx, 'graphql');
        if (!limits.rulesFor(scope.identity.role).introspection) throw new PgduetError('PGD303', `the role "${scope.identity.role}" may not read the schema: introspection is off for it (graphql.limits)`);
        text = await sdlOf(scope);
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
