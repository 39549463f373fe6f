import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Accounts } from './accounts.js';
import { Access } from './auth.decorators.js';
import { createUserBody, updateUserBody } from './auth.dto.js';

/** People and their roles and areas: admins only. */
@Controller('api/users')
@Access('admin')
export class UsersController {
  constructor(private readonly accounts: Accounts) {}

  @Get()
  list() {
    return this.accounts.listUsers();
  }

  @Get(':username')
  get(@Param('username') username: string) {
    return this.accounts.getUser(username);
  }

  @Post()
  create(@Body() body: unknown) {
    const { username, password, role, areas } = createUserBody(body);
    return this.accounts.addUser({ username, password, role, areas });
  }

  @Patch(':username')
  async update(@Param('username') username: string, @Body() body: unknown) {
    const { password, ...changes } = updateUserBody(body);
    if (password !== undefined) await this.accounts.setUserPassword(username, password);
    return this.accounts.updateUser(username, changes);
  }

  @Delete(':username')
  @HttpCode(204)
  remove(@Param('username') username: string): void {
    this.accounts.removeUser(username);
  }
}
