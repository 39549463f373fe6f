import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The CLI as tsc compiled it (`npm test` builds first). `npx hearth` runs the bundle made from it when
 * built (bin/hearth.js); the bundle's own test is build.bundle.test.ts.
 */
export const HEARTH_CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `hearth ...args` on `dataDir` (its HEARTH_DATA_DIR and working directory), still running: `stdout()` so far, `done` at exit. */
export function startHearth(args: string[], dataDir: string, stdin = ''): { child: ChildProcess; stdout(): string; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [HEARTH_CLI, ...args], { env: { ...process.env, HEARTH_DATA_DIR: dataDir, HEARTH_LOG_LEVEL: 'silent' }, cwd: dataDir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(stdin);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout: () => stdout, done };
}

/** Runs `hearth ...args` to the end. */
export const hearth = (args: string[], dataDir: string, stdin = ''): Promise<CliResult> => startHearth(args, dataDir, stdin).done;
