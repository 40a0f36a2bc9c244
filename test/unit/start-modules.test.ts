import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What `pgduet serve` loads before it answers: module loading is a large part of a start (0.6 s
 * above a bare node process at 10,000 tables, most of a small schema's start), so packages only
 * some requests or settings need are loaded when they do. This walks the static imports from the
 * CLI's entry (type-only imports and `import()` left out, as node leaves them) and lists the
 * packages reached.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// `import … from 'x'`, `export … from 'x'`, `import 'x'`: not `import type`/`export type`
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm;

function packagesReached(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const files = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(STATIC_IMPORT)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) throw new Error(`${relative(ROOT, file)}: cannot find ${specifier}`);
      visit(target);
    }
  };
  visit(join(ROOT, entry));
  return { packages, files };
}

describe('the modules a start loads', () => {
  const { packages, files } = packagesReached('src/cli/main.ts');

  it('walks the whole server (the check below is not vacuous)', () => {
    expect(files.has(join(ROOT, 'src/server/start.ts'))).toBe(true);
    expect(files.has(join(ROOT, 'src/config/load.ts'))).toBe(true);
    expect(files.has(join(ROOT, 'src/rest/parse/csv.ts'))).toBe(true);
    expect(files.has(join(ROOT, 'plugins/jwt/verify-token.ts'))).toBe(true);
    expect(packages).toContain('zod');
    expect(packages).toContain('pg');
  });

  it('leaves out what only a config file (yaml), a CSV body (csv-parse) or a JWT (jose) needs', () => {
    expect(packages).not.toContain('yaml');
    expect(packages).not.toContain('csv-parse/sync');
    expect(packages).not.toContain('jose');
  });
});
