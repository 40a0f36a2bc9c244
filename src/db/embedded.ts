import { mkdir, readFile } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '../errors/index.js';
import { runSqlScript } from './run-sql-script.js';

export interface EmbeddedOptions {
  /** folder for the data files; ignored with `memory` */
  readonly dataDir: string;
  readonly memory: boolean;
  /** load the sample schema when the database is empty */
  readonly sample: boolean;
  /** connections the socket server accepts at once (the pool plus the LISTEN connection) */
  readonly maxConnections: number;
}

export interface EmbeddedDatabase {
  readonly url: string;
  /** true when this start loaded the sample schema */
  readonly seeded: boolean;
  close(): Promise<void>;
}

const SAMPLE_SCHEMA = new URL('./sample/schema.sql', import.meta.url);

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly, in this process) behind a PostgreSQL
 * wire-protocol socket on 127.0.0.1, so the rest of pgduet talks to it with the same `pg`
 * pool as to a real server: there is one code path, not two.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  // loaded on demand: a server with DATABASE_URL never pays for the WebAssembly build
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  let db: PGlite;
  try {
    if (!options.memory) await mkdir(options.dataDir, { recursive: true });
    db = await PGlite.create(options.memory ? undefined : options.dataDir);
  } catch (error) {
    const where = options.memory ? 'in memory' : `in ${options.dataDir}`;
    throw new ConfigError('PGD004', `cannot start the embedded database ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let seeded = false;
  if (options.sample && (await isEmpty(db))) {
    await runSqlScript(db, await readFile(SAMPLE_SCHEMA, 'utf8'));
    seeded = true;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    seeded,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

async function isEmpty(db: PGlite): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace",
  );
  return (rows[0]?.n ?? 0) === 0;
}
