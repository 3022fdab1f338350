import {
  Command,
  CommandMetadata,
  Decision,
  DecisionPlan,
  DomainEvent,
  foldStream,
  Role,
  StreamType,
} from '@tip/domain';
import { ZodType, ZodTypeDef } from 'zod';
import { CredentialVault } from '../ports/credential-vault';
import { IdNumberVault } from '../ports/id-number-vault';
import { CommandValidationFailed } from './errors';
import { problemsOf } from './problems';
import { Scope } from './scope';

/** What a command may use before deciding, for what its pure decision cannot do itself. */
export interface CommandServices {
  idNumbers: IdNumberVault;
  /** Seals password hashes (accounts) outside the log. */
  credentials: CredentialVault;
  /**
   * Reads and folds a stream, for facts gathered across many streams (a school's teachers'
   * records for its closure). Such facts are read once, before deciding, and are not re-checked
   * at append time: use them for thresholds, never for what must not be over-spent.
   */
  read<State, Event extends DomainEvent>(type: StreamType<State, Event>, streamId: string): Promise<State>;
  /** Many streams' events in one round trip (fold each with `foldStream`). */
  loadMany(streamIds: readonly string[]): Promise<(readonly DomainEvent[])[]>;
}

/**
 * One command of the contract, end to end: how its body is checked, who may send it and where,
 * what the server fills in, what facts it gathers, and the domain's decision. Typed from the
 * body to the events; `defineCommand` erases the types into a `CommandSlice` the handler runs.
 */
export interface CommandDefinition<Type extends string, Data extends object, Facts> {
  name: Type;
  /** Who sends it, when in the batch, and what it refuses (the OpenAPI document's description). */
  description: string;
  /** Checks the body into the command's data (fields the server fills get a placeholder here). */
  schema: ZodType<Data, ZodTypeDef, unknown>;
  /** Roles that may send it besides `system`. */
  roles: readonly Role[];
  scope(data: Data): Scope;
  /** Fills what the server generates (a code, a ciphertext) once, after authorization. */
  complete?(data: Data, context: { commandId: string; services: CommandServices }): Promise<Data>;
  decision: Decision<Command<Type, Data>, Facts>;
}

export interface CommandDefinitionWithFacts<Type extends string, Data extends object, Facts> extends CommandDefinition<
  Type,
  Data,
  Facts
> {
  /** Gathers, once before deciding, what the decision needs from beyond its own streams. */
  facts(command: Command<Type, Data>, services: CommandServices): Promise<Facts>;
}

/** A command as the handler runs it: its types are inside the closures. */
export interface CommandSlice {
  readonly name: string;
  readonly description: string;
  readonly roles: readonly Role[];
  /** The body's schema, for the OpenAPI document. */
  readonly schema: ZodType<unknown, ZodTypeDef, unknown>;
  /** Checks the command's fields (400 naming each bad one). */
  accept(fields: unknown): AcceptedCommand;
}

export interface AcceptedCommand {
  readonly scope: Scope;
  /** Completes the command, gathers its facts and plans its decision. */
  prepare(context: PrepareContext): Promise<DecisionPlan>;
}

export interface PrepareContext {
  commandId: string;
  metadata: CommandMetadata;
  services: CommandServices;
}

export function defineCommand<Type extends string, Data extends object>(
  definition: CommandDefinition<Type, Data, undefined>,
): CommandSlice {
  return defineCommandWithFacts({ ...definition, facts: async () => undefined });
}

export function defineCommandWithFacts<Type extends string, Data extends object, Facts>(
  definition: CommandDefinitionWithFacts<Type, Data, Facts>,
): CommandSlice {
  return {
    name: definition.name,
    description: definition.description,
    roles: definition.roles,
    schema: definition.schema,
    accept(fields) {
      const parsed = definition.schema.safeParse(fields);
      if (!parsed.success) throw new CommandValidationFailed(problemsOf(parsed.error));
      const checked = parsed.data;
      return {
        scope: definition.scope(checked),
        async prepare({ commandId, metadata, services }) {
          const data = definition.complete ? await definition.complete(checked, { commandId, services }) : checked;
          const command: Command<Type, Data> = { type: definition.name, data, metadata };
          return definition.decision.plan(command, await definition.facts(command, services));
        },
      };
    },
  };
}

/** Services over a way to load streams. */
export function commandServices(
  idNumbers: IdNumberVault,
  loadMany: (streamIds: readonly string[]) => Promise<(readonly DomainEvent[])[]>,
  credentials: CredentialVault,
): CommandServices {
  return {
    idNumbers,
    credentials,
    loadMany,
    read: async (type, streamId) => foldStream(type, (await loadMany([streamId]))[0] ?? []),
  };
}
