import { existsSync, readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * pgduet's version, from its package.json: one folder up from `src/` when run from the
 * sources (tsx), two up from `dist/src/` when built.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const path of ['../package.json', '../../package.json']) {
    const url = new URL(path, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'pgduet' && pkg.version !== undefined) {
      cached = pkg.version;
      break;
    }
  }
  return cached;
}
