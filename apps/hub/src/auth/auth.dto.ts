import { DEVICE_KINDS, type DeviceKind } from '@hearth/api-types';
import { BadRequestException } from '@nestjs/common';
import type { Role } from './users.repository.js';

/** Request bodies of the auth, user and device-credential routes, checked once at the edge (all problems at once). */

type Check<T> = (value: unknown, name: string, problems: string[]) => T;

const string =
  (max: number, optional = false): Check<string | undefined> =>
  (value, name, problems) => {
    if (value === undefined && optional) return undefined;
    if (typeof value === 'string' && value.length > 0 && value.length <= max) return value;
    problems.push(`${name} must be a string of 1-${max} characters`);
    return undefined;
  };

const role: Check<Role | undefined> = (value, name, problems) => {
  if (value === undefined || value === 'admin' || value === 'user') return value;
  problems.push(`${name} must be "admin" or "user"`);
  return undefined;
};

const areas: Check<string[] | null | undefined> = (value, name, problems) => {
  if (value === undefined || value === null || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) return value as string[] | null | undefined;
  problems.push(`${name} must be null or a list of strings`);
  return undefined;
};

function parse<T>(body: unknown, checks: { [K in keyof T]: Check<T[K]> }): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestException(['the body must be a JSON object']);
  const problems: string[] = [];
  const record = body as Record<string, unknown>;
  for (const name of Object.keys(record)) if (!(name in checks)) problems.push(`unknown field ${name}`);
  const out = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, (check as Check<unknown>)(record[name], name, problems)]));
  if (problems.length > 0) throw new BadRequestException(problems);
  return out as T;
}

const password = string(1024);

export const loginBody = (body: unknown) => parse<{ username: string; password: string }>(body, { username: string(64) as Check<string>, password: password as Check<string> });

export const setupBody = (body: unknown) =>
  parse<{ token: string; username: string; password: string }>(body, { token: string(128) as Check<string>, username: string(64) as Check<string>, password: password as Check<string> });

export const changePasswordBody = (body: unknown) =>
  parse<{ currentPassword: string; newPassword: string }>(body, { currentPassword: password as Check<string>, newPassword: password as Check<string> });

export const createUserBody = (body: unknown) =>
  parse<{ username: string; password: string; role: Role; areas: string[] | null | undefined }>(body, {
    username: string(64) as Check<string>,
    password: password as Check<string>,
    role: ((value, name, problems) => role(value ?? '', name, problems)) as Check<Role>,
    areas,
  });

export const updateUserBody = (body: unknown) =>
  parse<{ role: Role | undefined; areas: string[] | null | undefined; password: string | undefined }>(body, { role, areas, password: string(1024, true) });

const strings =
  (max: number): Check<string[] | undefined> =>
  (value, name, problems) => {
    if (value === undefined || (Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string'))) return value as string[] | undefined;
    problems.push(`${name} must be a list of at most ${max} strings`);
    return undefined;
  };

const kind: Check<DeviceKind | undefined> = (value, name, problems) => {
  if (value === undefined || DEVICE_KINDS.includes(value as DeviceKind)) return value as DeviceKind | undefined;
  problems.push(`${name} must be one of ${DEVICE_KINDS.join(', ')}`);
  return undefined;
};

export const createDeviceBody = (body: unknown) =>
  parse<{ name: string; kind: DeviceKind | undefined; topic: string | undefined; topicPrefix: string | undefined; snAddresses: string[] | undefined }>(body, {
    name: string(64) as Check<string>,
    kind,
    topic: string(200, true),
    topicPrefix: string(200, true),
    snAddresses: strings(100),
  });

export const snAddressBody = (body: unknown) => parse<{ address: string }>(body, { address: string(100) as Check<string> });

export const importBody = (body: unknown) =>
  parse<{ passwordFile: string; aclFile: string | undefined }>(body, { passwordFile: string(1_000_000) as Check<string>, aclFile: string(1_000_000, true) });
