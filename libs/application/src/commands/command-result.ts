import { Actor } from '@tip/domain';

/** A command as it reaches the application: its name, the body as sent, and who sent it. */
export interface CommandRequest {
  name: string;
  body: unknown;
  /** The authenticated caller (the token's claims). */
  caller: Actor;
  idempotencyKey?: string;
  /** W3C trace context of the request, kept on every event the command appends. */
  traceparent?: string;
}

export interface CommandResult {
  commandId: string;
  /** The stream the command is about. */
  streamId: string;
  /** Number of events in that stream after the command ran. */
  version: number;
  /** Global position of the last appended event; 0 when the command changed nothing. */
  position: number;
  events: ({ type: string } & Record<string, unknown>)[];
}
