import { runCli } from './cli/run.js';

/** `node dist/src/main.js [--demo]` (what `npm start` runs) is `hearth start`. */
process.exitCode = await runCli(['start', ...process.argv.slice(2)]);
