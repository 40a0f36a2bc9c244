/**
 * A parsed REST request resolved against the type graph into a Plan (PostgREST's `Plan.hs`):
 * names become database names, embeddings become joins, filters become conditions.
 */
export { planRead, castType } from './plan-read.js';
export type { ReadOptions } from './plan-read.js';
export { planCondition, columnRef, operand } from './conditions.js';
export { resolveEntity, resolveColumn, resolveEmbedding, notEmbedded, nearest } from './resolve.js';
export type { Embedding } from './resolve.js';
export { planInsert, planUpdate, planDelete, planPut, returningOf } from './plan-write.js';
