import { Inject, Type } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandGateway, CommandRequest, CommandResult, CommandSlice, contractCommands } from '@tip/application';

export const COMMAND_GATEWAY = Symbol('COMMAND_GATEWAY');

/** A command of the contract on the bus: what was sent, by whom. */
export abstract class ContractCommand extends Command<CommandResult> {
  constructor(readonly request: CommandRequest) {
    super();
  }
}

export interface BusRegistration {
  name: string;
  /** The message class the bus dispatches by (one per contract command, named after it). */
  message: new (request: CommandRequest) => ContractCommand;
  /** Its @CommandHandler: the command's slice, run by the application's gateway. */
  handler: Type<ICommandHandler<ContractCommand, CommandResult>>;
}

/** One contract command on the bus: its own message class and the handler it is dispatched to. */
export function busRegistration(slice: CommandSlice): BusRegistration {
  const Message = class extends ContractCommand {};
  Object.defineProperty(Message, 'name', { value: slice.name });

  @CommandHandler(Message)
  class Handler implements ICommandHandler<ContractCommand, CommandResult> {
    constructor(@Inject(COMMAND_GATEWAY) private readonly gateway: CommandGateway) {}

    execute(command: ContractCommand): Promise<CommandResult> {
      return this.gateway.run(slice, command.request);
    }
  }
  Object.defineProperty(Handler, 'name', { value: `${slice.name}Handler` });

  return { name: slice.name, message: Message, handler: Handler };
}

/** The contract's commands on the bus; a command is registered in `contractCommands` (libs/application). */
export const contractBus: readonly BusRegistration[] = contractCommands.map(busRegistration);
