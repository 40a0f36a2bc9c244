import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { CodecError, decodeDocument, encodeDocument } from './cache-codec.js';
import { TYPE_GRAPH_VERSION, type TypeGraph } from './type-graph.js';

/**
 * The schema cache: a TypeGraph in `schema-cache/<fingerprint>.json`, in the compact encoding
 * of cache-codec.ts. Writing and reading it are the only things here; building the graph is
 * `buildTypeGraph`'s job.
 */

/**
 * The file's format: 1 was the graph as plain JSON; 2 is cache-codec.ts's encoding, its
 * integers packed (`packIntegers`): at 10,000 tables 10 MB instead of 33, read and decoded in
 * ~0.2 s instead of ~0.55 s. The graph inside still has its own `version` (TYPE_GRAPH_VERSION),
 * checked once it is decoded.
 */
export const SCHEMA_CACHE_VERSION = 2;

export function cacheFileName(graph: Pick<TypeGraph, "fingerprint">): string {
  return `${graph.fingerprint}.json`;
}

/** The file's text: the header first (what a person or a script looks for), then the encoding. */
export function encodeSchemaCache(graph: TypeGraph): string {
  const { strings, shapes, shared, value } = encodeDocument(graph, shareable);
  // compact: no indentation, which was a third of the plain-JSON file at 10,000 tables
  return `${JSON.stringify({ version: SCHEMA_CACHE_VERSION, fingerprint: graph.fingerprint, strings, shapes, shared: packIntegers(shared), graph: packIntegers(value) })}\n`;
}

/**
 * The encoding's integers as base64 of their 32-bit little-endian bytes: JSON.parse reads one
 * string instead of 1.4 million numbers (at 10,000 tables), and the array they are read from
 * afterwards is a view of those bytes, not a million-element array for the garbage collector.
 */
function packIntegers(integers: ArrayLike<number>): string {
  const bytes = Buffer.alloc(integers.length * 4);
  for (let i = 0; i < integers.length; i++) bytes.writeInt32LE(integers[i] as number, i * 4);
  return bytes.toString('base64');
}

function unpackIntegers(text: string, file: string): Int32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new SchemaCacheError(`${file} is damaged (a list of integers is ${bytes.length} bytes long)`);
  // a view when the bytes are in the machine's order and aligned, as they are on x86 and ARM
  if (endianness() === 'LE' && bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const integers = new Int32Array(bytes.length / 4);
  for (let i = 0; i < integers.length; i++) integers[i] = bytes.readInt32LE(i * 4);
  return integers;
}

/**
 * What may be one object for all its equal occurrences once read: values (types, references to
 * a relation, column lists, join pairs, `operations`…), not the named things of the graph
 * (entities, columns, relations, keys, functions, arguments…), which code may tell apart by
 * identity. A TypeRef is a value although most have a `name` (the type's): it has a `kind` and
 * no `dbName`, which entities and functions have.
 */
function shareable(value: object): boolean {
  return Array.isArray(value) || !('name' in value) || ('kind' in value && !('dbName' in value));
}

/** Writes the graph atomically (temp file + rename) and returns the file's path. */
export async function writeSchemaCache(dir: string, graph: TypeGraph): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, cacheFileName(graph));
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, encodeSchemaCache(graph));
  await rename(temp, file);
  return file;
}

export class SchemaCacheError extends Error {
  override readonly name = 'SchemaCacheError';
}

export async function readSchemaCache(file: string): Promise<TypeGraph> {
  let text: string;
  try {
    // in one read: the asynchronous readFile reads in chunks and joins them, more memory at the
    // peak for a large cache; start-up serves nothing else meanwhile
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SchemaCacheError(`cannot read ${file} (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})`);
  }
  return decodeSchemaCache(text, file);
}

/** The inverse of `encodeSchemaCache`; `file` names the source in errors. */
export function decodeSchemaCache(text: string, file: string): TypeGraph {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SchemaCacheError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null) throw new SchemaCacheError(`${file} is not a schema cache`);
  const v = value as Record<string, unknown>;
  if (v['version'] !== SCHEMA_CACHE_VERSION) {
    throw new SchemaCacheError(`${file} has schema cache version ${String(v['version'])}, expected ${SCHEMA_CACHE_VERSION}; run "pgduet introspect" again`);
  }
  const { strings, shapes, shared, graph } = v;
  if (!Array.isArray(strings) || !Array.isArray(shapes) || typeof shared !== 'string' || typeof graph !== 'string') {
    throw new SchemaCacheError(`${file} is not a schema cache ("strings", "shapes", "shared" or "graph" is missing)`);
  }
  let decoded: unknown;
  try {
    // the arrays' contents are checked as they are decoded: a bad reference or shape throws
    decoded = decodeDocument({ strings: strings as string[], shapes: shapes as string[][], shared: unpackIntegers(shared, file), value: unpackIntegers(graph, file) });
  } catch (error) {
    if (error instanceof CodecError || error instanceof TypeError) throw new SchemaCacheError(`${file} is damaged (${error.message})`);
    throw error;
  }
  assertTypeGraph(decoded, file);
  return decoded;
}

/** A shallow structural check: enough to refuse a file that is not a schema cache of this version. */
function assertTypeGraph(value: unknown, file: string): asserts value is TypeGraph {
  if (typeof value !== 'object' || value === null) throw new SchemaCacheError(`${file} is not a schema cache`);
  const v = value as Record<string, unknown>;
  if (v['version'] !== TYPE_GRAPH_VERSION) {
    throw new SchemaCacheError(`${file} has type graph version ${String(v['version'])}, expected ${TYPE_GRAPH_VERSION}; run "pgduet introspect" again`);
  }
  for (const key of ['entities', 'functions', 'enums', 'composites', 'schemas'] as const) {
    if (!Array.isArray(v[key])) throw new SchemaCacheError(`${file}: "${key}" is missing or not a list`);
  }
  if (typeof v['fingerprint'] !== 'string') throw new SchemaCacheError(`${file}: "fingerprint" is missing`);
}
