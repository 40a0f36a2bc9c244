import type { Config } from '../config/index.js';
import { scopeRequest, type Mount, type MountContext } from '../http/index.js';
import { packageVersion } from '../version.js';
import { docsMount, openApiMount, openApiServer } from './docs.js';
import { restMount } from './mount.js';
import { renderOpenApi, type OpenApiOptions } from './openapi/index.js';

/** How the served OpenAPI document is rendered; `pgduet openapi` writes the same one. */
export function openApiOptions(config: Config): OpenApiOptions {
  return {
    title: 'pgduet REST API',
    version: packageVersion(),
    // relative: Swagger UI and other clients resolve it against the document's own URL
    serverUrl: config.server.restPath,
    exactNumbers: 'number',
  };
}

/**
 * The REST surface's mounts: the API at `server.restPath` (whose root serves the OpenAPI
 * document too, as PostgREST's does), the same document at `/openapi.json`, Swagger UI at `/docs`.
 * Another source's: its API at `<restPath>/<name>` and Swagger UI at `/docs/<name>`.
 */
export function restMounts(context: MountContext): Mount[] {
  const { config, chain } = context;
  const options = openApiOptions(config);
  const serve = openApiServer((graph) => renderOpenApi(graph, options));
  if (context.source !== undefined) {
    // another database (config `sources`): its API at <restPath>/<name> (the config says so),
    // whose root is its OpenAPI document, and Swagger UI over that at /docs/<name>
    const api = restMount(context, serve);
    return [api, docsMount({ path: `/docs/${context.source}`, openApiUrl: `${api.path}/`, title: `pgduet REST API: ${context.source}` })];
  }
  const openApi = openApiMount({ path: '/openapi.json', serve, graphOf: async (req, ctx) => (await scopeRequest(chain, req, ctx, 'rest')).graph });
  return [restMount(context, serve), openApi, docsMount({ path: '/docs', openApiUrl: '/openapi.json', title: 'pgduet REST API' })];
}

export { restMount } from './mount.js';
export { docsMount, openApiMount, openApiServer } from './docs.js';
export { renderOpenApi } from './openapi/index.js';
export type { OpenApiOptions } from './openapi/index.js';
