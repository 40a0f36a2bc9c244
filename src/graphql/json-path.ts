import { invalidRequest } from '../errors/index.js';
import type { JsonPathStep } from '../plan/index.js';

/**
 * Hasura's `path` argument of a json/jsonb column (`data(path: "$.a.b[0]")`): the steps into
 * the value, each keeping JSON (`->`). Hasura's forms: `$.a.b`, `a.b`, `a[0]`, `$[0]`,
 * `$["a b"]`, `['a']`. An empty path (`$`) is the whole value.
 */
export function parseJsonPath(text: string): JsonPathStep[] {
  const steps: JsonPathStep[] = [];
  let i = text.startsWith('$') ? 1 : 0;
  const fail = (why: string): never => {
    throw invalidRequest(`parse json path error: ${why} at position ${i} of ${JSON.stringify(text)}`);
  };
  // without `$`, the path may start with a bare key
  let expectKey = i === 0 && text.length > 0 && text[0] !== '[';
  while (i < text.length || expectKey) {
    if (expectKey) {
      const match = /^[^.[\]]+/.exec(text.slice(i));
      if (match === null) fail('expecting a key');
      const key = (match as RegExpExecArray)[0];
      steps.push({ arrow: '->', key });
      i += key.length;
      expectKey = false;
      continue;
    }
    const c = text[i];
    if (c === '.') {
      i += 1;
      expectKey = true;
      continue;
    }
    if (c === '[') {
      const rest = text.slice(i);
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\]/.exec(rest);
      if (index !== null) {
        steps.push({ arrow: '->', key: Number(index[1]) });
        i += index[0].length;
      } else if (quoted !== null) {
        steps.push({ arrow: '->', key: quoted[1] !== undefined ? (JSON.parse(`"${quoted[1]}"`) as string) : (quoted[2] ?? '') });
        i += quoted[0].length;
      } else fail('expecting an array index or a quoted key');
      continue;
    }
    fail('expecting "." or "["');
  }
  return steps;
}
