#!/usr/bin/env node
// The hub and the `hearth` CLI as a few bundled files, for `npm start`, the bin and the Docker image: a
// start then reads a handful of files instead of some 2,700 modules (Nest, TypeORM, rxjs, validators),
// which is most of what it used to spend before it answered. It bundles tsc's output (apps/hub/dist/src),
// which already carries Nest's decorator metadata. The bundle sits in apps/hub/dist/bundle, as deep
// as dist/src, so what the hub finds walking up from itself (its package.json, devices/) and what it
// resolves from there (the dashboard, better-sqlite3) is the same.
// Run: node tools/bundle-hub.mjs [--out <dir>]   (tools/build.mjs runs it after tsc)
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const HUB = fileURLToPath(new URL('../apps/hub/', import.meta.url));
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag > 0 ? process.argv[outFlag + 1] : join(HUB, 'dist', 'bundle');

/**
 * Loaded from node_modules at run time: native addons (found next to their package), pino, whose
 * transports run its own files in a worker thread, and swagger-ui-dist, which serves the files beside it.
 */
const RUNTIME = [/^better-sqlite3(\/|$)/, /^serialport(\/|$)/, /^@serialport\//, /^pino(-pretty)?(\/|$)/, /^swagger-ui-dist(\/|$)/];
/** Packages Nest tries to load and does without (microservices, socket.io, Fastify); not installed. */
const OPTIONAL = ['@nestjs/microservices', '@nestjs/microservices/microservices-module.js', '@nestjs/platform-socket.io', '@fastify/static'];

/**
 * Packages that load a dependency with `createRequire(import.meta.url)('name')` (@nestjs/typeorm, Nest's
 * WebSocket adapter, mapped types) get the bundled copy: left alone, the bundler cannot see through it
 * and each would load a second, unbundled copy from node_modules at start (all of TypeORM: ~300 files).
 */
const bundledRequires = {
  name: 'bundled-requires',
  transform: {
    filter: { id: /node_modules/, code: 'createRequire(import.meta.url)' },
    handler: (code) => code.replace(/const require = createRequire\(import\.meta\.url\);/, '').replaceAll(/createRequire\(import\.meta\.url\)\((?=['"])/g, 'require('),
  },
};

/**
 * Nest's Logger and ConsoleLogger each build an Intl.DateTimeFormat for timestamps as their modules load: the first
 * Intl.DateTimeFormat in a process maps ~8 MB of ICU data, kept for good. The hub logs through pino and
 * never prints a Nest timestamp; the formatter is made the first time one is printed instead.
 */
const NEST_TIMESTAMPS = /const dateTimeFormatter = new Intl\.DateTimeFormat\((undefined, \{[^}]*\})\);/;
const lazyNestTimestamps = {
  name: 'lazy-nest-timestamps',
  transform: {
    filter: { id: /@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service\.js$/ },
    handler(code, id) {
      // Fails the build when a Nest upgrade changes the line, rather than quietly loading ICU data again.
      if (!NEST_TIMESTAMPS.test(code)) throw new Error(`@nestjs/common's ${basename(id)} no longer has the timestamp formatter this bundle makes lazy: update lazyNestTimestamps in tools/bundle-hub.mjs`);
      return code.replace(NEST_TIMESTAMPS, 'let dateTimeFormat;\nconst dateTimeFormatter = { format: (ms) => (dateTimeFormat ??= new Intl.DateTimeFormat($1)).format(ms) };');
    },
  },
};

const unresolved = [];
rmSync(OUT, { recursive: true, force: true });
await build({
  input: { main: join(HUB, 'dist/src/main.js'), cli: join(HUB, 'dist/src/cli/main.js') },
  platform: 'node',
  plugins: [bundledRequires, lazyNestTimestamps],
  external: [...RUNTIME, ...OPTIONAL],
  onLog(level, log, handle) {
    if (log.code === 'UNRESOLVED_IMPORT') unresolved.push(log.message);
    else if (log.code !== 'EVAL') handle(level, log); // the worker threads' code is eval'd on purpose
  },
  output: {
    dir: OUT,
    format: 'esm',
    // Modules run in the order plain ESM runs them: reflect-metadata (imported first by both entries)
    // before any decorator.
    strictExecutionOrder: true,
    // Smaller to read and parse at every start; names kept, as Nest and TypeORM name things after classes
    // and errors should say which function they came from.
    minify: true,
    keepNames: true,
    // V8 holds an all-ASCII source in one byte a character, any other in two: ~4 MB less at run time.
    charset: 'ascii',
  },
});
if (unresolved.length > 0) {
  process.stderr.write(`hearth: the hub bundle imports what is not installed:\n${unresolved.join('\n')}\n`);
  process.exit(1);
}
