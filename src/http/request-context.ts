import type { Logger } from 'pino';
import type { Identity, RequestInfo } from '../chain/index.js';
import type { TypeGraph } from '../model/index.js';
import type { Plan } from '../plan/index.js';
import type { CancelSignal } from '../db/index.js';

/** The type graph a request runs on: the one current when it arrived (a reload does not change it). */
export interface GraphSnapshot {
  readonly graph: TypeGraph;
  /** 1 for the first graph, +1 per successful reload */
  readonly generation: number;
  readonly loadedAt: Date;
}

/** What every handler gets besides the request: its id, its logger, and its graph. */
export interface RequestContext {
  readonly id: string;
  /** the request's logger (its lines carry the request id); made on first use */
  readonly log: Logger;
  /** the type graph as it was when the request arrived; a reload does not change it */
  readonly snapshot: GraphSnapshot;
  /** filled in by the protocol handler: who asked and what ran (the chain's onResponse reads it) */
  readonly trace: RequestTrace;
  /**
   * aborted when the client goes away before its answer is complete: the request's running
   * statement is cancelled in PostgreSQL (db/cancel.ts)
   */
  readonly signal: CancelSignal;
  /** waits for a turn of `role` (`database.concurrency`), given back when the response closes */
  admit(role: string): Promise<void>;
}

/** What a request turned out to be, for the hooks told after its response. */
export interface RequestTrace {
  request?: RequestInfo;
  identity?: Identity;
  readonly plans: Plan[];
  /** rows the request's writes touched */
  rowsAffected?: number;
  /** GraphQL: the `extensions.code` of the errors in the answer (read from what was sent) */
  errorCodes?: string[];
}
