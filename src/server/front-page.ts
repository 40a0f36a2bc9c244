import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { packageVersion } from '../version.js';
import type { Mount } from '../http/index.js';

/** What the front page links to, by mount name, in the order shown. */
const LINKS: readonly { readonly mount: string; readonly key: string; readonly title: string; readonly what: string; readonly suffix?: string }[] = [
  { mount: 'graphql', key: 'graphiql', title: 'GraphiQL', what: 'write and run GraphQL queries in the browser' },
  { mount: 'graphql', key: 'graphql', title: 'GraphQL endpoint', what: 'POST a query (Hasura dialect)' },
  { mount: 'graphql_sdl', key: 'sdl', title: 'GraphQL schema (SDL)', what: 'the schema your role sees, as text' },
  { mount: 'docs', key: 'docs', title: 'Swagger UI', what: 'browse and try the REST API' },
  { mount: 'openapi', key: 'openapi', title: 'OpenAPI document', what: 'OpenAPI 3.1 of the REST API' },
  { mount: 'rest', key: 'rest', title: 'REST API', what: 'PostgREST dialect: /<table>?select=…', suffix: '/' },
  { mount: 'health', key: 'health', title: 'Health', what: 'the process is up' },
  { mount: 'ready', key: 'ready', title: 'Readiness', what: 'the schema is loaded and the database answers' },
  { mount: 'metrics', key: 'metrics', title: 'Metrics', what: 'Prometheus text format' },
];

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}',
  'h1{font-size:1.6rem;margin-bottom:.2rem}',
  'p.meta{color:#666;margin-top:0}',
  'code{font-size:.9em}',
  'li{margin:.3rem 0}',
].join('');
/** The only inline content is the style above, allowed by its hash: no scripts at all. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  // the empty icon above, so that browsers do not ask for /favicon.ico (a 404)
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /`: what this server serves, for a person (HTML, when the client asks for `text/html`
 * as browsers do) or a program (JSON otherwise): links to every mounted surface at its
 * configured path, the version, and the fingerprint of the schema being served.
 */
export function frontPageMount(mounts: readonly Mount[]): Mount {
  const links = linksTo(mounts.filter((m) => m.source === undefined));
  // another database's (config `sources`) surfaces, under its name
  const sources = [...new Set(mounts.flatMap((m) => (m.source === undefined ? [] : [m.source])))].map((name) => ({ name, links: linksTo(mounts.filter((m) => m.source === name)) }));
  const version = packageVersion();
  return {
    name: 'front_page',
    protocol: 'system',
    path: '/',
    methods: ['GET', 'HEAD'],
    handler: (req, res, ctx) => {
      const { graph, generation } = ctx.snapshot;
      const accept = req.headers.accept ?? '';
      if (/\btext\/html\b/i.test(accept)) {
        const html = renderHtml(version, graph.fingerprint, graph.entities.length, graph.functions.length, links, sources);
        send(res, req.method === 'HEAD', 'text/html; charset=utf-8', html, { 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY' });
        return;
      }
      const body = {
        name: 'pgduet',
        version,
        fingerprint: graph.fingerprint,
        generation,
        entities: graph.entities.length,
        functions: graph.functions.length,
        links: Object.fromEntries(links.map((link) => [link.key, link.href])),
        ...(sources.length === 0 ? {} : { sources: Object.fromEntries(sources.map((s) => [s.name, Object.fromEntries(s.links.map((link) => [link.key, link.href]))])) }),
      };
      send(res, req.method === 'HEAD', 'application/json; charset=utf-8', JSON.stringify(body), {});
    },
  };
}

function send(res: ServerResponse, head: boolean, type: string, text: string, headers: Readonly<Record<string, string>>): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    // the fingerprint changes on a reload
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept',
  });
  res.end(head ? undefined : text);
}

type Link = (typeof LINKS)[number] & { readonly href: string };

/** The LINKS that `mounts` serve, at their paths. */
function linksTo(mounts: readonly Mount[]): Link[] {
  const byName = new Map(mounts.map((m) => [m.name, m]));
  return LINKS.flatMap((link) => {
    const mount = byName.get(link.mount);
    if (mount === undefined) return [];
    const href = link.suffix === undefined || mount.path.endsWith(link.suffix) ? mount.path : `${mount.path}${link.suffix}`;
    return [{ ...link, href }];
  });
}

function renderHtml(version: string, fingerprint: string, entities: number, functions: number, links: readonly Link[], sources: readonly { readonly name: string; readonly links: readonly Link[] }[]): string {
  const item = (link: Link): string => `<li><a href="${escapeHtml(link.href)}">${escapeHtml(link.title)}</a> <code>${escapeHtml(link.href)}</code> — ${escapeHtml(link.what)}</li>`;
  const items = links.map(item);
  const others = sources.map((s) => `<h2>${escapeHtml(s.name)}</h2>\n<ul>\n${s.links.map(item).join('\n')}\n</ul>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>pgduet ${escapeHtml(version)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>pgduet</h1>
<p class="meta">version <span id="version">${escapeHtml(version)}</span> · schema fingerprint <code id="fingerprint">${escapeHtml(fingerprint)}</code> · ${entities} tables and views, ${functions} functions</p>
<p>GraphQL and REST over PostgreSQL, from one type graph.</p>
<ul>
${items.join('\n')}
</ul>${others.map((other) => `\n${other}`).join('')}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
