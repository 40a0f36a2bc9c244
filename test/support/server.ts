import { configSchema, type Config, type ConfigInput } from '../../src/config/index.js';
import { buildChain } from '../../src/server/build-chain.js';
import { createLogger, startServer, type Logger, type MountContext, type Mount, type RunningServer } from '../../src/server/index.js';

/** A config for tests: the given database, a free port, quiet logs, fast reloads. */
export function testConfig(databaseUrl: string, input: ConfigInput = {}): Config {
  return configSchema.parse({
    ...input,
    database: { url: databaseUrl, poolSize: 4, ...input.database },
    server: { port: 0, shutdownTimeoutMs: 5000, ...input.server },
    reload: { debounceMs: 20, ...input.reload },
    log: { level: 'silent' },
  });
}

/** Starts the real server in this process (no child process, a real socket on a free port). */
export function startTestServer(
  databaseUrl: string,
  options: {
    readonly config?: ConfigInput;
    readonly mounts?: readonly ((context: MountContext) => Mount | readonly Mount[])[];
    readonly handleSignals?: boolean;
    readonly schemaCacheFile?: string;
    /** default: the server's own logger (with its fault filter), silent unless TEST_LOG is set */
    readonly logger?: Logger;
    readonly progress?: (line: string) => void;
  } = {},
): Promise<RunningServer> {
  const config = testConfig(databaseUrl, options.config);
  return startServer({
    config,
    // the chain the configuration describes, as the CLI builds it
    chain: buildChain,
    logger: options.logger ?? createLogger(process.env['TEST_LOG'] ?? 'silent', { pretty: false }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    mounts: options.mounts ?? [],
    handleSignals: options.handleSignals ?? false,
    schemaCacheFile: options.schemaCacheFile,
  });
}

/** Polls until `check` returns true, or fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
