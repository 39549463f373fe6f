import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** What an error's `kind` means over HTTP. */
const STATUS = { invalid: 400, forbidden: 403, 'not-found': 404, conflict: 409, busy: 503 } as const;

type Kind = keyof typeof STATUS;

/** An error thrown below the controllers that says what went wrong; `response` replaces the default `{ message }` body. */
interface DomainError extends Error {
  kind: Kind;
  response?: Record<string, unknown>;
}

const isDomainError = (error: unknown): error is DomainError => {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return error instanceof Error && typeof kind === 'string' && kind in STATUS;
};

/**
 * The one place domain errors become HTTP answers: libraries and services throw errors with a `kind`
 * (EntityNotFound, CommandRefused, AccountError, HasherBusy, the rules' errors...), never Nest's HTTP
 * exceptions; everything else is answered as Nest answers it.
 */
@Catch()
export class DomainErrorFilter extends BaseExceptionFilter {
  override catch(error: unknown, host: ArgumentsHost): void {
    if (!isDomainError(error) || host.getType() !== 'http') return super.catch(error, host);
    const status = STATUS[error.kind];
    const response = host.switchToHttp().getResponse<Response>();
    if (error.kind === 'busy') response.setHeader('Retry-After', '1');
    response.status(status).json({ statusCode: status, ...(error.response ?? { message: error.message }) });
  }
}
