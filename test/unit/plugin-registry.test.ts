import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  chainOrder,
  createPlugins,
  declarePlugin,
  optionsAt,
  pluginOrder,
  type AnyPluginDeclaration,
  type PluginDeps,
  type PluginOrdering,
} from '../../src/chain/index.js';
import { configSchema } from '../../src/config/index.js';
import { builtInPlugins } from '../../plugins/index.js';

/** The plugin registry: the order before/after give, its errors, the built-ins' order, and creating the configured plugins. */

const names = (plugins: readonly PluginOrdering[]): string[] => pluginOrder(plugins).map((i) => plugins[i]?.name ?? '?');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const deps: PluginDeps = { logger: silent, query: () => Promise.reject(new Error('no database in this test')) };
const declaration = (name: string, more: Partial<AnyPluginDeclaration> = {}): AnyPluginDeclaration => ({
  name,
  description: name,
  create: () => ({ name, description: name }),
  ...more,
});

describe('pluginOrder', () => {
  it('keeps the listed order when before/after leave the choice', () => {
    expect(names([{ name: 'a' }, { name: 'b' }, { name: 'c' }])).toEqual(['a', 'b', 'c']);
    expect(names([{ name: 'a', after: ['c'] }, { name: 'b' }, { name: 'c' }])).toEqual(['c', 'a', 'b']);
  });

  it('places each plugin as late as its place in the list, pulling ahead only what must run before it', () => {
    // d must run before b: it moves up to just before b; c keeps its place after b
    expect(names([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd', before: ['b'] }])).toEqual(['a', 'd', 'b', 'c']);
    // b after d, and d after c: c and d come first, in that order
    expect(names([{ name: 'a' }, { name: 'b', after: ['d'] }, { name: 'c' }, { name: 'd', after: ['c'] }])).toEqual(['a', 'c', 'd', 'b']);
  });

  it('lets a name stand for every plugin of that name (one module listed twice)', () => {
    expect(names([{ name: 'x' }, { name: 'a', before: ['x'] }, { name: 'x' }])).toEqual(['a', 'x', 'x']);
  });

  it('refuses a cycle, naming the plugins in it', () => {
    expect(() => names([{ name: 'a', after: ['b'] }, { name: 'b', after: ['c'] }, { name: 'c', after: ['a'] }])).toThrow(
      'plugins: before/after form a cycle, no order satisfies them: a runs before c runs before b runs before a',
    );
    expect(() => names([{ name: 'a', before: ['b'] }, { name: 'b', before: ['a'] }])).toThrow(/cycle.*: (a runs before b runs before a|b runs before a runs before b)$/);
    expect(() => names([{ name: 'a', after: ['a'] }])).toThrow('cycle, no order satisfies them: a runs before a');
  });

  it('refuses a name that is no plugin, saying which plugin named it and which exist', () => {
    expect(() => names([{ name: 'a' }, { name: 'b', after: ['jwtt'] }])).toThrow('plugin b: after: no plugin is named "jwtt" (the plugins are: a, b)');
    expect(() => names([{ name: 'a', before: ['nope'] }])).toThrow(expect.objectContaining({ code: 'PGD001' }) as Error);
  });
});

describe('the built-in plugins', () => {
  const today = ['admin-secret', 'api-key', 'jwt', 'require-credentials', 'ip-allow', 'rate-limit', 'permissions', 'limits', 'postgres-role'];

  it('run in the order they always have: identity, what needs to know who, what the role may do, the user plugins, the audit log', () => {
    const user = [{ declaration: declaration('mine'), options: {} }, { declaration: declaration('yours'), options: {} }];
    const builtIn = builtInPlugins.map((d) => ({ declaration: d, options: undefined }));
    expect(chainOrder(builtIn, user).map((p) => p.declaration.name)).toEqual([...today, 'mine', 'yours', 'audit-log']);
  });

  it('declare what they must run after: listed backwards, identity still comes first and permissions before limits', () => {
    const order = names([...builtInPlugins].reverse());
    const at = (name: string): number => order.indexOf(name);
    for (const name of today.slice(3)) expect(at(name)).toBeGreaterThan(at('jwt'));
    expect(at('api-key')).toBeGreaterThan(at('admin-secret'));
    expect(at('jwt')).toBeGreaterThan(at('api-key'));
    expect(at('limits')).toBeGreaterThan(at('permissions'));
  });

  it('let a user plugin run before one of them, or after the audit log', () => {
    const early = { declaration: declaration('early', { before: ['permissions'] }), options: {} };
    const late = { declaration: declaration('late', { after: ['audit-log'] }), options: {} };
    const builtIn = builtInPlugins.map((d) => ({ declaration: d, options: undefined }));
    expect(chainOrder(builtIn, [late, early]).map((p) => p.declaration.name)).toEqual([
      'admin-secret', 'api-key', 'jwt', 'require-credentials', 'ip-allow', 'rate-limit', 'early', 'permissions', 'limits', 'postgres-role', 'audit-log', 'late',
    ]);
  });

  it('own the config keys they always had, with their defaults', () => {
    const config = configSchema.parse({ auth: { anonymousRole: null }, limits: { maxDepth: 2 } });
    expect(optionsAt(config, 'auth.anonymousRole')).toBeNull();
    expect(optionsAt(config, 'limits')).toMatchObject({ maxDepth: 2 });
    expect(optionsAt(config, 'auth.jwt')).toBeUndefined();
    expect(configSchema.parse({}).auth.anonymousRole).toBe('anonymous');
    expect(builtInPlugins.map((d) => d.configKey)).toEqual(['auth.adminSecret', 'auth.apiKeys', 'auth.jwt', 'auth.anonymousRole', 'ipAllow', 'rateLimit', 'permissions', 'limits', 'postgres', 'audit']);
  });
});

describe('createPlugins', () => {
  it('creates the configured plugins in order and leaves out the others', async () => {
    const builtIn = builtInPlugins.map((d) => ({ declaration: d, options: optionsAt(configSchema.parse({ auth: { anonymousRole: null }, limits: { maxDepth: 2 } }), d.configKey) }));
    const plugins = await createPlugins(builtIn, [{ declaration: declaration('mine'), options: {} }], deps);
    expect(plugins.map((p) => p.name)).toEqual(['require-credentials', 'limits', 'mine']);
  });

  it('leaves out a plugin whose create gives nothing: an anonymous role needs no require-credentials', async () => {
    const builtIn = builtInPlugins.map((d) => ({ declaration: d, options: optionsAt(configSchema.parse({}), d.configKey) }));
    // with the defaults only the limits plugin is made (its protective defaults are always on)
    expect((await createPlugins(builtIn, [], deps)).map((p) => p.name)).toEqual(['limits']);
  });

  it('passes a declaration its parsed options and the deps', async () => {
    const seen: unknown[] = [];
    const counted = declarePlugin({
      name: 'counted',
      description: 'remembers its options',
      options: z.object({ n: z.number().default(3) }),
      create: (options, given) => {
        seen.push(options.n, given === deps);
        return { name: 'counted', description: '' };
      },
    });
    await createPlugins([], [{ declaration: counted, options: { n: 5 } }], deps);
    expect(seen).toEqual([5, true]);
  });

  it('says which user plugin could not be created', async () => {
    const broken = declaration('broken', { create: () => { throw new Error('no redis'); } });
    await expect(createPlugins([], [{ declaration: broken, options: {}, where: 'plugins[0] (./broken.ts)' }], deps)).rejects.toThrow('plugins[0] (./broken.ts): could not be created: no redis');
  });
});
