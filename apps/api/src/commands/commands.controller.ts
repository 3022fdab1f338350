import { Body, Controller, Headers, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandResult } from '@tip/application';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { ExecuteCommand } from './execute-command';

@Controller('commands')
@UseGuards(AuthGuard)
export class CommandsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':name')
  @HttpCode(200)
  execute(
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<CommandResult> {
    return this.commandBus.execute(
      new ExecuteCommand({ name, body, caller: request.actor, idempotencyKey, traceparent }),
    );
  }
}
