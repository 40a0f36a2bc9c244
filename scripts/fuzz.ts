// `npm run fuzz`: the fuzz generators of test/support/fuzz.ts, many times, against the real
// server on a fresh Pagila test database; prints the answers' counts by status and an example
// of each distinct server fault (5xx, or no answer). Exits 1 when there was any.
//
//   npm run fuzz                                  100,000 inputs, half REST and half GraphQL
//   npm run fuzz -- --count 5000 --only graphql --seed 42 --concurrency 8
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { graphqlMount } from '../src/graphql/index.js';
import { restMounts } from '../src/rest/index.js';
import { createTestDatabase } from '../test/support/database.js';
import { graphqlRequest, isServerFault, restRequest, send, type FuzzRequest } from '../test/support/fuzz.js';
import { startTestServer } from '../test/support/server.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    only: { type: 'string', default: 'rest,graphql' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    concurrency: { type: 'string', default: '8' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const seed = Number(values.seed);
const kinds = values.only.split(',').map((k) => k.trim());
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1 || kinds.some((k) => k !== 'rest' && k !== 'graphql')) {
  process.stderr.write('usage: npm run fuzz -- [--count N] [--only rest,graphql] [--seed N] [--concurrency N]\n');
  process.exit(2);
}
const generators = { rest: restRequest, graphql: graphqlRequest } as const;

const db = await createTestDatabase({ pagila: true });
const server = await startTestServer(db.url, { mounts: [restMounts, graphqlMount] });
process.stderr.write(`fuzz: ${count} inputs (${kinds.join(', ')}), seed ${seed}, against ${server.url}\n`);

const counts = new Map<string, Map<number, number>>();
/** one example per distinct fault (status and the start of the body) */
const faults = new Map<string, { request: FuzzRequest; body: string; times: number }>();
const started = Date.now();
let done = 0;

try {
  const BATCH = 1000;
  for (let offset = 0; offset < count; offset += BATCH) {
    const n = Math.min(BATCH, count - offset);
    const batch: { kind: string; request: FuzzRequest }[] = [];
    kinds.forEach((kind, i) => {
      const share = Math.floor(n / kinds.length) + (i < n % kinds.length ? 1 : 0);
      for (const request of fc.sample(generators[kind as keyof typeof generators], { numRuns: share, seed: seed + offset + i })) batch.push({ kind, request });
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch.length) {
          const { kind, request } = batch[next++] as (typeof batch)[number];
          const { status, body } = await send(server.url, request);
          const byStatus = counts.get(kind) ?? new Map<number, number>();
          counts.set(kind, byStatus.set(status, (byStatus.get(status) ?? 0) + 1));
          if (isServerFault(status)) {
            const key = `${kind} ${status} ${body.slice(0, 160)}`;
            const seen = faults.get(key);
            if (seen === undefined) faults.set(key, { request, body, times: 1 });
            else seen.times++;
          }
          done++;
        }
      }),
    );
    process.stderr.write(`fuzz: ${done}/${count} (${Math.round(done / ((Date.now() - started) / 1000))}/s), ${faults.size} distinct faults\n`);
  }
  const ready = await fetch(`${server.url}/ready`);
  process.stdout.write(`\nafter ${done} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed}): /ready ${ready.status}\n`);
  for (const [kind, byStatus] of counts) {
    const line = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join('  ');
    process.stdout.write(`${kind.padEnd(8)} ${line}\n`);
  }
  for (const [key, { request, body, times }] of faults) {
    process.stdout.write(`\nFAULT ×${times}: ${key}\n  ${request.method} ${request.path}\n  headers ${JSON.stringify(request.headers)}\n${request.body === undefined ? '' : `  body ${request.body}\n`}  → ${body.slice(0, 600)}\n`);
  }
  process.exitCode = faults.size > 0 || ready.status !== 200 ? 1 : 0;
} finally {
  await server.close();
  await db.drop();
}
