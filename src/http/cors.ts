import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Cross-origin requests, for every protocol (one implementation; each mount says how it
 * answers an allowed origin). A request without `Origin` is not a CORS request and gets no
 * `Access-Control-*` header. An origin outside the configured list gets none either, so the
 * browser refuses the answer (the request itself is still answered, as wai-cors does for
 * PostgREST with `corsIgnoreFailures`).
 */
export interface CorsPolicy {
  /** allowed origins (`https://app.example`); empty: any origin */
  readonly origins: readonly string[];
  /**
   * how any origin is allowed when `origins` is empty: PostgREST answers `*` (no credentials),
   * Hasura (and graphql-yoga) echo the origin with `Access-Control-Allow-Credentials: true`
   */
  readonly anyOrigin: 'star' | 'echo';
  /** `Access-Control-Allow-Methods` of a preflight */
  readonly methods: readonly string[];
  /** always allowed besides the ones the preflight asks for */
  readonly headers: readonly string[];
  /** `Access-Control-Expose-Headers` */
  readonly exposed: readonly string[];
  /** `Access-Control-Max-Age` of a preflight, seconds */
  readonly maxAge: number;
}

/** PostgREST's policy (Cors.hs), plus the response headers postgrest-js and supabase-js read. */
export function postgrestCors(origins: readonly string[]): CorsPolicy {
  return {
    origins,
    anyOrigin: 'star',
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'],
    headers: ['Authorization', 'apikey', 'Content-Type', 'Accept', 'Accept-Profile', 'Content-Profile', 'Prefer', 'Range', 'x-client-info'],
    exposed: ['Content-Encoding', 'Content-Location', 'Content-Range', 'Content-Type', 'Date', 'Location', 'Server', 'Transfer-Encoding', 'Range-Unit', 'Preference-Applied', 'Content-Profile', 'X-Request-Id'],
    maxAge: 86_400,
  };
}

/** Hasura's policy: the origin echoed with credentials, any method and header the browser asks for. */
export function hasuraCors(origins: readonly string[]): CorsPolicy {
  return {
    origins,
    anyOrigin: 'echo',
    methods: ['GET', 'POST', 'OPTIONS'],
    headers: ['Authorization', 'Content-Type', 'Accept'],
    exposed: ['X-Request-Id'],
    maxAge: 1728000,
  };
}

/** A browser's CORS preflight: answered before anything else (it carries no credentials, and needs no schema). */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

/**
 * Sets the `Access-Control-*` headers a request from another origin needs, and answers a
 * preflight (`OPTIONS` with `Access-Control-Request-Method`) itself: true when it did, and the
 * caller must not answer again. A preflight comes without credentials, so this runs before
 * any authentication.
 */
export function answerCors(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): boolean {
  const origin = req.headers.origin;
  const preflight = isPreflight(req);
  if (origin === undefined) return false;
  const listed = policy.origins.length === 0 || policy.origins.includes('*') || policy.origins.includes(origin);
  if (listed) {
    const echo = policy.origins.length > 0 && !policy.origins.includes('*') ? true : policy.anyOrigin === 'echo';
    res.setHeader('Access-Control-Allow-Origin', echo ? origin : '*');
    if (echo) {
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (!preflight) res.setHeader('Access-Control-Expose-Headers', policy.exposed.join(', '));
  }
  if (!preflight) return false;
  if (listed) {
    res.setHeader('Access-Control-Allow-Methods', policy.methods.join(', '));
    res.setHeader('Access-Control-Allow-Headers', allowedHeaders(policy.headers, req.headers['access-control-request-headers']).join(', '));
    res.setHeader('Access-Control-Max-Age', String(policy.maxAge));
  }
  res.writeHead(200, { 'Content-Length': '0' });
  res.end();
  return true;
}

/** The policy's headers, then those the preflight asks for (PostgREST allows whatever is asked). */
function allowedHeaders(always: readonly string[], requested: string | undefined): string[] {
  const out = [...always];
  const seen = new Set(always.map((h) => h.toLowerCase()));
  for (const raw of (requested ?? '').split(',')) {
    const name = raw.trim();
    if (name === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}
