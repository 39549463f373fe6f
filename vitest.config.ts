import { svelteTesting } from '@testing-library/svelte/vite';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { missingPackages } from './libs/broker/src/testing/system-packages.ts';

/**
 * The same behaviour on an external broker: these suites again, each hub on a Mosquitto of its own
 * (HEARTH_MQTT_URL), devices speaking to that Mosquitto. Without Debian's mosquitto the project is left
 * out with a note naming it, except under CI, where its tests then fail.
 */
function externalBrokerProject() {
  const missing = missingPackages('mosquitto');
  if (missing && !process.env.CI) {
    console.warn(`project external skipped: ${missing}`);
    return [];
  }
  return [
    {
      extends: true as const,
      test: { name: 'external', include: ['apps/hub/test/{entities,entities.kinds,rules,realtime,energy}.test.ts'], env: { HEARTH_TEST_BROKER: 'mosquitto' }, sequence: { groupOrder: 0 } },
    },
  ];
}

// Workspace packages export their TypeScript sources under the "@hearth/source" condition,
// so tests run against source without a build step in between.
export default defineConfig({
  ssr: { resolve: { conditions: ['@hearth/source', ...defaultServerConditions] } },
  test: {
    reporters: ['default', './tools/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['libs/*/src/**/*.test.ts', 'migrations/src/**/*.test.ts', 'apps/hub/{src,test}/**/*.test.ts', 'devices/**/src/**/*.test.ts'],
          exclude: ['**/*.alone.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      ...externalBrokerProject(),
      // The NATS cluster's failover, on its own after the rest (see the note in broker.nats.alone.test.ts).
      {
        extends: true,
        test: { name: 'nats', include: ['apps/hub/test/broker.nats.alone.test.ts'], sequence: { groupOrder: 1 } },
      },
      // Tests that measure how the hub answers under load: after everything else, one file at a time,
      // so that what they measure is the hub and not the rest of the suite sharing its two cores.
      {
        extends: true,
        test: {
          name: 'alone',
          include: ['apps/hub/test/**/*.alone.test.ts'],
          exclude: ['apps/hub/test/broker.nats.alone.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      // Dashboard component tests: the dashboard's own Vite config (Svelte), in jsdom.
      {
        extends: './apps/dashboard/vite.config.ts',
        plugins: [svelteTesting()],
        test: { name: 'dashboard', environment: 'jsdom', include: ['apps/dashboard/src/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
    ],
  },
});
