export type {
  CheckConstraint,
  Column,
  ColumnPair,
  CompositeDef,
  DbRef,
  Entity,
  EntityKind,
  EnumDef,
  EnumTableValue,
  ForeignKey,
  FunctionArgument,
  FunctionDef,
  FunctionReturn,
  KeyConstraint,
  Relation,
  RootFieldKind,
  TypeGraph,
  TypeRef,
} from './type-graph.js';
export { ROOT_FIELD_KINDS, TYPE_GRAPH_VERSION } from './type-graph.js';
export { buildTypeGraph } from './build-graph.js';
export type { BuildResult } from './build-graph.js';
export { configDigest, DEFAULT_MODEL_OPTIONS } from './model-options.js';
export type { ManualRelationshipConfig, ModelOptions, TableConfig } from './model-options.js';
export { findByQualifiedName } from './config-keys.js';
export { optional } from './optional.js';
export { defaultInflection, pluralize, camelCase } from './inflect.js';
export type { Inflection, NamingCase } from './inflect.js';
export { parseSmartComment } from './smart-comments.js';
export type { SmartComment } from './smart-comments.js';
export { cacheFileName, decodeSchemaCache, encodeSchemaCache, readSchemaCache, writeSchemaCache, SchemaCacheError, SCHEMA_CACHE_VERSION } from './schema-cache.js';
export { findEntity, findFunction } from './lookup.js';
