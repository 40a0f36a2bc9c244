import { databaseTrouble, describeDatabaseTrouble as describe } from '../errors/index.js';
import type { Pool, PoolClient } from './pool.js';

/** Where the two lines go (the server's logger). */
export interface AvailabilityLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Whether the database of a pool answers, as the requests find it: the first request that
 * cannot reach it logs one warning, the first statement that succeeds afterwards logs that it
 * is back. Nothing in between: an outage is two lines, not a stack trace per request.
 */
class Availability {
  #down = false;
  constructor(private readonly log: AvailabilityLog) {}

  failed(error: unknown): void {
    if (this.#down || databaseTrouble(error) !== 'unavailable') return;
    this.#down = true;
    this.log.warn({ cause: describe(error) }, 'the database is unavailable; requests get 503 until it is back');
  }

  succeeded(): void {
    if (!this.#down) return;
    this.#down = false;
    this.log.warn({}, 'the database is available again');
  }
}

const byPool = new WeakMap<Pool, Availability>();
/** the pool a checked-out client came from (pg's PoolClient does not say) */
const poolOf = new WeakMap<PoolClient, Pool>();

/** Logs the database's outages on `log` (once per outage, once per recovery). */
export function watchAvailability(pool: Pool, log: AvailabilityLog): void {
  byPool.set(pool, new Availability(log));
}

/**
 * A connection from the pool, the one way the server checks one out: a failure to connect is
 * noted (and rethrown), and the client is remembered as this pool's.
 */
export async function checkout(pool: Pool): Promise<PoolClient> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    byPool.get(pool)?.failed(error);
    throw error;
  }
  if (!poolOf.has(client)) {
    // pg emits 'error' on a checked-out client whose connection ends (besides failing its
    // query); pg-pool listens only while the client is idle, and an 'error' nobody listens
    // to ends the process
    client.on('error', (error) => byPool.get(pool)?.failed(error));
    poolOf.set(client, pool);
  }
  return client;
}

/** Tells the pool's watch how a statement on `client` (or the pool itself) went. */
export function noteOutcome(where: Pool | PoolClient, error?: unknown): void {
  const watch = byPool.get(poolOf.get(where as PoolClient) ?? (where as Pool));
  if (watch === undefined) return;
  if (error === undefined) watch.succeeded();
  else watch.failed(error);
}
