import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TYPE_GRAPH_VERSION, type TypeGraph } from './type-graph.js';

/**
 * The schema cache: a TypeGraph as JSON in `schema-cache/<fingerprint>.json`. Writing and
 * reading it are the only things here; building the graph is `buildTypeGraph`'s job.
 */

export function cacheFileName(graph: Pick<TypeGraph, "fingerprint">): string {
  return `${graph.fingerprint}.json`;
}

/** Writes the graph atomically (temp file + rename) and returns the file's path. */
export async function writeSchemaCache(dir: string, graph: TypeGraph): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, cacheFileName(graph));
  const temp = `${file}.${process.pid}.tmp`;
  // compact: at 10,000 tables indentation alone is a third of the file and of the read time
  await writeFile(temp, `${JSON.stringify(graph)}\n`);
  await rename(temp, file);
  return file;
}

export class SchemaCacheError extends Error {
  override readonly name = 'SchemaCacheError';
}

export async function readSchemaCache(file: string): Promise<TypeGraph> {
  let text: string;
  try {
    // in one read: the asynchronous readFile reads in chunks and joins them, ~35 MB more at the
    // peak for a 33 MB cache (10,000 tables); start-up serves nothing else meanwhile
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SchemaCacheError(`cannot read ${file} (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SchemaCacheError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  assertTypeGraph(value, file);
  return value;
}

/** A shallow structural check: enough to refuse a file that is not a schema cache of this version. */
function assertTypeGraph(value: unknown, file: string): asserts value is TypeGraph {
  if (typeof value !== 'object' || value === null) throw new SchemaCacheError(`${file} is not a schema cache`);
  const v = value as Record<string, unknown>;
  if (v['version'] !== TYPE_GRAPH_VERSION) {
    throw new SchemaCacheError(`${file} has schema cache version ${String(v['version'])}, expected ${TYPE_GRAPH_VERSION}; run "pgduet introspect" again`);
  }
  for (const key of ['entities', 'functions', 'enums', 'composites', 'schemas'] as const) {
    if (!Array.isArray(v[key])) throw new SchemaCacheError(`${file}: "${key}" is missing or not a list`);
  }
  if (typeof v['fingerprint'] !== 'string') throw new SchemaCacheError(`${file}: "fingerprint" is missing`);
}
