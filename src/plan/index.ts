export type {
  AggregateFunction,
  AggregateColumn,
  AggregateOutput,
  AggregatePlan,
  AggregateSelection,
  Assignment,
  CallPlan,
  ColumnValue,
  RowRef,
  DeletePlan,
  InsertPlan,
  InsertRow,
  OnConflict,
  Returning,
  UpdatePlan,
  Batch,
  ColumnRef,
  CompareOperator,
  Condition,
  FunctionArgumentValue,
  JoinPath,
  JsonPathStep,
  TextSearchParser,
  OrderItem,
  OrderTarget,
  Plan,
  ReadPlan,
  Selection,
  SortDirection,
  Source,
} from './types.js';
export { joinOf } from './join.js';
export { functionArguments, defaultArgumentName } from './function-arguments.js';
export { nestInsert } from './nest-insert.js';
export { boolExpCondition, BOOL_EXP_OPERATORS } from './bool-exp.js';
export type { BoolExpScope } from './bool-exp.js';
export { walkPlan, planDepth } from './visit.js';
export { planTables } from './tables.js';
export type { PlanVisitor } from './visit.js';
export { joinKey, deferRelations, deferSelection, hasRelations, relationAt, batchOf } from './defer-relations.js';
export type { NestedRelation } from './defer-relations.js';
export { splitNestedInsert, isNestedInsert, isNestedRow, STEP_COUNT_KEY, STEP_ROWS_KEY } from './split-nested-insert.js';
export type { InsertProgram } from './split-nested-insert.js';
export { PlanCache } from './plan-cache.js';
export { planAccess } from './access.js';
export type { PlanAccess } from './access.js';
export { computesAggregates, isNodesKey } from './aggregate-outputs.js';
