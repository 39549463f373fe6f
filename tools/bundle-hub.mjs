#!/usr/bin/env node
// The hub and the `hearth` CLI as a few bundled files, for `npm start`, the bin and the Docker image: a
// start then reads a handful of files instead of some 2,700 modules (Nest, TypeORM, rxjs, validators),
// which is most of what it used to spend before it answered. It bundles tsc's output (apps/hub/dist/src),
// which already carries Nest's decorator metadata. The bundle sits in apps/hub/dist/bundle, as deep
// as dist/src, so what the hub finds walking up from itself (its package.json, devices/) and what it
// resolves from there (the dashboard, better-sqlite3) is the same.
// Run: node tools/bundle-hub.mjs [--out <dir>]   (tools/build.mjs runs it after tsc)
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
 * Packages that load a dependency with `createRequire(import.meta.url)('name')` (Nest's WebSocket
 * adapter, mapped types) get the bundled copy: left alone, the bundler cannot see through it and each
 * would load a second, unbundled copy from node_modules.
 */
const bundledRequires = {
  name: 'bundled-requires',
  transform: {
    filter: { id: /node_modules/, code: 'createRequire(import.meta.url)' },
    handler: (code) => code.replace(/const require = createRequire\(import\.meta\.url\);/, '').replaceAll(/createRequire\(import\.meta\.url\)\((?=['"])/g, 'require('),
  },
};

/**
 * What dependencies make as their modules load and an idle hub never uses, made on first use instead.
 * Each `from` must be in the file as written: a dependency upgrade that changes it fails the build
 * rather than quietly costing the memory again.
 */
const DEFERRED = [
  {
    // Nest's Logger and ConsoleLogger each build an Intl.DateTimeFormat for their timestamps. The first
    // Intl.DateTimeFormat in a process maps ~8 MB of ICU data for good; the hub logs through pino.
    file: /@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service\.js$/,
    from: /const dateTimeFormatter = new Intl\.DateTimeFormat\((undefined, \{[^}]*\})\);/,
    to: 'let dateTimeFormat;\nconst dateTimeFormatter = { format: (ms) => (dateTimeFormat ??= new Intl.DateTimeFormat($1)).format(ms) };',
  },
  {
    // class-validator's @IsPhoneNumber loads libphonenumber-js and its metadata of every country's
    // numbering plan; the hub validates no phone numbers.
    file: /class-validator[\\/]cjs[\\/]decorator[\\/]string[\\/]IsPhoneNumber\.js$/,
    from: /const max_1 = require\("libphonenumber-js\/max"\);/,
    to: 'let max;\nconst max_1 = { parsePhoneNumber: (...args) => (max ??= require("libphonenumber-js/max")).parsePhoneNumber(...args) };',
  },
  {
    // TypeORM's DriverFactory loads all 17 of its drivers (Oracle, SAP HANA, MongoDB, ...) with their
    // query runners to pick one by name; the hub's is better-sqlite3. Each is loaded when picked.
    file: /typeorm[\\/]driver[\\/]DriverFactory\.js$/,
    from: /const (\w+)_1 = require\("(\.\/[\w-]+\/\w+)"\);/g,
    to: 'const $1_1 = { get $1() { return require("$2").$1; } };',
  },
];
const deferred = {
  name: 'deferred',
  transform: {
    filter: { id: { include: DEFERRED.map(({ file }) => file) } },
    handler(code, id) {
      const { from, to } = DEFERRED.find(({ file }) => file.test(id));
      if (code.search(from) === -1) throw new Error(`${id} no longer has what tools/bundle-hub.mjs defers (${from}): update DEFERRED there`);
      return code.replace(from, to);
    },
  },
};

/**
 * JSON modules (mime-db's table of media types, twice in two versions; iconv-lite's code pages) as
 * `JSON.parse` of a string rather than as object literals: V8 builds a syntax tree of an object literal
 * when it compiles the file (~8 MB of parser memory at start for the chunk holding mime-db, which glibc
 * then keeps) and a boilerplate of it beside the object; JSON.parse builds only the object.
 */
const JSON_PARSE_FROM = 10_000;
const jsonParse = {
  name: 'json-parse',
  load: {
    filter: { id: /\.json$/ },
    handler(id) {
      const text = readFileSync(id, 'utf8');
      if (text.length < JSON_PARSE_FROM) return null;
      return { code: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(text)))});`, moduleType: 'js' };
    },
  },
};

const unresolved = [];
rmSync(OUT, { recursive: true, force: true });
await build({
  input: { main: join(HUB, 'dist/src/main.js'), cli: join(HUB, 'dist/src/cli/main.js') },
  platform: 'node',
  plugins: [bundledRequires, deferred, jsonParse],
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
