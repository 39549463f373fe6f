import type { DeviceSpec } from './simulator.js';

/** The house `npm run simulate` starts: every kind of device at least once. */
export const DEMO_HOUSE: readonly DeviceSpec[] = [
  { kind: 'light', id: 'kitchen_light', name: 'Kitchen light', area: 'Kitchen', watts: 40, dimmable: true, telePeriodSeconds: 60 },
  { kind: 'light', id: 'living_room_lamp', name: 'Living room lamp', area: 'Living room', watts: 25, dimmable: true, telePeriodSeconds: 60 },
  { kind: 'light', id: 'hallway_light', name: 'Hallway light', area: 'Hallway', watts: 10, telePeriodSeconds: 60 },
  { kind: 'plug', id: 'tv_plug', name: 'TV', area: 'Living room', watts: 95, on: true, telePeriodSeconds: 30 },
  { kind: 'plug', id: 'kettle_plug', name: 'Kettle', area: 'Kitchen', watts: 2000, telePeriodSeconds: 30 },
  { kind: 'plug', id: 'desk_plug', name: 'Desk', area: 'Office', watts: 140, on: true, telePeriodSeconds: 30 },
  { kind: 'meter', id: 'house_meter', name: 'House meter', area: 'Utility room', baseWatts: 180, telePeriodSeconds: 10 },
  { kind: 'motion', id: 'hallway_motion', name: 'Hallway motion', area: 'Hallway' },
  { kind: 'door', id: 'front_door', name: 'Front door', area: 'Hallway' },
  { kind: 'thermostat', id: 'living_room_thermostat', name: 'Living room thermostat', heaterWatts: 1200 },
  // The sketch's twin: predefined ids, QoS 1, moisture/temperature/battery, on the XBee line.
  { kind: 'garden', id: 'herbs', transport: 'serial', topicIds: 'predefined', qos: 1, readings: ['moisture', 'temperature', 'battery'], valve: false },
  { kind: 'garden', id: 'lawn', transport: 'udp', topicIds: 'register', qos: 1, searchGateway: true, moisture: 40 },
  { kind: 'garden', id: 'tomatoes', transport: 'udp', topicIds: 'predefined', qos: -1, moisture: 60 },
];
