/** Nothing is recorded for this entity that makes it a meter (no power, no energy); `kind` maps to HTTP in the hub. */
export class NotAMeter extends Error {
  readonly kind = 'not-found';

  constructor(readonly entityId: string) {
    super(`${entityId} is not a meter: no power or energy is recorded for it`);
    this.name = 'NotAMeter';
  }
}
