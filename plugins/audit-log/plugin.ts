import { declarePlugin, type ErrorEvent, type PgduetPlugin } from '../../src/chain/index.js';
import { ConfigError, isPgduetError } from '../../src/errors/index.js';
import { buildEntry, type EntryFacts, type EntryOptions } from './entry.js';
import { fileSink } from './file-sink.js';
import { auditLogOptions, type AuditLogOptionsInput, type AuditSinkOptions } from './options.js';
import { Redaction } from './redact.js';
import type { AuditLogger, AuditSink } from './sink.js';
import { stdoutSink, type LineWriter } from './stdout-sink.js';
import { TableSink, type AuditQuery } from './table-sink.js';

export interface AuditLogDeps {
  /** sink trouble (a file that cannot be written, a table that refuses inserts) */
  readonly logger?: AuditLogger;
  /** required by the `table` sink: runs a statement on a pool, outside the requests' transactions */
  readonly query?: AuditQuery;
  /** the clock for `time` (tests pass a fake one) */
  readonly now?: () => Date;
  /** the `stdout` sink's writer (default `process.stdout`) */
  readonly stdout?: LineWriter;
  /** a sink of your own, instead of the one the options describe */
  readonly sink?: AuditSink;
}

/** The plugin, with its sink. */
export interface AuditLogPlugin extends PgduetPlugin {
  readonly sink: AuditSink;
  /** at shutdown (the chain's `close`): writes what is buffered (file, table) and closes the sink */
  onClose(): Promise<void>;
}

/**
 * Refusals thrown by `onRequest` plugins, before any Plan: failed authentication (PGD301,
 * PGD302), a spent rate limit (PGD401), a blocked address (PGD402). The server tells no
 * `onResponse` for a request refused while it is identified, so such a request is written from
 * `onError`, once. The codes catch these refusals wherever the audit log is listed; listed last,
 * it also catches any other error thrown before its own `onRequest` ran.
 */
const REFUSED_EARLY: ReadonlySet<string> = new Set(['PGD301', 'PGD302', 'PGD401', 'PGD402']);

/** How many requests' error codes are remembered between `onError` and `onResponse`. */
const REMEMBERED = 1024;

/**
 * Writes one JSON line per request: who (role, subject, key id), what (protocol, method, path,
 * operations, tables), how it ended (status, duration, error codes). No column value is written
 * unless `values: true`, and then never those listed in `redact.columns`; session variables are
 * masked unless listed in `session`; credentials are never written. Throws a ConfigError
 * (PGD001) for bad options, a `table` sink without a `query` function, or a file that cannot be
 * opened for appending.
 */
export function useAuditLog(options: AuditLogOptionsInput = {}, deps: AuditLogDeps = {}): AuditLogPlugin {
  const parsed = auditLogOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? '' : `${issue.path.join('.')}: `}${issue.message}`);
    throw new ConfigError('PGD001', `audit-log: ${issues.join('; ')}`);
  }
  const config = parsed.data;
  const sink = deps.sink ?? openSink(config.sink, deps);
  const entryOptions: EntryOptions = {
    keepSession: new Set(config.session),
    headers: config.headers,
    values: config.values,
    maxWrites: config.maxWrites,
    redaction: new Redaction(config.redact.columns),
  };
  const now = deps.now ?? (() => new Date());
  // requests past every onRequest listed before this one; error codes seen per request, until
  // its response; requests already written from onError. All bounded: a response may never come.
  const identified = new Set<string>();
  const errors = new Map<string, string[]>();
  const writtenEarly = new Set<string>();

  const write = (facts: EntryFacts): void => {
    try {
      sink.write(buildEntry(facts, entryOptions, now()));
    } catch (error: unknown) {
      deps.logger?.error({ err: error, requestId: facts.request.id }, 'an audit entry could not be written');
    }
  };

  return {
    name: 'audit-log',
    description: 'one JSON line per request (who, what, which tables, status), with credentials and values redacted',
    sink,
    onClose: () => sink.close(),
    onRequest({ request }) {
      identified.add(request.id);
      forgetOldest(identified);
    },
    onError({ request, identity, error }: ErrorEvent) {
      const code = isPgduetError(error) ? error.code : 'unexpected';
      if (REFUSED_EARLY.has(code) || !identified.has(request.id)) {
        if (writtenEarly.has(request.id)) return;
        writtenEarly.add(request.id);
        forgetOldest(writtenEarly);
        write({ request, identity, status: isPgduetError(error) ? error.status : 500, durationMs: null, plans: [], errors: [code] });
        return;
      }
      const seen = errors.get(request.id);
      if (seen === undefined) {
        errors.set(request.id, [code]);
        forgetOldest(errors);
      } else if (!seen.includes(code)) seen.push(code);
    },
    onResponse(event) {
      const id = event.request.id;
      identified.delete(id);
      if (writtenEarly.delete(id)) return;
      const seen = errors.get(id) ?? [];
      errors.delete(id);
      write({ ...event, errors: seen });
    },
  };
}

function openSink(sink: AuditSinkOptions, deps: AuditLogDeps): AuditSink {
  switch (sink.kind) {
    case 'stdout':
      return stdoutSink(deps.stdout);
    case 'file':
      try {
        return fileSink(sink.path, deps.logger);
      } catch (error: unknown) {
        throw new ConfigError('PGD001', `audit-log: cannot open ${sink.path} for appending (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      }
    case 'table':
      if (deps.query === undefined) throw new ConfigError('PGD001', 'audit-log: the table sink needs a query function (deps.query)');
      return new TableSink(deps.query, sink, deps.logger);
  }
}

/** Forgets the oldest request past REMEMBERED (one whose response never came). */
function forgetOldest(store: Set<string> | Map<string, unknown>): void {
  if (store.size <= REMEMBERED) return;
  const oldest = store.keys().next();
  if (oldest.done !== true) store.delete(oldest.value);
}

/** `audit`: one JSON line per request to stdout, a file or a table. */
export const auditLogPlugin = declarePlugin({
  name: 'audit-log',
  description: 'writes one JSON line per request (audit)',
  configKey: 'audit',
  options: auditLogOptions.optional(),
  // it records the Plans as every other plugin left them
  last: true,
  create: (options, { logger, query }) => useAuditLog(options, { logger, query }),
});
