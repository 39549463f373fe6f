#!/usr/bin/env node
// The `hearth` CLI. A checked-in shim, so npm can link the bin at install time, before the build.
import { existsSync } from 'node:fs';

// The bundle when built (a quicker start); tsc's output otherwise, as after `npx tsc -b` alone.
const compiled = [new URL('../dist/bundle/cli.js', import.meta.url), new URL('../dist/src/cli/main.js', import.meta.url)].find((file) => existsSync(file));
if (!compiled) {
  process.stderr.write('hearth: the hub is not built yet; run npm run build first\n');
  process.exit(1);
}
await import(compiled.href);
