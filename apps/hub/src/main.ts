// First, before any module with decorators: Nest's and TypeORM's read and write its metadata as they load.
import 'reflect-metadata';
import { runCli } from './cli/run.js';

/** `node dist/src/main.js [--demo]` (what `npm start` runs) is `hearth start`. */
process.exitCode = await runCli(['start', ...process.argv.slice(2)]);
