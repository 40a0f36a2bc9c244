import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports" map: Node's ESM loader (used for graphql-yoga) takes its CJS
    // build, while Vite would take index.mjs for our code — two graphql instances, and yoga
    // refuses "a GraphQLSchema from another module or realm". One entry for both:
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/__tests__/*.test.ts', 'plugins/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration files each get their own database, so files may run in parallel.
    pool: 'forks',
  },
});
