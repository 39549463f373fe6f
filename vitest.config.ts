import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the "@hearth/source" condition,
// so tests run against source without a build step in between.
export default defineConfig({
  ssr: { resolve: { conditions: ['@hearth/source', ...defaultServerConditions] } },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'migrations/src/**/*.test.ts', 'apps/hub/{src,test}/**/*.test.ts', 'devices/**/src/**/*.test.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
