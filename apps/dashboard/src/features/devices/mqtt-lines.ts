import type { IssuedDeviceCredentialDto } from '@hearth/api-types';

/** What the lines need of an issued credential (the password is shown this once). */
export type IssuedCredential = Pick<IssuedDeviceCredentialDto, 'username' | 'password' | 'topicPrefix'>;

export interface MqttTarget {
  host: string;
  port: number;
  /** The hub's discovery prefix (`devices.discoveryPrefix`). */
  discoveryPrefix: string;
}

/** `'...'` for a POSIX shell: single quotes, each inner one closed, escaped and reopened. */
export const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** A topic-safe id from a name: `Porch sensor` -> `porch_sensor`. */
export const slug = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '') || 'device';

/**
 * Two ready `mosquitto_pub` lines for a new temperature sensor: its retained Home Assistant discovery
 * config (under `<prefix>/sensor/<username>/...`, which a device credential may write) and a first reading
 * on its state topic (inside the credential's topic prefix).
 */
export function mosquittoLines(target: MqttTarget, name: string, credential: IssuedCredential | null): { config: string; state: string } {
  const id = credential?.username ?? slug(name);
  const stateTopic = `${credential?.topicPrefix ?? `devices/${id}`}/temperature`;
  const config = {
    name: `${name} temperature`,
    unique_id: `${id}_temperature`,
    state_topic: stateTopic,
    device_class: 'temperature',
    unit_of_measurement: '°C',
    device: { identifiers: [id], name },
  };
  const base = ['mosquitto_pub', '-h', target.host, '-p', String(target.port)];
  if (credential) base.push('-u', shellQuote(credential.username), '-P', shellQuote(credential.password));
  const line = (...args: string[]) => [...base, ...args].join(' ');
  return {
    config: line('-r', '-t', shellQuote(`${target.discoveryPrefix}/sensor/${id}/temperature/config`), '-m', shellQuote(JSON.stringify(config))),
    state: line('-t', shellQuote(stateTopic), '-m', '21.5'),
  };
}
