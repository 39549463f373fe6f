import { join, resolve } from 'node:path';
import type { HubConfig } from '../config/config.schema.js';

/** The hub's one SQLite file. */
export const databaseFile = (config: HubConfig): string => join(resolve(config.dataDir), 'hearth.db');
