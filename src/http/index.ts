/**
 * What both protocols need of HTTP, below them and below the server that mounts them: the
 * request's context and scope (who asks, the role's graph), reading a body, answering in the
 * request's transaction, and the Mount seam. rest/ and graphql/ import this, never server/.
 */
export { answerCors, hasuraCors, isPreflight, postgrestCors } from './cors.js';
export type { CorsPolicy } from './cors.js';
export { keptBody, readBody, tooLarge } from './read-body.js';
export { scopeRequest } from './request-scope.js';
export type { RequestScope } from './request-scope.js';
export { answerInTransaction } from './request-transaction.js';
export { requestDatabase, callerKey, readSession, READ_PRIMARY_HEADER } from './request-database.js';
export { DeferredResponse } from './deferred-response.js';
export type { GraphSnapshot, RequestContext, RequestTrace } from './request-context.js';
export type { GraphSource, Handler, Mount, MountContext, NamespaceOptions, UpgradeHandler } from './mount.js';
export type { Metrics } from './metrics.js';
