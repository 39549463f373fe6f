import { Body, Controller, Get, HttpCode, HttpException, Post, Put, Req, Res, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Accounts, toPublicUser } from './accounts.js';
import { Access, CurrentUser, Public } from './auth.decorators.js';
import { changePasswordBody, loginBody, setupBody } from './auth.dto.js';
import { isTls } from './session.guard.js';
import { LoginRefused, SessionsService, type AuthUser } from './sessions.service.js';
import { SetupService } from './setup.service.js';

const LOGIN_STATUS = { credentials: 401, locked: 429, busy: 503 } as const;

/** Sign in and out, who am I, my password, and creating the first admin. */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly setup: SetupService,
    private readonly accounts: Accounts,
  ) {}

  /** Sets the session cookie and returns the same token for scripts (`Authorization: Bearer`). */
  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const { username, password } = loginBody(body);
    return this.signIn(username, password, request, response);
  }

  @Access('user')
  @Post('logout')
  @HttpCode(204)
  logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    this.sessions.logout(this.sessions.credentials(request)!.token);
    response.appendHeader('Set-Cookie', this.sessions.cookie('', isTls(request), 0));
  }

  @Get('me')
  me(@CurrentUser() user: AuthUser) {
    return { username: user.username, role: user.role, areas: user.areas };
  }

  /** Needs the current password; signs out every other session of this person. */
  @Access('user')
  @Put('password')
  @HttpCode(204)
  async changePassword(@Body() body: unknown, @CurrentUser() user: AuthUser, @Req() request: Request): Promise<void> {
    const { currentPassword, newPassword } = changePasswordBody(body);
    if (!(await this.accounts.checkUserPassword(user.username, currentPassword))) throw new UnauthorizedException('the current password is wrong');
    await this.accounts.setUserPassword(user.username, newPassword, this.sessions.credentials(request)!.token);
  }

  @Public()
  @Get('setup')
  setupRequired() {
    return { required: this.setup.required };
  }

  @Public()
  @Post('setup')
  async createFirstAdmin(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const { token, username, password } = setupBody(body);
    await this.setup.createFirstAdmin(token, username, password);
    return this.signIn(username, password, request, response);
  }

  private async signIn(username: string, password: string, request: Request, response: Response) {
    try {
      const { token, expiresAt, user } = await this.sessions.login(username, password, request.socket.remoteAddress ?? '', () => request.socket.destroyed);
      response.appendHeader('Set-Cookie', this.sessions.cookie(token, isTls(request)));
      return { token, expiresAt: new Date(expiresAt).toISOString(), user: { username: user.username, role: user.role, areas: user.areas } };
    } catch (error) {
      if (!(error instanceof LoginRefused)) throw error;
      if (error.retryAfterMs > 0) response.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
      const status = LOGIN_STATUS[error.reason];
      throw new HttpException({ statusCode: status, message: error.message }, status);
    }
  }
}
