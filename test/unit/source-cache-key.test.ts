import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { RequestInfo } from '../../src/chain/index.js';
import { cacheKey } from '../../src/graphql/cached.js';
import type { TypeGraph } from '../../src/model/index.js';

/**
 * `@cached` answers of two sources (config `sources`) never mix: two databases may have the
 * same catalog, hence the same fingerprint (a database made from another as its template).
 */
describe('the response cache key of another source', () => {
  const graph = { fingerprint: 'same-catalog' } as TypeGraph;
  const request: RequestInfo = { id: 'r', protocol: 'graphql', graph, headers: {} };
  const identity = { role: 'anonymous', session: {}, authenticated: false };
  const document = parse('query @cached { film { title } }');

  it('differs per source, and is the first source’s own without one', () => {
    const first = cacheKey(document, undefined, {}, identity, request, false);
    const archive = cacheKey(document, undefined, {}, identity, request, false, 'archive');
    const other = cacheKey(document, undefined, {}, identity, request, false, 'other');
    expect(new Set([first, archive, other]).size).toBe(3);
    // stable: the same source gives the same key (instances share it through Redis)
    expect(cacheKey(document, undefined, {}, identity, request, false, 'archive')).toBe(archive);
  });
});
