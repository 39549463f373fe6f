import { Inject, Injectable } from '@nestjs/common';
import type { EnergyTariffsDto, MeterRole } from '@hearth/statistics';
import type { Database, Statement } from 'better-sqlite3';
import { SQLITE } from '../database/database.tokens.js';

const NO_TARIFFS: EnergyTariffsDto = { currency: 'EUR', tariffs: [] };

/** Meter roles (table `meter`) and the tariffs (setting `energyTariffs`): what a person set, read on each query. */
@Injectable()
export class EnergySettingsRepository {
  private readonly roles: Statement;
  private readonly putRole: Statement;
  private readonly tariffsRow: Statement;
  private readonly putTariffs: Statement;

  constructor(@Inject(SQLITE) db: Database) {
    this.roles = db.prepare('SELECT entity_id AS entityId, role FROM meter');
    this.putRole = db.prepare('INSERT INTO meter (entity_id, role, updated_at) VALUES (?, ?, ?) ON CONFLICT (entity_id) DO UPDATE SET role = excluded.role, updated_at = excluded.updated_at');
    this.tariffsRow = db.prepare(`SELECT value FROM setting WHERE key = 'energyTariffs'`);
    this.putTariffs = db.prepare(`INSERT INTO setting (key, value, updated_at) VALUES ('energyTariffs', ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  }

  /** Roles set by a person; a meter without one is a device. */
  meterRoles(): Map<string, MeterRole> {
    return new Map((this.roles.all() as Array<{ entityId: string; role: MeterRole }>).map((row) => [row.entityId, row.role]));
  }

  setMeterRole(entityId: string, role: MeterRole): void {
    this.putRole.run(entityId, role, Date.now());
  }

  tariffs(): EnergyTariffsDto {
    const row = this.tariffsRow.get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as EnergyTariffsDto) : NO_TARIFFS;
  }

  setTariffs(tariffs: EnergyTariffsDto): void {
    const sorted = { ...tariffs, tariffs: [...tariffs.tariffs].sort((a, b) => a.validFrom.localeCompare(b.validFrom)) };
    this.putTariffs.run(JSON.stringify(sorted), Date.now());
  }
}
