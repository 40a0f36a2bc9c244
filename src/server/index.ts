export { startServer, loadGraph, modelOptions } from './start.js';
export type { RunningServer, StartOptions } from './start.js';
export { buildChain } from './build-chain.js';
export type { ChainDeps } from './build-chain.js';
export { loadPlugins } from './load-plugins.js';
export type { PluginEntry } from './load-plugins.js';
export { GraphHolder } from './graph-holder.js';
export type { GraphLoad, GraphSnapshot, ReloadOutcome } from './graph-holder.js';
export { InFlight, createRequestListener, sendError, sendJson } from './http.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createMetrics } from './metrics.js';
export type { Metrics } from './metrics.js';
// src/graphql still imports these from here; the one-pipeline refactor moves it to src/http
export { scopeRequest } from '../http/index.js';
export type { Handler, Mount, MountContext, RequestContext, RequestScope } from '../http/index.js';
