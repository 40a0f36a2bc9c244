import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { configForSource, configSchema } from '../../src/config/index.js';
import type { PgduetPlugin } from '../../src/chain/index.js';
import { buildChain, createLogger } from '../../src/server/index.js';

/**
 * Each source's chain (config `sources`) shares the plugins made for the first source (one
 * JWT verifier, one set of rate-limit buckets, one audit sink) and makes only its permissions
 * anew, from the source's own rules.
 */
describe('a source’s chain', () => {
  it('shares every plugin but the permissions with the first source’s chain', async () => {
    const config = configSchema.parse({
      auth: { jwt: { secret: 'a-test-secret-that-is-long-enough-for-hs256!' } },
      rateLimit: { rules: [{ by: 'role', limit: 10, per: 1 }] },
      permissions: { user: { tables: { book: { select: {} } } } },
      sources: [{ name: 'archive', url: 'postgres://127.0.0.1:1/none', permissions: { user: { tables: { film: { select: {} } } } } }],
    });
    // a pool that never connects: building these plugins runs no statement
    const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/none' });
    const logger = createLogger('silent', { pretty: false });
    const shared = new Map<number, PgduetPlugin | undefined>();
    const first = await buildChain({ config, pool, logger, shared });
    const archive = await buildChain({ config: configForSource(config, config.sources[0]!), pool, logger, shared });
    await pool.end();
    expect(archive.plugins.map((p) => p.name)).toEqual(first.plugins.map((p) => p.name));
    const names = first.plugins.map((p) => p.name);
    expect(names).toContain('permissions');
    expect(names.length).toBeGreaterThan(2);
    for (const [i, plugin] of first.plugins.entries()) {
      if (plugin.name === 'permissions') expect(archive.plugins[i]).not.toBe(plugin);
      else expect(archive.plugins[i]).toBe(plugin);
    }
  });
});
