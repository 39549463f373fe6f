import type { RuleError } from '@hearth/rules';

/** No rule has this id (or the caller may not see it). */
export class RuleNotFound extends Error {
  readonly kind = 'not-found';

  constructor(id: string) {
    super(`no rule ${id}`);
    this.name = 'RuleNotFound';
  }
}

/** A rule JSON that does not parse: every problem as "path: message", and structured as `errors`. */
export class InvalidRule extends Error {
  readonly kind = 'invalid';
  readonly response: Record<string, unknown>;

  constructor(errors: RuleError[]) {
    const messages = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : `the rule ${e.message}`));
    super(messages.join('; '));
    this.name = 'InvalidRule';
    this.response = { error: 'Bad Request', message: messages, errors };
  }
}

/** A run by hand the rule will not take now: loop protection stopped it, or its mode refuses another run. */
export class RunRefused extends Error {
  readonly kind = 'conflict';

  constructor(message: string) {
    super(message);
    this.name = 'RunRefused';
  }
}
