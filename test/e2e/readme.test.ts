import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../support/cli.js';
import { freePort, runCommand, shellEnv, startCommand, stopCommand, waitReady } from '../support/processes.js';

/**
 * The README's examples, run as written against the server its first command starts
 * (`npm start`, here with `--memory` and a free port instead of 4000, which may be taken).
 *
 * An example is a ```sh block right after a `<!-- readme-test -->` line; a ```json block right
 * after it is the answer it must print (compared as JSON: the server sends PostgreSQL's own
 * spacing). The only change made to a command is the port.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Example {
  readonly command: string;
  readonly answer: string | undefined;
}

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const pattern = /<!-- readme-test -->\n```sh\n([\s\S]*?)```\n(?:\n```json\n([\s\S]*?)```\n)?/g;
  for (const match of markdown.matchAll(pattern)) found.push({ command: match[1] ?? '', answer: match[2] });
  return found;
}

/** The body of a `## ` section, up to the next one. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "${title}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const EXAMPLES = examples(README);
let server: ChildProcess | undefined;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = startCommand('npm', ['start', '--', '--memory', '--port', String(port)], { cwd: ROOT, env: shellEnv(cleanEnv({})) });
  await waitReady(`http://127.0.0.1:${port}`, server);
}, 120_000);

afterAll(async () => {
  if (server !== undefined) await stopCommand(server);
});

function onOurPort(text: string): string {
  return text.replaceAll('localhost:4000', `localhost:${port}`);
}

describe('the README', () => {
  it('starts with the two commands: install and start, test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    expect(firstBlock.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual(['npm ci && npm start', 'npm test', '']);
  });

  it('has tested examples in the tour for both protocols and in both "Coming from" sections', () => {
    const tour = examples(section(README, 'A 60-second tour'));
    expect(tour.some((e) => e.command.includes('/graphql'))).toBe(true);
    expect(tour.some((e) => e.command.includes('/rest/'))).toBe(true);
    expect(examples(section(README, 'Coming from PostgREST'))).toHaveLength(1);
    expect(examples(section(README, 'Coming from Hasura'))).toHaveLength(1);
    for (const example of EXAMPLES) expect(example.answer, example.command).toBeDefined();
  });

  it.each(EXAMPLES.map((example) => [example.command.trim().split('\n')[0] ?? '', example] as const))('%s', async (_title, example) => {
    const result = await runCommand('sh', ['-c', onOurPort(example.command)], { cwd: ROOT, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout), result.stdout).toEqual(JSON.parse(example.answer ?? 'null'));
  });

  it("the tour's documentation links answer", async () => {
    const links = [...section(README, 'A 60-second tour').matchAll(/^\| (http:\/\/localhost:4000\/\S+) \|/gm)].map((m) => m[1] ?? '');
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) {
      const response = await fetch(onOurPort(link), { headers: { accept: 'text/html' } });
      expect(response.status, link).toBe(200);
    }
  });
});
