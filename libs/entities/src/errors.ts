/** Errors the pipeline's callers can act on; `kind` is what the hub maps to an HTTP status, in one place. */

/** No entity has this id (or the caller may not see it). */
export class EntityNotFound extends Error {
  readonly kind = 'not-found';

  constructor(readonly id: string) {
    super(`no entity ${id}`);
    this.name = 'EntityNotFound';
  }
}

/** The entity cannot take this command (no command topic, a feature it lacks, a value out of range). */
export class CommandRefused extends Error {
  readonly kind = 'invalid';

  constructor(message: string) {
    super(message);
    this.name = 'CommandRefused';
  }
}

/** A history query the entity cannot answer (statistics of an entity whose state is not a number). */
export class HistoryRefused extends Error {
  readonly kind = 'invalid';

  constructor(message: string) {
    super(message);
    this.name = 'HistoryRefused';
  }
}
