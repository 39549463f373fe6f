// A flood of MQTT CONNECTs from its own process, so that the test measuring the hub meanwhile is not
// slowed by making it: `node connect-flood.mjs '<json options>'`; prints the CONNACK codes as JSON.
// Options: port, count, perSecond (the pace), addresses (how many 127.0.x.y to spread over), username,
// password (every other CONNECT gets a wrong one); every other pair leaves right after sending.
import { connect } from 'node:net';
import { createRequire } from 'node:module';

const mqttPacket = createRequire(import.meta.url)('mqtt-packet');
const { port, count, perSecond, addresses, username, password } = JSON.parse(process.argv[2]);
const address = (i) => `127.0.${Math.floor(i / 200) + 1}.${(i % 200) + 10}`;

function attempt(i) {
  const abandon = i % 4 < 2;
  const socket = connect({ host: '127.0.0.1', port, localAddress: address(i % addresses) });
  const packet = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: '', keepalive: 0, username, password: Buffer.from(i % 2 === 0 ? password : `wrong-${i}`) });
  return new Promise((resolve) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const done = (code) => {
      socket.destroy();
      resolve(abandon ? null : code);
    };
    parser.on('packet', (answer) => answer.cmd === 'connack' && done(answer.returnCode));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => done('closed'));
    socket.on('connect', () => {
      socket.write(packet);
      if (abandon) done(null);
    });
  });
}

const started = Date.now();
const pace = (i) => new Promise((resolve) => setTimeout(resolve, started + (i * 1000) / perSecond - Date.now()));
const codes = await Promise.all(Array.from({ length: count }, (_, i) => pace(i).then(() => attempt(i))));
process.stdout.write(JSON.stringify(codes.filter((code) => code !== null)));
