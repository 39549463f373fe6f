// First, before any module with decorators: Nest's and TypeORM's read and write its metadata as they load.
import 'reflect-metadata';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
