#!/usr/bin/env node
// `npm start`: builds first if a source changed since the last build (as `build.mjs --if-stale`), then
// runs the bundled hub in this process, so that a start on a current build is one Node start, not two.
import { build, staleness } from './build.mjs';

if (staleness() !== null) build();
await import('../apps/hub/dist/bundle/main.js');
