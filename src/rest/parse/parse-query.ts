import { invalidRequest } from '../../errors/index.js';
import { parseColumns, parseEmbedPath, parseTreePath } from './field-path.js';
import { parseFilter } from './filter.js';
import { parseLogic } from './logic.js';
import { parseOrder } from './order.js';
import { parseSelect } from './select.js';
import type { Condition, EmbedPath, OrderTerm, RestQuery } from './types.js';

export interface ParseQueryOptions {
  /** true when the key is an argument of the function being called (RPC over GET) */
  readonly isArgument?: (name: string) => boolean;
}

/** Reserved words that may also be addressed at an embedding level: `actors.limit=2`. */
type EmbeddableWord = 'order' | 'limit' | 'offset' | 'and' | 'or';
const EMBEDDABLE: ReadonlySet<string> = new Set<EmbeddableWord>(['order', 'limit', 'offset', 'and', 'or']);
const isEmbeddable = (word: string): word is EmbeddableWord => EMBEDDABLE.has(word);

/**
 * The query string of a request, parsed (PostgREST's `QueryParams.parse`). Keys are classified
 * as PostgREST does: `select`, `columns` and `on_conflict` at the top only; `order`, `limit`,
 * `offset`, `and`, `or` (and `not.and`, `not.or`) as the last word of a dotted key, the rest
 * naming the embedding level; then function arguments; anything else is a filter. A reserved
 * word is recognised on the raw key, so `"limit"=eq.1` filters a column named `limit`.
 */
export function parseQuery(
  params: URLSearchParams | readonly (readonly [string, string])[],
  options: ParseQueryOptions = {},
): RestQuery {
  const single = new Map<'select' | 'columns' | 'on_conflict', string>();
  const conditions: { path: EmbedPath; condition: Condition }[] = [];
  const order: { path: EmbedPath; terms: readonly OrderTerm[] }[] = [];
  const limits = new Map<string, { path: EmbedPath; value: number }>();
  const offsets = new Map<string, { path: EmbedPath; value: number }>();
  const args: { name: string; value: string }[] = [];

  for (const [key, value] of params) {
    if (key === 'select' || key === 'columns' || key === 'on_conflict') {
      single.set(key, value); // the last one wins
      continue;
    }
    const dot = key.lastIndexOf('.');
    const word = key.slice(dot + 1);
    if (isEmbeddable(word)) {
      // `a.b.limit` → levels `a.b`; `limit` → none (the top), which `.limit` is not
      const prefix = dot === -1 ? undefined : key.slice(0, dot);
      if (word === 'and' || word === 'or') {
        const negated = prefix === 'not' || (prefix?.endsWith('.not') ?? false);
        const levels = !negated ? prefix : prefix === 'not' ? undefined : prefix?.slice(0, -4);
        const path = levels === undefined ? [] : parseEmbedPath(levels, `failed to parse logic path (${key})`);
        conditions.push({ path, condition: parseLogic(word, negated, value) });
        continue;
      }
      const path = prefix === undefined ? [] : parseEmbedPath(prefix, `failed to parse tree path (${key})`);
      if (word === 'order') order.push({ path, terms: parseOrder(value) });
      else (word === 'limit' ? limits : offsets).set(JSON.stringify(path), { path, value: parseCount(word, value) });
      continue;
    }
    if (options.isArgument?.(key) === true) {
      args.push({ name: key, value });
      continue;
    }
    const { path, field } = parseTreePath(key);
    conditions.push({ path, condition: parseFilter(field, value) });
  }

  const select = single.get('select');
  const columns = single.get('columns');
  const onConflict = single.get('on_conflict');
  return {
    ...(select === undefined ? {} : { select: parseSelect(select) }),
    conditions,
    order,
    limits: [...limits.values()],
    offsets: [...offsets.values()],
    ...(columns === undefined ? {} : { columns: parseColumns(columns, 'columns') }),
    ...(onConflict === undefined ? {} : { onConflict: parseColumns(onConflict, 'on_conflict') }),
    arguments: args,
  };
}

/** `limit=10`, `offset=0`: a non-negative integer, at any level (the last one at a level wins). */
function parseCount(word: 'limit' | 'offset', text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^[0-9]+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw invalidRequest(`failed to parse ${word} parameter (${text})`, {
      postgrest: 'PGRST100',
      details: `expecting a non-negative integer, got ${JSON.stringify(text)}`,
    });
  }
  return value;
}
