import { readFileSync, writeFileSync } from 'node:fs';
import { DEVICE_KINDS, type DeviceKind } from '@hearth/api-types';
import type { Role } from '../auth/users.repository.js';
import type { HubConfig } from '../config/config.schema.js';
import { describe, UsageError, type Command } from './command.js';
import { databaseCommands } from './database-commands.js';
import { print, readPassword, withAccounts } from './io.js';
import { mqttCommands } from './mqtt-commands.js';
import { startCommand } from './start-command.js';

const role = (value: unknown): Role => {
  if (value === 'admin' || value === 'user') return value;
  throw new UsageError('--role must be admin or user');
};

/** `--areas a,b` restricts; `--areas all` (or leaving it out on add) lifts the restriction. */
const areas = (value: string | undefined): string[] | null | undefined =>
  value === undefined ? undefined : value === 'all' ? null : value.split(',').map((area) => area.trim()).filter(Boolean);

const table = (rows: object[]): string => {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]);
  const cell = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value ?? '-'));
  const cells = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i].length)));
  return [columns, ...cells].map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
};

/** Every `hearth` command but `help`; those on the database in HEARTH_DATA_DIR work while the hub runs (but `restore`). */
export function commands(config: HubConfig): Command[] {
  return [
    startCommand(config),
    ...mqttCommands(config),
    ...databaseCommands(config),
    {
      name: 'user add',
      summary: 'Create a person who signs in to the dashboard and API.',
      args: ['<name>'],
      options: {
        role: describe({ type: 'string' }, 'admin (everything) or user (use devices, see history)'),
        areas: describe({ type: 'string' }, 'comma-separated areas the person is restricted to; default all'),
      },
      details: ['The password is read from stdin (first line), or asked for twice on a terminal.'],
      async run({ positionals: [name], values }) {
        const chosen = role(values.role);
        const password = await readPassword();
        const user = await withAccounts(config, (accounts) => accounts.addUser({ username: name, password, role: chosen, areas: areas(values.areas as string | undefined) }));
        print(`created ${user.role} ${user.username}`);
      },
    },
    {
      name: 'user list',
      summary: 'List people, their roles and areas.',
      args: [],
      async run() {
        print(table(await withAccounts(config, (accounts) => accounts.listUsers())));
      },
    },
    {
      name: 'user passwd',
      summary: "Set a person's password (signs them out everywhere).",
      args: ['<name>'],
      details: ['The password is read from stdin (first line), or asked for twice on a terminal.'],
      async run({ positionals: [name] }) {
        const password = await readPassword();
        await withAccounts(config, (accounts) => accounts.setUserPassword(name, password));
        print(`changed the password of ${name}`);
      },
    },
    {
      name: 'user set',
      summary: "Change a person's role or areas.",
      args: ['<name>'],
      options: {
        role: describe({ type: 'string' }, 'admin or user'),
        areas: describe({ type: 'string' }, 'comma-separated areas, or "all"'),
      },
      async run({ positionals: [name], values }) {
        const changes = { role: values.role === undefined ? undefined : role(values.role), areas: areas(values.areas as string | undefined) };
        const user = await withAccounts(config, (accounts) => accounts.updateUser(name, changes));
        print(`${user.username}: ${user.role}, areas ${user.areas?.join(',') ?? 'all'}`);
      },
    },
    {
      name: 'user remove',
      summary: 'Remove a person and end their sessions.',
      args: ['<name>'],
      async run({ positionals: [name] }) {
        await withAccounts(config, (accounts) => accounts.removeUser(name));
        print(`removed ${name}`);
      },
    },
    {
      name: 'device add',
      summary: 'Create MQTT credentials for a device.',
      args: ['<name>'],
      options: {
        kind: describe({ type: 'string' }, `the device's firmware: ${DEVICE_KINDS.join(', ')} (default generic); its topic rules follow that firmware`),
        topic: describe({ type: 'string' }, "the firmware's device topic: Tasmota Topic, ESPHome topic_prefix, Shelly id (Gen1) or topic prefix (Gen2+), Zigbee2MQTT base_topic, Homie device id (default <name>)"),
        prefix: describe({ type: 'string' }, 'generic devices: topic prefix the device owns (default devices/<topic>)'),
        'sn-address': describe({ type: 'string', multiple: true }, 'where an MQTT-SN sensor may be this device from: IP or network, XBee 64-bit address, or wire; repeatable'),
      },
      details: ['Prints JSON { "username", "password", "kind", "topic", "topicPrefix", "snAddresses" }: the only time the password is shown.'],
      async run({ positionals: [name], values }) {
        const options = {
          kind: values.kind as DeviceKind | undefined,
          topic: values.topic as string | undefined,
          topicPrefix: values.prefix as string | undefined,
          snAddresses: (values['sn-address'] as string[] | undefined) ?? [],
        };
        print(JSON.stringify(await withAccounts(config, (accounts) => accounts.addDevice(name, options))));
      },
    },
    {
      name: 'device bind',
      summary: 'Let an MQTT-SN sensor at an address act as this device (MQTT-SN has no password).',
      args: ['<name>', '<address>'],
      details: ['<address>: an IP address or network (192.168.1.40, 192.168.1.0/24), an XBee 64-bit address (0013A20041A7B0C3), or wire (the raw serial line).'],
      async run({ positionals: [name, address] }) {
        const device = await withAccounts(config, (accounts) => accounts.bindSnAddress(name, address));
        print(`${device.username}: MQTT-SN from ${device.snAddresses.join(', ')}`);
      },
    },
    {
      name: 'device unbind',
      summary: 'Stop taking an MQTT-SN sensor at an address for this device.',
      args: ['<name>', '<address>'],
      async run({ positionals: [name, address] }) {
        const device = await withAccounts(config, (accounts) => accounts.unbindSnAddress(name, address));
        print(`${device.username}: MQTT-SN from ${device.snAddresses.join(', ') || 'nowhere'}`);
      },
    },
    {
      name: 'device list',
      summary: 'List device credentials.',
      args: [],
      async run() {
        print(table(await withAccounts(config, (accounts) => accounts.listDevices())));
      },
    },
    {
      name: 'device rotate',
      summary: 'Give a device a new password (and re-enable a revoked one); its sessions end.',
      args: ['<name>'],
      details: ['Prints JSON { "username", "password", "kind", "topic", "topicPrefix", "snAddresses" }.'],
      async run({ positionals: [name] }) {
        print(JSON.stringify(await withAccounts(config, (accounts) => accounts.rotateDevice(name))));
      },
    },
    {
      name: 'device revoke',
      summary: "Revoke a device's credentials; a running hub disconnects it within a second.",
      args: ['<name>'],
      async run({ positionals: [name] }) {
        await withAccounts(config, (accounts) => accounts.revokeDevice(name));
        print(`revoked ${name}`);
      },
    },
    {
      name: 'device remove',
      summary: 'Delete a device credential and its ACL rules.',
      args: ['<name>'],
      async run({ positionals: [name] }) {
        await withAccounts(config, (accounts) => accounts.removeDevice(name));
        print(`removed ${name}`);
      },
    },
    {
      name: 'passwd import',
      summary: 'Import a Mosquitto password file ($7$ and $6$ hashes), and optionally its ACL file.',
      args: ['<password-file>'],
      options: { acl: describe({ type: 'string' }, 'Mosquitto ACL file (user/topic/pattern lines)') },
      details: ['Devices keep their passwords: no re-flashing. Prints what was imported and every skipped line.'],
      async run({ positionals: [file], values }) {
        const acl = values.acl === undefined ? undefined : readFileSync(values.acl as string, 'utf8');
        const report = await withAccounts(config, (accounts) => accounts.importMosquitto(readFileSync(file, 'utf8'), acl));
        print(`imported ${report.credentials} credentials and ${report.rules} ACL rules`);
        for (const skip of report.skipped) print(`skipped ${skip.file} file line ${skip.line}: ${skip.reason}`);
      },
    },
    {
      name: 'passwd export',
      summary: 'Write the active device credentials as a Mosquitto password file (and the ACL as a Mosquitto ACL file).',
      args: [],
      options: {
        output: describe({ type: 'string' }, 'password file to write (default: stdout)'),
        acl: describe({ type: 'string' }, 'ACL file to write'),
      },
      async run({ values }) {
        const { passwordFile, aclFile } = await withAccounts(config, (accounts) => accounts.exportMosquitto());
        if (values.output === undefined) process.stdout.write(passwordFile);
        else writeFileSync(values.output as string, passwordFile, { mode: 0o600 });
        if (values.acl !== undefined) writeFileSync(values.acl as string, aclFile);
      },
    },
  ];
}
