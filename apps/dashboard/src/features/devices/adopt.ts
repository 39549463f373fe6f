import type { EntityKind, ManualEntityRequest, UnmappedTopicDto } from '@hearth/api-types';
import { ON_OFF_KINDS } from '@hearth/entities/definition';

/** Device classes the dashboard knows a unit for; the hub accepts any. */
export const UNITS: Record<string, string> = {
  temperature: '°C',
  humidity: '%',
  moisture: '%',
  illuminance: 'lx',
  battery: '%',
  power: 'W',
  energy: 'kWh',
  voltage: 'V',
  current: 'A',
};

const ON_OFF = [
  ['ON', 'OFF'],
  ['on', 'off'],
  ['1', '0'],
  ['true', 'false'],
  ['open', 'closed'],
  ['OPEN', 'CLOSED'],
] as const;

/** Dotted paths to the numbers in a JSON payload (`ENERGY.Power`), as the hub's JSON-path extractor reads them. */
export function numericPaths(payload: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return [];
  }
  const paths: string[] = [];
  const walk = (node: unknown, path: string, depth: number) => {
    if (typeof node === 'number' && path) paths.push(path);
    else if (node && typeof node === 'object' && !Array.isArray(node) && depth < 3) {
      for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}.${key}` : key, depth + 1);
    }
  };
  walk(value, '', 0);
  return paths;
}

/** A first guess at the entity for a topic, from its name and last payload; the person corrects it. */
export function suggest(topic: UnmappedTopicDto): ManualEntityRequest {
  const levels = topic.topic.split('/');
  const last = levels.at(-1)!.toLowerCase();
  const name = levels.slice(-2).join(' ').replace(/[_-]+/g, ' ');
  const payload = topic.lastPayload.trim();
  const pair = ON_OFF.find(([on, off]) => payload === on || payload === off);
  if (pair) return { kind: 'binary_sensor', name, stateTopic: topic.topic, payloadOn: pair[0], payloadOff: pair[1] };
  const paths = numericPaths(payload);
  const deviceClass = Object.hasOwn(UNITS, last) ? last : undefined;
  const kind: EntityKind = deviceClass === 'power' ? 'power_meter' : 'sensor';
  return {
    kind,
    name,
    stateTopic: topic.topic,
    ...(paths.length > 0 ? { value: paths[0] } : {}),
    ...(deviceClass ? { deviceClass, unit: UNITS[deviceClass] } : {}),
  };
}

/** Drops empty optional fields and the ones that do not apply to the kind, so the hub's validation sees a clean body. */
export function adoptRequest(form: ManualEntityRequest): ManualEntityRequest {
  const commandable = form.kind === 'switch' || form.kind === 'light';
  const onOff = ON_OFF_KINDS.has(form.kind);
  const entries = Object.entries(form).filter(([key, value]) => {
    if (typeof value === 'string' && value.trim() === '') return false;
    if (key === 'commandTopic') return commandable;
    if (key === 'payloadOn' || key === 'payloadOff') return onOff;
    if (key === 'unit' || key === 'deviceClass') return !commandable;
    return value !== undefined;
  });
  return Object.fromEntries(entries.map(([key, value]) => [key, typeof value === 'string' ? value.trim() : value])) as unknown as ManualEntityRequest;
}
