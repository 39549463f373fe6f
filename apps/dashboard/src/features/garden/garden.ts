import type { DeviceDto, EntityDto } from '@hearth/api-types';

/** Readings in the order a garden card shows them, with their labels. */
export const READINGS: Record<string, string> = {
  moisture: 'Moisture',
  temperature: 'Temperature',
  humidity: 'Humidity',
  illuminance: 'Light',
  battery: 'Battery',
};
const ORDER = Object.keys(READINGS);

/** Readings that have a season view: each day's low, mean and high. */
export const SEASON_CLASSES: readonly string[] = ['moisture', 'temperature'];

export type Level = 'ok' | 'warn' | 'bad';

export interface Threshold {
  level: Level;
  message: string;
}

/** What needs attention in a reading, or null. Moisture under 30 % is dry soil; under 15 % the plants suffer. */
export function threshold(deviceClass: string | null, value: unknown): Threshold | null {
  if (typeof value !== 'number') return null;
  switch (deviceClass) {
    case 'moisture':
      if (value < 15) return { level: 'bad', message: 'Very dry' };
      if (value < 30) return { level: 'warn', message: 'Dry, water soon' };
      return null;
    case 'battery':
      if (value < 10) return { level: 'bad', message: 'Battery empty soon' };
      if (value < 20) return { level: 'warn', message: 'Battery low' };
      return null;
    case 'temperature':
      if (value <= 2) return { level: 'warn', message: 'Frost risk' };
      if (value >= 35) return { level: 'warn', message: 'Hot' };
      return null;
    default:
      return null;
  }
}

export interface GardenSensor {
  key: string;
  name: string;
  readings: EntityDto[];
  /** The device's watering valves (the garden sensor's own valve, say). */
  valves: EntityDto[];
  lastSeen: string | null;
  available: boolean;
}

const isGarden = (entity: EntityDto) => entity.deviceClass === 'moisture' || /garden/i.test(entity.area ?? '');

/**
 * Garden sensors: every device with a soil-moisture reading or in an area named like "Garden", with all
 * its sensor readings and valves. Entities without a device stand alone.
 */
export function gardenSensors(entities: readonly EntityDto[], devices: readonly DeviceDto[]): GardenSensor[] {
  const sensors = entities.filter((entity) => entity.kind === 'sensor');
  const keyOf = (entity: EntityDto) => entity.deviceId ?? entity.id;
  const gardenKeys = new Set(sensors.filter(isGarden).map(keyOf));
  const groups = new Map<string, EntityDto[]>();
  for (const entity of sensors) {
    const key = keyOf(entity);
    if (gardenKeys.has(key)) groups.set(key, [...(groups.get(key) ?? []), entity]);
  }
  const deviceNames = new Map(devices.map((device) => [device.id, device.name]));
  const valves = entities.filter((entity) => entity.kind === 'valve');
  return [...groups]
    .map(([key, readings]) => ({
      key,
      name: deviceNames.get(key) ?? (readings.length === 1 ? readings[0]!.name : key),
      readings: readings.sort((a, b) => rank(a) - rank(b)),
      valves: valves.filter((valve) => valve.deviceId === key),
      lastSeen: readings.map((reading) => reading.lastUpdated).reduce<string | null>((a, b) => (!a || (b && b > a) ? b : a), null),
      available: readings.some((reading) => reading.available),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const rank = (entity: EntityDto) => {
  const index = ORDER.indexOf(entity.deviceClass ?? '');
  return index === -1 ? ORDER.length : index;
};
