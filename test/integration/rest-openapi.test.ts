/**
 * The OpenAPI 3.1 document of the REST surface, rendered from real type graphs (Pagila, and
 * test/fixtures/catalog-features.sql: enums, composites, ranges, arrays, domains, generated and
 * identity columns, views that cannot be written, functions of every return kind) and from
 * hand-built ones for what neither database has (a name in two schemas, overloads, a whole-body
 * json argument, names that need escaping). Every document must pass swagger-parser's
 * validation and Redocly's `recommended` lint rules without an error.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject, ParameterObject, PathItemObject, ReferenceObject, SchemaObject } from 'openapi3-ts/oas31';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, CatalogColumn } from '../../src/introspection/index.js';
import { introspect } from '../../src/introspection/index.js';
import { buildTypeGraph, type TypeGraph } from '../../src/model/index.js';
import { renderOpenApi, type OpenApiOptions } from '../../src/rest/openapi/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/catalog-features.sql', import.meta.url));

const OPTIONS: OpenApiOptions = {
  title: 'pgduet test API',
  version: '1.0.0',
  serverUrl: 'http://127.0.0.1:4000/rest',
  // redocly's info-license rule: the document says under which terms the API is offered
  license: { name: 'MIT', identifier: 'MIT' },
  securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
};

const databases: TestDatabase[] = [];
let pagila: TypeGraph;
let features: TypeGraph;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'pgduet-openapi-'));
  const [pagilaDb, featuresDb] = await Promise.all([createTestDatabase({ pagila: true }), createTestDatabase({ sql: [FIXTURE] })]);
  databases.push(pagilaDb, featuresDb);
  [pagila, features] = await Promise.all([graphOf(pagilaDb.url, ['public']), graphOf(featuresDb.url, ['app', 'other'])]);
});

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

async function graphOf(url: string, schemas: readonly string[]): Promise<TypeGraph> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { catalog, fingerprint } = await introspect(client, schemas);
    return buildTypeGraph(catalog, fingerprint).graph;
  } finally {
    await client.end();
  }
}

/** swagger-parser's validation: the OpenAPI 3.1 schema, and every `$ref` resolves. */
async function validate(doc: OpenAPIObject): Promise<void> {
  // it dereferences in place: give it a copy
  await SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0]);
}

interface LintProblem {
  readonly ruleId: string;
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly location: readonly { readonly pointer: string }[];
}

const REDOCLY = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');

/**
 * `redocly lint` with its `recommended` rules, no rule turned off, as a child process on a
 * temp file. An explicit config, so a redocly.yaml elsewhere cannot change the rules.
 */
async function lint(doc: OpenAPIObject, name: string): Promise<LintProblem[]> {
  const file = join(workDir, `${name}.json`);
  const config = join(workDir, 'redocly.yaml');
  await writeFile(file, JSON.stringify(doc, null, 2));
  await writeFile(config, 'extends:\n  - recommended\n');
  const { stdout, code } = await run(process.execPath, [REDOCLY, 'lint', '--format=json', '--max-problems=100000', `--config=${config}`, file]);
  let report: { totals: { errors: number; warnings: number }; problems: LintProblem[] };
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    throw new Error(`redocly lint (exit ${code}) printed no JSON report:\n${stdout.slice(0, 2000)}`);
  }
  expect(report.problems.length).toBe(report.totals.errors + report.totals.warnings);
  return report.problems;
}

function run(command: string, args: readonly string[]): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    // no telemetry, no update check: the test must not talk to the network
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', DO_NOT_TRACK: '1', CI: 'true' };
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, code }));
  });
}

function summarize(problems: readonly LintProblem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) counts[`${p.severity} ${p.ruleId}`] = (counts[`${p.severity} ${p.ruleId}`] ?? 0) + 1;
  return counts;
}

/** Validates and lints; returns the lint warnings (errors fail the test, with their list). */
async function check(doc: OpenAPIObject, name: string): Promise<LintProblem[]> {
  await validate(doc);
  const problems = await lint(doc, name);
  const errors = problems.filter((p) => p.severity === 'error');
  expect(errors.map((p) => `${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`)).toEqual([]);
  return problems.filter((p) => p.severity === 'warn');
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function methodsOf(doc: OpenAPIObject, path: string): string[] {
  const item: PathItemObject | undefined = doc.paths?.[path];
  if (item === undefined) throw new Error(`no path ${path}`);
  return METHODS.filter((m) => item[m] !== undefined);
}

function operation(doc: OpenAPIObject, path: string, method: (typeof METHODS)[number]): OperationObject {
  const op = doc.paths?.[path]?.[method];
  if (op === undefined) throw new Error(`no ${method} ${path}`);
  return op;
}

function schema(doc: OpenAPIObject, key: string): SchemaObject {
  const found = doc.components?.schemas?.[key];
  if (found === undefined || '$ref' in found) throw new Error(`no schema ${key}`);
  return found as SchemaObject;
}

function property(doc: OpenAPIObject, key: string, name: string): SchemaObject {
  const found = schema(doc, key).properties?.[name];
  if (found === undefined) throw new Error(`no property ${key}.${name}`);
  return found as SchemaObject;
}

/** The parameters of an operation, `$ref`s resolved, as `in:name`. */
function parameterNames(doc: OpenAPIObject, op: OperationObject): string[] {
  return (op.parameters ?? []).map((p) => {
    const param = isRef(p) ? (doc.components?.parameters?.[p.$ref.replace('#/components/parameters/', '')] as ParameterObject | undefined) : p;
    if (param === undefined) throw new Error(`dangling ${JSON.stringify(p)}`);
    return `${param.in}:${param.name}`;
  });
}

function isRef(value: object): value is ReferenceObject {
  return '$ref' in value;
}

// ---------------------------------------------------------------------------------------------
// Pagila

describe('Pagila', () => {
  let doc: OpenAPIObject;
  beforeAll(() => {
    doc = renderOpenApi(pagila, OPTIONS);
  });

  it('validates, and lints without errors or warnings', async () => {
    const warnings = await check(doc, 'pagila');
    expect(summarize(warnings)).toEqual({});
  });

  it('has info, servers and optional security from the options', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'pgduet test API', version: '1.0.0', license: { name: 'MIT' } });
    expect(doc.info.description).toContain('int8 and numeric values are JSON strings');
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:4000/rest' }]);
    expect(doc.security).toEqual([{ bearer: [] }, {}]);
    expect(doc.components?.securitySchemes).toEqual(OPTIONS.securitySchemes);
  });

  it('gives a table every method, and views only GET', () => {
    expect(methodsOf(doc, '/film')).toEqual(['get', 'put', 'post', 'delete', 'patch']);
    for (const view of ['/film_list', '/actor_info', '/sales_by_store', '/rental_by_category']) expect(methodsOf(doc, view)).toEqual(['get']);
    // partitioned, with a two-column primary key
    expect(methodsOf(doc, '/payment')).toEqual(['get', 'put', 'post', 'delete', 'patch']);
    expect(parameterNames(doc, operation(doc, '/payment', 'put')).slice(0, 2)).toEqual(['query:payment_date', 'query:payment_id']);
  });

  it('paths, schemas and properties are sorted', () => {
    const sorted = (keys: readonly string[]): string[] => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const paths = Object.keys(doc.paths ?? {});
    expect(paths).toEqual(sorted(paths));
    const schemas = Object.keys(doc.components?.schemas ?? {});
    expect(schemas).toEqual(sorted(schemas));
    const props = Object.keys(schema(doc, 'film').properties ?? {});
    expect(props).toEqual(sorted(props));
    expect(props).toContain('title');
  });

  it('is deterministic: a round trip of the graph through JSON gives the same text', () => {
    const again = renderOpenApi(JSON.parse(JSON.stringify(pagila)) as TypeGraph, OPTIONS);
    expect(JSON.stringify(again)).toBe(JSON.stringify(doc));
  });

  it('types the columns of film', () => {
    const film = schema(doc, 'film');
    expect(film.required).toEqual(['fulltext', 'language_id', 'title']);
    expect(property(doc, 'film', 'film_id')).toEqual({ type: 'integer', format: 'int32' });
    expect(property(doc, 'film', 'rating')).toMatchObject({ type: ['string', 'null'], enum: ['G', 'PG', 'PG-13', 'R', 'NC-17', null], default: 'G' });
    expect(property(doc, 'film', 'special_features')).toEqual({ type: ['array', 'null'], items: { type: 'string' } });
    expect(property(doc, 'film', 'rental_rate')).toMatchObject({ type: 'string', format: 'decimal', default: '4.99' });
    expect(property(doc, 'film', 'rental_duration')).toMatchObject({ type: 'integer', default: 3 });
    expect(property(doc, 'film', 'last_update')).toMatchObject({ type: 'string', format: 'date-time' });
    // now() and nextval(…) are not literals: no default
    expect(property(doc, 'film', 'last_update').default).toBeUndefined();
    expect(property(doc, 'film', 'film_id').default).toBeUndefined();
    // domain year over int4
    expect(property(doc, 'film', 'release_year')).toMatchObject({ type: ['integer', 'null'], format: 'int32' });
    expect(property(doc, 'staff', 'picture')).toMatchObject({ type: ['string', 'null'] });
  });

  it('GET /film takes the common parameters and one filter per column, and answers rows in three types', () => {
    const get = operation(doc, '/film', 'get');
    const names = parameterNames(doc, get);
    for (const p of ['query:select', 'query:order', 'query:limit', 'query:offset', 'header:Range', 'header:Range-Unit', 'header:Prefer', 'query:title', 'query:rating']) {
      expect(names).toContain(p);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(doc.components?.parameters?.['rowFilter.film.title']).toMatchObject({ name: 'title', in: 'query', schema: { type: 'string' }, description: expect.stringContaining('PostgREST filter, e.g. eq.5') });
    expect(Object.keys(get.responses ?? {})).toEqual(['200', '206', '400', '401', '403', '404', '406', '416']);
    expect(Object.keys(get.responses?.['200'].content ?? {})).toEqual(['application/json', 'application/vnd.pgrst.object+json', 'text/csv']);
    expect(get.responses?.['200'].headers).toEqual({ 'Content-Range': { $ref: '#/components/headers/Content-Range' } });
  });

  it('writes: 201 with Location, 200/204, and the error responses that apply', () => {
    const post = operation(doc, '/film', 'post');
    expect(Object.keys(post.responses ?? {})).toEqual(['201', '400', '401', '403', '404', '406', '409']);
    expect(post.responses?.['201'].headers).toEqual({ Location: { $ref: '#/components/headers/Location' } });
    expect(parameterNames(doc, post)).toEqual(['query:select', 'query:columns', 'query:on_conflict', 'header:Prefer']);
    for (const method of ['patch', 'delete', 'put'] as const) {
      expect(Object.keys(operation(doc, '/film', method).responses ?? {})).toEqual(['200', '204', '400', '401', '403', '404', '406', '409']);
    }
    // PATCH takes any subset of the columns
    expect(operation(doc, '/film', 'patch').requestBody).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/film.patch' } } } });
    expect(schema(doc, 'film.patch').required).toBeUndefined();
    expect(doc.components?.responses?.['Conflict']).toEqual({
      description: expect.any(String),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
  });

  it('Prefer lists what each method accepts', () => {
    const prefer = (key: string): unknown => (doc.components?.parameters?.[key] as ParameterObject | undefined)?.schema;
    expect(prefer('Prefer.read')).toMatchObject({ type: 'array', items: { enum: ['count=exact', 'count=planned', 'count=estimated', 'handling=lenient', 'handling=strict'] } });
    expect(JSON.stringify(prefer('Prefer.insert'))).toContain('resolution=merge-duplicates');
    expect(JSON.stringify(prefer('Prefer.insert'))).toContain('missing=default');
    expect(JSON.stringify(prefer('Prefer.update'))).toContain('tx=rollback');
    expect(JSON.stringify(prefer('Prefer.read'))).not.toContain('return=');
  });

  it('has the Error schema', () => {
    expect(schema(doc, 'Error')).toMatchObject({
      type: 'object',
      required: ['code', 'details', 'hint', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: ['string', 'null'] }, hint: { type: ['string', 'null'] } },
    });
  });

  it('exposes functions at /rpc, GET only for the stable and immutable ones', () => {
    // Pagila's functions are volatile but for last_day and _group_concat (immutable)
    expect(methodsOf(doc, '/rpc/last_day')).toEqual(['get', 'post']);
    expect(methodsOf(doc, '/rpc/_group_concat')).toEqual(['get', 'post']);
    for (const fn of ['film_in_stock', 'get_customer_balance', 'rewards_report', 'inventory_in_stock']) expect(methodsOf(doc, `/rpc/${fn}`)).toEqual(['post']);
    const rewards = operation(doc, '/rpc/rewards_report', 'post');
    expect(rewards.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['min_dollar_amount_purchased', 'min_monthly_purchases'] } } },
    });
    expect(rewards.responses?.['200'].content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/customer' } });
    // SETOF int: an array of values
    expect(operation(doc, '/rpc/film_in_stock', 'post').responses?.['200'].content['application/json'].schema).toMatchObject({ type: 'array', items: { type: ['integer', 'null'] } });
    // unnamed arguments are named as GraphQL names them
    expect(parameterNames(doc, operation(doc, '/rpc/last_day', 'get'))).toEqual(['query:arg_1', 'header:Prefer']);
  });

  it('int8 as a number when the output is configured so', () => {
    const numbers = renderOpenApi(pagila, { ...OPTIONS, exactNumbers: 'number' });
    expect(property(numbers, 'film', 'rental_rate')).toMatchObject({ type: 'number', default: 4.99 });
    expect(numbers.info.description).not.toContain('JSON strings');
  });
});

// ---------------------------------------------------------------------------------------------
// catalog-features.sql

describe('catalog features', () => {
  let doc: OpenAPIObject;
  beforeAll(() => {
    doc = renderOpenApi(features, OPTIONS);
  });

  it('validates, and lints without errors or warnings', async () => {
    const warnings = await check(doc, 'features');
    expect(summarize(warnings)).toEqual({});
  });

  it('marks generated and identity-always columns readOnly and leaves them out of required and PATCH', () => {
    expect(property(doc, 'person', 'full_name')).toMatchObject({ readOnly: true, type: ['string', 'null'] });
    expect(property(doc, 'person', 'id')).toMatchObject({ readOnly: true, type: 'integer' });
    // identity BY DEFAULT may be written
    expect(property(doc, 'post', 'id').readOnly).toBeUndefined();
    expect(schema(doc, 'person').required).toEqual(['email', 'first_name']);
    expect(Object.keys(schema(doc, 'person.patch').properties ?? {})).not.toContain('full_name');
    expect(Object.keys(schema(doc, 'person.patch').properties ?? {})).not.toContain('id');
    expect(property(doc, 'person', 'email').description).toBe('Unique login e-mail.');
    expect(schema(doc, 'person').description).toBe('A person using the application.');
  });

  it('types enums, composites, arrays, domains, ranges and json', () => {
    expect(property(doc, 'person', 'status')).toEqual({ type: 'string', enum: ['pending', 'active', 'suspended', 'archived'], default: 'active' });
    expect(property(doc, 'task', 'priority')).toMatchObject({ enum: ['low', 'medium', 'high', 'urgent'], default: 'medium' });
    expect(property(doc, 'organization', 'address')).toEqual({
      type: ['object', 'null'],
      description: 'A postal address.',
      properties: {
        city: { type: ['string', 'null'] },
        postal_code: { type: ['string', 'null'] },
        street: { type: ['string', 'null'] },
      },
    });
    expect(property(doc, 'post', 'tags')).toEqual({ type: 'array', items: { type: 'string' }, default: [] });
    expect(property(doc, 'post', 'related_ids')).toEqual({ type: ['array', 'null'], items: { type: 'integer', format: 'int32' } });
    expect(property(doc, 'post', 'metadata')).toEqual({ default: {} });
    expect(property(doc, 'post', 'raw')).toEqual({});
    expect(property(doc, 'task', 'estimate_hours')).toMatchObject({ type: ['integer', 'null'], format: 'int32' });
    expect(property(doc, 'booking', 'during')).toMatchObject({ type: 'string' });
    expect(property(doc, 'booking', 'price_range')).toMatchObject({ type: ['string', 'null'] });
    expect(property(doc, 'event', 'id')).toMatchObject({ type: 'string', format: 'int64' });
    expect(property(doc, 'person', 'created_at')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(property(doc, 'person', 'phone_numbers')).toEqual({ type: ['array', 'null'], items: { type: 'string' } });
  });

  it('writes only through views PostgreSQL can write through', () => {
    expect(methodsOf(doc, '/post_count_by_author')).toEqual(['get']);
    expect(methodsOf(doc, '/tag_usage')).toEqual(['get']);
    // updatable, but a view has no primary key: no PUT
    expect(methodsOf(doc, '/active_person')).toEqual(['get', 'post', 'delete', 'patch']);
    expect(methodsOf(doc, '/person')).toEqual(['get', 'put', 'post', 'delete', 'patch']);
    expect(doc.paths?.['/secret_stuff']).toBeUndefined();
    expect(doc.paths?.['/people_alias']).toBeDefined();
  });

  it('exposes every kind of function at /rpc', () => {
    const stable = ['search_people', 'post_stats', 'person_name_parts', 'add_numbers', 'sum_all', 'greet', 'strict_upper', 'count_secret_stuff', 'person_display_name', 'country_name'];
    for (const fn of stable) expect(methodsOf(doc, `/rpc/${fn}`)).toEqual(['get', 'post']);
    expect(methodsOf(doc, '/rpc/create_tag')).toEqual(['post']);
    expect(methodsOf(doc, '/rpc/archive_person')).toEqual(['post']);
    expect(doc.paths?.['/rpc/internal_helper']).toBeUndefined();

    const json = (path: string, method: 'get' | 'post'): unknown => operation(doc, path, method).responses?.['200']?.content?.['application/json']?.schema;
    // setof entity, single entity, table columns, out parameters, a value
    expect(json('/rpc/search_people', 'get')).toEqual({ type: 'array', items: { $ref: '#/components/schemas/person' } });
    expect(json('/rpc/create_tag', 'post')).toEqual({ $ref: '#/components/schemas/tag' });
    expect(json('/rpc/post_stats', 'get')).toEqual({
      type: 'array',
      items: { type: 'object', properties: { author_id: { type: ['integer', 'null'], format: 'int32' }, post_count: expect.objectContaining({ type: ['string', 'null'], format: 'int64' }) } },
    });
    expect(json('/rpc/person_name_parts', 'get')).toEqual({ type: 'object', properties: { first_name: { type: ['string', 'null'] }, last_name: { type: ['string', 'null'] } } });
    expect(json('/rpc/add_numbers', 'get')).toEqual({ type: ['integer', 'null'], format: 'int32' });
    // a procedure returns nothing
    expect(Object.keys(operation(doc, '/rpc/archive_person', 'post').responses ?? {})).toContain('204');
    expect(operation(doc, '/rpc/archive_person', 'post').responses?.['200']).toBeUndefined();

    // arguments: defaults are optional, variadic repeats in the query string
    expect(operation(doc, '/rpc/greet', 'post').requestBody).toMatchObject({ content: { 'application/json': { schema: { required: ['name'] } } } });
    const greet = operation(doc, '/rpc/greet', 'get').parameters as ParameterObject[];
    expect(greet.slice(0, 2).map((p) => [p.name, p.required])).toEqual([
      ['greeting', false],
      ['name', true],
    ]);
    expect((operation(doc, '/rpc/sum_all', 'get').parameters as ParameterObject[])[0]).toMatchObject({ name: 'nums', style: 'form', explode: true, schema: { type: 'array', items: { type: 'integer' } } });
    // a computed field takes its row
    expect(operation(doc, '/rpc/person_display_name', 'post').requestBody).toMatchObject({
      content: { 'application/json': { schema: { properties: { p: { anyOf: [{ $ref: '#/components/schemas/person' }, { type: 'null' }] } } } } },
    });
    expect(operation(doc, '/rpc/search_people', 'get').description).toBe('People whose full name contains q.');
  });
});

// ---------------------------------------------------------------------------------------------
// hand-built graphs: what neither database has

/** Changes columns of a built catalog: identity, generated, defaults are not in CatalogBuilder. */
function withColumns(catalog: Catalog, changes: Readonly<Record<string, Partial<CatalogColumn>>>): Catalog {
  return {
    ...catalog,
    columns: catalog.columns.map((c) => {
      const rel = catalog.relations.find((r) => r.oid === c.relid);
      const change = rel === undefined ? undefined : changes[`${rel.schema}.${rel.name}.${c.name}`];
      return change === undefined ? c : { ...c, ...change };
    }),
  };
}

function edgeGraph(): TypeGraph {
  const catalog = new CatalogBuilder(['app', 'other'])
    .enumType('app.mood', ['sad', 'ok', 'happy'])
    .table(
      'item',
      { id: 'int8', 'odd name/with {braces}': 'text', limit: 'int4', mood: 'app.mood', moods: 'app.mood[]', doc: 'jsonb', total: 'numeric', title: 'text' },
      { schema: 'app', pk: ['id'], notNull: ['title', 'mood'] },
    )
    .table('item', { id: 'int4', label: 'text' }, { schema: 'other', pk: ['id'] })
    .table('Error', { code: 'text' }, { schema: 'app', pk: ['code'] })
    .table('odd table', { id: 'int4' }, { schema: 'app', pk: ['id'] })
    .table('only_view', { n: 'int4' }, { schema: 'app', kind: 'v', updatable: 0 })
    .fn({ name: 'ingest', schema: 'app', args: [{ type: 'jsonb' }], returns: 'int4' })
    .fn({ name: 'touch', schema: 'app', returns: 'void' })
    .fn({ name: 'pick', schema: 'app', args: [{ name: 'a', type: 'int4' }], returns: 'int4', volatility: 's' })
    .fn({ name: 'pick', schema: 'app', args: [{ name: 'a', type: 'int4' }, { name: 'b', type: 'text' }], returns: 'text', volatility: 's' })
    .fn({ name: 'numbers', schema: 'app', returns: 'int4', set: true, volatility: 'i' })
    .fn({ name: 'pick', schema: 'other', args: [{ name: 'z', type: 'date' }], returns: 'date', volatility: 's' })
    .build();
  const tweaked = withColumns(catalog, {
    'app.item.id': { identity: 'a', has_default: false },
    'app.item.total': { has_default: true, default_expr: "'0.00'::numeric" },
    'app.item.mood': { has_default: true, default_expr: "'ok'::app.mood" },
    'app.item.doc': { has_default: true, default_expr: `'{"a": 1}'::jsonb` },
    'app.item.title': { has_default: true, default_expr: "upper('x'::text)" },
  });
  const built = buildTypeGraph(tweaked, 'edge');
  return built.graph;
}

describe('hand-built edge cases', () => {
  let doc: OpenAPIObject;
  beforeAll(() => {
    doc = renderOpenApi(edgeGraph(), OPTIONS);
  });

  it('validates, and lints without errors; the only warning is the entity no path serves', async () => {
    const warnings = await check(doc, 'edge');
    expect(summarize(warnings)).toEqual({ 'warn no-unused-components': 1 });
    expect(warnings[0]?.location[0]?.pointer).toBe('#/components/schemas/other.item');
  });

  it('qualifies a name two schemas expose, and serves the first schema’s at the path', () => {
    const keys = Object.keys(doc.components?.schemas ?? {});
    expect(keys).toContain('app.item');
    expect(keys).toContain('other.item');
    expect(keys).not.toContain('item');
    expect(operation(doc, '/item', 'get').responses?.['200'].content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/app.item' } });
  });

  it('an entity named Error keeps its name; the error schema steps aside', () => {
    expect(schema(doc, 'Error').properties).toEqual({ code: { type: 'string' } });
    expect(schema(doc, 'Error_2').required).toEqual(['code', 'details', 'hint', 'message']);
    expect(doc.components?.responses?.['NotFound']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error_2' } } } });
  });

  it('escapes names in paths and component keys, and never filters on a reserved parameter name', () => {
    const params = parameterNames(doc, operation(doc, '/item', 'get'));
    expect(params).toContain('query:odd name/with {braces}');
    expect(params.filter((p) => p === 'query:limit')).toHaveLength(1);
    expect(Object.keys(doc.components?.parameters ?? {})).toContain('rowFilter.app.item.odd_name_with__braces_');
    expect(property(doc, 'app.item', 'id')).toMatchObject({ type: 'string', format: 'int64', readOnly: true });
    // title and mood have defaults, id is an identity: nothing is required
    expect(schema(doc, 'app.item').required).toBeUndefined();
    expect(methodsOf(doc, '/odd%20table')).toEqual(['get', 'put', 'post', 'delete', 'patch']);
  });

  it('takes simple literal defaults only', () => {
    expect(property(doc, 'app.item', 'total').default).toBe('0.00');
    expect(property(doc, 'app.item', 'mood').default).toBe('ok');
    expect(property(doc, 'app.item', 'doc').default).toEqual({ a: 1 });
    expect(property(doc, 'app.item', 'title').default).toBeUndefined();
    expect(property(doc, 'app.item', 'moods')).toEqual({ type: ['array', 'null'], items: { type: 'string', enum: ['sad', 'ok', 'happy'] } });
  });

  it('a non-updatable view has only GET', () => {
    expect(methodsOf(doc, '/only_view')).toEqual(['get']);
  });

  it('functions: a whole-body json argument, void, overloads, a set of values', () => {
    const ingest = operation(doc, '/rpc/ingest', 'post');
    expect(methodsOf(doc, '/rpc/ingest')).toEqual(['post']);
    expect(ingest.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { description: expect.stringContaining('whole body') } } } });
    expect((ingest.requestBody as { content: Record<string, { schema: SchemaObject }> }).content['application/json']?.schema.type).toBeUndefined();

    const touch = operation(doc, '/rpc/touch', 'post');
    expect(touch.requestBody).toBeUndefined();
    expect(Object.keys(touch.responses ?? {})).toEqual(['204', '400', '401', '403', '404', '406', '409']);

    // two overloads in app (other.pick is another schema's: not at this path)
    const pick = operation(doc, '/rpc/pick', 'get');
    expect((pick.parameters as ParameterObject[]).slice(0, 2).map((p) => [p.name, p.required])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(pick.responses?.['200'].content['application/json'].schema).toEqual({ anyOf: [{ type: ['integer', 'null'], format: 'int32' }, { type: ['string', 'null'] }] });
    expect(JSON.stringify(doc.paths?.['/rpc/pick'])).not.toContain('"z"');

    expect(methodsOf(doc, '/rpc/numbers')).toEqual(['get', 'post']);
    expect(operation(doc, '/rpc/numbers', 'get').responses?.['200'].content['application/json'].schema).toEqual({ type: 'array', items: { type: ['integer', 'null'], format: 'int32' } });
  });

  it('without security schemes, says that no security applies', async () => {
    const { securitySchemes: _, ...plain } = OPTIONS;
    const open = renderOpenApi(edgeGraph(), plain);
    expect(open.security).toEqual([]);
    expect(open.components?.securitySchemes).toBeUndefined();
    await validate(open);
  });
});
