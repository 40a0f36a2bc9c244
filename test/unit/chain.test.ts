import { describe, expect, it } from 'vitest';
import { ANONYMOUS, Chain, type PgduetPlugin, type RequestInfo } from '../../src/chain/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import type { ReadPlan } from '../../src/plan/index.js';

/** The plugin chain's runner, each hook alone, over hand-built requests, graphs and Plans. */

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;
const request: RequestInfo = { id: 'r1', protocol: 'rest', graph, headers: { authorization: 'Bearer x' }, method: 'GET', path: '/rest/film', ip: '127.0.0.1' };
const plan: ReadPlan = { kind: 'read', source: { kind: 'entity', entity: { schema: 'public', dbName: 'film' } }, selection: [], orderBy: [] };

describe('identify', () => {
  it('is anonymous with no plugins, and each onRequest sees the identity the previous one set', async () => {
    expect(await new Chain().identify(request)).toBe(ANONYMOUS);
    const seen: string[] = [];
    const chain = new Chain([
      { name: 'a', description: '', onRequest: (e) => e.setIdentity({ role: 'user', session: { 'x-hasura-user-id': '7' }, authenticated: true }) },
      { name: 'b', description: '', onRequest: (e) => void seen.push(e.identity.role) },
    ]);
    expect(await chain.identify(request)).toEqual({ role: 'user', session: { 'x-hasura-user-id': '7' }, authenticated: true });
    expect(seen).toEqual(['user']);
  });

  it('starts from the configured anonymous identity; a hook that throws refuses the request', async () => {
    const anonymous = { role: 'web_anon', session: {}, authenticated: false };
    expect(await new Chain([], { anonymous }).identify(request)).toBe(anonymous);
    const refusing = new Chain([{ name: 'deny', description: '', onRequest: () => { throw new Error('no'); } }]);
    await expect(refusing.identify(request)).rejects.toThrow('no');
  });
});

describe('graphFor', () => {
  it('is the graph itself without onGraph hooks', () => {
    expect(new Chain().graphFor(graph, 'any')).toBe(graph);
  });

  it('runs onGraph in order, once per role and graph', () => {
    const calls: string[] = [];
    const chain = new Chain([
      { name: 'a', description: '', onGraph: ({ graph: g, role }) => (calls.push(`a:${role}`), { ...g, schemas: [...g.schemas, role] }) },
      { name: 'b', description: '', onGraph: ({ graph: g, role }) => (calls.push(`b:${role}`), { ...g, fingerprint: `${g.fingerprint}+${g.schemas.length}` }) },
    ]);
    const user = chain.graphFor(graph, 'user');
    expect(user.schemas).toEqual(['public', 'user']);
    expect(user.fingerprint).toBe('f+2');
    expect(chain.graphFor(graph, 'user')).toBe(user);
    expect(chain.graphFor(graph, 'admin')).not.toBe(user);
    const reloaded = { ...graph };
    expect(chain.graphFor(reloaded, 'user')).not.toBe(user);
    expect(calls).toEqual(['a:user', 'b:user', 'a:admin', 'b:admin', 'a:user', 'b:user']);
  });
});

describe('authorize', () => {
  it('lets a plugin rewrite a Plan, and the next one sees the rewrite', async () => {
    const chain = new Chain([
      { name: 'limit', description: '', onPlan: (e) => e.replacePlan({ ...(e.plan as ReadPlan), limit: 10 }) },
      { name: 'check', description: '', onPlan: (e) => expect((e.plan as ReadPlan).limit).toBe(10) },
    ]);
    expect((await chain.authorize(plan, request, ANONYMOUS)).limit).toBe(10);
  });

  it('refuses a rewrite into another kind of Plan, and a denial is thrown', async () => {
    const other: PgduetPlugin = { name: 'swap', description: '', onPlan: (e) => e.replacePlan({ kind: 'delete', entity: { schema: 'public', dbName: 'film' }, returning: { selection: [] } }) };
    await expect(new Chain([other]).authorize(plan, request, ANONYMOUS)).rejects.toThrow(/changed a read plan into a delete plan/);
    const deny: PgduetPlugin = { name: 'deny', description: '', onPlan: () => { throw new Error('denied'); } };
    await expect(new Chain([deny]).authorize(plan, request, ANONYMOUS)).rejects.toThrow('denied');
  });
});

describe('execute, result, error, response', () => {
  it('onExecute gets the request\'s query function', async () => {
    const statements: string[] = [];
    const chain = new Chain([{ name: 'role', description: '', onExecute: async (e) => void (await e.query('select set_config($1, $2, true)', ['role', e.identity.role])) }]);
    expect(chain.hasExecuteHooks).toBe(true);
    await chain.execute(request, { role: 'user', session: {}, authenticated: true }, { query: async (text, values) => (statements.push(`${text} ${JSON.stringify(values)}`), []), prepend: () => undefined });
    expect(statements).toEqual(['select set_config($1, $2, true) ["role","user"]']);
  });

  it('onResult hooks chain their answers', async () => {
    const chain = new Chain([
      { name: 'mask', description: '', onResult: (e) => e.setResult((e.result as { email: string }[]).map((r) => ({ ...r, email: '***' }))) },
      { name: 'count', description: '', onResult: (e) => e.setResult({ rows: e.result }) },
    ]);
    expect(chain.hasResultHooks).toBe(true);
    expect(await chain.result(plan, [{ email: 'a@b' }], request, ANONYMOUS)).toEqual({ rows: [{ email: '***' }] });
    expect(new Chain().hasResultHooks).toBe(false);
  });

  it('a throwing onError or onResponse does not stop the others', () => {
    const seen: string[] = [];
    const chain = new Chain([
      { name: 'bad', description: '', onError: () => { throw new Error('x'); }, onResponse: () => { throw new Error('y'); } },
      { name: 'good', description: '', onError: (e) => void seen.push(String(e.error)), onResponse: (e) => void seen.push(String(e.status)) },
    ]);
    chain.error('boom', request, ANONYMOUS);
    chain.response({ request, identity: ANONYMOUS, status: 200, durationMs: 1, plans: [plan] });
    expect(seen).toEqual(['boom', '200']);
  });
});
