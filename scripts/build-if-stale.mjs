// `npm start` runs the compiled server (`node dist/…`: no TypeScript loader in the serving process,
// the same code the package and the Docker image run). This builds dist/ first when it is missing or
// older than a source file, so a fresh clone and an edited checkout both start with one command.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const stamp = 'dist/.build-stamp';
const sources = ['src', 'plugins', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestChange(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.filter((path) => existsSync(path)).map(newestChange));
if (changed > built) {
  process.stderr.write('compiling TypeScript into dist/ (only when the sources changed)…\n');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
