import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm start` (tools/start.mjs) and `npm test` (`node tools/build.mjs --if-stale`) build only when a source changed
// since the last build. `--check` asks the same question without building.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const check = () => spawnSync(process.execPath, ['tools/build.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });

describe('the build check of npm start', () => {
  it('finds a built tree current, and stale once a source changes (until it is as it was)', () => {
    const before = check();
    expect(before.stdout.trim(), 'npm test builds before the tests; run `npm run build` first').toBe('current');
    expect(before.status).toBe(0);

    for (const source of ['apps/dashboard/src/main.ts', 'libs/broker/src/broker.ts']) {
      const file = fileURLToPath(new URL(source, `file://${ROOT}`));
      const { atime, mtimeMs } = statSync(file);
      try {
        utimesSync(file, atime, (mtimeMs + 60_000) / 1000);
        const after = check();
        expect(after.stdout.trim()).toBe('stale: a source changed since the last build');
        expect(after.status).toBe(1);
      } finally {
        utimesSync(file, atime, mtimeMs / 1000);
      }
      expect(check().stdout.trim()).toBe('current');
    }
  });
});
