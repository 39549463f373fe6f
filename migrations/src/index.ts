import type { MigrationInterface } from 'typeorm';
import { BrokerPersistence1764150000000 } from './1764150000000-broker-persistence.js';
import { DevicesEntities1764170000000 } from './1764170000000-devices-entities.js';

/** Every migration, oldest first; the hub runs the pending ones at start. */
export const migrations: Array<new () => MigrationInterface> = [BrokerPersistence1764150000000, DevicesEntities1764170000000];
