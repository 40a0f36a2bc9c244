import type { Config } from '../config/index.js';
import { PgduetError, toGraphqlError, toRestError } from '../errors/index.js';
import type { Mount } from '../http/index.js';
import { sendJson } from './http.js';
import type { Metrics } from './metrics.js';
import { healthRoute, healthzRoute, metricsRoute } from './system-routes.js';

/**
 * What the server answers between binding its port and having its schema: the port is
 * bound first, so a taken port fails at once and an orchestrator sees a live process
 * (`/health` 200) that is not ready yet (`/ready` 503). Every API request gets a 503 that
 * says so, in its protocol's shape, with `Retry-After`.
 */
export function startingMounts(config: Config, metrics: Metrics): Mount[] {
  const notReady = (): PgduetError =>
    new PgduetError('PGD005', 'pgduet is starting: the database schema is not loaded yet; retry shortly', {
      postgrest: 'PGRST002',
      headers: { 'Retry-After': '1' },
    });
  return [
    healthRoute(),
    healthzRoute(),
    {
      name: 'ready',
      protocol: 'system',
      path: '/ready',
      methods: ['GET', 'HEAD'],
      handler: (_req, res) => {
        res.setHeader('Retry-After', '1');
        sendJson(res, 503, { status: 'unavailable', reason: 'starting' });
      },
    },
    metricsRoute(metrics),
    {
      name: 'graphql',
      protocol: 'graphql',
      path: config.server.graphqlPath,
      handler: (_req, res) => {
        const error = notReady();
        res.setHeader('Retry-After', '1');
        sendJson(res, error.status, { errors: [toGraphqlError(error).toJSON()] });
      },
    },
    {
      // everything else (REST, the OpenAPI document, the docs, the front page): PostgREST's shape
      name: 'starting',
      protocol: 'rest',
      path: '/',
      prefix: true,
      handler: (_req, res) => {
        const { status, body } = toRestError(notReady());
        res.setHeader('Retry-After', '1');
        sendJson(res, status, body);
      },
    },
  ];
}
