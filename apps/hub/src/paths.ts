import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest `relative` path found walking up from this file: sources and compiled output sit at
 * different depths, and the hub finds its package.json and the repository's `devices/` both ways.
 */
export function findUp(relative: string): string | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
