import type { DiscoveryConfig } from './mqtt-device.js';

export type HaComponent = 'light' | 'switch' | 'sensor' | 'binary_sensor';

export interface DeviceDescription {
  id: string;
  name: string;
  area?: string;
}

/** The `device` block every config of one device repeats, so HA groups its entities. */
export function haDevice({ id, name, area }: DeviceDescription, model: string): Record<string, unknown> {
  return {
    identifiers: [`hearth_sim_${id}`],
    name,
    manufacturer: 'Hearth simulator',
    model,
    ...(area ? { suggested_area: area } : {}),
  };
}

/** `homeassistant/<component>/<objectId>/config` with `unique_id` = objectId. */
export function haConfig(component: HaComponent, objectId: string, config: Record<string, unknown>): DiscoveryConfig {
  return { topic: `homeassistant/${component}/${objectId}/config`, config: { unique_id: objectId, ...config } };
}
