#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SerialPort } from 'serialport';
import { ScaledClock } from './clock.js';
import { Environment } from './environment.js';
import { parseUdpAddress } from './garden/links.js';
import { predefinedTopicsCsv } from './garden/protocol.js';
import { sensorTopics } from './garden/sensor.js';
import { DEMO_HOUSE } from './house.js';
import { connectTo } from './mqtt-device.js';
import { type DeviceSpec, Simulator } from './simulator.js';

const USAGE = `Usage: hearth-simulator [options]

Simulated devices for a Hearth hub (or any MQTT broker and MQTT-SN gateway).

  --mqtt <url>               MQTT broker (default mqtt://127.0.0.1:1883)
  --username <name>          MQTT username for every device (on a Hearth hub: an admin, or a
                             device credential whose ACL covers the devices' topics)
  --password <password>      its password
  --sn-udp <host:port>       MQTT-SN gateway on UDP for the UDP garden sensors (e.g. 127.0.0.1:1884)
  --sn-search <host:port>    where UDP sensors send SEARCHGW (default: the --sn-udp address)
  --sn-serial <path>         serial line of the hub's MQTT-SN gateway (a pty end from socat)
  --sn-serial-mode <mode>    xbee (API mode 2, the simulator plays the coordinator) or raw (default xbee)
  --sn-baud <n>              serial speed (default 9600)
  --seed <n>                 random seed: the same seed replays the same house (default 1)
  --time-scale <x>           simulated seconds per real second (default 1; 60 = an hour a minute)
  --devices <list>           comma-separated kinds (light, plug, meter, motion, door, thermostat,
                             garden) or device ids; default all
  --print-predefined         print the gateway's predefined-topics CSV for the garden sensors and exit
  -h, --help                 this text
`;

function fail(message: string): never {
  process.stderr.write(`hearth-simulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(name: string, text: string, check: (n: number) => boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !check(value)) fail(`--${name}: not a valid value: ${text}`);
  return value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        username: { type: 'string' },
        password: { type: 'string' },
        'sn-udp': { type: 'string' },
        'sn-search': { type: 'string' },
        'sn-serial': { type: 'string' },
        'sn-serial-mode': { type: 'string', default: 'xbee' },
        'sn-baud': { type: 'string', default: '9600' },
        seed: { type: 'string', default: '1' },
        'time-scale': { type: 'string', default: '1' },
        devices: { type: 'string' },
        'print-predefined': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }

  const wanted = values.devices?.split(',').map((d) => d.trim()).filter(Boolean);
  const devices: DeviceSpec[] = wanted ? DEMO_HOUSE.filter((d) => wanted.includes(d.kind) || wanted.includes(d.id)) : [...DEMO_HOUSE];
  const unknown = wanted?.filter((w) => !DEMO_HOUSE.some((d) => d.kind === w || d.id === w)) ?? [];
  if (unknown.length > 0) fail(`--devices: unknown kind or id: ${unknown.join(', ')}`);

  if (values['print-predefined']) {
    const gardens = devices.flatMap((d) => (d.kind === 'garden' && d.topicIds === 'predefined' ? [d] : []));
    process.stdout.write(predefinedTopicsCsv(gardens.map((g) => ({ sensorId: g.id, topics: sensorTopics(g) }))));
    return;
  }

  const mode = values['sn-serial-mode'];
  if (mode !== 'xbee' && mode !== 'raw') fail(`--sn-serial-mode: expected xbee or raw, got ${mode}`);
  const seed = number('seed', values.seed, Number.isInteger);
  const timeScale = number('time-scale', values['time-scale'], (n) => n > 0);
  const baudRate = number('sn-baud', values['sn-baud'], (n) => Number.isInteger(n) && n > 0);
  let snUdp;
  try {
    snUdp = values['sn-udp'] ? { gateway: parseUdpAddress(values['sn-udp']), search: values['sn-search'] ? parseUdpAddress(values['sn-search']) : undefined } : undefined;
  } catch (error) {
    fail(`--sn-udp/--sn-search: ${(error as Error).message}`);
  }

  let line: SerialPort | undefined;
  if (values['sn-serial']) {
    const port = new SerialPort({ path: values['sn-serial'], baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    line = port;
  }

  const sim = await Simulator.start({
    seed,
    clock: new ScaledClock(timeScale),
    environment: new Environment({ utcOffsetMinutes: -new Date().getTimezoneOffset() }),
    devices,
    mqtt: (options) => connectTo(values.mqtt)({ ...options, username: values.username, password: values.password }),
    snUdp,
    snSerial: line ? { line, mode } : undefined,
  });
  const running = devices.filter((d) => !sim.skipped.some((s) => s.id === d.id));
  process.stdout.write(`simulating ${running.length} devices (seed ${seed}, time x${timeScale}): ${running.map((d) => d.id).join(', ')}\n`);
  for (const { id, reason } of sim.skipped) process.stdout.write(`skipped ${id}: ${reason}\n`);

  const shutdown = async () => {
    // A broker that is gone cannot take the devices' goodbyes: do not wait for it for ever.
    setTimeout(() => process.exit(0), 3000).unref();
    await sim.stop();
    line?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(`hearth-simulator: ${(error as Error).message}\n`);
  process.exit(1);
});
