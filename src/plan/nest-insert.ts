import type { Relation } from '../model/index.js';
import { joinOf } from './join.js';
import type { InsertRow, OnConflict } from './types.js';

type Parents = NonNullable<InsertRow['parents']>[number][];
type Children = NonNullable<InsertRow['children']>[number][];

/**
 * Puts the rows a nested insert gives for `relation` where they belong, for both protocols
 * (GraphQL `{rel: {data: …}}`, REST `{"rel": […]}`): the side that holds the foreign key is
 * inserted second. A row of a many-to-one relationship (this row holds the key) is a parent,
 * inserted first; rows of a one-to-many (and the far side of a one-to-one) are children,
 * inserted after this row with its key filled in.
 */
export function nestInsert(
  relation: Relation,
  rows: readonly InsertRow[],
  into: { readonly parents: Parents; readonly children: Children },
  onConflict?: OnConflict,
): void {
  const conflict = onConflict === undefined ? {} : { onConflict };
  if (relation.type === 'object' && relation.foreignKeyOn === 'source') {
    for (const row of rows) into.parents.push({ join: joinOf(relation), entity: relation.target, row, ...conflict });
  } else {
    into.children.push({ join: joinOf(relation), entity: relation.target, rows, ...conflict });
  }
}
