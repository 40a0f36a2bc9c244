export { quoteIdentifier, quoteQualified } from './identifier.js';
export { isJsonType, Params, qualified, sqlType } from './fragments.js';
export type { CompiledQuery } from './fragments.js';
export { compileAggregate, compileCountEstimate, compileDocument, compilePage, compileRead, isGeometry, DEFAULT_COMPILE_OPTIONS, aggregateResultType } from './compile-read.js';
export type { CompileOptions, DocumentField } from './compile-read.js';
export { compilePlan } from './compile-plan.js';
export { compileCall, compileDelete, compileInsert, compileUpdate } from './compile-write.js';
export { compileMultiplexed, replacePlaceholders } from './compile-multiplexed.js';
export { compileEnumTableRows } from './enum-table.js';
