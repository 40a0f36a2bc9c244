import { z } from 'zod';

const limits = z
  .object({
    /** relationships nested deeper than this in one request are refused (PGD403); `null`: no limit */
    maxDepth: z.number().int().min(0).nullable().optional(),
    /** a read returns at most this many rows at its top level (more asked for: this many) */
    maxRows: z.number().int().min(1).optional(),
    /** the page size of a read that asks for no limit */
    defaultRows: z.number().int().min(1).optional(),
  })
  .strict();

/**
 * What holds when the config says nothing: relationships nested at most 8 deep in one request
 * (an embedding in REST, a relationship field in GraphQL), the same as GraphQL's default
 * depth of 10 fields (a top-level field, 8 relationships, a column). Deeper trees multiply the
 * rows PostgreSQL has to shape at every level; no ordinary client asks for them.
 */
export const LIMIT_DEFAULTS = { maxDepth: 8 } as const;

/** Query limits of `pgduet.yaml`: for everyone, and per role (a role's own values win). */
export const limitsOptions = limits
  .extend({ maxDepth: limits.shape.maxDepth.default(LIMIT_DEFAULTS.maxDepth), roles: z.record(z.string(), limits).default({}) })
  .strict()
  .refine((o) => o.defaultRows === undefined || o.maxRows === undefined || o.defaultRows <= o.maxRows, 'defaultRows cannot exceed maxRows');

export type LimitsOptions = z.infer<typeof limitsOptions>;
/** A role's limits as written (`null`: that limit is off for the role). */
export type RoleLimits = z.infer<typeof limits>;

/** The limits a Plan is held to. */
export interface Limits {
  readonly maxDepth?: number | undefined;
  readonly maxRows?: number | undefined;
  readonly defaultRows?: number | undefined;
}
