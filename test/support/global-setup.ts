/**
 * vitest globalSetup: runs once, in the main process, before any test file.
 *
 * On a PostgreSQL server it drops the databases of test runs that died, then builds the Pagila
 * template if this content of Pagila has none yet, so that test files only clone it. On PGlite
 * there is nothing to share between test files: each loads what it needs in memory.
 */
import { dropStaleTestDatabases, ensurePagilaTemplate, resolveServer } from './database.js';

export default async function setup(): Promise<void> {
  const server = await resolveServer();
  if (server.kind !== 'postgres') return;
  await dropStaleTestDatabases(server.adminUrl);
  await ensurePagilaTemplate(server.adminUrl);
}
