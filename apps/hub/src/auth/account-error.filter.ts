import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AccountError } from './accounts.js';

const STATUS = { invalid: 400, 'not-found': 404, conflict: 409 } as const;

/** Maps the management rules' AccountError to an HTTP status. */
@Catch(AccountError)
export class AccountErrorFilter implements ExceptionFilter {
  catch(error: AccountError, host: ArgumentsHost): void {
    const status = STATUS[error.kind];
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, message: error.message });
  }
}
