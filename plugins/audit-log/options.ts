import { z } from 'zod';
import { isSensitiveHeader } from './redact.js';

const stdoutSink = z.strictObject({ kind: z.literal('stdout') });

const fileSink = z.strictObject({
  kind: z.literal('file'),
  /** appended to, one JSON line per entry; created if missing (its directory must exist) */
  path: z.string().min(1, 'expected a file path'),
});

const tableSink = z.strictObject({
  kind: z.literal('table'),
  /** `schema.table` or `table`, with a jsonb column `entry` (README: "Table sink") */
  table: z.string().regex(/^[^."]+(\.[^."]+)?$/, 'expected "table" or "schema.table"').default('pgduet_audit.log'),
  /** entries wait at most this long before they are inserted */
  batchMs: z.number().int().positive().default(1000),
  /** … or until this many are waiting (one INSERT with one parameter each) */
  batchSize: z.number().int().positive().max(1000).default(100),
  /** the most entries kept while the database does not take them; the oldest are dropped past it */
  maxQueue: z.number().int().positive().default(10_000),
});

/** The options of `useAuditLog` (`audit` in pgduet.yaml, once wired), with their defaults. */
export const auditLogOptions = z.strictObject({
  /** where entries go */
  sink: z.discriminatedUnion('kind', [stdoutSink, fileSink, tableSink]).default({ kind: 'stdout' }),
  /** session variables whose values are written; the others are listed with their value masked */
  session: z.array(z.string().min(1).transform((name) => name.toLowerCase())).default([]),
  /** request headers to write (credentials — authorization, apikey, cookies, anything like a token or key — never are) */
  headers: z
    .array(
      z
        .string()
        .min(1)
        .transform((name) => name.toLowerCase())
        .refine((name) => !isSensitiveHeader(name), { message: 'this header carries credentials and is never logged' }),
    )
    .default([]),
  /** write the values of inserted rows, updates and call arguments (`writes`); off: no value is ever logged */
  values: z.boolean().default(false),
  /** at most this many rows in `writes` per entry */
  maxWrites: z.number().int().positive().default(100),
  redact: z
    .strictObject({
      /** `table.column` or `schema.table.column` (`function.argument` for calls): written as "[redacted]" */
      columns: z.array(z.string().regex(/^[^.]+(\.[^.]+){1,2}$/, 'expected "table.column" or "schema.table.column"')).default([]),
    })
    .prefault({}),
});

/** The options as written (defaults may be left out). */
export type AuditLogOptionsInput = z.input<typeof auditLogOptions>;
/** The options with every default filled in. */
export type AuditLogOptions = z.output<typeof auditLogOptions>;
/** Where entries go. */
export type AuditSinkOptions = AuditLogOptions['sink'];
