import type {
  SnBrokerMessage,
  SnGatewayStore,
  SnPredefinedTopic,
  SnStoredSession,
  SnSubscriptionRecord,
  SnTopicRegistration,
} from './ports.js';

/** SnGatewayStore in memory: for tests, and for gateways that need nothing to survive a restart. */
export class MemorySnStore implements SnGatewayStore {
  private readonly sessions = new Map<string, SnStoredSession>();
  private readonly topicMaps = new Map<string, Map<number, string>>();
  private readonly subscriptionMaps = new Map<string, Map<string, SnSubscriptionRecord>>();
  private readonly buffers = new Map<string, SnBrokerMessage[]>();

  constructor(private readonly predefined: SnPredefinedTopic[] = []) {}

  liveSessions(): SnStoredSession[] {
    return [...this.sessions.values()].filter((s) => s.state !== 'disconnected').map((s) => ({ ...s }));
  }

  session(clientId: string): SnStoredSession | undefined {
    const session = this.sessions.get(clientId);
    return session && { ...session };
  }

  saveSession(session: SnStoredSession): void {
    this.sessions.set(session.clientId, { ...session });
  }

  deleteSession(clientId: string): void {
    this.sessions.delete(clientId);
    this.topicMaps.delete(clientId);
    this.subscriptionMaps.delete(clientId);
    this.buffers.delete(clientId);
  }

  topics(clientId: string): SnTopicRegistration[] {
    return [...(this.topicMaps.get(clientId) ?? [])].map(([topicId, topicName]) => ({ topicId, topicName }));
  }

  saveTopic(clientId: string, { topicId, topicName }: SnTopicRegistration): void {
    this.mapOf(this.topicMaps, clientId).set(topicId, topicName);
  }

  deleteTopic(clientId: string, topicId: number): void {
    this.topicMaps.get(clientId)?.delete(topicId);
  }

  subscriptions(clientId: string): SnSubscriptionRecord[] {
    return [...(this.subscriptionMaps.get(clientId)?.values() ?? [])];
  }

  saveSubscription(clientId: string, subscription: SnSubscriptionRecord): void {
    this.mapOf(this.subscriptionMaps, clientId).set(subscription.filter, { ...subscription });
  }

  deleteSubscription(clientId: string, filter: string): void {
    this.subscriptionMaps.get(clientId)?.delete(filter);
  }

  buffer(clientId: string, message: SnBrokerMessage): void {
    const list = this.buffers.get(clientId) ?? [];
    list.push(message);
    this.buffers.set(clientId, list);
  }

  bufferedCount(clientId: string): number {
    return this.buffers.get(clientId)?.length ?? 0;
  }

  takeBuffered(clientId: string): SnBrokerMessage[] {
    const list = this.buffers.get(clientId) ?? [];
    this.buffers.delete(clientId);
    return list;
  }

  predefinedTopics(): SnPredefinedTopic[] {
    return this.predefined;
  }

  private mapOf<K, V>(maps: Map<string, Map<K, V>>, clientId: string): Map<K, V> {
    let map = maps.get(clientId);
    if (!map) maps.set(clientId, (map = new Map()));
    return map;
  }
}
