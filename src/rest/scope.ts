import type { Config } from '../config/index.js';
import type { StatementRunner } from '../db/index.js';
import type { RunPlanContext } from '../pipeline/index.js';
import type { TypeGraph } from '../model/index.js';

/** Runs `work` atomically: in its own transaction, or a savepoint of the request's; `rollback` undoes it anyway. */
export type Atomically = <T>(work: (db: StatementRunner) => Promise<T>, options?: { readonly rollback?: boolean }) => Promise<T>;

/** What every REST handler works with: the request's graph, the pipeline to run Plans, transactions and config. */
export interface RestScope {
  readonly graph: TypeGraph;
  /** chain → compile → execute, with the request's identity */
  readonly run: RunPlanContext;
  /** for requests that need a transaction (several statements, a dry run, a check after the write) */
  readonly atomically: Atomically;
  readonly config: Config;
}
