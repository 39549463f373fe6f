import { isValidTopicFilter, topicMatches } from '@hearth/mqtt-topics';
import { brokerUrlProblem } from '../config/broker-url.js';

export type BridgeDirection = 'in' | 'out' | 'both';

/** One `topic` line of a bridge, as Mosquitto writes it: `pattern [in|out|both [qos [local-prefix remote-prefix]]]`. */
export interface BridgeTopic {
  pattern: string;
  direction: BridgeDirection;
  qos: 0 | 1 | 2;
  localPrefix: string;
  remotePrefix: string;
}

export interface BridgeConfig {
  /** Names the bridge in logs, $SYS and /api/health. */
  name: string;
  /** mqtt://, mqtts://, ws:// or wss://, credentials in the URL if any. */
  url: string;
  /** The hub's persistent session on the remote broker. */
  clientId: string;
  /** PEM CA file to trust for mqtts/wss, besides the system's. */
  ca: string | null;
  topics: BridgeTopic[];
}

const DIRECTIONS: BridgeDirection[] = ['in', 'out', 'both'];
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A bridge setting that cannot be used, with where it is. */
export class BridgeConfigError extends Error {}

/** `""` is an empty prefix, as in mosquitto.conf. */
const prefix = (word: string | undefined): string => (word === undefined || word === '""' ? '' : word);

export function parseTopicLine(line: string): BridgeTopic {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > 5 || words.length === 4) {
    throw new BridgeConfigError(`"${line.trim()}": expected pattern [in|out|both [qos [local-prefix remote-prefix]]]`);
  }
  const [pattern, direction = 'out', qos = '0', localPrefix, remotePrefix] = words;
  if (!DIRECTIONS.includes(direction as BridgeDirection)) throw new BridgeConfigError(`"${line.trim()}": direction must be in, out or both, not ${direction}`);
  if (!['0', '1', '2'].includes(qos)) throw new BridgeConfigError(`"${line.trim()}": QoS must be 0, 1 or 2, not ${qos}`);
  const topic: BridgeTopic = { pattern, direction: direction as BridgeDirection, qos: Number(qos) as 0 | 1 | 2, localPrefix: prefix(localPrefix), remotePrefix: prefix(remotePrefix) };
  if (/[+#]/.test(topic.localPrefix + topic.remotePrefix)) throw new BridgeConfigError(`"${line.trim()}": a prefix cannot hold the wildcards + or #`);
  for (const filter of [topic.localPrefix + pattern, topic.remotePrefix + pattern]) {
    if (!isValidTopicFilter(filter)) throw new BridgeConfigError(`"${line.trim()}": ${filter} is not a valid topic filter`);
  }
  return topic;
}

/** One bridge from hearth.yaml's `bridges:` list (or the same as JSON); `where` names it in errors. */
export function parseBridge(value: unknown, where: string): BridgeConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BridgeConfigError(`${where}: must be a mapping with name, url and topics`);
  const { name, url, clientId, ca, topics, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new BridgeConfigError(`${where}: unknown key ${unknown.join(', ')} (allowed: name, url, clientId, ca, topics)`);
  if (typeof name !== 'string' || !NAME.test(name)) throw new BridgeConfigError(`${where}.name: letters, digits, - and _ (up to 64)`);
  if (typeof url !== 'string') throw new BridgeConfigError(`${where}.url: required, e.g. mqtts://user:password@cloud.example:8883`);
  const problem = brokerUrlProblem(url);
  if (problem) throw new BridgeConfigError(`${where}.url: ${problem}`);
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) throw new BridgeConfigError(`${where}.clientId: must be a non-empty string`);
  if (ca !== undefined && ca !== null && typeof ca !== 'string') throw new BridgeConfigError(`${where}.ca: must be a file path`);
  const lines = typeof topics === 'string' ? topics.split(';') : topics;
  if (!Array.isArray(lines) || lines.length === 0) throw new BridgeConfigError(`${where}.topics: a list of topic lines (pattern in|out|both qos local-prefix remote-prefix)`);
  return {
    name,
    url,
    clientId: (clientId as string | undefined) ?? `hearth-bridge-${name}`,
    ca: (ca as string | null | undefined) ?? null,
    topics: lines.map((line, i) => {
      if (typeof line !== 'string') throw new BridgeConfigError(`${where}.topics[${i}]: must be a line of text`);
      try {
        return parseTopicLine(line);
      } catch (error) {
        throw new BridgeConfigError(`${where}.topics[${i}]: ${(error as Error).message}`);
      }
    }),
  };
}

export function parseBridges(value: unknown): BridgeConfig[] {
  if (!Array.isArray(value)) throw new BridgeConfigError('a list of bridges (name, url, topics)');
  const bridges = value.map((bridge, i) => parseBridge(bridge, `bridges[${i}]`));
  const names = bridges.map((bridge) => bridge.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new BridgeConfigError(`two bridges are named ${twice}`);
  return bridges;
}

/** Where a message crossing the bridge lands: the pattern's prefix on one side swapped for the other's; null if no line carries it that way. */
export function bridgedTopic(topics: BridgeTopic[], topic: string, from: 'local' | 'remote'): { topic: string; qos: 0 | 1 | 2 } | null {
  const way = from === 'local' ? 'out' : 'in';
  for (const line of topics) {
    if (line.direction !== way && line.direction !== 'both') continue;
    const [own, other] = from === 'local' ? [line.localPrefix, line.remotePrefix] : [line.remotePrefix, line.localPrefix];
    if (!topic.startsWith(own) || !topicMatches(line.pattern, topic.slice(own.length))) continue;
    return { topic: other + topic.slice(own.length), qos: line.qos };
  }
  return null;
}

/** What the bridge subscribes to on one side: each line's pattern under that side's prefix, at its QoS. */
export function subscriptionsOn(topics: BridgeTopic[], side: 'local' | 'remote'): Array<{ filter: string; qos: 0 | 1 | 2 }> {
  const way = side === 'local' ? 'out' : 'in';
  return topics
    .filter((line) => line.direction === way || line.direction === 'both')
    .map((line) => ({ filter: (side === 'local' ? line.localPrefix : line.remotePrefix) + line.pattern, qos: line.qos }));
}
