import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { PgduetError } from '../errors/index.js';
import type { TypeGraph } from '../model/index.js';
import type { Mount, RequestContext } from '../http/index.js';

/** PostgREST's media type for its OpenAPI document; Swagger UI and browsers read it as JSON. */
export const OPENAPI_CONTENT_TYPE = 'application/openapi+json; charset=utf-8';

/**
 * The files of swagger-ui-dist a browser may ask for, and their types. Nothing else in that
 * folder is served: a request names one of these exactly or gets a 404, so no path can climb
 * out of it. (The package's own `swagger-initializer.js` points at the petstore: never served.)
 */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js.map': 'application/json; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

/**
 * Swagger UI styles its elements inline (React style attributes) and draws icons from data
 * URIs; scripts come only from here. `connect-src` stays open: the API's server URL may be
 * another origin than the page (a proxy, a public host name).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  'connect-src *',
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

interface Asset {
  readonly body: Buffer;
  readonly etag: string;
}

export interface DocsOptions {
  /** where the page is served, e.g. `/docs`; assets live below it */
  readonly path: string;
  /** the OpenAPI document Swagger UI loads, e.g. `/openapi.json` */
  readonly openApiUrl: string;
  /** the page's `<title>` (Swagger UI shows the document's own title in the page) */
  readonly title?: string;
}

/**
 * Swagger UI at `path`, from the swagger-ui-dist package: no CDN, so it works offline and
 * behind firewalls. The assets sit under the package's version (`/docs/5.35.0/…`), so they
 * can be cached for good; the page and its initializer are revalidated every time.
 */
export function docsMount(options: DocsOptions): Mount {
  const base = options.path.replace(/\/+$/, '');
  const dir = swaggerUiDir();
  const version = swaggerUiVersion(dir);
  const assetBase = `${base}/${version}`;
  const page = generated('text/html; charset=utf-8', renderPage(options.title ?? 'API documentation', assetBase, `${base}/initializer.js`));
  const initializer = generated('text/javascript; charset=utf-8', renderInitializer(options.openApiUrl));
  const assets = new Map<string, Promise<Asset>>();

  return {
    name: 'docs',
    protocol: 'rest',
    path: base === '' ? '/' : base,
    prefix: true,
    methods: ['GET', 'HEAD'],
    handler: async (req, res) => {
      const path = pathOf(req.url);
      const rest = path.slice(base.length);
      if (rest === '' || rest === '/' || rest === '/index.html') {
        send(req, res, page, { 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP, 'X-Frame-Options': 'SAMEORIGIN' });
        return;
      }
      if (rest === '/initializer.js') {
        send(req, res, initializer, { 'Cache-Control': 'no-cache' });
        return;
      }
      const file = rest.startsWith(`/${version}/`) ? rest.slice(version.length + 2) : undefined;
      const type = file === undefined || !Object.hasOwn(ASSETS, file) ? undefined : ASSETS[file];
      if (file === undefined || type === undefined) throw new PgduetError('PGD101', `no route for ${path}`);
      // source maps are large and only read by developer tools: not kept in memory
      const asset = file.endsWith('.map') ? await readAsset(dir, file) : await cached(assets, file, () => readAsset(dir, file));
      send(req, res, { type, ...asset }, { 'Cache-Control': 'public, max-age=31536000, immutable' });
    },
  };
}

/** Writes the OpenAPI document of a graph (a role's view), rendered once per graph object. */
export type OpenApiServer = (req: IncomingMessage, res: ServerResponse, graph: TypeGraph) => void;

/**
 * The document's text is rendered once per graph and kept until the graph goes: the graph
 * is immutable (a role's view of it is one object per role, cached by the chain), so the
 * graph object itself is the cache key, and a WeakMap lets old ones go after a reload.
 */
export function openApiServer(render: (graph: TypeGraph) => OpenAPIObject): OpenApiServer {
  const cache = new WeakMap<TypeGraph, Generated>();
  return (req, res, graph) => {
    let document = cache.get(graph);
    if (document === undefined) cache.set(graph, (document = generated(OPENAPI_CONTENT_TYPE, JSON.stringify(render(graph)))));
    // no-cache: a client may keep it, but asks again (cheaply, by ETag) after a reload
    send(req, res, document, { 'Cache-Control': 'no-cache' });
  };
}

export interface OpenApiMountOptions {
  /** e.g. `/openapi.json` */
  readonly path: string;
  readonly serve: OpenApiServer;
  /** the graph the caller sees (its role's view) */
  readonly graphOf: (req: IncomingMessage, ctx: RequestContext) => Promise<TypeGraph>;
}

/** `GET path`: the OpenAPI document of what the caller may see, as JSON. */
export function openApiMount(options: OpenApiMountOptions): Mount {
  return {
    name: 'openapi',
    protocol: 'rest',
    path: options.path,
    methods: ['GET', 'HEAD'],
    handler: async (req, res, ctx) => options.serve(req, res, await options.graphOf(req, ctx)),
  };
}

interface Generated extends Asset {
  readonly type: string;
}

function generated(type: string, text: string): Generated {
  const body = Buffer.from(text, 'utf8');
  return { type, body, etag: etagOf(body) };
}

function send(req: IncomingMessage, res: ServerResponse, content: Generated, headers: Readonly<Record<string, string>>): void {
  res.setHeader('ETag', content.etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (matches(req.headers['if-none-match'], content.etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': content.type, 'Content-Length': content.body.length });
  res.end(req.method === 'HEAD' ? undefined : content.body);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

async function readAsset(dir: string, file: string): Promise<Asset> {
  const body = await readFile(join(dir, file));
  return { body, etag: etagOf(body) };
}

function cached(assets: Map<string, Promise<Asset>>, file: string, load: () => Promise<Asset>): Promise<Asset> {
  let asset = assets.get(file);
  if (asset === undefined) {
    // a failed read is not kept: the next request tries again
    asset = load().catch((error: unknown) => {
      assets.delete(file);
      throw error;
    });
    assets.set(file, asset);
  }
  return asset;
}

/** The folder of swagger-ui-dist, found the way Node finds the package (no import: its index loads the whole bundle). */
function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

function swaggerUiVersion(dir: string): string {
  const parsed: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const version = typeof parsed === 'object' && parsed !== null && 'version' in parsed ? parsed.version : undefined;
  // the version becomes a path segment: accept only what a version looks like
  return typeof version === 'string' && /^[0-9A-Za-z.+-]+$/.test(version) ? version : 'current';
}

function renderPage(title: string, assetBase: string, initializerUrl: string): string {
  const asset = (file: string): string => escapeHtml(`${assetBase}/${file}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${asset('swagger-ui.css')}">
<link rel="stylesheet" href="${asset('index.css')}">
<link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
<link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${asset('swagger-ui-bundle.js')}" charset="utf-8"></script>
<script src="${asset('swagger-ui-standalone-preset.js')}" charset="utf-8"></script>
<script src="${escapeHtml(initializerUrl)}" charset="utf-8"></script>
</body>
</html>
`;
}

/**
 * A file of its own rather than an inline script, so the page's CSP needs no
 * 'unsafe-inline' for scripts. `validatorUrl: null`: Swagger UI would otherwise send the
 * document's URL to validator.swagger.io.
 */
function renderInitializer(openApiUrl: string): string {
  return `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(openApiUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout'
  });
});
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}
