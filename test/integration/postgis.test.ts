import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { data } from '../support/graphql.js';
import { startTestServer } from '../support/server.js';

/**
 * PostGIS geometry and geography values are GeoJSON in both APIs: on the way out (rendered by
 * PostGIS's own ST_AsGeoJSON in the statement) and on the way in (GeoJSON, WKT or EWKT text).
 * The expected GeoJSON is what ST_AsGeoJSON gives for the same rows, asked in plain SQL.
 */

const FIXTURE = fileURLToPath(new URL('../fixtures/postgis.sql', import.meta.url));

let db: TestDatabase;
let server: RunningServer;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [FIXTURE] });
  server = await startTestServer(db.url, { mounts: [graphqlMount, restMounts] });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.close();
  await db?.drop();
});

async function expected(): Promise<Record<string, unknown>[]> {
  const { rows } = await client.query<{ row: Record<string, unknown> }>(
    `select json_build_object('id', id, 'name', name, 'location', st_asgeojson(location)::json, 'area', st_asgeojson(area)::json,
       'route', (select json_agg(st_asgeojson(g)::json) from unnest(route) as g)) as row from place order by id`,
  );
  return rows.map((r) => r.row);
}

describe('GraphQL', () => {
  it('reads geometry, geography and geometry[] as GeoJSON', async () => {
    const result = await data<{ place: unknown[] }>(server, '{ place(order_by: {id: asc}) { id name location area route } }');
    expect(result.place).toEqual(await expected());
    expect(result.place[0]).toMatchObject({ location: { type: 'Point', coordinates: [0, 0] } });
  });

  it("Hasura's _cast: geometry compared as geography, geography as geometry", async () => {
    const result = await data<{ place: { id: number }[]; area: { id: number }[] }>(
      server,
      `query ($p: geography) {
        place(where: {location: {_cast: {geography: {_eq: $p}}}}) { id }
        area: place(where: {area: {_cast: {geometry: {_is_null: false}}}}) { id }
      }`,
      { p: 'SRID=4326;POINT(2.35 48.85)' },
    );
    const { rows } = await client.query<{ id: number }>("select id from place where location::geography = 'SRID=4326;POINT(2.35 48.85)'::geography");
    expect(result.place).toEqual(rows);
    expect(result.place).toHaveLength(1);
    expect(result.area).toEqual([{ id: 1 }]);
  });

  it('writes GeoJSON, and reads it back', async () => {
    const result = await data<{ insert_place_one: { id: number; location: unknown } }>(
      server,
      'mutation($p: geometry) { insert_place_one(object: {name: "inserted", location: $p}) { id location } }',
      { p: { type: 'Point', coordinates: [10, 20], crs: { type: 'name', properties: { name: 'EPSG:4326' } } } },
    );
    expect(result.insert_place_one.location).toEqual({ type: 'Point', coordinates: [10, 20] });
    const { rows } = await client.query('select st_astext(location) as wkt, st_srid(location) as srid from place where id = $1', [result.insert_place_one.id]);
    expect(rows[0]).toEqual({ wkt: 'POINT(10 20)', srid: 4326 });
  });
});

describe('REST', () => {
  it('reads GeoJSON in plain JSON', async () => {
    const res = await fetch(`${server.url}/rest/place?select=id,name,location,area,route&order=id&id=lte.3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual((await expected()).filter((r) => (r['id'] as number) <= 3));
  });

  it('answers Accept: application/geo+json with a FeatureCollection', async () => {
    const res = await fetch(`${server.url}/rest/place?select=name,location&order=id&id=lte.3`, { headers: { accept: 'application/geo+json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(await res.json()).toEqual({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] }, properties: { name: 'origin' } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [2.35, 48.85] }, properties: { name: 'somewhere' } },
        { type: 'Feature', geometry: null, properties: { name: 'nowhere' } },
      ],
    });
  });

  it('refuses geo+json for a table without geometry (406)', async () => {
    const res = await fetch(`${server.url}/rest/visit`, { headers: { accept: 'application/geo+json' } });
    expect(res.status).toBe(406);
    expect(await res.json()).toMatchObject({ code: 'PGRST107' });
  });

  it('inserts EWKT and GeoJSON text', async () => {
    const res = await fetch(`${server.url}/rest/place?select=name,location`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'return=representation' },
      body: JSON.stringify([
        { name: 'ewkt', location: 'SRID=4326;POINT(1 2)' },
        { name: 'geojson', location: { type: 'Point', coordinates: [3, 4], crs: { type: 'name', properties: { name: 'EPSG:4326' } } } },
      ]),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual([
      { name: 'ewkt', location: { type: 'Point', coordinates: [1, 2] } },
      { name: 'geojson', location: { type: 'Point', coordinates: [3, 4] } },
    ]);
  });

  it('gives a clear 400 for text that is not a geometry', async () => {
    const res = await fetch(`${server.url}/rest/place`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad', location: 'not a geometry' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('XX000');
    expect(body.message).toMatch(/parse error - invalid geometry/);
  });
});
