import type DataLoader from 'dataloader';
import type { Chain, Identity, RequestInfo } from '../chain/index.js';
import type { TypeGraph } from '../model/index.js';
import type { Plan } from '../plan/index.js';
import type { CompileOptions } from '../sql/index.js';
import type { Logger } from '../server/logger.js';
import type { DocumentPlan } from './one-statement.js';
import type { SchemaBuilder } from './schema-builder.js';

/** Runs one authorized, compiled Plan and gives back its JSON `result`. */
export type RunPlan = (plan: Plan) => Promise<unknown>;

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
  /** authorize → compile → execute, inside the request's transaction when there is one */
  readonly run: RunPlan;
  /** the same, with the answer as the JSON text PostgreSQL wrote (for a response written as text) */
  readonly runText: (plan: Plan) => Promise<string>;
  /** the same for several read Plans at once: one statement, the answer as JSON text */
  readonly runDocument: (fields: DocumentPlan) => Promise<string>;
  /** one DataLoader per relationship field of the query (keyed by its response path) */
  readonly loaders: Map<string, DataLoader<readonly unknown[], unknown, string>>;
}
