// Test support shared by the *.test.ts files; not part of the package API.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A program from a Debian package that some tests drive. */
export interface DebianTool {
  /** The Debian package that provides it. */
  package: string;
  available: boolean;
}

const tool = (pkg: string, available: () => boolean): DebianTool => ({ package: pkg, available: available() });

export const MOSQUITTO_CLIENTS = tool('mosquitto-clients', () => existsSync('/usr/bin/mosquitto_pub') && existsSync('/usr/bin/mosquitto_sub'));
/** Debian's Python with Eclipse Paho (the python3 first on PATH may lack Debian's modules). */
export const PAHO = tool('python3-paho-mqtt', () => spawnSync('/usr/bin/python3', ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' }).status === 0);

/**
 * Skips the running test when `tool` is missing, naming the package to install; under CI (env CI set)
 * a missing package fails the test instead, so a CI machine cannot pass by skipping.
 */
export function requireTool(context: { skip(note?: string): void }, required: DebianTool): void {
  if (required.available) return;
  const note = `needs the Debian package ${required.package} (apt-get install -y ${required.package})`;
  if (process.env.CI) throw new Error(`${note}; CI must have it`);
  context.skip(note);
}
