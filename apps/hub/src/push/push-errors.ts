/** A subscription the hub cannot send to: a bad endpoint or keys. */
export class InvalidSubscription extends Error {
  readonly kind = 'invalid';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidSubscription';
  }
}

/** No subscription with this id belongs to the person asking. */
export class SubscriptionNotFound extends Error {
  readonly kind = 'not-found';

  constructor(id: number) {
    super(`no push subscription ${id}`);
    this.name = 'SubscriptionNotFound';
  }
}
