export type {
  AggregateFunction,
  AggregatePlan,
  AggregateSelection,
  Batch,
  ColumnRef,
  CompareOperator,
  Condition,
  FunctionArgumentValue,
  JoinPath,
  OrderItem,
  OrderTarget,
  Plan,
  ReadPlan,
  Selection,
  SortDirection,
  Source,
} from './types.js';
export { joinOf } from './join.js';
