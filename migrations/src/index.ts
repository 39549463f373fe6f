import type { MigrationInterface } from 'typeorm';
import { BrokerPersistence1764150000000 } from './1764150000000-broker-persistence.js';
import { Auth1764160000000 } from './1764160000000-auth.js';
import { DevicesEntities1764170000000 } from './1764170000000-devices-entities.js';
import { MqttSnGateway1764200000000 } from './1764200000000-mqtt-sn-gateway.js';
import { Settings1764210000000 } from './1764210000000-settings.js';
import { Rules1764220000000 } from './1764220000000-rules.js';
import { DeviceSnAddresses1765100000000 } from './1765100000000-device-sn-addresses.js';
import { Statistics1765200000000 } from './1765200000000-statistics.js';
import { BrokerCore1765300000000 } from './1765300000000-broker-core.js';
import { DeviceKinds1765410000000 } from './1765410000000-device-kinds.js';
import { WebPush1765450000000 } from './1765450000000-web-push.js';
import { OutgoingWithoutPacketId1765500000000 } from './1765500000000-outgoing-without-packet-id.js';

/** Every migration, oldest first; the hub runs the pending ones at start. */
export const migrations: Array<new () => MigrationInterface> = [BrokerPersistence1764150000000, Auth1764160000000, DevicesEntities1764170000000, MqttSnGateway1764200000000, Settings1764210000000, Rules1764220000000, DeviceSnAddresses1765100000000, Statistics1765200000000, BrokerCore1765300000000, DeviceKinds1765410000000, WebPush1765450000000, OutgoingWithoutPacketId1765500000000];
