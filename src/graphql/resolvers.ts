import DataLoader from 'dataloader';
import { responsePathAsArray, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import { relationPart, type AuthorizedPlan } from '../chain/index.js';
import { isUnexpected, toGraphqlError } from '../errors/index.js';
import { joinKey } from '../plan/index.js';
import { runAuthorized, runUnit, type AuthorizedUnit } from '../pipeline/index.js';
import type { AuthorizedRoot } from './answer-operation.js';
import type { GraphqlContext } from './context.js';
import { metaOf } from './meta.js';
import { checkRows } from './row-cap.js';

/**
 * The resolver strategy, for operations one statement cannot answer: graphql-js walks the
 * response and these resolvers run parts of the operation the chain authorized
 * (`ctx.operation`). A root field runs its Plans with their relationships deferred; each
 * relationship field then runs one statement for all its parents at once (DataLoader), the
 * rows its authorized nested Plan describes: the number of statements follows the depth of
 * the query, never the number of rows. No resolver plans a Plan of its own.
 */

type Row = Readonly<Record<string, unknown>>;

/** Objects are built by PostgreSQL with the response keys (aliases), so a field reads its own key. */
export const byResponseKey: GraphQLFieldResolver<unknown, GraphqlContext> = (source, _args, _ctx, info) =>
  (source as Row | null)?.[info.path.key as string];

/** Wraps a resolver so every error leaves as a GraphQLError with a Hasura code. */
function guarded(resolve: (source: unknown, ctx: GraphqlContext, info: GraphQLResolveInfo) => Promise<unknown>): GraphQLFieldResolver<unknown, GraphqlContext> {
  return async (source, _args, ctx, info) => {
    try {
      return await resolve(source, ctx, info);
    } catch (error) {
      if (isUnexpected(error)) ctx.log.error({ err: error, path: info.path }, 'unexpected error in a resolver');
      throw toGraphqlError(error);
    }
  };
}

/** The authorized root field a resolver belongs to: it was planned and authorized with the whole operation. */
function rootOf(ctx: GraphqlContext, key: string): AuthorizedRoot {
  const root = ctx.operation?.roots.get(key);
  if (root === undefined) throw new Error(`the root field "${key}" was not planned with its operation`);
  return root;
}

function runPart(ctx: GraphqlContext, unit: AuthorizedUnit | undefined): Promise<unknown> {
  if (unit === undefined) throw new Error('a root field without its Plan');
  return runUnit(unit, ctx.run, true);
}

/**
 * Where a root field's relationships are in its authorized Plans, and the response keys to
 * them: a nested insert's rows are those its read-back reads (under `returning` unless the
 * field gives the row itself).
 */
function relationBase(root: AuthorizedRoot, path: readonly string[]): { readonly plan: AuthorizedPlan; readonly path: readonly string[] } | undefined {
  const unit = root.units[0];
  if (unit === undefined) return undefined;
  if (unit.kind === 'plan') return { plan: unit.plan, path };
  const { readBack, returning } = unit.program;
  if (readBack === undefined) return undefined;
  if (returning.single === true || returning.rowsOnly === true) return { plan: readBack, path };
  return path[0] === returning.returningKey ? { plan: readBack, path: path.slice(1) } : undefined;
}

/** Every root field of the query and mutation types: its authorized Plans, shaped as the field's type. */
export const rootResolver: GraphQLFieldResolver<unknown, GraphqlContext> = guarded(async (_source, ctx, info) => {
  const root = rootOf(ctx, String(info.path.key));
  const [unit] = root.units;
  switch (root.meta.kind) {
    case 'update_many': {
      // one after the other, in the request's transaction: a later update sees the earlier ones
      const results: unknown[] = [];
      for (const one of root.units) results.push(await runPart(ctx, one));
      return results;
    }
    case 'select_by_pk':
      return ((await runPart(ctx, unit)) as Row[])[0] ?? null;
    case 'function_rows': {
      const rows = (await runPart(ctx, unit)) as Row[];
      checkRows(ctx.operation?.rowBound, root.key, rows);
      return root.meta.fn.returns.kind === 'entity' && !root.meta.fn.returns.set ? (rows[0] ?? null) : rows;
    }
    default: {
      const answer = await runPart(ctx, unit);
      checkRows(ctx.operation?.rowBound, root.key, answer);
      return answer;
    }
  }
});

/**
 * An object or array relationship, or the aggregate of one: the rows for every parent that
 * reaches this field, in one statement per field of the query.
 */
export const relationResolver: GraphQLFieldResolver<unknown, GraphqlContext> = guarded(async (source, ctx, info) => {
  const field = info.parentType.getFields()[info.fieldName];
  const meta = field === undefined ? undefined : metaOf(field);
  if (meta?.kind !== 'relation' && meta?.kind !== 'relation_aggregate') throw new Error(`${info.fieldName} is not a relationship`);
  const row = source as Row;
  const key = meta.relation.mapping.map((p) => row[joinKey(p.from)] ?? null);
  // a null foreign key relates to nothing: no need to ask
  if (meta.kind === 'relation' && key.some((v) => v === null)) return meta.relation.type === 'object' ? null : [];
  // one loader per place in the query (the response path without list indexes): the same
  // fragment used at two depths is two places, with two selections
  const path = responsePathAsArray(info.path).filter((k): k is string => typeof k === 'string');
  const place = path.join('.');
  let loader = ctx.loaders.get(place);
  if (loader === undefined) {
    const [rootKey = '', ...rest] = path;
    const root = rootOf(ctx, rootKey);
    const base = relationBase(root, rest);
    const part = base === undefined ? undefined : relationPart(base.plan, base.path);
    if (part === undefined) throw new Error(`the relationship at "${place}" is not in its authorized Plan`);
    const keyTypes = meta.relation.mapping.map(
      (p) => meta.source.columns.find((c) => c.dbName === p.from)?.type ?? { kind: 'unsupported' as const, schema: '', name: p.from },
    );
    const { join, cardinality } = part.relation.kind === 'relation' ? part.relation : { join: part.relation.join, cardinality: 'many' as const };
    loader = new DataLoader<readonly unknown[], unknown, string>(
      async (keys) => (await runAuthorized(part.batch({ join, cardinality, keys, keyTypes }), ctx.run, true)) as unknown[],
      { cacheKeyFn: (k) => JSON.stringify(k) },
    );
    ctx.loaders.set(place, loader);
  }
  return loader.load(key);
});
