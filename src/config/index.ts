export { configSchema } from './schema.js';
export type { Config, ConfigInput, TableOptions, ManualRelationshipOptions, SourceOptions } from './schema.js';
export { checkConfig, loadConfig, splitList, parsePort } from './load.js';
export type { ConfigCheck, ConfigOverrides, LoadConfigOptions, LoadedConfig } from './load.js';
export { graphqlLimitsOptions } from './graphql-limits.js';
export { configForSource } from './sources.js';
export type { GraphqlLimitsOptions, GraphqlRoleLimits } from './graphql-limits.js';
