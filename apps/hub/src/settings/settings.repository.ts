import { Inject, Injectable } from '@nestjs/common';
import type { HubSettings } from '@hearth/api-types';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';
import { HubEvents } from '../events/hub-events.js';

const UNSET: HubSettings = { location: null };

/** The house's settings in the `setting` table: a row per key, the value as JSON; a missing row is null. */
@Injectable()
export class SettingsRepository {
  private readonly all: Statement;
  private readonly replace: (settings: HubSettings) => void;

  constructor(
    @Inject(SQLITE) db: Database,
    private readonly events: HubEvents,
  ) {
    this.all = db.prepare('SELECT key, value FROM setting');
    const put = db.prepare(
      'INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.replace = db.transaction((settings: HubSettings) => {
      const now = Date.now();
      for (const key of Object.keys(UNSET) as Array<keyof HubSettings>) put.run(key, JSON.stringify(settings[key]), now);
    });
  }

  read(): HubSettings {
    const stored = new Map((this.all.all() as Array<{ key: string; value: string }>).map((row) => [row.key, JSON.parse(row.value) as unknown]));
    return Object.fromEntries(Object.entries(UNSET).map(([key, unset]) => [key, stored.get(key) ?? unset])) as unknown as HubSettings;
  }

  /** The house's IANA time zone: the location's, else the machine's. Days, weeks and months of energy and history are its. */
  timeZone(): string {
    return this.read().location?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  /** Replaces every setting at once (one transaction), announces it (the rules' sun schedules follow the location) and answers what is now stored. */
  write(settings: HubSettings): HubSettings {
    this.replace(settings);
    const stored = this.read();
    this.events.emit('settingsChanged', stored);
    return stored;
  }
}
