import type { GraphQLField } from 'graphql';
import type { Column, Entity, FunctionDef, Relation } from '../model/index.js';
import type { AggregateFunction } from '../plan/index.js';

/**
 * What a field of the generated schema stands for in the type graph. The schema builder
 * attaches it to each field (`extensions.pgduet`); the selection → Plan step reads it, so
 * the two never disagree about what a field means.
 */
export type FieldMeta =
  | { readonly kind: 'column'; readonly column: Column }
  | { readonly kind: 'relation'; readonly source: Entity; readonly relation: Relation; readonly target: Entity }
  | { readonly kind: 'relation_aggregate'; readonly source: Entity; readonly relation: Relation; readonly target: Entity }
  | { readonly kind: 'computed'; readonly fn: FunctionDef }
  /** `aggregate` and `nodes` of an `<x>_aggregate` object (and `aggregate` of a group) */
  | { readonly kind: 'aggregate_fields' }
  /** `keys` of a group (`<t>_groups`): the values of its grouping columns */
  | { readonly kind: 'group_keys' }
  | { readonly kind: 'nodes' }
  /** inside `aggregate { … }` */
  | { readonly kind: 'count' }
  | { readonly kind: 'aggregate_function'; readonly fn: Exclude<AggregateFunction, 'count'> }
  /** inside `sum { … }`, `max { … }`… */
  | { readonly kind: 'aggregate_column'; readonly column: Column }
  /** `affected_rows` and `returning` of a mutation response */
  | { readonly kind: 'affected_rows' }
  | { readonly kind: 'returning' };

/**
 * What a root field of the query or mutation type stands for: planning reads it to turn the
 * field into Plans (graphql/plan-operation.ts), and its resolver to shape the answer.
 */
export type RootMeta =
  | {
      readonly kind: 'select' | 'select_by_pk' | 'select_aggregate' | 'insert' | 'insert_one' | 'update' | 'update_by_pk' | 'update_many' | 'delete' | 'delete_by_pk';
      readonly entity: Entity;
    }
  /** a function whose rows are rows of `entity` (a set of them, or one), or their aggregate */
  | { readonly kind: 'function_rows' | 'function_aggregate'; readonly fn: FunctionDef; readonly entity: Entity }
  /** a function whose value is a scalar (or a list of them), or void */
  | { readonly kind: 'function_value'; readonly fn: FunctionDef }
  /** `<table>_stream` of subscription_root: rows past a cursor, in batches (subscription-fields.ts) */
  | { readonly kind: 'select_stream'; readonly entity: Entity }
  /** `<table>_groups`: the rows grouped, each group's keys and aggregates (group-types.ts) */
  | { readonly kind: 'select_groups'; readonly entity: Entity };

declare module 'graphql' {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    pgduet?: FieldMeta;
    pgduetRoot?: RootMeta;
    /** a namespace root field: another source's root fields under it (namespaces.ts) */
    pgduetNamespace?: { readonly source: string };
    /** another source's root field beside the first source's (a source without a namespace: namespaces.ts) */
    pgduetSource?: { readonly source: string };
  }
}

export function metaOf(field: GraphQLField<unknown, unknown>): FieldMeta | undefined {
  return field.extensions.pgduet;
}
