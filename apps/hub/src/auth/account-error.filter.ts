import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AccountError } from './accounts.js';
import { HasherBusy } from './password-hasher.js';

const STATUS = { invalid: 400, 'not-found': 404, conflict: 409 } as const;

/** Maps the management rules' AccountError to an HTTP status, and a full password queue to 503. */
@Catch(AccountError, HasherBusy)
export class AccountErrorFilter implements ExceptionFilter {
  catch(error: AccountError | HasherBusy, host: ArgumentsHost): void {
    const status = error instanceof HasherBusy ? 503 : STATUS[error.kind];
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, message: error.message });
  }
}
