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

/** A column of an entity by the name clients see, or PostgreSQL's 42703 (400). */
export function resolveColumn(entity: Entity, name: string): Column {
  const column = entity.columns.find((c) => c.name === name);
  if (column !== undefined) return column;
  throw new RequestError('PGD103', `column ${entity.name}.${name} does not exist`, { postgrest: 'PGRST100', details: undefinedColumnDetails(entity, name) });
}

function undefinedColumnDetails(entity: Entity, name: string): string {
  const near = entity.columns.filter((c) => c.name.includes(name) || name.includes(c.name)).map((c) => c.name);
  return near.length > 0 ? `Perhaps you meant: ${near.join(', ')}` : `the columns of ${entity.name} are: ${entity.columns.map((c) => c.name).join(', ')}`;
}

/** A relationship as an embedding sees it: the relation and the entity it leads to. */
export interface Embedding {
  readonly relation: Relation;
  readonly target: Entity;
}

/**
 * The relationship `name` (with an optional `!hint`) leads along from `entity`, PostgREST's way:
 * `name` is the related table's name (`language`, `film_actor`, or `actor` through the
 * junction `film_actor`), or pgduet's own relationship name (`original_language`). When
 * several relationships lead to that table, the hint picks one: a foreign key's name, one of
 * its columns, or the junction's name; else PGRST201 (300) lists the candidates. None: PGRST200.
 */
export function resolveEmbedding(graph: TypeGraph, entity: Entity, name: string, hint: string | undefined): Embedding {
  const all = entity.relations.flatMap((relation): Embedding[] => {
    const target = findEntity(graph, relation.target);
    return target === undefined ? [] : [{ relation, target }];
  });
  let candidates = all.filter((e) => e.target.name === name);
  if (candidates.length === 0) candidates = all.filter((e) => e.relation.name === name);
  if (hint !== undefined) candidates = candidates.filter((e) => matchesHint(graph, e, hint));
  if (candidates.length === 1) return candidates[0] as Embedding;
  if (candidates.length === 0) {
    throw new RequestError('PGD103', `Could not find a relationship between '${entity.name}' and '${name}' in the schema cache`, {
      postgrest: 'PGRST200',
      ...(hint === undefined ? {} : { details: `Searched for a foreign key relationship between '${entity.name}' and '${name}' using the hint '${hint}'` }),
      hint: 'Verify that the related table exists and that a foreign key joins the two (or declare a relationship in pgduet.yaml)',
    });
  }
  throw new RequestError('PGD103', `Could not embed because more than one relationship was found for '${entity.name}' and '${name}'`, {
    postgrest: 'PGRST201',
    details: JSON.stringify(candidates.map((c) => describeCandidate(entity, c))),
    hint: `Try changing '${name}' to one of the following: ${candidates.map((c) => `'${name}!${hintOf(c)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  });
}

function matchesHint(graph: TypeGraph, embedding: Embedding, hint: string): boolean {
  const { relation } = embedding;
  if (relation.constraint === hint || relation.name === hint) return true;
  if (relation.through !== undefined) {
    const junction = findEntity(graph, relation.through.junction);
    if (junction?.name === hint || relation.through.sourceConstraint === hint || relation.through.targetConstraint === hint) return true;
  }
  // a column of the foreign key, on the side that holds it
  if (relation.through !== undefined) return false;
  return relation.mapping.some((pair) => (relation.foreignKeyOn === 'target' ? pair.to : pair.from) === hint);
}

function hintOf(embedding: Embedding): string {
  const { relation } = embedding;
  if (relation.through !== undefined) return relation.through.junction.dbName;
  return relation.constraint ?? relation.name;
}

function describeCandidate(entity: Entity, embedding: Embedding): { cardinality: string; embedding: string; relationship: string } {
  const { relation, target } = embedding;
  const cardinality = { many_to_one: 'many-to-one', one_to_one: 'one-to-one', one_to_many: 'one-to-many', many_to_many: 'many-to-many' }[relation.cardinality];
  const columns = relation.mapping.map((p) => (relation.foreignKeyOn === 'target' ? p.to : p.from)).join(', ');
  return {
    cardinality,
    embedding: `${entity.name} with ${target.name}`,
    relationship: relation.through === undefined
      ? `${relation.constraint ?? relation.name} using ${relation.foreignKeyOn === 'target' ? target.name : entity.name}(${columns}) and ${relation.foreignKeyOn === 'target' ? entity.name : target.name}(${relation.mapping.map((p) => (relation.foreignKeyOn === 'target' ? p.from : p.to)).join(', ')})`
      : `${relation.through.junction.dbName} using ${relation.through.sourceConstraint} and ${relation.through.targetConstraint}`,
  };
}

/** An error for a query parameter that names something the request has not selected. */
export function notEmbedded(path: readonly string[]): RequestError {
  return invalidRequest(`'${path.join('.')}' is not an embedded resource in this request`, {
    postgrest: 'PGRST108',
    hint: `Verify that '${path.join('.')}' is included in the 'select' query parameter.`,
  });
}
