import type { BrokerLinkDto } from '@hearth/api-types';
import type { ServerEvents } from './socket.svelte.js';

/** The hub's link to its MQTT broker, as the hub pushes it: null until it has said. */
export class BrokerLink {
  link = $state<BrokerLinkDto | null>(null);

  readonly handlers = {
    broker: ({ link }: ServerEvents['broker']) => {
      this.link = link;
    },
  };
}
