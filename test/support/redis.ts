import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A Redis for the tests, and how to stop it. */
export interface RunningRedis {
  readonly url: string;
  /** where it came from, for messages */
  readonly how: string;
  stop(): Promise<void>;
}

/**
 * Redis for the tests, in order: REDIS_URL; a redis-server started on a free port (when it is
 * installed; .ci/run installs it); 127.0.0.1:6379. None: an error saying what to install —
 * the tests that need Redis fail, they are never skipped.
 */
export async function findRedis(): Promise<RunningRedis> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(await answersPing(fromEnv))) throw new Error(`REDIS_URL=${fromEnv} does not answer PING`);
    return { url: fromEnv, how: 'REDIS_URL', stop: () => Promise.resolve() };
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0) return startRedisServer();
  if (await answersPing('redis://127.0.0.1:6379')) return { url: 'redis://127.0.0.1:6379', how: '127.0.0.1:6379', stop: () => Promise.resolve() };
  throw new Error(
    'The Redis integration test needs Redis and found none: no REDIS_URL, no redis-server on PATH to start, nothing on 127.0.0.1:6379. ' +
      'Install it (apt-get install redis-server) or set REDIS_URL=redis://host:port.',
  );
}

/** A port nothing listens on (bound, then let go). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * `redis-server` without persistence, stopped by `stop()`: on a free port, or on `port` (to
 * start it again where a stopped one was), with `args` added. The tests of failures, which need a
 * Redis of their own to stop and start, use it directly.
 */
export async function startRedisServer(
  options: { readonly port?: number; readonly args?: readonly string[] } = {},
): Promise<RunningRedis & { freeze(): void; thaw(): void }> {
  // --port 0 would mean "no TCP at all" to Redis: find a free port, then hand it over
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    how: `redis-server on port ${port}`,
    // SIGSTOP: the kernel still accepts connections, but nothing answers, as with a hung Redis
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }),
  };
}

async function answersPing(url: string): Promise<boolean> {
  // one attempt, no reconnection: the question is whether it answers now
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
