import { invalidRequest, RequestError } from '../../errors/index.js';
import { findEntity, type Column, type Entity, type Relation, type TypeGraph } from '../../model/index.js';

/**
 * Name resolution against the type graph, with PostgREST's errors: a table or view by its
 * name in the request's schema, a column by name, an embedded resource by the name PostgREST
 * uses (the related table's name) with `!hint` disambiguation.
 */

/** The entity `/rest/<name>` addresses in `schema`, or PGRST205 (404). */
export function resolveEntity(graph: TypeGraph, schema: string, name: string): Entity {
  const entity = graph.entities.find((e) => e.schema === schema && e.name === name);
  if (entity !== undefined) return entity;
  const similar = graph.entities.find((e) => e.schema === schema && e.name.toLowerCase() === name.toLowerCase());
  throw new RequestError('PGD101', `Could not find the table '${schema}.${name}' in the schema cache`, {
    postgrest: 'PGRST205',
    ...(similar === undefined ? {} : { hint: `Perhaps you meant the table '${schema}.${similar.name}'` }),
  });
}

/**
 * A column of an entity by the name clients see, or the 42703 (400) PostgreSQL raises for the
 * SQL PostgREST writes: `column film.nope does not exist`, the table named by its alias in that
 * SQL (`language_1` for an embedded resource), details null, PostgreSQL's hint for a near name.
 */
export function resolveColumn(entity: Entity, name: string, alias: string = entity.dbName): Column {
  const column = entity.columns.find((c) => c.name === name);
  if (column !== undefined) return column;
  const near = nearest(name, entity.columns.map((c) => c.name));
  throw new RequestError('PGD103', `column ${alias}.${name} does not exist`, {
    postgrest: '42703',
    ...(near === undefined ? {} : { hint: `Perhaps you meant to reference the column "${alias}.${near}".` }),
  });
}

/** PostgREST's alias of an embedded resource's table in its SQL: `language_1` one level down. */
export function tableAlias(entity: Entity, depth: number): string {
  return depth === 0 ? entity.dbName : `${entity.dbName}_${depth}`;
}

/**
 * The one name nearest to `wanted`, as PostgreSQL suggests a column: by edit distance, within
 * half the length of the name given; none when two are as near.
 */
export function nearest(wanted: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const name of names) {
    const distance = editDistance(wanted, name);
    if (distance > Math.floor((wanted.length + 1) / 2) || distance > bestDistance) continue;
    tie = distance === bestDistance;
    best = name;
    bestDistance = distance;
  }
  return tie ? undefined : best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** A relationship as an embedding sees it: the relation and the entity it leads to. */
export interface Embedding {
  readonly relation: Relation;
  readonly target: Entity;
}

/**
 * The relationship `name` (with an optional `!hint`) leads along from `entity`, by PostgREST's
 * `findRel`:
 * - without a hint, `name` is the related table (`language`, or `actor` through the junction
 *   `film_actor`), a foreign key's name (`film_language_id_fkey`), or a foreign key's single
 *   column on this side (`language_id`); on a self-referencing table, its own name means the
 *   children (one-to-many) and the foreign key's column the parent (many-to-one);
 * - with a hint, `name` is the related table and the hint a foreign key's name, one of its
 *   single columns on either side, or the junction of a many-to-many;
 * - pgduet's own relationship names (`original_language`, manual relationships) last.
 * More than one: PGRST201 (300) lists the candidates. None: PGRST200 (400).
 */
export function resolveEmbedding(graph: TypeGraph, entity: Entity, name: string, hint: string | undefined, schema: string = entity.schema): Embedding {
  const all = entity.relations.flatMap((relation): Embedding[] => {
    const target = findEntity(graph, relation.target);
    return target === undefined ? [] : [{ relation, target }];
  });
  let candidates = all.filter((e) => findRelMatches(graph, entity, e, name, hint, false));
  // a hint naming the column that holds a foreign key wins over one naming the column it
  // references (`film?select=language!language_id(*)`, `language?select=film!language_id(*)`:
  // PostgREST finds both of film's keys to language, one by each side, and answers 300;
  // pgduet takes the one held in film.language_id)
  if (candidates.length > 1 && hint !== undefined) {
    const held = candidates.filter((e) => findRelMatches(graph, entity, e, name, hint, true));
    if (held.length > 0) candidates = held;
  }
  if (candidates.length === 0 && hint === undefined) candidates = all.filter((e) => e.relation.name === name);
  if (candidates.length === 1) return candidates[0] as Embedding;
  if (candidates.length === 0) {
    const targets = [...new Set(all.map((e) => e.target.name))];
    const near = targets.includes(name) ? undefined : nearest(name, targets);
    throw new RequestError('PGD103', `Could not find a relationship between '${entity.name}' and '${name}' in the schema cache`, {
      postgrest: 'PGRST200',
      details: `Searched for a foreign key relationship between '${entity.name}' and '${name}'${hint === undefined ? '' : ` using the hint '${hint}'`} in the schema '${schema}', but no matches were found.`,
      ...(near === undefined ? {} : { hint: `Perhaps you meant '${near}' instead of '${name}'.` }),
    });
  }
  throw new RequestError('PGD103', `Could not embed because more than one relationship was found for '${entity.name}' and '${name}'`, {
    postgrest: 'PGRST201',
    details: JSON.stringify(candidates.map((c) => describeCandidate(graph, entity, c))),
    hint: `Try changing '${name}' to one of the following: ${candidates.map((c) => `'${c.target.name}!${hintOf(c)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  });
}

/** PostgREST's `findRel` filter for one relationship. */
function findRelMatches(graph: TypeGraph, entity: Entity, embedding: Embedding, name: string, hint: string | undefined, heldOnly: boolean): boolean {
  const { relation, target } = embedding;
  const single = relation.through === undefined && relation.mapping.length === 1 ? relation.mapping[0] : undefined;
  // PostgREST's relColumns: (this side's column, the other side's column)
  const fromColumn = (h: string): boolean => single !== undefined && (single.from === h || columnName(entity, single.from) === h);
  const toColumn = (h: string): boolean => single !== undefined && (single.to === h || columnName(target, single.to) === h);
  // with `heldOnly`, a column matches only on the side that holds the foreign key
  const fkColumn = (h: string): boolean => (heldOnly ? relation.foreignKeyOn !== 'target' : true) && fromColumn(h);
  const refColumn = (h: string): boolean => (heldOnly ? relation.foreignKeyOn === 'target' : true) && toColumn(h);
  const constraint = (h: string): boolean => relation.through === undefined && relation.constraint !== undefined && relation.constraint === h;
  const junction = (h: string): boolean => relation.through !== undefined && (findEntity(graph, relation.through.junction)?.name === h || relation.through.junction.dbName === h);
  const toMany = relation.cardinality === 'one_to_many';
  const toOne = relation.cardinality === 'many_to_one' || relation.cardinality === 'one_to_one';
  const self = relation.through === undefined && target.schema === entity.schema && target.dbName === entity.dbName;
  if (self) {
    if (hint === undefined) return (name === target.name && toMany) || (fkColumn(name) && toOne);
    return name === target.name && toMany && refColumn(hint);
  }
  const isView = target.kind === 'view' || target.kind === 'materialized_view';
  if (hint === undefined) return name === target.name || (!isView && (constraint(name) || fkColumn(name)));
  return name === target.name && (constraint(hint) || fkColumn(hint) || refColumn(hint) || junction(hint) || relation.name === hint);
}

function columnName(entity: Entity, dbName: string): string | undefined {
  return entity.columns.find((c) => c.dbName === dbName)?.name;
}

function hintOf(embedding: Embedding): string {
  const { relation } = embedding;
  if (relation.through !== undefined) return relation.through.junction.dbName;
  return relation.constraint ?? relation.name;
}

/**
 * One candidate of PGRST201's details, as PostgREST writes it: `<fk> using
 * source(columns) and target(columns)`, or for a many-to-many `<junction> using
 * <fk>(junction columns) and <fk>(junction columns)`.
 */
function describeCandidate(graph: TypeGraph, entity: Entity, embedding: Embedding): { cardinality: string; embedding: string; relationship: string } {
  const { relation, target } = embedding;
  const cardinality = { many_to_one: 'many-to-one', one_to_one: 'one-to-one', one_to_many: 'one-to-many', many_to_many: 'many-to-many' }[relation.cardinality];
  const list = (columns: readonly string[]): string => `(${columns.join(', ')})`;
  let relationship: string;
  if (relation.through === undefined) {
    relationship = `${relation.constraint ?? relation.name} using ${entity.dbName}${list(relation.mapping.map((p) => p.from))} and ${target.dbName}${list(relation.mapping.map((p) => p.to))}`;
  } else {
    const junction = findEntity(graph, relation.through.junction)?.dbName ?? relation.through.junction.dbName;
    relationship = `${junction} using ${relation.through.sourceConstraint}${list(relation.mapping.map((p) => p.to))} and ${relation.through.targetConstraint}${list(relation.through.targetMapping.map((p) => p.from))}`;
  }
  return { cardinality, embedding: `${entity.name} with ${target.name}`, relationship };
}

/** An error for a query parameter that names something the request has not selected. */
export function notEmbedded(path: readonly string[]): RequestError {
  return invalidRequest(`'${path.join('.')}' is not an embedded resource in this request`, {
    postgrest: 'PGRST108',
    hint: `Verify that '${path.join('.')}' is included in the 'select' query parameter.`,
  });
}
