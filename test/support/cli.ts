import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './server.js';

/** The real `pgduet` command in a child process, as a user runs it. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/bin.ts');

export interface Run {
  readonly code: number | null;
  /** the signal that ended it, when one did (code is then null) */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, PGDUET_LOG_LEVEL: 'warn' };
  for (const key of ['DATABASE_URL', 'PGDUET_CONFIG', 'PORT', 'HOST', 'PGDUET_SCHEMAS']) if (!(key in extra)) delete env[key];
  return env;
}

export function start(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function run(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  const child = start(args, env, cwd);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function tempConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pgduet-cli-')), 'pgduet.yaml');
  writeFileSync(file, text);
  return file;
}

/** Starts `serve` on a free port and waits for /ready; returns the child and its URL. */
export async function serve(args: readonly string[], env: Record<string, string>, cwd = ROOT): Promise<{ child: ChildProcess; url: string; output: Promise<Run> }> {
  const child = start(['serve', '--port', '0', ...args], env, cwd);
  const output = collect(child);
  let banner = '';
  child.stderr?.on('data', (chunk: Buffer) => (banner += chunk.toString()));
  let url = '';
  await eventually(() => {
    const match = /ready on (http:\/\/\S+)/.exec(banner);
    if (match?.[1] !== undefined) url = match[1];
    return url !== '' || child.exitCode !== null;
  }, 180_000, 'the server banner');
  if (url === '') throw new Error(`server exited: ${(await output).stderr}`);
  return { child, url, output };
}

