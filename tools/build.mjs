#!/usr/bin/env node
// The build: TypeScript project references (tsc -b), the dashboard (Vite), the bundled hub that
// `npm start` runs (tools/bundle-hub.mjs), and a stamp of what it was built from. `--if-stale` (npm
// test, npm run bench, and install through `prepare`; npm start through tools/start.mjs) builds only
// when a source changed since the stamp, or an output is missing: a start on a current build costs a
// walk over the sources' file sizes and times, not a compiler start. `--check` only says.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'node_modules', '.cache', 'hearth-build.json');
/** Everything tsc -b, the dashboard build and the hub bundle read, outside node_modules and build output. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'tools/bundle-hub.mjs', 'libs', 'migrations', 'devices/simulator', 'apps/hub', 'apps/dashboard'];
const SKIPPED = new Set(['node_modules', 'dist']);
/** What the hub needs at run time; a build directory removed since the stamp means building again. */
const OUTPUTS = ['apps/hub/dist/src/main.js', 'apps/hub/dist/bundle/main.js', 'apps/dashboard/dist/index.html'];

/** Path, size and modification time of every source file: a changed, added or removed file changes it. */
function fingerprint() {
  const hash = createHash('sha256');
  const visit = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIPPED.has(name) && !name.startsWith('.') && !name.endsWith('.tsbuildinfo')) visit(join(path, name));
    } else hash.update(`${relative(ROOT, path)} ${stat.size} ${Math.trunc(stat.mtimeMs)}\n`);
  };
  for (const source of SOURCES) visit(join(ROOT, source));
  return hash.digest('hex');
}

/** Why the build is not current, or null when it is. */
export function staleness() {
  const missing = OUTPUTS.find((output) => !existsSync(join(ROOT, output)));
  if (missing) return `${missing} is missing`;
  if (!existsSync(STAMP)) return 'never built here';
  return JSON.parse(readFileSync(STAMP, 'utf8')).sources === fingerprint() ? null : 'a source changed since the last build';
}

/** Builds everything, then stamps what it was built from; exits the process if a step fails. */
export function build() {
  const before = fingerprint();
  for (const [command, args] of [
    ['tsc', ['-b']],
    ['vite', ['build', '--logLevel', 'warn']],
    ['node', ['tools/bundle-hub.mjs']],
  ]) {
    const cwd = command === 'vite' ? join(ROOT, 'apps/dashboard') : ROOT;
    const bin = command === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', command);
    console.error(`hearth: building (${command} ${args.join(' ')})`);
    const run = spawnSync(bin, args, { cwd, stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, JSON.stringify({ sources: before, builtAt: new Date().toISOString() }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --check: say whether a build is needed, and build nothing (exit status 1 when it is).
  if (process.argv.includes('--check')) {
    const reason = staleness();
    console.log(reason === null ? 'current' : `stale: ${reason}`);
    process.exit(reason === null ? 0 : 1);
  }
  if (!process.argv.includes('--if-stale') || staleness() !== null) build();
}
