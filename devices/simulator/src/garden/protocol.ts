// The garden sensor's side of the wire, shared with the Arduino sketch
// (devices/firmware/garden-sensor/garden_protocol.h): topic ids, payload text, battery scale.
// A test compiles the sketch's header on the host and compares the bytes.

/** What a garden sensor can report, in the order a report publishes them. */
export const READINGS = ['moisture', 'temperature', 'humidity', 'illuminance', 'battery'] as const;
export type ReadingName = (typeof READINGS)[number];

/** One sample as the sensor's firmware holds it: integers, so both sides print the same text. */
export interface Readings {
  /** Soil moisture, % (0-100). */
  moisture: number;
  /** °C in tenths. */
  temperatureTenths: number;
  /** Relative humidity, %. */
  humidity: number;
  /** lux. */
  illuminance: number;
  /** Battery pack voltage, mV. */
  batteryMillivolts: number;
}

/**
 * Predefined topic ids (`garden/<id>/<suffix>`), the same for every garden sensor; the gateway loads
 * them per client id from a CSV (`clientId,topicName,topicId`).
 */
export const PREDEFINED_TOPIC_IDS = {
  moisture: 1,
  temperature: 2,
  humidity: 3,
  illuminance: 4,
  battery: 5,
  status: 6,
  valve: 7,
  'valve/set': 8,
} as const;
export type GardenTopic = keyof typeof PREDEFINED_TOPIC_IDS;

export const gardenTopic = (sensorId: string, topic: GardenTopic): string => `garden/${sensorId}/${topic}`;

/** Battery range of the sketch's pack (6 AA cells into the Uno's VIN): 6.6 V empty, 9.0 V full. */
export const BATTERY_EMPTY_MV = 6600;
export const BATTERY_FULL_MV = 9000;

/** Integer percent with the sketch's integer arithmetic. */
export function batteryPercent(millivolts: number): number {
  if (millivolts <= BATTERY_EMPTY_MV) return 0;
  if (millivolts >= BATTERY_FULL_MV) return 100;
  return Math.floor(((millivolts - BATTERY_EMPTY_MV) * 100) / (BATTERY_FULL_MV - BATTERY_EMPTY_MV));
}

/** Tenths as the sketch prints them: `21.4`, `-0.5`, `3.0`. */
export function formatTenths(tenths: number): string {
  const abs = Math.abs(tenths);
  return `${tenths < 0 ? '-' : ''}${Math.floor(abs / 10)}.${abs % 10}`;
}

/** The payload text of one reading. */
export function readingPayload(name: ReadingName, r: Readings): string {
  switch (name) {
    case 'moisture':
      return String(r.moisture);
    case 'temperature':
      return formatTenths(r.temperatureTenths);
    case 'humidity':
      return String(r.humidity);
    case 'illuminance':
      return String(r.illuminance);
    case 'battery':
      return String(batteryPercent(r.batteryMillivolts));
  }
}

/** The gateway's predefined-topics CSV for these sensors and the topics each uses, header included. */
export function predefinedTopicsCsv(sensors: ReadonlyArray<{ sensorId: string; topics: readonly GardenTopic[] }>): string {
  const rows = sensors.flatMap(({ sensorId, topics }) =>
    topics.map((topic) => `${sensorId},${gardenTopic(sensorId, topic)},${PREDEFINED_TOPIC_IDS[topic]}`),
  );
  return ['clientId,topicName,topicId', ...rows].join('\n') + '\n';
}
