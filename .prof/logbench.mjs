import { pino } from 'pino';
const mode = process.argv[2];
const dest = mode === 'sync' ? undefined : pino.destination({ dest: 1, minLength: 4096, sync: false });
const log = dest === undefined ? pino({ base: null }) : pino({ base: null }, dest);
const child = log.child({ reqId: 'abc' });
const N = 200000;
const t0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < N; i++) {
  child.info({ method: 'GET', url: '/rest/film?select=film_id,title,length&rating=eq.PG&length=gt.100&order=title&limit=25', status: 200, ms: 1.234, role: 'anonymous' }, 'request');
  if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
}
const cpu = process.cpuUsage(t0);
process.stderr.write(`${mode}: ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU/line, wall ${((performance.now() - w0) / N * 1000).toFixed(2)} µs/line\n`);
if (dest) dest.flushSync();
