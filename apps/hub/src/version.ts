import { readFileSync } from 'node:fs';
import { findUp } from './paths.js';

function readHubVersion(): string {
  const file = findUp('package.json');
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown';
}

/** The hub's version, from its package.json. */
export const HUB_VERSION = readHubVersion();
