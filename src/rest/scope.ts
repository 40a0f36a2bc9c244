import type { Config } from '../config/index.js';
import type { Pool, RunPlanContext } from '../db/index.js';
import type { TypeGraph } from '../model/index.js';

/** What every REST handler works with: the request's graph, the pipeline to run Plans, the pool and config. */
export interface RestScope {
  readonly graph: TypeGraph;
  /** chain → compile → execute, with the request's identity */
  readonly run: RunPlanContext;
  /** for requests that need a transaction */
  readonly pool: Pool;
  readonly config: Config;
}
