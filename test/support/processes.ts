import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from './server.js';

/**
 * Commands run as a user runs them (npm, npx, sh), for the tests of the package and of the
 * README: each in a process group of its own, so that stopping it stops what it started too
 * (npx starts node, `sh -c` starts curl).
 */

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly cwd: string;
  /** default: ours, without npm's variables (`shellEnv`) */
  readonly env?: NodeJS.ProcessEnv;
  /** killed (the whole group) after this long; the result then has code null */
  readonly timeoutMs?: number;
}

/**
 * The environment a user's shell has: `npm test` puts its own `npm_*` variables (its config,
 * `npm_config_local_prefix` = this repository, the lifecycle event) into ours, and an npm
 * started from a test would take them as its own.
 */
export function shellEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

/** Runs a command to its end and collects its output. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const child = startCommand(command, args, options);
  const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), options.timeoutMs ?? 120_000);
  return collectOutput(child).finally(() => clearTimeout(timer));
}

/** Starts a long-running command (a server); stop it with `stopCommand`. */
export function startCommand(command: string, args: readonly string[], options: CommandOptions): ChildProcess {
  return spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? shellEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

export function collectOutput(child: ChildProcess): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** SIGTERM to the command's process group, SIGKILL if it is still there after `graceMs`. */
export async function stopCommand(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  stopGroup(child, 'SIGTERM');
  const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), graceMs);
  await closed;
  clearTimeout(timer);
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `GET {base}/ready` answers 200 (or the process behind it exits). */
export async function waitReady(base: string, child: ChildProcess, ms = 90_000): Promise<void> {
  let ready = false;
  await eventually(
    async () => {
      if (child.exitCode !== null) return true;
      ready = await fetch(`${base}/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
      return ready;
    },
    ms,
    `${base}/ready`,
  );
  if (!ready) throw new Error(`the server exited (code ${String(child.exitCode)}) before ${base}/ready answered`);
}
