import { z } from 'zod';

const limits = z
  .object({
    /** relationships nested deeper than this in one request are refused (PGD403) */
    maxDepth: z.number().int().min(0).optional(),
    /** a read returns at most this many rows at its top level (more asked for: this many) */
    maxRows: z.number().int().min(1).optional(),
    /** the page size of a read that asks for no limit */
    defaultRows: z.number().int().min(1).optional(),
  })
  .strict();

/** Query limits of `pgduet.yaml`: for everyone, and per role (a role's own values win). */
export const limitsOptions = limits
  .extend({ roles: z.record(z.string(), limits).default({}) })
  .strict()
  .refine((o) => o.defaultRows === undefined || o.maxRows === undefined || o.defaultRows <= o.maxRows, 'defaultRows cannot exceed maxRows');

export type LimitsOptions = z.infer<typeof limitsOptions>;
export type Limits = z.infer<typeof limits>;
