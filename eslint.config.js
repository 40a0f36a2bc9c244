// @ts-check
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Lint: typescript-eslint's recommended rules, and the layering of src/ and plugins/ checked
 * on every run (`npm run lint`, run by .ci/run before the tests):
 * - no import cycles (import-x/no-cycle; `import type` does not count: types leave no
 *   runtime edge);
 * - src/rest and src/graphql never import src/server (the composition root sits on top);
 * - from outside a folder, imports go through its index.ts (each folder's only way in).
 */

/** The folders whose only way in is their index.ts (every folder of src/ and plugins/ that has one). */
const folders = ['src', 'plugins'].flatMap(function withIndex(dir) {
  const sub = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => withIndex(join(dir, entry.name)));
  return dir !== 'src' && existsSync(join(dir, 'index.ts')) ? [dir, ...sub] : sub;
});

/**
 * Globs for every source file of src/ and plugins/ outside `folder` (minimatch has no "all
 * but"): at each level of its path, the sibling entries of the segment it goes through.
 */
function outside(folder) {
  const segments = folder.split('/');
  const globs = segments[0] === 'src' ? ['plugins/**'] : ['src/**'];
  for (let i = 0; i < segments.length; i++) {
    const parent = segments.slice(0, i).join('/');
    if (i > 0) globs.push(`${parent}/*.ts`);
    if (i > 0) globs.push(`${parent}/!(${segments[i]})/**`);
  }
  return globs;
}

/** The layering as import-x/no-restricted-paths zones. */
function zones() {
  return [
    {
      target: ['src/rest', 'src/graphql'],
      from: 'src/server',
      message: 'rest/ and graphql/ sit below the server (the composition root): move what they need to a lower layer (src/http).',
    },
    ...folders.map((folder) => ({
      target: outside(folder),
      from: folder,
      except: ['./index.ts'],
      message: `Import it through ${folder}/index.ts, the folder's only way in.`,
    })),
  ];
}

const sources = ['src/**/*.ts', 'plugins/**/*.ts'];

export default defineConfig(
  globalIgnores(['dist/**', 'coverage/**', '.pgduet/**', 'schema-cache/**']),
  tseslint.configs.recommended,
  {
    rules: {
      // an underscore says "unused on purpose" (a destructured field left out, a type parameter kept for its position)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: sources,
    plugins: { 'import-x': importX },
    settings: {
      // read .ts files when following imports (import-x skips what it cannot parse)
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // TypeScript's NodeNext style: `./x.js` in the source is `./x.ts` on disk
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: zones() }],
    },
  },
);
