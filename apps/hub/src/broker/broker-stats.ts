/** Counters behind `$SYS/broker/...`; the broker bumps them, SysPublisher reads them. */
export class BrokerStats {
  readonly startedAt = Date.now();
  messagesReceived = 0;
  messagesSent = 0;
  publishDropped = 0;
  malformedPackets = 0;
  connectionsRefused = 0;
  clientsMaximum = 0;
  /** Bytes of connections already closed; open ones are added from their sockets on read. */
  closedBytesReceived = 0;
  closedBytesSent = 0;
}
