// Test support shared by the packages' *.test.ts files (as @hearth/broker/testing/system-packages);
// not part of the package API. `.ci/run` installs every package named here.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

interface PackageCheck {
  /** Programs the tests run, looked up on PATH (then in `alsoIn`). */
  programs?: string[];
  /** Where Debian puts a daemon, off an ordinary user's PATH. */
  alsoIn?: string[];
  /** Files the tests' tools read (a Makefile include, headers). */
  files?: string[];
  /** A check a program passes only with this package installed (python3 that imports paho). */
  accepts?: (program: string) => boolean;
}

/** Each Debian package some tests need, and how to tell it is installed. */
const PACKAGES = {
  mosquitto: { programs: ['mosquitto', 'mosquitto_passwd'], alsoIn: ['/usr/sbin'] },
  'mosquitto-clients': { programs: ['mosquitto_pub', 'mosquitto_sub'] },
  // The python3 first on PATH may be another one (pyenv, a venv) that lacks Debian's modules.
  'python3-paho-mqtt': { programs: ['python3'], accepts: (python) => spawnSync(python, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' }).status === 0 },
  socat: { programs: ['socat'] },
  'nats-server': { programs: ['nats-server'], alsoIn: ['/usr/sbin'] },
  chromium: { programs: ['chromium'] },
  openssl: { programs: ['openssl'] },
  'g++': { programs: ['g++'] },
  make: { programs: ['make'] },
  'gcc-avr': { programs: ['avr-gcc'] },
  'avr-libc': { files: ['/usr/lib/avr/include/avr/io.h'] },
  'arduino-mk': { files: ['/usr/share/arduino/Arduino.mk'] },
  'arduino-core-avr': { files: ['/usr/share/arduino/hardware/arduino/avr/boards.txt'] },
} satisfies Record<string, PackageCheck>;

export type SystemPackage = keyof typeof PACKAGES;

/** The Arduino toolchain the garden-sensor sketch compiles with (devices/firmware/garden-sensor/Makefile). */
export const ARDUINO_TOOLCHAIN: SystemPackage[] = ['make', 'gcc-avr', 'avr-libc', 'arduino-mk', 'arduino-core-avr'];

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Every executable called `name` on PATH, in PATH's order, then in `alsoIn`. */
const onPath = (name: string, alsoIn: string[] = []): string[] =>
  [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...alsoIn].map((dir) => join(dir, name)).filter(executable);

const found = new Map<string, string | null>();

/** Where `program` of `pkg` is (the first on PATH that passes the package's check), or null. */
function locate(pkg: SystemPackage, program: string): string | null {
  const key = `${pkg} ${program}`;
  if (!found.has(key)) {
    const check: PackageCheck = PACKAGES[pkg];
    found.set(key, onPath(program, check.alsoIn).find((path) => check.accepts?.(path) ?? true) ?? null);
  }
  return found.get(key)!;
}

const installed = (pkg: SystemPackage): boolean => {
  const check: PackageCheck = PACKAGES[pkg];
  return (check.programs ?? []).every((program) => locate(pkg, program) !== null) && (check.files ?? []).every((file) => existsSync(file));
};

/** Why tests cannot run without `packages`, naming the missing ones; undefined when all are installed. */
export function missingPackages(...packages: SystemPackage[]): string | undefined {
  const missing = packages.filter((pkg) => !installed(pkg));
  return missing.length === 0 ? undefined : `needs the Debian package${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (apt-get install -y ${missing.join(' ')})`;
}

/**
 * In a test or a beforeEach: skips it when a package is missing, with a note naming it; under CI (env CI
 * set) a missing package fails instead, so a CI machine cannot pass by skipping.
 */
export function requirePackage(context: { skip(note?: string): void }, ...packages: SystemPackage[]): void {
  const note = missingPackages(...packages);
  if (note === undefined) return;
  if (process.env.CI) throw new Error(`${note}; CI must have it`);
  context.skip(note);
}

/**
 * For a suite whose beforeAll starts the program: true when its tests will be skipped (a package is
 * missing, not under CI), so that the beforeAll does nothing; pair it with `beforeEach((context) => requirePackage(context, ...))`.
 */
export const skippedWithout = (...packages: SystemPackage[]): boolean => missingPackages(...packages) !== undefined && !process.env.CI;

/** The path of `program` (from `pkg`) to spawn; throws, naming the package, when it is missing. */
export function programOf(pkg: SystemPackage, program: string): string {
  const path = locate(pkg, program);
  if (path === null) throw new Error(`${program} not found on PATH: ${missingPackages(pkg) ?? `install ${pkg}`}`);
  return path;
}
