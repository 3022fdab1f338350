import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandPipeline, CommandRequest, CommandResult } from '@tip/application';

export const COMMAND_PIPELINE = Symbol('COMMAND_PIPELINE');

/** One message for every contract command: the pipeline knows each one's rules. */
export class ExecuteCommand extends Command<CommandResult> {
  constructor(readonly request: CommandRequest) {
    super();
  }
}

@CommandHandler(ExecuteCommand)
export class ExecuteCommandHandler implements ICommandHandler<ExecuteCommand, CommandResult> {
  constructor(@Inject(COMMAND_PIPELINE) private readonly pipeline: CommandPipeline) {}

  execute(command: ExecuteCommand): Promise<CommandResult> {
    return this.pipeline.execute(command.request);
  }
}
