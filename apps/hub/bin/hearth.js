#!/usr/bin/env node
// The `hearth` CLI. A checked-in shim, so npm can link the bin at install time, before the build.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('hearth: the hub is not built yet; run npm run build first\n');
  process.exit(1);
}
await import(compiled.href);
