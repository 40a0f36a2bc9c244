// Copies the non-TypeScript files the compiled server reads at run time (SQL) into dist/.
import { cpSync } from 'node:fs';

cpSync('src/introspection/catalog.sql', 'dist/src/introspection/catalog.sql');
cpSync('src/db/sample', 'dist/src/db/sample', { recursive: true });
