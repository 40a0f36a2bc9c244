/**
 * A compact encoding of plain JSON-like data (the TypeGraph), for the schema cache.
 *
 * At 10,000 tables the graph as plain JSON is 33 MB, and reading it (read, UTF-8 decode,
 * JSON.parse and the garbage collection of its ~1.5 million objects and strings) was most of
 * a start from the cache. The same names and objects repeat all over it (a table's name as its
 * `name`, its `dbName` and every reference to it; `{"kind":"scalar","schema":"pg_catalog",
 * "name":"int4"}` in most columns), so the encoding keeps each of them once, and the rest is a
 * flat list of 32-bit integers (schema-cache.ts packs it into one string, so JSON.parse reads
 * no million numbers and nothing of it is left for the garbage collector once decoded):
 * - every string once, in `strings`; a string is its index there (an integer ≥ 0);
 * - every object's list of keys once, in `shapes`; an object is `-(16 + shape)` followed by its
 *   values in its keys' order, so the decoded object has the same keys in the same order;
 * - an array is `ARRAY, length, element…`, a number `NUMBER, string` (its text in `strings`, so
 *   that every integer of the encoding is a 32-bit one), false, true and null a code each;
 * - a value that `shareable` accepts (with every object and array inside it) and that occurs
 *   more than once is written once, in `shared` (values one after the other, each only refers
 *   to those before it), and is `-(16 + number of shapes + index)` wherever it occurs: decoded
 *   once, the same object everywhere.
 *
 * The decoder restores exactly what was encoded (same values, same key order); it does not
 * know the TypeGraph, so a field added to the graph is carried without a change here.
 */

export interface EncodedDocument {
  readonly strings: readonly string[];
  readonly shapes: readonly (readonly string[])[];
  /** the shared values, one after the other (32-bit integers, as all of the encoding) */
  readonly shared: ArrayLike<number>;
  /** the one encoded value */
  readonly value: ArrayLike<number>;
}

const FALSE = -1;
const TRUE = -2;
const NULL = -3;
const ARRAY = -4;
const NUMBER = -5;
/** object codes are -(OBJECT + shape); below them, -(OBJECT + shapes.length + index) a shared value */
const OBJECT = 16;

/** A composite (object or array) after the first pass: one node per distinct content, counted. */
interface Node {
  /** the shape of an object, ARRAY, or NUMBER (`children` is then its text's string index alone) */
  readonly tag: number;
  readonly children: readonly Child[];
  readonly shareable: boolean;
  count: number;
  /** its index in `shared`, once written there */
  sharedAt?: number;
}
/** a string's index, a boolean, null, or a composite */
type Child = number | boolean | null | Node;

/**
 * Encodes `value` (strings, finite numbers, booleans, null, arrays and plain objects, no
 * undefined). `shareable` says which composites may be one object for all their equal
 * occurrences once decoded.
 */
export function encodeDocument(value: unknown, shareable: (value: object) => boolean): EncodedDocument {
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const shapes: string[][] = [];
  const shapeIndex = new Map<string, number>();
  // hash-consing: equal contents give one node, counted, so that repeats can be shared
  const nodes = new Map<string, Node>();
  const nodeIds = new Map<Node, number>();

  const string = (text: string): number => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = strings.push(text) - 1;
      stringIndex.set(text, index);
    }
    return index;
  };
  const shape = (keys: string[]): number => {
    const key = JSON.stringify(keys);
    let index = shapeIndex.get(key);
    if (index === undefined) {
      index = shapes.push(keys) - 1;
      shapeIndex.set(key, index);
    }
    return index;
  };
  // a composite holding one that may not be shared may not be either: it would share that one too
  const node = (tag: number, children: Child[], self: boolean): Node => {
    const canShare = self && children.every((c) => typeof c !== 'object' || c === null || c.shareable);
    const key = `${tag}:${children.map((c) => (typeof c === 'object' && c !== null ? `#${nodeIds.get(c) ?? -1}` : String(c))).join(',')}`;
    let found = nodes.get(key);
    if (found === undefined) {
      found = { tag, children, shareable: canShare, count: 0 };
      nodes.set(key, found);
      nodeIds.set(found, nodeIds.size);
    }
    found.count++;
    return found;
  };

  const first = (v: unknown, path: string): Child => {
    if (typeof v === 'string') return string(v);
    if (typeof v === 'boolean' || v === null) return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TypeError(`${path}: ${v} cannot be encoded`);
      return node(NUMBER, [string(String(v))], false);
    }
    if (Array.isArray(v)) return node(ARRAY, v.map((item, i) => first(item, `${path}[${i}]`)), shareable(v));
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const entries = Object.entries(v as Record<string, unknown>);
      for (const [key, item] of entries) if (item === undefined) throw new TypeError(`${path}.${key}: undefined cannot be encoded`);
      return node(shape(entries.map(([key]) => key)), entries.map(([key, item]) => first(item, `${path}.${key}`)), shareable(v));
    }
    throw new TypeError(`${path}: ${typeof v} cannot be encoded`);
  };

  const shared: number[] = [];
  let sharedCount = 0;
  const second = (child: Child, out: number[]): void => {
    if (typeof child === 'number') out.push(child);
    else if (child === null) out.push(NULL);
    else if (typeof child === 'boolean') out.push(child ? TRUE : FALSE);
    else if (child.sharedAt !== undefined) out.push(-(OBJECT + shapes.length + child.sharedAt));
    else if (child.shareable && child.count > 1) {
      // written to `shared` on its first occurrence, after what it refers to
      const own: number[] = [];
      write(child, own);
      for (const n of own) shared.push(n);
      child.sharedAt = sharedCount++;
      out.push(-(OBJECT + shapes.length + child.sharedAt));
    } else write(child, out);
  };
  const write = (composite: Node, out: number[]): void => {
    if (composite.tag === NUMBER) {
      out.push(NUMBER, composite.children[0] as number);
      return;
    }
    if (composite.tag === ARRAY) out.push(ARRAY, composite.children.length);
    else out.push(-(OBJECT + composite.tag));
    for (const c of composite.children) second(c, out);
  };
  const root: number[] = [];
  second(first(value, '$'), root);
  return { strings, shapes, shared, value: root };
}

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

/** The inverse of `encodeDocument`. Throws CodecError on what `encodeDocument` cannot have written. */
export function decodeDocument(document: EncodedDocument): unknown {
  const { strings } = document;
  // keys as property names (internalized): JSON.parse's strings are not, and a store with such a key looks it up first
  const shapes = document.shapes.map((keys) => {
    // a store to `__proto__` would set the prototype: no TypeGraph has that key, a damaged file may
    if (keys.includes('__proto__')) throw new CodecError('a shape has the key "__proto__"');
    return Object.keys(Object.fromEntries(keys.map((key) => [key, 0])));
  });
  const shared: unknown[] = [];
  let stream = document.shared;
  let at = 0;
  // one function, no helpers: it runs once per start, mostly before the JIT has optimized it
  const decode = (): unknown => {
    const code = stream[at++];
    if (code === undefined) throw new CodecError('truncated');
    if (code >= 0) {
      const text = strings[code];
      if (text === undefined) throw new CodecError(`string ${code} out of range`);
      return text;
    }
    if (code <= -OBJECT) {
      const index = -code - OBJECT;
      const keys = shapes[index];
      if (keys === undefined) {
        if (index - shapes.length >= shared.length) throw new CodecError(`shared value ${index - shapes.length} out of range`);
        return shared[index - shapes.length];
      }
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[keys[i] as string] = decode();
      return out;
    }
    switch (code) {
      case FALSE:
        return false;
      case TRUE:
        return true;
      case NULL:
        return null;
      case ARRAY: {
        const length = stream[at++];
        if (length === undefined) throw new CodecError('truncated');
        const out = new Array<unknown>(length);
        for (let i = 0; i < length; i++) out[i] = decode();
        return out;
      }
      case NUMBER: {
        const text = strings[stream[at++] ?? -1];
        if (text === undefined) throw new CodecError('a number without its text');
        return Number(text);
      }
      default:
        throw new CodecError(`unknown code ${code}`);
    }
  };
  while (at < stream.length) shared.push(decode());
  stream = document.value;
  at = 0;
  const value = decode();
  if (at !== stream.length) throw new CodecError('trailing data');
  return value;
}
