// Copies the non-TypeScript files the compiled server reads at run time (SQL) into dist/.
import { cpSync, writeFileSync } from 'node:fs';

cpSync('src/introspection/catalog.sql', 'dist/src/introspection/catalog.sql');
cpSync('src/db/sample', 'dist/src/db/sample', { recursive: true });

// Marks when this build finished: `npm start` (scripts/build-if-stale.mjs) rebuilds when a source is newer.
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
