export type { AuthorizedPlan } from './authorized.js';
export { Chain } from './run.js';
export { ANONYMOUS } from './plugin.js';
export type {
  ErrorEvent,
  ExecuteEvent,
  GraphEvent,
  Identity,
  PgduetPlugin,
  PlanEvent,
  RequestEvent,
  RequestInfo,
  ResponseEvent,
  ResultEvent,
} from './plugin.js';
export { deferredPart, filledPart, relationPart } from './derive.js';
export type { AuthorizedRelation } from './derive.js';
export { chainOrder, createPlugins, declarePlugin, optionsAt, pluginOptionsShape, pluginOrder } from './registry.js';
export type {
  AnyPluginDeclaration,
  ConfiguredPlugin,
  PluginDeclaration,
  PluginDeps,
  PluginLogger,
  PluginOptionsShape,
  PluginOrdering,
  SharedPlugins,
} from './registry.js';
