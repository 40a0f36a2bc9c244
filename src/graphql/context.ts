import type DataLoader from 'dataloader';
import type { Chain, Identity, RequestInfo } from '../chain/index.js';
import type { TypeGraph } from '../model/index.js';
import type { RunPlanContext } from '../pipeline/index.js';
import type { CompileOptions } from '../sql/index.js';
import type { Logger } from 'pino';
import type { AuthorizedOperation } from './answer-operation.js';
import type { SchemaBuilder } from './schema-builder.js';

/** Everything a resolver needs for one request; made fresh per request. */
export interface GraphqlContext {
  readonly graph: TypeGraph;
  readonly builder: SchemaBuilder;
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly chain: Chain;
  /** the request's logger (its lines carry the request id) */
  readonly log: Logger;
  readonly options: CompileOptions;
  /** the pipeline's context: where statements run (the request's transaction when there is one) */
  readonly run: RunPlanContext;
  /**
   * The operation as the chain authorized it, set before any resolver runs. Resolvers only
   * run parts of it; they never plan (or authorize) anything of their own.
   */
  operation?: AuthorizedOperation;
  /** one DataLoader per relationship field of the query (keyed by its response path) */
  readonly loaders: Map<string, DataLoader<readonly unknown[], unknown, string>>;
}
