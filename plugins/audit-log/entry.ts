import type { Identity, RequestInfo } from '../../src/chain/index.js';
import type { Plan } from '../../src/plan/index.js';
import { collectWrites, maskSession, pickHeaders, type AuditWrite, type Redaction } from './redact.js';
import { planOperations, planTables } from './tables.js';

/**
 * One line of the audit log. Fields that may be unknown are null rather than absent, so every
 * line has the same shape (easy to load into a table or a log index).
 */
export interface AuditEntry {
  /** when the entry was made (ISO 8601, UTC) */
  readonly time: string;
  readonly requestId: string;
  readonly role: string;
  /** the token's `sub` or the API key's owner */
  readonly subject: string | null;
  /** the API key's id (never its secret) */
  readonly keyId: string | null;
  readonly protocol: 'graphql' | 'rest';
  readonly method: string | null;
  /** without the query string */
  readonly path: string | null;
  /** the socket's address */
  readonly ip: string | null;
  /** the kinds of the Plans run, each once */
  readonly operation: readonly Plan['kind'][];
  /** `schema.name` of everything the Plans touch, each once */
  readonly tables: readonly string[];
  /** not known yet: the response event carries no row count (always null for now) */
  readonly rowsAffected: number | null;
  readonly status: number;
  /** null for a request refused before it was answered (failed authentication) */
  readonly durationMs: number | null;
  /** the error codes the request met, each once (`PGD301`, `PGD303`; `unexpected` for anything else) */
  readonly errors: readonly string[];
  /** session variables, masked unless kept by the `session` option */
  readonly session: Readonly<Record<string, string>>;
  /** the headers the `headers` option names, when present */
  readonly headers?: Readonly<Record<string, string>>;
  /** with `values: true`: what was written, redacted */
  readonly writes?: readonly AuditWrite[];
  /** with `values: true`: how many more rows there were than `maxWrites` */
  readonly writesOmitted?: number;
}

/** What shapes an entry, from the options. */
export interface EntryOptions {
  readonly keepSession: ReadonlySet<string>;
  readonly headers: readonly string[];
  readonly values: boolean;
  readonly maxWrites: number;
  readonly redaction: Redaction;
}

/** The facts of one request, from `onResponse` (or, refused early, from `onError`). */
export interface EntryFacts {
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly status: number;
  readonly durationMs: number | null;
  readonly plans: readonly Plan[];
  readonly errors: readonly string[];
  /** rows the request's writes touched, when it wrote */
  readonly rowsAffected?: number;
}

/** Builds an entry. Pure: `time` is given. */
export function buildEntry(facts: EntryFacts, options: EntryOptions, time: Date): AuditEntry {
  const { request, identity, plans } = facts;
  const headers = options.headers.length === 0 ? undefined : pickHeaders(request.headers, options.headers);
  const written = options.values ? collectWrites(plans, options.redaction, options.maxWrites) : undefined;
  return {
    time: time.toISOString(),
    requestId: request.id,
    role: identity.role,
    subject: identity.subject ?? null,
    keyId: identity.keyId ?? null,
    protocol: request.protocol,
    method: request.method ?? null,
    path: request.path ?? null,
    ip: request.ip === undefined || request.ip === '' ? null : request.ip,
    operation: planOperations(plans),
    tables: planTables(plans),
    rowsAffected: facts.rowsAffected ?? null,
    status: facts.status,
    durationMs: facts.durationMs === null ? null : Math.round(facts.durationMs * 1000) / 1000,
    errors: facts.errors,
    session: maskSession(identity.session, options.keepSession),
    ...(headers === undefined ? {} : { headers }),
    ...(written === undefined ? {} : { writes: written.writes, ...(written.omitted === 0 ? {} : { writesOmitted: written.omitted }) }),
  };
}
