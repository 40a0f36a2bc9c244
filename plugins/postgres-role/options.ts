import { z } from 'zod';

/**
 * PostgreSQL-native mode (PostgREST's): each request's transaction runs as the caller's
 * database role, with its claims and request details in settings that row-level-security
 * policies and functions read; and statement timeouts per role.
 */
export const postgresRoleOptions = z
  .object({
    /** SET LOCAL ROLE to the caller's role, and set request.jwt.claims, request.headers, request.method, request.path */
    rls: z.boolean().default(false),
    /**
     * with `rls`: a request whose transaction waits this long for the client (a body sent slowly)
     * loses its connection, so slow clients cannot hold the pool
     */
    idleInTransactionMs: z.number().int().min(1).default(30_000),
    /** an API role → the database role it runs as (default: a role of the same name) */
    roles: z.record(z.string(), z.string().min(1)).default({}),
    /** `statement_timeout` of a request's statements, in ms: for every role, and per role */
    statementTimeoutMs: z
      .object({ default: z.number().int().min(1).optional(), roles: z.record(z.string(), z.number().int().min(1)).default({}) })
      .strict()
      .optional(),
  })
  .strict();

export type PostgresRoleOptions = z.infer<typeof postgresRoleOptions>;
