export { MqttBroker, DEFAULT_LIMITS, type BrokerLimits, type MqttBrokerOptions, type MessageHandler } from './broker.js';
export * from './constants.js';
export type * from './codec/packets.js';
export * from './ports.js';
export { BrokerStats } from './stats.js';
export { MemoryBrokerStore, type MemoryBrokerStoreOptions, type MemoryStoreData } from './store/memory-store.js';
export { duplexPair } from './duplex-pair.js';
