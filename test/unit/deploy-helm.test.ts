import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { createMetrics } from '../../src/server/index.js';
import { healthRoute, metricsRoute, readyRoute } from '../../src/server/system-routes.js';
import type { Pool } from '../../src/db/index.js';
import { parseTemplates } from '../support/go-template.js';

/**
 * deploy/helm/pgduet rendered as `helm template` would (no helm here: test/support/go-template.ts
 * renders the subset the chart keeps to), with its default values and with overrides, and the
 * manifests checked: the kinds, the probes on pgduet's own routes, a non-root pod, the secrets
 * referenced by name, a grace period longer than the server's drain, the metrics path, and a
 * pgduet.yaml that pgduet's loader accepts.
 */

const chartDir = (file = ''): string => fileURLToPath(new URL(`../../deploy/helm/pgduet/${file}`, import.meta.url));
const chart = parse(readFileSync(chartDir('Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
const defaults = parse(readFileSync(chartDir('values.yaml'), 'utf8')) as Record<string, unknown>;
const files = Object.fromEntries(readdirSync(chartDir('templates')).map((name) => [name, readFileSync(chartDir(`templates/${name}`), 'utf8')]));
const templates = parseTemplates(files);

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: Record<string, unknown>;
  readonly data?: Record<string, string>;
}

/** Values merged as helm merges `--set`/`-f` over values.yaml: maps deeply, anything else replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const old = out[key];
    out[key] = value !== null && typeof value === 'object' && !Array.isArray(value) && old !== null && typeof old === 'object' && !Array.isArray(old) ? merge(old as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/** Every manifest of the chart (templates that render nothing are left out, as helm does). */
function render(overrides: Record<string, unknown> = {}): Manifest[] {
  const root = { Values: merge(defaults, overrides), Release: { Name: 'api', Namespace: 'default', Service: 'Helm' }, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion } };
  const manifests: Manifest[] = [];
  for (const name of Object.keys(files).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = templates.render(name, root);
    for (const doc of parseAllDocuments(text)) {
      expect(doc.errors, `${name}: ${doc.errors.map((e) => e.message).join('; ')}`).toEqual([]);
      const value = doc.toJS() as Manifest | null;
      if (value !== null) manifests.push(value);
    }
  }
  return manifests;
}

const only = (manifests: readonly Manifest[], kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found.length, kind).toBe(1);
  return found[0] as Manifest;
};

interface Container {
  readonly image: string;
  readonly ports: { name: string; containerPort: number }[];
  readonly env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readonly livenessProbe: { httpGet: { path: string; port: string } };
  readonly readinessProbe: { httpGet: { path: string; port: string } };
  readonly lifecycle: { preStop: { exec: { command: string[] } } };
  readonly resources: Record<string, unknown>;
  readonly securityContext: Record<string, unknown>;
  readonly volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  readonly terminationGracePeriodSeconds: number;
  readonly securityContext: Record<string, unknown>;
  readonly containers: Container[];
  readonly volumes: { name: string; configMap?: { name: string } }[];
}
const podOf = (deployment: Manifest): PodSpec => (deployment.spec['template'] as { spec: PodSpec }).spec;
const containerOf = (deployment: Manifest): Container => podOf(deployment).containers[0] as Container;

describe('deploy/helm/pgduet with its default values', () => {
  const manifests = render();
  const deployment = only(manifests, 'Deployment');
  const container = containerOf(deployment);

  it('renders a Deployment, Service, HPA, PDB and ConfigMap (no ServiceMonitor)', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    for (const m of manifests) expect(m.metadata.name).toBe('api-pgduet');
    // the HPA owns the replica count
    expect(deployment.spec['replicas']).toBeUndefined();
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec['scaleTargetRef']).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api-pgduet' });
    expect(only(manifests, 'PodDisruptionBudget').spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'pgduet', 'app.kubernetes.io/instance': 'api' } } });
    expect(container.image).toBe('pgduet:0.1.0');
  });

  it('probes pgduet\'s own routes: liveness /health, readiness /ready', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: healthRoute().path, port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: readyRoute({} as Pool, () => false).path, port: 'http' });
    // the named port is the one pgduet.yaml makes it listen on, and the Service's target
    const config = configOf(manifests, container);
    expect(container.ports).toEqual([{ name: 'http', containerPort: config.server.port, protocol: 'TCP' }]);
    const service = only(manifests, 'Service');
    expect(service.spec['ports']).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec['selector']).toEqual((deployment.spec['selector'] as { matchLabels: unknown }).matchLabels);
  });

  it('runs as a non-root user, without privileges, with resources', () => {
    const pod = podOf(deployment);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  it('stops gracefully: preStop sleep, then the drain, within the grace period', () => {
    const config = configOf(manifests, container);
    const [sleep, seconds] = container.lifecycle.preStop.exec.command;
    expect(sleep).toBe('sleep');
    expect(podOf(deployment).terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + config.server.shutdownTimeoutMs);
  });

  it('reads DATABASE_URL, JWT_SECRET and REDIS_URL from the secrets named in the values', () => {
    const refs = Object.fromEntries(container.env.filter((e) => e.valueFrom !== undefined).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(refs).toEqual({
      DATABASE_URL: { name: 'pgduet-database', key: 'url' },
      JWT_SECRET: { name: 'pgduet-jwt', key: 'secret' },
      REDIS_URL: { name: 'pgduet-redis', key: 'url' },
    });
  });

  it('mounts a pgduet.yaml that pgduet\'s loader accepts, its ${...} given by the environment', () => {
    const config = configOf(manifests, container);
    expect(config.auth.jwt?.secret).toBe('value-of-JWT_SECRET-from-its-secret-0123456789');
    expect(config.rateLimit?.redis?.url).toBe('redis://redis-from-secret:6379');
    expect(config.cache.redis?.url).toBe('redis://redis-from-secret:6379');
    expect(config.database.url).toBe('postgres://u@db-from-secret/app');
    const mount = container.volumeMounts.find((m) => m.name === 'config');
    expect(container.env.find((e) => e.name === 'PGDUET_CONFIG')?.value).toBe(`${mount?.mountPath}/pgduet.yaml`);
    expect(podOf(deployment).volumes.find((v) => v.name === 'config')?.configMap?.name).toBe('api-pgduet');
  });
});

describe('deploy/helm/pgduet with overrides', () => {
  it('serviceMonitor on, autoscaling off, replicas and the admin secret from secrets', () => {
    const manifests = render({
      serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
      autoscaling: { enabled: false },
      replicaCount: 3,
      secrets: { replicaUrls: { name: 'pgduet-replicas' }, adminSecret: { name: 'pgduet-admin', key: 'password' } },
      image: { tag: '' },
    });
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
    const deployment = only(manifests, 'Deployment');
    expect(deployment.spec['replicas']).toBe(3);
    // an empty tag: the chart's appVersion
    expect(containerOf(deployment).image).toBe('pgduet:0.1.0');
    const monitor = only(manifests, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels['release']).toBe('prometheus');
    expect(monitor.spec['endpoints']).toEqual([{ port: 'http', path: metricsRoute(createMetrics()).path, interval: '30s' }]);
    const refs = Object.fromEntries(containerOf(deployment).env.filter((e) => e.valueFrom !== undefined).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(refs['DATABASE_REPLICA_URLS']).toEqual({ name: 'pgduet-replicas', key: 'urls' });
    expect(refs['PGDUET_ADMIN_SECRET']).toEqual({ name: 'pgduet-admin', key: 'password' });
    const config = configOf(manifests, containerOf(deployment));
    expect(config.database.replicas).toEqual(['postgres://u@replica-from-secret/app']);
  });

  it('the PDB can be turned off, and a grace period the drain does not fit is visible to the test', () => {
    const manifests = render({ podDisruptionBudget: { enabled: false }, terminationGracePeriodSeconds: 12 });
    expect(manifests.map((m) => m.kind)).not.toContain('PodDisruptionBudget');
    const deployment = only(manifests, 'Deployment');
    const config = configOf(manifests, containerOf(deployment));
    // 12 s < 5 s of preStop + 10 s of drain: the check the defaults pass fails here
    expect(podOf(deployment).terminationGracePeriodSeconds * 1000).toBeLessThan(5000 + config.server.shutdownTimeoutMs);
  });
});

/** The ConfigMap's pgduet.yaml through pgduet's loader, with the environment the Deployment gives (secrets as stand-ins). */
function configOf(manifests: readonly Manifest[], container: Container): ReturnType<typeof loadConfig>['config'] {
  const stand: Record<string, string> = {
    DATABASE_URL: 'postgres://u@db-from-secret/app',
    DATABASE_REPLICA_URLS: 'postgres://u@replica-from-secret/app',
    JWT_SECRET: 'value-of-JWT_SECRET-from-its-secret-0123456789',
    REDIS_URL: 'redis://redis-from-secret:6379',
    PGDUET_ADMIN_SECRET: 'admin',
  };
  const env: Record<string, string> = {};
  for (const e of container.env) {
    const value = e.value ?? stand[e.name];
    if (value === undefined) throw new Error(`no stand-in for ${e.name}`);
    env[e.name] = value;
  }
  const text = only(manifests, 'ConfigMap').data?.['pgduet.yaml'] ?? '';
  // the loader reads a file: the ConfigMap's text in a temporary one
  return loadConfigText(text, env);
}

function loadConfigText(text: string, env: Record<string, string>): ReturnType<typeof loadConfig>['config'] {
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-helm-'));
  try {
    const file = join(dir, 'pgduet.yaml');
    writeFileSync(file, text);
    return loadConfig({ file, env: { ...env, PGDUET_CONFIG: file } }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the test renderer (test/support/go-template.ts)', () => {
  it('renders the subset as Go does, and refuses what is outside it', () => {
    const t = parseTemplates({
      'a.yaml': '{{- define "x" -}}[{{ .n }}]{{- end -}}\nk: {{ include "x" .Values | quote }}\n{{- range .Values.list }}\n- {{ . }}{{ end }}\n{{ if not .Values.off }}on{{ else }}off{{ end }} {{ .Values.missing | default "d" }}',
      'b.yaml': '{{ .Values.n | printf "%d" }}',
    });
    expect(t.render('a.yaml', { Values: { n: 1, list: ['p', 'q'], off: false } })).toBe('k: "[1]"\n- p\n- q\non d');
    expect(() => t.render('b.yaml', { Values: { n: 1 } })).toThrow(/no function "printf"/);
  });
});
