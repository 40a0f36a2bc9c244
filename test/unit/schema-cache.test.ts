import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDocument, encodeDocument } from '../../src/model/cache-codec.js';
import {
  buildTypeGraph,
  decodeSchemaCache,
  encodeSchemaCache,
  readSchemaCache,
  SCHEMA_CACHE_VERSION,
  SchemaCacheError,
  writeSchemaCache,
  type TypeGraph,
} from '../../src/model/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/**
 * A graph with a bit of everything the cache must carry: domains, enums, composites, arrays,
 * functions (computed fields, sets, procedures), views, unique keys, one-to-many, many-to-many,
 * comments, optional fields present and absent, config names and root fields.
 */
function richGraph(): TypeGraph {
  const catalog = new CatalogBuilder(['public', 'other'])
    .enumType('public.mood', ['sad', 'ok', 'happy'], 'how it feels')
    .domain('public.email', 'text')
    .composite('public.point2', { x: 'float8', y: 'float8' })
    .table('language', { language_id: 'int4', name: 'text' }, { pk: ['language_id'], comment: 'languages' })
    .table('actor', { actor_id: 'int4', first_name: 'text', mood: 'public.mood', mail: 'public.email', tags: 'text[]' }, { pk: ['actor_id'], unique: [['first_name', 'mail']], notNull: ['first_name'], columnComments: { mood: 'today' } })
    .table(
      'film',
      { film_id: 'int4', title: 'text', language_id: 'int4', original_language_id: 'int4', at: 'public.point2' },
      {
        pk: ['film_id'],
        fks: [
          { columns: ['language_id'], target: 'language', targetColumns: ['language_id'] },
          { columns: ['original_language_id'], target: 'language', targetColumns: ['language_id'] },
        ],
      },
    )
    .table(
      'film_actor',
      { actor_id: 'int4', film_id: 'int4' },
      {
        pk: ['actor_id', 'film_id'],
        fks: [
          { columns: ['actor_id'], target: 'actor', targetColumns: ['actor_id'] },
          { columns: ['film_id'], target: 'film', targetColumns: ['film_id'] },
        ],
      },
    )
    .table('films_seen', { film_id: 'int4', title: 'text' }, { kind: 'v', updatable: 8 })
    .table('elsewhere', { id: 'int4' }, { schema: 'other', pk: ['id'] })
    .fn({ name: 'film_label', args: [{ name: 'f', type: 'public.film' }], returns: 'text', volatility: 's' })
    .fn({ name: 'search', args: [{ name: 'q', type: 'text' }, { type: 'int4' }], returns: 'public.film', set: true, defaults: 1, comment: 'finds films' })
    .fn({ name: 'touch', args: [{ name: 'id', type: 'int4' }], returns: 'void', procedure: true });
  const { graph } = buildTypeGraph(catalog.build(), 'rich', {
    naming: 'database',
    tables: { 'public.actor': { name: 'performer', columns: { first_name: { name: 'given' } }, rootFields: { select: 'performers', insert_one: 'add_performer' } } },
    functions: {},
    relationships: [],
  });
  return graph;
}

/** `n` tables like the bench's: the same columns and types in every one, two foreign keys each. */
function generatedGraph(n: number): TypeGraph {
  const catalog = new CatalogBuilder();
  for (let i = 1; i <= n; i++) {
    const prev = `t${Math.max(1, i - 1)}`;
    const first = `t${Math.min(i, 1 + (i % 3))}`;
    catalog.table(`t${i}`, { id: 'int4', name: 'text', qty: 'int4', created_at: 'timestamptz', prev_id: 'int4', first_id: 'int4' }, {
      pk: ['id'],
      notNull: ['name', 'qty'],
      fks: [
        { columns: ['prev_id'], target: prev, targetColumns: ['id'] },
        { columns: ['first_id'], target: first, targetColumns: ['id'] },
      ],
    });
  }
  return buildTypeGraph(catalog.build(), 'generated').graph;
}

describe('the schema cache file', () => {
  it('gives back exactly the graph it was written from: values and key order', () => {
    for (const graph of [richGraph(), generatedGraph(60)]) {
      const back = decodeSchemaCache(encodeSchemaCache(graph), 'test.json');
      expect(back).toEqual(graph);
      expect(JSON.stringify(back)).toBe(JSON.stringify(graph));
    }
  });

  it('the rich graph has what the round trip must carry', () => {
    // so that the round trip above is not vacuous: optional fields both present and absent
    const graph = richGraph();
    const text = JSON.stringify(graph);
    for (const key of ['"description"', '"domain"', '"rootFields"', '"through"', '"uniqueKeys":[{', '"computedFieldOf"', '"element"', '"values"', '"fields"']) {
      expect(text).toContain(key);
    }
    expect(graph.functions.length).toBeGreaterThan(1);
    expect(graph.enums.length).toBe(1);
    expect(graph.composites.length).toBe(1);
  });

  it('is much smaller than the graph as JSON: repeated names and types are written once', () => {
    const graph = generatedGraph(300);
    const plain = JSON.stringify(graph).length;
    expect(encodeSchemaCache(graph).length).toBeLessThan(plain / 3);
  });

  it('shares equal values once read, and never the named things code may tell apart', () => {
    const graph = decodeSchemaCache(encodeSchemaCache(generatedGraph(20)), 'test.json');
    const [a, b] = graph.entities;
    if (a === undefined || b === undefined) throw new Error('expected two entities');
    // one object for the int4 type and for `operations`, everywhere
    expect(a.columns[0]?.type).toBe(b.columns[0]?.type);
    expect(a.operations).toBe(b.operations);
    // columns equal in content stay distinct objects, and so do the lists holding them
    expect(a.columns[1]).toEqual(b.columns[1]);
    expect(a.columns[1]).not.toBe(b.columns[1]);
    expect(a.columns).not.toBe(b.columns);
  });

  it('is written atomically as <fingerprint>.json and read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgduet-cache-test-'));
    const graph = richGraph();
    const file = await writeSchemaCache(dir, graph);
    expect(file).toBe(join(dir, 'rich.json'));
    const header = JSON.parse(readFileSync(file, 'utf8')) as { version: number; fingerprint: string };
    expect(header).toMatchObject({ version: SCHEMA_CACHE_VERSION, fingerprint: 'rich' });
    expect(await readSchemaCache(file)).toEqual(graph);
  });

  it('refuses a cache of the earlier plain-JSON format, or of another program, with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgduet-cache-test-'));
    const old = join(dir, 'old.json');
    writeFileSync(old, JSON.stringify(richGraph()));
    await expect(readSchemaCache(old)).rejects.toThrow(new SchemaCacheError(`${old} has schema cache version 1, expected ${SCHEMA_CACHE_VERSION}; run "pgduet introspect" again`));
    expect(() => decodeSchemaCache('{"name":"something else"}', 'x.json')).toThrow('x.json has schema cache version undefined');
    expect(() => decodeSchemaCache('[1,2', 'x.json')).toThrow(/^x\.json is not valid JSON/);
    expect(() => decodeSchemaCache(`{"version":${SCHEMA_CACHE_VERSION}}`, 'x.json')).toThrow('x.json is not a schema cache ("strings", "shapes", "shared" or "graph" is missing)');
  });

  it('refuses a damaged file instead of serving a wrong graph', () => {
    const text = encodeSchemaCache(generatedGraph(3));
    type Doc = { graph: string; strings: string[]; shapes: string[][] };
    const damaged = (change: (d: Doc, graph: number[]) => void): string => {
      const copy = JSON.parse(text) as Doc;
      const graph = unpack(copy.graph);
      change(copy, graph);
      copy.graph = pack(graph);
      return JSON.stringify(copy);
    };
    expect(() => decodeSchemaCache(damaged((_, g) => g.pop()), 'x.json')).toThrow(/^x\.json is damaged \(truncated\)/);
    expect(() => decodeSchemaCache(damaged((_, g) => g.push(0)), 'x.json')).toThrow(/^x\.json is damaged \(trailing data\)/);
    expect(() => decodeSchemaCache(damaged((d) => (d.strings.length = 1)), 'x.json')).toThrow(/^x\.json is damaged \(string \d+ out of range\)/);
    expect(() => decodeSchemaCache(damaged((_, g) => g.splice(0, 1, -1000)), 'x.json')).toThrow(/^x\.json is damaged \(shared value \d+ out of range\)/);
    expect(() => decodeSchemaCache(damaged((d) => d.shapes[0]?.push('__proto__')), 'x.json')).toThrow(/^x\.json is damaged/);
    const cut = JSON.parse(text) as Doc;
    cut.graph = Buffer.from([1, 2, 3]).toString('base64');
    expect(() => decodeSchemaCache(JSON.stringify(cut), 'x.json')).toThrow('x.json is damaged (a list of integers is 3 bytes long)');
    // decoded, but not a graph: the structural check still applies
    const notAGraph = encodeDocument({ version: 1, entities: 'none' }, () => true);
    const file = JSON.stringify({ version: SCHEMA_CACHE_VERSION, fingerprint: 'f', strings: notAGraph.strings, shapes: notAGraph.shapes, shared: pack(Array.from(notAGraph.shared)), graph: pack(Array.from(notAGraph.value)) });
    expect(() => decodeSchemaCache(file, 'x.json')).toThrow('x.json: "entities" is missing or not a list');
  });
});

/** the file's lists of integers: base64 of 32-bit little-endian integers */
function unpack(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readInt32LE(i * 4));
}
function pack(integers: readonly number[]): string {
  const bytes = Buffer.alloc(integers.length * 4);
  integers.forEach((n, i) => bytes.writeInt32LE(n, i * 4));
  return bytes.toString('base64');
}

describe('the codec', () => {
  it('round-trips any JSON value, keeping key order, numbers and nulls', () => {
    const values: unknown[] = [
      null,
      true,
      'text',
      0,
      -1.5,
      2 ** 40,
      1e300,
      [150020, 150020],
      [],
      {},
      { b: 1, a: [1, 'x', null, false, { c: {} }], z: 'é\u0000"' },
      [{ k: 'v' }, { k: 'v' }, [['x'], ['x']], { '10': 'integer-like key', y: 2 }],
    ];
    for (const value of values) {
      const encoded = encodeDocument(value, () => true);
      const back = decodeDocument(JSON.parse(JSON.stringify(encoded)) as typeof encoded);
      expect(back).toEqual(value);
      expect(JSON.stringify(back)).toBe(JSON.stringify(value));
    }
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => encodeDocument({ a: undefined }, () => true)).toThrow('$.a: undefined cannot be encoded');
    expect(() => encodeDocument([Number.NaN], () => true)).toThrow('$[0]: NaN cannot be encoded');
    expect(() => encodeDocument({ d: new Date(0) }, () => true)).toThrow('$.d: object cannot be encoded');
  });
});
