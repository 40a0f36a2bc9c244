import DataLoader from 'dataloader';
import { responsePathAsArray, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import { isUnexpected, toGraphqlError } from '../errors/index.js';
import type { Entity, FunctionDef } from '../model/index.js';
import { functionArguments, joinOf, type Source } from '../plan/index.js';
import type { GraphqlContext } from './context.js';
import { metaOf } from './meta.js';
import { aggregatePlan, joinKey, pkWhere, readPlan, type PlanContext, type SelectArgs } from './to-plan.js';

/**
 * Resolvers of reads. A root field runs one statement for its rows; each relationship field
 * runs one more for all its parents at once (DataLoader): the number of statements follows
 * the depth of the query, never the number of rows.
 */

type Row = Readonly<Record<string, unknown>>;

/** What planning needs of a resolver's context and info (shared with resolve-write). */
export function planContext(ctx: GraphqlContext, info: GraphQLResolveInfo): PlanContext {
  return { builder: ctx.builder, fragments: info.fragments, variableValues: info.variableValues };
}

/** Objects are built by PostgreSQL with the response keys (aliases), so a field reads its own key. */
export const byResponseKey: GraphQLFieldResolver<unknown, GraphqlContext> = (source, _args, _ctx, info) =>
  (source as Row | null)?.[info.path.key as string];

/** Wraps a resolver so every error leaves as a GraphQLError with a Hasura code. */
export function guarded<A>(resolve: (source: unknown, args: A, ctx: GraphqlContext, info: GraphQLResolveInfo) => Promise<unknown>): GraphQLFieldResolver<unknown, GraphqlContext, A> {
  return async (source, args, ctx, info) => {
    try {
      return await resolve(source, args, ctx, info);
    } catch (error) {
      if (isUnexpected(error)) ctx.log.error({ err: error, path: info.path }, 'unexpected error in a resolver');
      throw toGraphqlError(error);
    }
  };
}

export function selectResolver(entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs> {
  return guarded(async (_source, args: SelectArgs, ctx, info) => ctx.run(readPlan(entity, info.fieldNodes, args, planContext(ctx, info))));
}

export function selectByPkResolver(entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, Record<string, unknown>> {
  return guarded(async (_source, args: Record<string, unknown>, ctx, info) => {
    const rows = (await ctx.run(readPlan(entity, info.fieldNodes, { where: pkWhere(entity, args), limit: 1 }, planContext(ctx, info)))) as Row[];
    return rows[0] ?? null;
  });
}

export function selectAggregateResolver(entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs> {
  return guarded(async (_source, args: SelectArgs, ctx, info) => ctx.run(aggregatePlan(entity, info.fieldNodes, args, planContext(ctx, info))));
}

/** A function as the source of rows, with the arguments of its `args` input object. */
export function functionSource(fn: FunctionDef, args: Readonly<Record<string, unknown>> | null | undefined): Source {
  return { kind: 'function', fn: { schema: fn.schema, dbName: fn.dbName }, args: functionArguments(fn, args) };
}

export function functionRowsResolver(fn: FunctionDef, entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs & { args?: Record<string, unknown> }> {
  return guarded(async (_source, args: SelectArgs & { args?: Record<string, unknown> }, ctx, info) => {
    const rows = (await ctx.run(readPlan(entity, info.fieldNodes, args, planContext(ctx, info), functionSource(fn, args.args)))) as Row[];
    return fn.returns.kind === 'entity' && !fn.returns.set ? (rows[0] ?? null) : rows;
  });
}

export function functionAggregateResolver(fn: FunctionDef, entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs & { args?: Record<string, unknown> }> {
  return guarded(async (_source, args: SelectArgs & { args?: Record<string, unknown> }, ctx, info) =>
    ctx.run(aggregatePlan(entity, info.fieldNodes, args, planContext(ctx, info), functionSource(fn, args.args))),
  );
}

/** A scalar (or void) function: its value as JSON. */
export function functionValueResolver(fn: FunctionDef): GraphQLFieldResolver<unknown, GraphqlContext, { args?: Record<string, unknown> }> {
  return guarded(async (_source, args: { args?: Record<string, unknown> }, ctx) => {
    return ctx.run({
      kind: 'call',
      fn: { schema: fn.schema, dbName: fn.dbName },
      args: functionArguments(fn, args.args),
      returns: fn.returns.kind === 'value' ? { kind: 'value', type: fn.returns.type, set: fn.returns.set } : { kind: 'void' },
    });
  });
}

/**
 * An object or array relationship, or the aggregate of one: the rows for every parent that
 * reaches this field, in one statement per field of the query.
 */
export const relationResolver: GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs> = guarded(async (source, args: SelectArgs, ctx, info) => {
  const field = info.parentType.getFields()[info.fieldName];
  const meta = field === undefined ? undefined : metaOf(field);
  if (meta?.kind !== 'relation' && meta?.kind !== 'relation_aggregate') throw new Error(`${info.fieldName} is not a relationship`);
  const row = source as Row;
  const key = meta.relation.mapping.map((p) => row[joinKey(p.from)] ?? null);
  // a null foreign key relates to nothing: no need to ask
  if (meta.kind === 'relation' && key.some((v) => v === null)) return meta.relation.type === 'object' ? null : [];
  // one loader per place in the query (the response path without list indexes): the same
  // fragment used at two depths is two places, with two selections
  const place = responsePathAsArray(info.path).filter((k) => typeof k === 'string').join('.');
  let loader = ctx.loaders.get(place);
  if (loader === undefined) {
    const keyTypes = meta.relation.mapping.map(
      (p) => meta.source.columns.find((c) => c.dbName === p.from)?.type ?? { kind: 'unsupported' as const, schema: '', name: p.from },
    );
    const plans = planContext(ctx, info);
    const join = joinOf(meta.relation);
    const cardinality = meta.relation.type === 'object' ? ('one' as const) : ('many' as const);
    loader = new DataLoader<readonly unknown[], unknown, string>(
      async (keys) => {
        const batch = { join, cardinality, keys, keyTypes };
        if (meta.kind === 'relation_aggregate') {
          const plan = aggregatePlan(meta.target, info.fieldNodes, args, plans);
          return (await ctx.run({ ...plan, rows: { ...plan.rows, batch } })) as unknown[];
        }
        const plan = readPlan(meta.target, info.fieldNodes, args, plans);
        return (await ctx.run({ ...plan, batch })) as unknown[];
      },
      { cacheKeyFn: (k) => JSON.stringify(k) },
    );
    ctx.loaders.set(place, loader);
  }
  return loader.load(key);
});
