import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HubConfig } from '../config/config.schema.js';

/** The hub's one SQLite file. */
export const databaseFile = (config: HubConfig): string => join(resolve(config.dataDir), 'hearth.db');

/**
 * The data directory and the database for the hub's user alone (0700, 0600): the database holds password
 * hashes and session digests. SQLite gives its -wal and -shm files the database file's mode, so creating
 * that file first is enough for new ones; older installations are tightened at start.
 */
export function prepareDataDir(config: HubConfig): string {
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = databaseFile(config);
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  return file;
}
