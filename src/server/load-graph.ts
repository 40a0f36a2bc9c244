import type { Config } from '../config/index.js';
import type { Pool } from '../db/index.js';
import { introspect, withEnumTables } from '../introspection/index.js';
import { buildTypeGraph, type ModelOptions } from '../model/index.js';
import type { GraphLoad } from './graph-holder.js';

export function modelOptions(config: Config): ModelOptions {
  return {
    schemas: config.database.schemas,
    naming: config.naming.case,
    tables: config.tables,
    functions: config.functions,
    relationships: config.relationships,
  };
}

/** Runs the catalog query on a pooled connection and builds the graph. */
export async function loadGraph(pool: Pool, config: Config): Promise<GraphLoad> {
  const client = await pool.connect();
  try {
    const introspected = await introspect(client, config.database.schemas);
    const { catalog, fingerprint } = await withEnumTables(client, introspected, config.tables, config.database.schemas);
    return buildTypeGraph(catalog, fingerprint, modelOptions(config));
  } finally {
    client.release();
  }
}
