import type { FieldNode } from 'graphql';
import { invalidRequest } from '../errors/index.js';
import type { Entity } from '../model/index.js';
import type { ReadPlan } from '../plan/index.js';
import { readPlan, type PlanContext } from './to-plan.js';

/**
 * Where a streaming subscription's cursor is. The Plan compares the cursor column with
 * `placeholder` (a value no client can send): once compiled, the parameter holding it is the
 * cursor's, and each batch moves it to the last row's value — the statement, authorized once,
 * is never planned again (Hasura keeps its cursor as a multiplexed variable the same way).
 */
export interface StreamCursor {
  /** the response key of the root field */
  readonly key: string;
  /** the key under which each row carries its cursor value (left out of what the client gets) */
  readonly valueKey: string;
  readonly placeholder: string;
  readonly initial: unknown;
  readonly batchSize: number;
}

export const CURSOR_VALUE_KEY = '__pgduet_cursor';

let nextPlaceholder = 0;

/**
 * `<table>_stream(batch_size:, cursor: [{initial_value: {col: v}, ordering: ASC|DESC}], where:)`
 * as a ReadPlan: `where` and `col > cursor` (`<` for DESC), ordered by the cursor column,
 * `batch_size` rows.
 */
export function streamPlan(entity: Entity, nodes: readonly FieldNode[], args: Readonly<Record<string, unknown>>, ctx: PlanContext): { plan: ReadPlan; cursor: StreamCursor } {
  const naming = ctx.builder.naming;
  const batchSize = args[naming.field('batch_size')];
  if (typeof batchSize !== 'number' || batchSize < 1) throw invalidRequest(`"${naming.field('batch_size')}" must be a positive integer`);
  const cursors = args['cursor'];
  if (!Array.isArray(cursors) || cursors.length !== 1) throw invalidRequest('one streaming cursor is expected');
  const cursor = cursors[0] as Readonly<Record<string, unknown>> | null;
  const initialValue = (cursor?.[naming.field('initial_value')] as Record<string, unknown> | undefined) ?? {};
  const names = Object.keys(initialValue);
  if (names.length !== 1) throw invalidRequest(`one column is expected in the cursor's "${naming.field('initial_value')}"`);
  const name = names[0] as string;
  const column = ctx.builder.columns(entity).find((c) => c.name === name);
  if (column === undefined) throw invalidRequest(`no column "${name}" in "${entity.name}"`);
  const descending = cursor?.ordering === 'DESC';
  const placeholder = `\u0000pgduet-cursor-${nextPlaceholder++}`;
  const where = args['where'] as Record<string, unknown> | null | undefined;
  const past = { [name]: { [descending ? '_lt' : '_gt']: placeholder } };
  const plan = readPlan(entity, nodes, { where: where == null ? past : { _and: [where, past] }, [naming.field('order_by')]: [{ [name]: descending ? 'desc' : 'asc' }], limit: batchSize }, ctx);
  const withCursor: ReadPlan = { ...plan, selection: [...plan.selection, { kind: 'column', key: CURSOR_VALUE_KEY, column: column.dbName, type: column.type }] };
  const key = nodes[0]?.alias?.value ?? nodes[0]?.name.value ?? name;
  return { plan: withCursor, cursor: { key, valueKey: CURSOR_VALUE_KEY, placeholder, initial: initialValue[name], batchSize } };
}
