import { compare } from './compare.js';
import { findByQualifiedName } from './config-keys.js';
import type { ModelOptions } from './model-options.js';
import type { Inflection } from './inflect.js';
import type { ColumnPair, DbRef, Entity, ForeignKey, Relation } from './type-graph.js';

/** A relationship before it has its final name. */
interface Candidate {
  readonly base: string;
  /** what `_by_…` appends when `base` is taken */
  readonly discriminator: readonly string[];
  readonly relation: Omit<Relation, 'name'>;
}

const keyOf = (ref: DbRef): string => `${ref.schema}.${ref.dbName}`;

/**
 * Derives every entity's relationships from the foreign keys, then applies the config's
 * renames and manual relationships. Naming is deterministic (README "Naming"):
 *
 * 1. candidates are taken in a fixed order — object relationships (by constraint name),
 *    then the reverse sides of foreign keys pointing here (by referencing table, constraint),
 *    then many-to-many (by junction, constraint);
 * 2. the first candidate keeps its name; a later one whose name is taken — by a column or
 *    an earlier relationship — gets `_by_<fk columns>` (many-to-many: `_by_<junction>`);
 * 3. if even that is taken, a number is appended.
 */
export function deriveRelations(
  entities: readonly Entity[],
  options: ModelOptions,
  schemas: readonly string[],
  inflection: Inflection,
  warnings: string[],
): Entity[] {
  const byKey = new Map(entities.map((e) => [keyOf(e), e]));
  const candidates = new Map<string, Candidate[]>(entities.map((e) => [keyOf(e), []]));
  const add = (owner: DbRef, candidate: Candidate): void => {
    candidates.get(keyOf(owner))?.push(candidate);
  };
  // Names come from the table's explicit rename if it has one, else its database name.
  const baseName = (e: Entity): string => (e.name === inflection.convention(e.dbName) ? e.dbName : e.name);

  const fks = entities.flatMap((source) =>
    source.foreignKeys
      .filter((fk) => byKey.has(keyOf(fk.target)))
      .map((fk) => ({ source, fk, target: byKey.get(keyOf(fk.target)) as Entity })),
  );
  fks.sort(
    (a, b) =>
      compare(keyOf(a.source), keyOf(b.source)) || compare(a.fk.name, b.fk.name),
  );

  for (const { source, fk, target } of fks) {
    const oneToOne = isUniqueKey(source, fk.columns);
    add(source, {
      base: inflection.objectRelation(fk.columns, baseName(target)),
      discriminator: fk.columns,
      relation: {
        type: 'object',
        cardinality: oneToOne ? 'one_to_one' : 'many_to_one',
        target: fk.target,
        mapping: pairs(fk.columns, fk.targetColumns),
        constraint: fk.name,
        foreignKeyOn: 'source',
        origin: 'foreign_key',
        ...(fk.viaView === true ? { viaView: true } : {}),
      },
    });
  }
  for (const { source, fk, target } of fks) {
    const oneToOne = isUniqueKey(source, fk.columns);
    add(target, {
      base: oneToOne ? inflection.oneToOneReverse(baseName(source)) : inflection.arrayRelation(baseName(source)),
      discriminator: fk.columns,
      relation: {
        type: oneToOne ? 'object' : 'array',
        cardinality: oneToOne ? 'one_to_one' : 'one_to_many',
        target: { schema: source.schema, dbName: source.dbName },
        mapping: pairs(fk.targetColumns, fk.columns),
        constraint: fk.name,
        foreignKeyOn: 'target',
        origin: 'foreign_key',
        ...(fk.viaView === true ? { viaView: true } : {}),
      },
    });
  }
  for (const junction of entities) {
    for (const [a, b] of junctionPairs(junction, byKey)) {
      for (const [near, far] of [[a, b], [b, a]] as const) {
        add(near.target, {
          base: inflection.manyToManyRelation(baseName(byKey.get(keyOf(far.target)) as Entity)),
          discriminator: [junction.dbName],
          relation: {
            type: 'array',
            cardinality: 'many_to_many',
            target: far.target,
            mapping: pairs(near.targetColumns, near.columns),
            through: {
              junction: { schema: junction.schema, dbName: junction.dbName },
              targetMapping: pairs(far.columns, far.targetColumns),
              sourceConstraint: near.name,
              targetConstraint: far.name,
            },
            origin: 'foreign_key',
            ...(near.viaView === true || far.viaView === true ? { viaView: true } : {}),
          },
        });
      }
    }
  }

  const named = entities.map((entity) => ({
    ...entity,
    relations: assignNames(entity, candidates.get(keyOf(entity)) ?? [], inflection),
  }));
  const config = resolveRelationshipConfig(named, options, schemas, warnings);
  return named.map((entity) => applyConfig(entity, config.get(keyOf(entity)), warnings));
}

interface EntityRelationshipConfig {
  readonly renames: { readonly key: string; readonly from: string; readonly to: string }[];
  readonly manual: { readonly where: string; readonly target: Entity | undefined; readonly spec: ModelOptions['relationships'][number] }[];
}

/** Looks up, once, which entity each rename and manual relationship of the config is about. */
function resolveRelationshipConfig(
  entities: readonly Entity[],
  options: ModelOptions,
  schemas: readonly string[],
  warnings: string[],
): Map<string, EntityRelationshipConfig> {
  const lookup = entities.map((entity) => ({ schema: entity.schema, name: entity.dbName, entity }));
  const out = new Map<string, EntityRelationshipConfig>();
  const slot = (entity: Entity): EntityRelationshipConfig => {
    const existing = out.get(keyOf(entity));
    if (existing !== undefined) return existing;
    const created: EntityRelationshipConfig = { renames: [], manual: [] };
    out.set(keyOf(entity), created);
    return created;
  };
  for (const [key, table] of Object.entries(options.tables)) {
    for (const { entity } of findByQualifiedName(key, lookup, schemas)) {
      for (const [from, to] of Object.entries(table.relationships ?? {})) slot(entity).renames.push({ key, from, to });
    }
  }
  for (const spec of options.relationships) {
    const target = findByQualifiedName(spec.target, lookup, schemas)[0]?.entity;
    const where = `relationships[${spec.table}.${spec.name}]`;
    const owners = findByQualifiedName(spec.table, lookup, schemas);
    if (owners.length === 0) warnings.push(`${where}: table ${spec.table} not found`);
    for (const { entity } of owners) slot(entity).manual.push({ where, target, spec });
  }
  return out;
}

function assignNames(entity: Entity, candidates: readonly Candidate[], inflection: Inflection): Relation[] {
  const taken = new Set(entity.columns.map((c) => c.name));
  const out: Relation[] = [];
  // relationships through views are named last: they never change the name of another
  const ordered = [...candidates.filter((c) => c.relation.viaView !== true), ...candidates.filter((c) => c.relation.viaView === true)];
  for (const candidate of ordered) {
    let name = inflection.convention(candidate.base);
    if (taken.has(name)) name = inflection.convention(inflection.disambiguate(candidate.base, candidate.discriminator));
    const stem = name;
    for (let n = 2; taken.has(name); n++) name = `${stem}${n}`;
    taken.add(name);
    out.push({ name, ...candidate.relation });
  }
  return out.sort((a, b) => compare(a.name, b.name));
}

/** Renames from `tables.<t>.relationships` and manual relationships from `relationships:`. */
function applyConfig(entity: Entity, config: EntityRelationshipConfig | undefined, warnings: string[]): Entity {
  if (config === undefined) return entity;
  const relations = [...entity.relations];
  for (const { key, from, to } of config.renames) {
    const index = relations.findIndex((r) => r.name === from);
    const existing = relations[index];
    if (existing === undefined) {
      warnings.push(`tables.${key}.relationships.${from}: no relationship of that name (it has: ${relations.map((r) => r.name).join(', ') || 'none'})`);
      continue;
    }
    if (nameTaken(entity, relations, to)) {
      warnings.push(`tables.${key}.relationships.${from}: cannot rename to "${to}", the name is taken`);
      continue;
    }
    relations[index] = { ...existing, name: to };
  }
  for (const { where, target, spec } of config.manual) {
    if (target === undefined) {
      warnings.push(`${where}: target ${spec.target} not found`);
      continue;
    }
    const mapping = Object.entries(spec.mapping).map(([from, to]) => ({ from, to }));
    const missing = [
      ...mapping.filter((p) => !entity.columns.some((c) => c.dbName === p.from)).map((p) => `${entity.dbName}.${p.from}`),
      ...mapping.filter((p) => !target.columns.some((c) => c.dbName === p.to)).map((p) => `${target.dbName}.${p.to}`),
    ];
    if (missing.length > 0) {
      warnings.push(`${where}: unknown column ${missing.join(', ')}`);
      continue;
    }
    if (nameTaken(entity, relations, spec.name)) {
      warnings.push(`${where}: the name "${spec.name}" is taken by a column or relationship`);
      continue;
    }
    relations.push({
      name: spec.name,
      type: spec.type,
      cardinality: spec.type === 'object' ? 'many_to_one' : 'one_to_many',
      target: { schema: target.schema, dbName: target.dbName },
      mapping,
      origin: 'manual',
    });
  }
  return { ...entity, relations: relations.sort((a, b) => compare(a.name, b.name)) };
}

function nameTaken(entity: Entity, relations: readonly Relation[], name: string): boolean {
  return entity.columns.some((c) => c.name === name) || relations.some((r) => r.name === name);
}

/** True when the columns are exactly the primary key or a unique key (in any order). */
function isUniqueKey(entity: Entity, columns: readonly string[]): boolean {
  const keys = [entity.primaryKey, ...entity.uniqueKeys.map((u) => u.columns)];
  return keys.some((k) => k.length > 0 && sameSet(k, columns));
}

/**
 * A junction is a table whose primary key or a unique key is made of exactly two foreign
 * keys (to exposed entities), with no column shared between them.
 */
function junctionPairs(junction: Entity, byKey: ReadonlyMap<string, Entity>): [ForeignKey, ForeignKey][] {
  const fks = junction.foreignKeys.filter((fk) => byKey.has(keyOf(fk.target)));
  const keys = [junction.primaryKey, ...junction.uniqueKeys.map((u) => u.columns)].filter((k) => k.length > 0);
  const found: [ForeignKey, ForeignKey][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < fks.length; i++) {
    for (let j = i + 1; j < fks.length; j++) {
      const a = fks[i] as ForeignKey;
      const b = fks[j] as ForeignKey;
      if (a.columns.some((c) => b.columns.includes(c))) continue;
      const union = [...a.columns, ...b.columns];
      const id = [a.name, b.name].sort().join('|');
      if (!seen.has(id) && keys.some((k) => sameSet(k, union))) {
        seen.add(id);
        found.push(a.name < b.name ? [a, b] : [b, a]);
      }
    }
  }
  return found;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function pairs(from: readonly string[], to: readonly string[]): ColumnPair[] {
  return from.map((f, i) => ({ from: f, to: to[i] ?? f }));
}
