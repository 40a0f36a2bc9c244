import type { Catalog, CatalogFunction, CatalogRelation } from '../introspection/index.js';
import { compare } from './compare.js';
import { resolveConfigKeys } from './config-keys.js';
import type { ModelOptions } from './model-options.js';
import { optional } from './optional.js';
import type { Inflection } from './inflect.js';
import { isSupported, mentionsType, type makeTypeResolver } from './resolve-type.js';
import { parseSmartComment } from './smart-comments.js';
import type { DbRef, Entity, FunctionArgument, FunctionDef, FunctionReturn, TypeRef } from './type-graph.js';

const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const;

/**
 * Functions and procedures an API can call. Left out: trigger and event-trigger functions,
 * functions taking a pseudo-type (`internal`, `anyelement`…) or returning one (other than
 * `void` and a `record` described by OUT parameters), and functions whose row type belongs
 * to an omitted entity — exposing them would leak what `@omit` hides.
 */
export function buildFunctions(
  catalog: Catalog,
  exposed: ReadonlyMap<string, CatalogRelation>,
  omittedTypes: ReadonlySet<string>,
  entities: readonly Entity[],
  options: ModelOptions,
  inflection: Inflection,
  resolveType: ReturnType<typeof makeTypeResolver>,
  warnings: string[],
): FunctionDef[] {
  const config = resolveConfigKeys(options.functions, catalog.functions, catalog.schemas, 'functions', warnings);
  // row type oid → entity, for `RETURNS SETOF film` and computed fields `f(film)`
  const entityKeys = new Set(entities.map((e) => `${e.schema}.${e.dbName}`));
  const entityByRowType = new Map<string, DbRef>();
  const hiddenTypes = new Set(omittedTypes);
  for (const rel of catalog.relations) {
    if (exposed.has(rel.oid) && entityKeys.has(`${rel.schema}.${rel.name}`)) {
      entityByRowType.set(rel.type_oid, { schema: rel.schema, dbName: rel.name });
    } else {
      // omitted, or left out for a name clash: its rows must not come back through a function
      hiddenTypes.add(`${rel.schema}.${rel.name}`);
    }
  }
  const usesHidden = (oid: string): boolean => mentionsType(resolveType(oid), hiddenTypes);

  const out: FunctionDef[] = [];
  for (const fn of catalog.functions) {
    const tags = parseSmartComment(fn.comment);
    const own = config.get(fn.oid);
    if (tags.omit || own?.omit === true) continue;
    const args = inArguments(fn, resolveType);
    // every argument (OUT and TABLE columns too) and the return type
    if (args === undefined || fn.arg_types.some(usesHidden) || usesHidden(fn.return_type_oid)) continue;
    const returns = returnOf(fn, resolveType, entityByRowType);
    if (returns === undefined) continue;
    const firstArg = fn.arg_types[0];
    const computedFieldOf = firstArg === undefined ? undefined : entityByRowType.get(firstArg);
    out.push({
      schema: fn.schema,
      dbName: fn.name,
      name: own?.name ?? tags.name ?? inflection.convention(fn.name),
      oid: fn.oid,
      kind: fn.prokind === 'p' ? 'procedure' : 'function',
      ...optional('description', tags.description),
      args,
      returns,
      volatility: VOLATILITY[fn.volatility],
      strict: fn.strict,
      securityDefiner: fn.security_definer,
      language: fn.language,
      ...optional('computedFieldOf', fn.prokind === 'f' && fn.arg_modes === null ? computedFieldOf : undefined),
    });
  }
  return out.sort((a, b) => compare(a.schema, b.schema) || compare(a.dbName, b.dbName) || compare(a.oid, b.oid));
}

/** The arguments a caller passes (IN, INOUT, VARIADIC), or undefined when one cannot be expressed. */
function inArguments(fn: CatalogFunction, resolveType: (oid: string) => TypeRef): FunctionArgument[] | undefined {
  const args: FunctionArgument[] = [];
  const firstDefault = fn.num_in_args - fn.num_defaults;
  fn.arg_types.forEach((oid, i) => {
    const mode = fn.arg_modes?.[i] ?? 'i';
    if (mode === 'o' || mode === 't') return;
    const name = fn.arg_names?.[i];
    args.push({
      name: name === undefined || name === '' ? null : name,
      type: resolveType(oid),
      mode: mode === 'b' ? 'inout' : mode === 'v' ? 'variadic' : 'in',
      hasDefault: args.length >= firstDefault,
    });
  });
  return args.every((a) => isSupported(a.type)) ? args : undefined;
}

function returnOf(
  fn: CatalogFunction,
  resolveType: (oid: string) => TypeRef,
  entityByRowType: ReadonlyMap<string, DbRef>,
): FunctionReturn | undefined {
  const set = fn.returns_set;
  const outColumns = fn.arg_types.flatMap((oid, i) => {
    const mode = fn.arg_modes?.[i];
    if (mode !== 'o' && mode !== 'b' && mode !== 't') return [];
    return [{ name: fn.arg_names?.[i] || `column${i + 1}`, type: resolveType(oid) }];
  });
  const entity = entityByRowType.get(fn.return_type_oid);
  if (entity !== undefined) return { kind: 'entity', entity, set };
  const type = resolveType(fn.return_type_oid);
  if (type.kind === 'unsupported') {
    if (type.name === 'void') return { kind: 'void' };
    if (type.name === 'record' && outColumns.length > 0 && outColumns.every((c) => isSupported(c.type))) {
      return { kind: 'columns', columns: outColumns, set };
    }
    // procedures with OUT parameters return a record too
    if (fn.prokind === 'p') return outColumns.length > 0 ? { kind: 'columns', columns: outColumns, set: false } : { kind: 'void' };
    return undefined;
  }
  return isSupported(type) ? { kind: 'value', type, set } : undefined;
}
