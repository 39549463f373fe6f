/** Counters behind `$SYS/broker/...`; the broker bumps them, whoever publishes $SYS reads them. */
export class BrokerStats {
  /** PUBLISH packets received from clients. */
  messagesReceived = 0;
  /** PUBLISH packets sent to clients. */
  messagesSent = 0;
  /** Messages not delivered to a subscriber: its queue was full, it was cut off, or it was too large for it. */
  publishDropped = 0;
  /** Connections closed for a packet that broke the protocol (malformed, or a Protocol Error). */
  malformedPackets = 0;
  /** CONNECTs answered with a refusing CONNACK. */
  connectionsRefused = 0;
  /** Most clients connected at once. */
  clientsMaximum = 0;
  bytesReceived = 0;
  bytesSent = 0;
}
