import type { CatalogType, Oid } from '../introspection/index.js';
import type { TypeRef } from './type-graph.js';

/**
 * Turns a type oid into a TypeRef: domains resolve to their base (keeping the domain's
 * name), arrays to their element. Pseudo-types become `unsupported`; the caller decides
 * whether that hides a column or a function.
 */
export function makeTypeResolver(types: readonly CatalogType[]): (oid: Oid) => TypeRef {
  const byOid = new Map(types.map((t) => [t.oid, t]));
  const cache = new Map<Oid, TypeRef>();

  const resolve = (oid: Oid, depth: number): TypeRef => {
    const cached = cache.get(oid);
    if (cached !== undefined) return cached;
    const t = byOid.get(oid);
    // depth guards against a malformed catalog; real type chains are a few levels deep
    if (t === undefined || depth > 32) return { kind: 'unsupported', schema: 'pg_catalog', name: `oid ${oid}` };
    const ref = describe(t, (next) => resolve(next, depth + 1));
    cache.set(oid, ref);
    return ref;
  };
  return (oid) => resolve(oid, 0);
}

function describe(t: CatalogType, resolve: (oid: Oid) => TypeRef): TypeRef {
  if (t.typtype === 'd' && t.base_oid !== null) {
    const base = resolve(t.base_oid);
    if (base.kind === 'unsupported') return base;
    // the outermost domain's name is the one users wrote on the column
    return { ...base, domain: { schema: t.schema, dbName: t.name } };
  }
  if (t.element_oid !== null) return { kind: 'array', element: resolve(t.element_oid) };
  switch (t.typtype) {
    case 'e':
      return { kind: 'enum', schema: t.schema, name: t.name };
    case 'c':
      return { kind: 'composite', schema: t.schema, name: t.name };
    case 'r':
      return {
        kind: 'range',
        schema: t.schema,
        name: t.name,
        subtype:
          t.range_subtype_oid === null
            ? { kind: 'unsupported', schema: 'pg_catalog', name: 'unknown' }
            : resolve(t.range_subtype_oid),
      };
    case 'p':
      return { kind: 'unsupported', schema: t.schema, name: t.name };
    default:
      return { kind: 'scalar', schema: t.schema, name: t.name };
  }
}

/** True when no part of the type is unsupported. */
export function isSupported(type: TypeRef): boolean {
  if (type.kind === 'unsupported') return false;
  if (type.kind === 'array') return isSupported(type.element);
  if (type.kind === 'range') return isSupported(type.subtype);
  return true;
}

/** True when the type is, or is built from (array, range, domain), one of the named types. */
export function mentionsType(type: TypeRef, names: ReadonlySet<string>): boolean {
  if ('domain' in type && type.domain !== undefined && names.has(`${type.domain.schema}.${type.domain.dbName}`)) return true;
  if (type.kind === 'array') return mentionsType(type.element, names);
  if (type.kind === 'range') return names.has(`${type.schema}.${type.name}`) || mentionsType(type.subtype, names);
  return names.has(`${type.schema}.${type.name}`);
}
