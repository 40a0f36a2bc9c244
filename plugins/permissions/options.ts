import { z } from 'zod';

/**
 * The permissions of `pgduet.yaml`, Hasura's way: per role, per table, per operation, the
 * columns allowed, a row filter, a check on written rows, column presets, a row limit and
 * whether aggregates are allowed. Filters and checks are boolean expressions in GraphQL's
 * `where` syntax over the table's columns and relationships; a string value starting with
 * `X-Hasura-` is a session variable (`{ customer_id: { _eq: X-Hasura-User-Id } }`).
 */

const boolExp = z.record(z.string(), z.unknown());
const columns = z.union([z.literal('*'), z.array(z.string().min(1))]);
/** column → a constant, or a session variable (`X-Hasura-User-Id`) */
const presets = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const selectRule = z
  .object({
    columns: columns.default('*'),
    filter: boolExp.optional(),
    /** at most this many rows per request (the top level of a read) */
    limit: z.number().int().min(0).optional(),
    /** `<t>_aggregate`, REST `count()`… (Hasura's default: not allowed) */
    allowAggregations: z.boolean().default(false),
  })
  .strict();

const insertRule = z
  .object({
    columns: columns.default('*'),
    /** every inserted row must pass it, or the whole insert is refused */
    check: boolExp.optional(),
    set: presets.optional(),
  })
  .strict();

const updateRule = z
  .object({
    columns: columns.default('*'),
    /** which rows may be updated */
    filter: boolExp.optional(),
    /** every updated row must pass it afterwards */
    check: boolExp.optional(),
    set: presets.optional(),
  })
  .strict();

const deleteRule = z.object({ filter: boolExp.optional() }).strict();

export const tablePermissions = z
  .object({
    select: selectRule.optional(),
    insert: insertRule.optional(),
    update: updateRule.optional(),
    delete: deleteRule.optional(),
  })
  .strict();

export const rolePermissions = z
  .object({
    /** everything, as without permissions (an admin role) */
    unrestricted: z.boolean().default(false),
    /** `table` or `schema.table` → its rules; a table not listed does not exist for the role */
    tables: z.record(z.string(), tablePermissions).default({}),
    /**
     * functions the role may call (by name or `schema.name`, also as computed fields), `*` for
     * all whose rows it may read; none by default (a function runs with the server's rights)
     */
    functions: z.union([z.literal('*'), z.array(z.string())]).default([]),
  })
  .strict();

/** role → its permissions; a role not listed may do nothing */
export const permissionsOptions = z.record(z.string(), rolePermissions);

export type PermissionsOptions = z.infer<typeof permissionsOptions>;
export type RolePermissions = z.infer<typeof rolePermissions>;
export type TablePermissions = z.infer<typeof tablePermissions>;
