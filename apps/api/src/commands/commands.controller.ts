import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandResult, UnknownCommand } from '@tip/application';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { activeTraceparent, inSpan, TipMetrics } from '@tip/observability';
import { errorCodeOf } from '../http/error.filter';
import { METRICS } from '../infrastructure/event-store.provider';
import { contractBus } from './command-bus';

const messages = new Map(contractBus.map((registration) => [registration.name, registration.message]));

@Controller('commands')
@UseGuards(AuthGuard)
export class CommandsController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(METRICS) private readonly metrics: TipMetrics,
  ) {}

  @Post(':name')
  @HttpCode(200)
  async execute(
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<CommandResult> {
    const Message = messages.get(name);
    if (Message === undefined) throw new UnknownCommand(name);
    return this.metrics.timeCommand(
      name,
      () =>
        inSpan(`command ${name}`, { 'tip.command': name }, () =>
          this.commandBus.execute(
            // With tracing on, the events carry the command's own span, so their projection continues its trace.
            new Message({
              name,
              body,
              caller: request.actor,
              idempotencyKey,
              traceparent: activeTraceparent() ?? traceparent,
            }),
          ),
        ),
      errorCodeOf,
    );
  }
}
