import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestCounts, RequestDurations } from '../../src/server/request-metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ROUTES = [
  ['rest', 'rest'],
  ['graphql', 'graphql'],
  ['system', 'health'],
  ['graphql', 'graphql/archive'],
] as const;

/** The same observations through prom-client's Histogram and through RequestDurations: the scrapes. */
async function scrapes(observations: readonly (readonly [number, number])[]): Promise<[string, string]> {
  const theirs = new Registry();
  const reference = new Histogram({ name: 'd_seconds', help: 'h', labelNames: ['protocol', 'route'], buckets: BUCKETS, registers: [theirs] });
  const ours = new Registry();
  const durations = new RequestDurations({ name: 'd_seconds', help: 'h', buckets: BUCKETS, registry: ours });
  for (const [route, seconds] of observations) {
    const [protocol, name] = ROUTES[route] as readonly [string, string];
    reference.labels({ protocol, route: name }).observe(seconds);
    durations.series(protocol, name).observe(seconds);
  }
  return [await theirs.metrics(), await ours.metrics()];
}

describe('RequestDurations', () => {
  it('scrapes as prom-client’s Histogram would, bucket bounds included', async () => {
    const [theirs, ours] = await scrapes([
      [0, 0.001],
      [0, 0.0011],
      [1, 10],
      [1, 11],
      [2, 0],
      [3, 0.3],
    ]);
    expect(ours).toBe(theirs);
    expect(ours).toContain('d_seconds_bucket{le="0.001",protocol="rest",route="rest"} 1');
    expect(ours).toContain('d_seconds_bucket{le="+Inf",protocol="graphql",route="graphql"} 2');
    expect(ours).toContain('d_seconds_count{protocol="graphql",route="graphql/archive"} 1');
  });

  it('agrees with prom-client for any observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: ROUTES.length - 1 }), fc.double({ min: 0, max: 20, noNaN: true })), { maxLength: 60 }), async (observations) => {
        const [theirs, ours] = await scrapes(observations);
        expect(ours).toBe(theirs);
      }),
      { numRuns: 100 },
    );
  });

  it('is empty again after a reset', async () => {
    const registry = new Registry();
    const durations = new RequestDurations({ name: 'd_seconds', help: 'h', buckets: BUCKETS, registry });
    durations.series('rest', 'rest').observe(0.2);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('d_seconds_count');
  });
});

describe('RequestCounts', () => {
  it('scrapes as prom-client’s Counter would, and counts what came between two scrapes once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: ROUTES.length - 1 }), fc.constantFrom(200, 404, 500)), { maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        async (batches) => {
          const theirs = new Registry();
          const reference = new Counter({ name: 'r_total', help: 'h', labelNames: ['protocol', 'route', 'status'], registers: [theirs] });
          const ours = new Registry();
          const counts = new RequestCounts({ name: 'r_total', help: 'h', registry: ours });
          // scraped after each batch: a count is taken once, not again at the next scrape
          for (const batch of batches) {
            for (const [route, status] of batch) {
              const [protocol, name] = ROUTES[route] as readonly [string, string];
              reference.labels({ protocol, route: name, status: String(status) }).inc();
              counts.series(protocol, name, status).inc();
            }
            expect(await ours.metrics()).toBe(await theirs.metrics());
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
