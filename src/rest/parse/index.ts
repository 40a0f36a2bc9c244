/**
 * PostgREST's request grammar — query string, `Prefer`, `Range`, `Accept` — parsed into the
 * plain data of `types.ts`, with no database knowledge (PostgREST's `ApiRequest`). `rest/plan/`
 * resolves the result against the type graph. Every parser is pure and throws only
 * RequestErrors carrying PostgREST's code (PGRST100, PGRST103, PGRST107).
 */
export { parseQuery } from './parse-query.js';
export type { ParseQueryOptions } from './parse-query.js';
export { parseSelect } from './select.js';
export { isOperator, parseFilter } from './filter.js';
export { parseLogic } from './logic.js';
export { parseOrder } from './order.js';
export { parseColumns, parseEmbedPath, parseTreePath } from './field-path.js';
export { quoteValue } from './values.js';
export { parsePrefer } from './prefer.js';
export { parseRange } from './range.js';
export { parseCsv } from './csv.js';
export { negotiateFormat } from './accept.js';
export type {
  AggregateFunction,
  Condition,
  EmbedPath,
  FieldPath,
  Filter,
  FilterOperator,
  FilterValue,
  JsonStep,
  Logic,
  OrderTerm,
  Preferences,
  RangeRequest,
  ResponseFormat,
  RestQuery,
  SelectItem,
} from './types.js';
