import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { graphqlLimitsOptions } from '../../src/config/index.js';
import { createGraphqlLimits, persistedId, resolvePersisted, type QueryRules } from '../../src/graphql/limits.js';

/** `graphql.limits` without a server: the rules per role, the allow-list, persisted ids. */

const limitsOf = (input: unknown, cwd?: string) => createGraphqlLimits(graphqlLimitsOptions.parse(input), cwd);

const schema = buildSchema('type Query { film(id: Int): Film } type Film { id: Int title: String sequel: Film }');
const errorsOf = (rules: QueryRules, query: string): string[] =>
  validate(schema, parse(query), [...specifiedRules, ...rules.rules]).map((e) => `${String(e.extensions['code'])}: ${e.message}`);

describe('rules per role', () => {
  const limits = limitsOf({ maxDepth: 2, maxTokens: 14, roles: { deep: { maxDepth: 5 }, same: { maxTokens: 14 }, closed: { introspection: false } } });

  it('a role the config does not name has the global rules; equal limits have equal keys', () => {
    expect(limits.rulesFor('nobody')).toBe(limits.rulesFor('anonymous'));
    expect(limits.rulesFor('same').key).toBe(limits.rulesFor('nobody').key);
    expect(limits.rulesFor('same').rules).toBe(limits.rulesFor('nobody').rules);
    expect(limits.rulesFor('deep').key).not.toBe(limits.rulesFor('nobody').key);
  });

  it("a role's values override the global ones, the others are inherited", () => {
    const deep = '{ film(id: 1) { sequel { title } } }';
    expect(errorsOf(limits.rulesFor('nobody'), deep)).toEqual(['validation-failed: Query depth limit of 2 exceeded, found 3.']);
    expect(errorsOf(limits.rulesFor('deep'), deep)).toEqual([]);
    // the token limit is inherited: 15 tokens (a comment is not one), one too many
    expect(errorsOf(limits.rulesFor('deep'), '{ film(id: 1) { sequel { id title } } } # comment')).toEqual(['validation-failed: Token limit of 14 exceeded.']);
  });

  it('rules are named after their limits (yoga caches validation by rule names)', () => {
    expect(limits.rulesFor('deep').rules.map((r) => r.name)).toEqual(['pgduetMaxDepth5', 'pgduetMaxAliases30', 'pgduetMaxCost5000', 'pgduetMaxTokens14']);
    expect(limits.rulesFor('closed').rules.map((r) => r.name)).toEqual(['pgduetMaxDepth2', 'pgduetMaxAliases30', 'pgduetMaxCost5000', 'pgduetMaxTokens14', 'NoSchemaIntrospectionCustomRule']);
  });

  it('introspection off refuses __schema and __type, not __typename', () => {
    const closed = limits.rulesFor('closed');
    // graphql-js's own rule: its error gets Hasura's code from the yoga plugin (useHasuraErrorCodes)
    expect(errorsOf(closed, '{ __type(name: "Film") { name } }')).toEqual(['undefined: GraphQL introspection has been disabled, but the requested query contained the field "__type".']);
    expect(errorsOf(closed, '{ __typename film(id: 1) { __typename } }')).toEqual([]);
    expect(errorsOf(limits.rulesFor('nobody'), '{ __type(name: "Film") { name } }')).toEqual([]);
  });

  it('aliases, directives and cost', () => {
    const rules = limitsOf({ maxAliases: 1, maxDirectives: 1, maxCost: 8 }).rulesFor('x');
    // cost: 2 per object, 1 per scalar, each level ×1.5: 3.5 per film here
    expect(errorsOf(rules, '{ a: film(id: 1) { id } b: film(id: 2) { id } }')).toEqual(['validation-failed: Aliases limit of 1 exceeded, found 2.']);
    expect(errorsOf(rules, '{ film(id: 1) { id @skip(if: false) title @include(if: true) } }')).toEqual(['validation-failed: Directives limit of 1 exceeded, found 2.']);
    expect(errorsOf(rules, '{ film(id: 1) { id title sequel { id title } } }')).toEqual(['validation-failed: Query Cost limit of 8 exceeded, found 12.5.']);
  });

  it('by default: depth 10, 30 aliases, cost 5000 (graphql-armor\'s default cost)', () => {
    const rules = limitsOf({}).rulesFor('x');
    expect(rules.rules.map((r) => r.name)).toEqual(['pgduetMaxDepth10', 'pgduetMaxAliases30', 'pgduetMaxCost5000']);
    const nested = (levels: number): string => `{ film(id: 1) { ${'sequel { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    // a top-level field, 8 relationships and a column: 10 deep, allowed; one more is refused
    expect(errorsOf(rules, nested(8))).toEqual([]);
    expect(errorsOf(rules, nested(9))).toEqual(['validation-failed: Query depth limit of 10 exceeded, found 11.']);
  });

  it('null turns a limit off, globally or for one role', () => {
    expect(limitsOf({ maxDepth: null, maxAliases: null, maxCost: null }).rulesFor('x').rules).toEqual([]);
    const some = limitsOf({ maxDepth: 3, roles: { batch: { maxDepth: null } } });
    expect(some.rulesFor('batch').rules.map((r) => r.name)).toEqual(['pgduetMaxAliases30', 'pgduetMaxCost5000']);
    expect(some.rulesFor('other').rules.map((r) => r.name)).toEqual(['pgduetMaxDepth3', 'pgduetMaxAliases30', 'pgduetMaxCost5000']);
  });
});

describe('persisted documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-persisted-'));
  writeFileSync(join(dir, 'persisted.json'), JSON.stringify({ abc: '{ film(id: 1) { title } }' }));
  writeFileSync(join(dir, 'array.json'), '[]');
  writeFileSync(join(dir, 'broken.json'), JSON.stringify({ bad: '{ film(' }));

  it('come from a JSON file relative to the working directory, per role or for everyone', () => {
    const limits = limitsOf({ persistedQueries: { documents: 'persisted.json' }, roles: { app: { persistedQueries: { onlyPersisted: true } }, own: { persistedQueries: { documents: { x: '{ film(id: 2) { id } }' } } } } }, dir);
    expect([...limits.rulesFor('anonymous').documents]).toEqual([['abc', '{ film(id: 1) { title } }']]);
    expect(limits.rulesFor('app')).toMatchObject({ onlyPersisted: true });
    expect(limits.rulesFor('app').documents).toBe(limits.rulesFor('anonymous').documents);
    expect([...limits.rulesFor('own').documents.keys()]).toEqual(['x']);
  });

  it.each([
    ['a missing file', { persistedQueries: { documents: 'nope.json' } }, /graphql\.limits\.persistedQueries\.documents: cannot read .*nope\.json/],
    ['a file without an object', { persistedQueries: { documents: 'array.json' } }, /must hold a JSON object of persisted query ids to GraphQL documents/],
    ['a document that does not parse', { roles: { r: { persistedQueries: { documents: 'broken.json' } } } }, /graphql\.limits\.roles\.r\.persistedQueries\.documents: "bad" is not a GraphQL document: Syntax Error/],
    ['persisted only, with nothing persisted', { roles: { r: { persistedQueries: { onlyPersisted: true } } } }, /roles\.r.*onlyPersisted is true but there are no persisted documents/],
  ])('%s is a start-up error', (_name, input, message) => {
    let error: unknown;
    try {
      limitsOf(input, dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('a request names one by Apollo hash, documentId (sha256: allowed) or id, in the body or a GET URL', () => {
    expect(persistedId({ extensions: { persistedQuery: { version: 1, sha256Hash: 'h' } } })).toBe('h');
    expect(persistedId({ documentId: 'd' } as object)).toBe('d');
    expect(persistedId({ id: 'i' } as object)).toBe('i');
    expect(persistedId({}, new URL('http://x/graphql?documentId=u'))).toBe('u');
    expect(persistedId({ query: '{ __typename }' })).toBeUndefined();
  });

  it('what runs, or why not', () => {
    const limits = limitsOf({ persistedQueries: { documents: { abc: '{ film(id: 1) { title } }' } }, roles: { app: { persistedQueries: { onlyPersisted: true } } } });
    const open = limits.rulesFor('anonymous');
    const only = limits.rulesFor('app');
    const text = '{ film(id: 1) { title } }';
    expect(resolvePersisted(open, undefined, '{ x }')).toBeUndefined();
    expect(resolvePersisted(open, 'abc', undefined)).toEqual({ query: text });
    expect(resolvePersisted(open, 'sha256:abc', text)).toEqual({ query: text });
    expect(resolvePersisted(open, 'zzz', '{ x }')).toEqual({ query: '{ x }' });
    const refused = (outcome: ReturnType<typeof resolvePersisted>): string | undefined => (outcome !== undefined && 'refused' in outcome ? outcome.refused.message : undefined);
    expect(refused(resolvePersisted(open, 'zzz', undefined))).toBe('PersistedQueryNotFound');
    expect(refused(resolvePersisted(open, 'abc', '{ x }'))).toBe('the query sent is not the persisted query "abc"');
    expect(refused(resolvePersisted(only, undefined, text))).toMatch(/^persisted queries only/);
    expect(refused(resolvePersisted(only, 'zzz', '{ x }'))).toBe('persisted queries only: "zzz" is not a persisted query');
    expect(resolvePersisted(only, 'abc', undefined)).toEqual({ query: text });
  });
});
