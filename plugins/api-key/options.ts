import { z } from 'zod';
import { isStoredHash } from './hash.js';

const sessionValue = z.union([z.string(), z.number(), z.boolean()]);

/** One configured key: its id (not secret), the hash of its text, the role it grants. */
export const apiKeyEntry = z
  .object({
    /** names the key in logs and the audit log (`keyId`, `subject`); never the key itself */
    id: z.string().min(1),
    /** `sha256:<hex>` or `scrypt:<salt hex>:<hash hex>` (see hashApiKey) */
    hash: z.string().refine(isStoredHash, 'expected sha256:<64 hex digits> or scrypt:<salt hex>:<hash hex>'),
    role: z.string().min(1),
    /** session variables the key brings (names lower-cased, values as text) */
    session: z.record(z.string(), sessionValue).optional(),
    /** a revoked key is refused */
    revoked: z.boolean().optional(),
    /** an ISO date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`); the key is refused from then on */
    expiresAt: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  })
  .strict();

/** The API-key plugin's options (`auth.apiKeys` in pgduet.yaml). */
export const apiKeyOptions = z
  .object({
    /** the request header that carries a key */
    header: z
      .string()
      .min(1)
      .default('apikey')
      .refine((h) => h.toLowerCase() !== 'authorization', 'Authorization is read anyway (see bearer); name another header'),
    /** also read `Authorization: Bearer <key>` when the token is not a JWT (fewer than two dots) */
    bearer: z.boolean().default(true),
    keys: z.array(apiKeyEntry).default([]),
    /** keys also read from a table (see loadApiKeysFromTable) */
    table: z
      .object({
        /** `schema.table`, or `table` in `public` */
        name: z.string().regex(/^[^.]+(\.[^.]+)?$/, 'expected "table" or "schema.table"'),
        /** the list is read again in the background once it is older than this; 0: only on reload */
        refreshSeconds: z.number().min(0).default(60),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.keys.forEach((key, index) => {
      if (seen.has(key.id)) ctx.addIssue({ code: 'custom', path: ['keys', index, 'id'], message: `duplicate key id "${key.id}"` });
      seen.add(key.id);
    });
  });

export type ApiKeyOptionsInput = z.input<typeof apiKeyOptions>;
export type ApiKeyOptions = z.output<typeof apiKeyOptions>;
export type ApiKeyTableOptions = NonNullable<ApiKeyOptions['table']>;

/**
 * A key as the plugin checks it, from the configuration, a table or any provider. The plugin
 * validates nothing here: a key whose `hash` does not parse never matches.
 */
export interface ApiKey {
  readonly id: string;
  readonly hash: string;
  readonly role: string;
  readonly session?: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly revoked?: boolean | undefined;
  /** a Date, or text `Date` parses (ISO 8601) */
  readonly expiresAt?: string | Date | undefined;
}
