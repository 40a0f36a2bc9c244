import type { Relation } from '../model/index.js';
import type { JoinPath } from './types.js';

/** The join of a relationship, as Plans carry it. */
export function joinOf(relation: Relation): JoinPath {
  return relation.through === undefined
    ? { target: relation.target, mapping: relation.mapping }
    : {
        target: relation.target,
        mapping: relation.mapping,
        through: { junction: relation.through.junction, targetMapping: relation.through.targetMapping },
      };
}
