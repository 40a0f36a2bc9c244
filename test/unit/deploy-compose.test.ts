import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';

/**
 * deploy/docker-compose.yml, checked without Docker (none runs here): its structure, that
 * HAProxy's backends are the pgduet services on the port they listen on, that every
 * environment variable given to pgduet is one pgduet reads, that the mounted pgduet.yaml passes
 * pgduet's own loader and schema with that environment, and HAProxy's own check of its file
 * (haproxy -c; .ci/run installs Debian's haproxy).
 */

const deploy = (file: string): string => fileURLToPath(new URL(`../../deploy/${file}`, import.meta.url));
// compose resolves YAML merge keys (`<<: *pgduet`)
const compose = parse(readFileSync(deploy('docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const haproxyCfg = readFileSync(deploy('haproxy.cfg'), 'utf8');
const loaderSource = readFileSync(fileURLToPath(new URL('../../src/config/load.ts', import.meta.url)), 'utf8');
const pgduetYaml = readFileSync(deploy('pgduet.yaml'), 'utf8');

interface Service {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly ports?: readonly string[];
}
interface Compose {
  readonly services: Record<string, Service>;
}

/** Compose's `${NAME:-default}` with nothing set in the environment: the default. */
function composeValue(text: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    if (fallback === undefined) throw new Error(`${name} has no default in docker-compose.yml`);
    return fallback;
  });
}

const pgduetServices = Object.entries(compose.services).filter(([, service]) => service.build?.dockerfile === 'Dockerfile');

describe('deploy/docker-compose.yml', () => {
  it('has a primary, a streaming replica, Redis, two pgduet instances and HAProxy, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['haproxy', 'pgduet-1', 'pgduet-2', 'postgres-primary', 'postgres-replica', 'redis']);
    for (const [name, service] of Object.entries(compose.services)) expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(pgduetServices.map(([name]) => name)).toEqual(['pgduet-1', 'pgduet-2']);
    const primary = compose.services['postgres-primary'] as Service;
    expect(primary.image).toMatch(/^postgres:15/);
    expect(primary.command).toEqual(expect.arrayContaining(['wal_level=replica']));
    expect(primary.volumes).toContain('./postgres/primary-init.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro');
    const replica = compose.services['postgres-replica'] as Service;
    expect(replica.image).toMatch(/^postgres:15/);
    expect(replica.entrypoint).toEqual(['/usr/local/bin/replica-entrypoint.sh']);
    const entrypoint = readFileSync(deploy('postgres/replica-entrypoint.sh'), 'utf8');
    expect(entrypoint).toMatch(/pg_basebackup[^\n]*\\\n[^\n]*-h "\$PRIMARY_HOST"/);
    expect(entrypoint).toContain('--write-recovery-conf');
    expect(entrypoint).toContain('exec docker-entrypoint.sh postgres');
    // the replication role the replica connects as is the one the primary's init script makes
    expect(readFileSync(deploy('postgres/primary-init.sh'), 'utf8')).toContain('create role replicator with replication login');
    expect(entrypoint).toContain('-U replicator');
  });

  it('starts things in order: each waits for what it needs to be healthy', () => {
    const needs = (name: string): Record<string, string> =>
      Object.fromEntries(Object.entries(compose.services[name]?.depends_on ?? {}).map(([dep, { condition }]) => [dep, condition]));
    expect(needs('postgres-replica')).toEqual({ 'postgres-primary': 'service_healthy' });
    for (const [name] of pgduetServices) {
      expect(needs(name)).toEqual({ 'postgres-primary': 'service_healthy', 'postgres-replica': 'service_healthy', redis: 'service_healthy' });
    }
    expect(needs('haproxy')).toEqual({ 'pgduet-1': 'service_healthy', 'pgduet-2': 'service_healthy' });
  });

  it('builds pgduet from the repository\'s Dockerfile, which serves on port 4000 and checks /ready', () => {
    const dockerfile = readFileSync(fileURLToPath(new URL('../../Dockerfile', import.meta.url)), 'utf8');
    expect(dockerfile).toMatch(/PORT=4000/);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/ready/);
    expect(dockerfile).toMatch(/USER node/);
    for (const [name, service] of pgduetServices) {
      expect(service.build, name).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      expect(service.healthcheck?.test.join(' '), name).toContain('http://127.0.0.1:4000/ready');
      expect(service.volumes, name).toEqual(['./pgduet.yaml:/etc/pgduet/pgduet.yaml:ro']);
      expect(service.environment?.['PGDUET_CONFIG'], name).toBe('/etc/pgduet/pgduet.yaml');
    }
  });

  it('balances over exactly the pgduet services, on their port, checking /ready', () => {
    const servers = [...haproxyCfg.matchAll(/^\s*server\s+(\S+)\s+([^:\s]+):(\d+)/gm)].map((m) => ({ name: m[1], host: m[2], port: Number(m[3]) }));
    expect(servers.map((s) => s.host).sort()).toEqual(pgduetServices.map(([name]) => name).sort());
    const config = loadConfig({ file: deploy('pgduet.yaml'), env: environmentOf(pgduetServices[0]?.[1]) }).config;
    for (const server of servers) expect(server.port).toBe(config.server.port);
    expect(haproxyCfg).toMatch(/option httpchk GET \/ready/);
    expect(haproxyCfg).toMatch(/http-check expect status 200/);
    expect(haproxyCfg).toMatch(/default-server check/);
    // the published port is the frontend's
    const bind = /^\s*bind\s+:(\d+)/m.exec(haproxyCfg)?.[1];
    expect(compose.services['haproxy']?.ports).toEqual([`${bind}:${bind}`]);
  });

  it('gives pgduet only environment variables pgduet reads: its loader\'s, or ${...} in pgduet.yaml', () => {
    const interpolated = new Set([...pgduetYaml.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]));
    for (const [name, service] of pgduetServices) {
      for (const variable of Object.keys(service.environment ?? {})) {
        const read = loaderSource.includes(`env['${variable}']`) || interpolated.has(variable);
        expect(read, `${name}: ${variable}`).toBe(true);
      }
      // and every ${...} of pgduet.yaml is given
      for (const variable of interpolated) expect(Object.keys(service.environment ?? {}), name).toContain(variable);
    }
  });

  it('mounts a pgduet.yaml that pgduet\'s own loader and schema accept, with replicas, Redis and reloads as intended', () => {
    const env = environmentOf(pgduetServices[0]?.[1]);
    const { config, file } = loadConfig({ file: env['PGDUET_CONFIG'] === undefined ? undefined : deploy('pgduet.yaml'), env });
    expect(file).toBe(deploy('pgduet.yaml'));
    expect(config.database.url).toBe('postgres://pgduet:pgduet@postgres-primary:5432/app');
    expect(config.database.replicas).toEqual(['postgres://pgduet:pgduet@postgres-replica:5432/app']);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.auth.jwt?.secret).toBe(env['JWT_SECRET']);
    expect(config.auth.adminSecret).toBe(env['PGDUET_ADMIN_SECRET']);
    expect(config.rateLimit?.redis?.url).toBe('redis://redis:6379');
    expect(config.cache.redis?.url).toBe('redis://redis:6379');
    expect(config.reload.listen).toBe(true);
    // the instances stop within compose's grace period
    const grace = /^\s*stop_grace_period:\s*(\d+)s/m.exec(readFileSync(deploy('docker-compose.yml'), 'utf8'))?.[1];
    expect(Number(grace) * 1000).toBeGreaterThan(config.server.shutdownTimeoutMs);
  });
});

describe('deploy/haproxy.cfg', () => {
  it('passes haproxy -c', () => {
    const check = spawnSync('haproxy', ['-c', '-f', deploy('haproxy.cfg')], { encoding: 'utf8' });
    expect(check.error, 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)').toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).not.toMatch(/\[ALERT\]/);
    expect(check.stdout + check.stderr).toMatch(/Configuration file is valid/);
    expect(check.status).toBe(0);
  });
});

/** The environment compose gives a service, its `${NAME:-default}`s resolved to the defaults. */
function environmentOf(service: Service | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(service?.environment ?? {}).map(([name, value]) => [name, composeValue(String(value))]));
}
