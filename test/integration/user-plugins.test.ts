import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainOrder } from '../../src/chain/index.js';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { loadPlugins } from '../../src/server/load-plugins.js';
import { builtInPlugins } from '../../plugins/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * User plugins listed in pgduet.yaml, loaded by module path as a user would list them: the two
 * examples of plugins/examples, each in both protocols, and the loader's errors.
 */

let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: {
      plugins: [
        { module: './plugins/examples/validate-input/index.ts', options: { rules: [{ table: 'actor', column: 'first_name', pattern: '^[A-Z]+$', maxLength: 20, message: 'first names are upper case letters' }] } },
        { module: './plugins/examples/mask-columns/index.ts', options: { keys: ['email'], replacement: '***' } },
      ],
    },
  });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const gql = async (query: string): Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }> =>
  (await (await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as never;

describe('validate-input (onPlan)', () => {
  it('refuses a bad value with a 400 in REST and validation-failed in GraphQL; a good one passes', async () => {
    const bad = await fetch(`${server.url}/rest/actor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ first_name: 'lower', last_name: 'X' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'PGD103', message: 'first names are upper case letters' });
    const badGraphql = await gql('mutation { insert_actor_one(object: {first_name: "lower", last_name: "X"}) { actor_id } }');
    expect(badGraphql.errors?.[0]).toMatchObject({ message: 'first names are upper case letters', extensions: { code: 'validation-failed' } });
    const patch = await fetch(`${server.url}/rest/actor?actor_id=eq.1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ first_name: 'A'.repeat(30) }) });
    expect(patch.status).toBe(400);
    const good = await gql('mutation { insert_actor_one(object: {first_name: "GOOD", last_name: "X"}) { first_name } }');
    expect(good).toEqual({ data: { insert_actor_one: { first_name: 'GOOD' } } });
  });
});

describe('mask-columns (onResult)', () => {
  it('masks the key at the top level and nested, in both protocols', async () => {
    const rest = (await (await fetch(`${server.url}/rest/customer?select=customer_id,email&order=customer_id&limit=2`)).json()) as { email: string }[];
    expect(rest).toEqual([{ customer_id: 1, email: '***' }, { customer_id: 2, email: '***' }]);
    const nested = (await (await fetch(`${server.url}/rest/rental?select=rental_id,customer(email)&order=rental_id&limit=1`)).json()) as unknown;
    expect(nested).toEqual([{ rental_id: 1, customer: { email: '***' } }]);
    const graphql = await gql('{ customer(order_by: {customer_id: asc}, limit: 1) { customer_id email } rental(limit: 1, order_by: {rental_id: asc}) { customer { email } } }');
    expect(graphql).toEqual({ data: { customer: [{ customer_id: 1, email: '***' }], rental: [{ customer: { email: '***' } }] } });
  });
});

describe('the loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-plugins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says which entry failed and why', async () => {
    await expect(loadPlugins([{ module: './no/such/plugin.js' }], dir)).rejects.toThrow(/plugins\[0\] \(\.\/no\/such\/plugin\.js\): cannot be loaded/);
    writeFileSync(join(dir, 'not-a-plugin.mjs'), 'export default 42;\n');
    await expect(loadPlugins([{ module: './not-a-plugin.mjs' }], dir)).rejects.toThrow(/must export a plugin/);
    writeFileSync(join(dir, 'refuses.mjs'), 'export default (o) => { if (!o.ok) throw new Error("ok is required"); return { name: "x", description: "y" }; };\n');
    await expect(loadPlugins([{ module: './refuses.mjs' }], dir)).rejects.toThrow(/factory refused its options: ok is required/);
    const [plugin] = await loadPlugins([{ module: './refuses.mjs', options: { ok: true } }], dir);
    expect(plugin?.declaration.name).toBe('x');
  });

  it("checks a declaration's options with its schema, naming the entry and the key", async () => {
    await expect(loadPlugins([{ module: './plugins/examples/mask-columns/index.ts', options: { keys: [] } }])).rejects.toThrow(
      'plugins[0] (./plugins/examples/mask-columns/index.ts): options: keys: expected at least one key to mask',
    );
    await expect(loadPlugins([{ module: './plugins/examples/validate-input/index.ts', options: { rules: [{ table: 'film', column: 'title', pattern: '(' }] } }])).rejects.toThrow(
      'plugins[0] (./plugins/examples/validate-input/index.ts): options: rules.0.pattern: expected a regular expression',
    );
    const [masked] = await loadPlugins([{ module: './plugins/examples/mask-columns/index.ts', options: { keys: ['email'] } }]);
    expect(masked?.options).toEqual({ keys: ['email'], replacement: '***', exemptRoles: [] });
  });

  it('places a declaration by its before/after among the built-in plugins, and refuses a name that is no plugin', async () => {
    writeFileSync(join(dir, 'early.mjs'), 'export default { name: "early", description: "d", before: ["permissions"], create: () => ({ name: "early", description: "d" }) };\n');
    writeFileSync(join(dir, 'typo.mjs'), 'export default { name: "typo", description: "d", after: ["permisions"], create: () => ({ name: "typo", description: "d" }) };\n');
    const builtIn = builtInPlugins.map((declaration) => ({ declaration, options: undefined }));
    const order = chainOrder(builtIn, await loadPlugins([{ module: './early.mjs' }], dir)).map((p) => p.declaration.name);
    expect(order.slice(order.indexOf('rate-limit'))).toEqual(['rate-limit', 'early', 'permissions', 'limits', 'postgres-role', 'audit-log']);
    const typo = await loadPlugins([{ module: './typo.mjs' }], dir);
    expect(() => chainOrder(builtIn, typo)).toThrow(/plugin typo: after: no plugin is named "permisions"/);
  });
});
