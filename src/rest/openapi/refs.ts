import type { ReferenceObject } from 'openapi3-ts/oas31';

/** `$ref`s into `components`, so no caller spells a JSON pointer by hand. */
export const ref = {
  schema: (key: string): ReferenceObject => ({ $ref: `#/components/schemas/${key}` }),
  parameter: (key: string): ReferenceObject => ({ $ref: `#/components/parameters/${key}` }),
  response: (key: string): ReferenceObject => ({ $ref: `#/components/responses/${key}` }),
  header: (key: string): ReferenceObject => ({ $ref: `#/components/headers/${key}` }),
};

/** The same keys and values, keys in code-point order (STYLE.md: stable output). */
export function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = value;
  return out;
}
