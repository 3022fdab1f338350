import {
  Actor,
  decideRevokeToken,
  DomainEvent,
  foldStream,
  isTokenRevoked,
  TOKEN_REVOCATIONS_STREAM,
  TokenRevocationState,
  tokenRevocationsStream,
} from '@tip/domain';

const tokenRevocationsOf = (events: readonly DomainEvent[]) => foldStream(tokenRevocationsStream, events);
import { Clock } from '../ports/clock';
import { Randomness } from '../ports/randomness';
import { EventStreams, StreamConflict, StreamWrite, WriteContext, WriteResult } from '../ports/event-streams';

/**
 * The revocation list as every bearer token is checked against it: folded from its stream and
 * read again at most every `refreshMs`, so a revocation takes effect in every API process
 * within that time (0: read on every check).
 */
export class TokenRevocationList {
  private state: TokenRevocationState | undefined;
  private readAt = -Infinity;
  private reading: Promise<TokenRevocationState> | undefined;

  constructor(
    private readonly streams: EventStreams,
    private readonly clock: Clock,
    private readonly randomness: Randomness,
    private readonly refreshMs: number,
  ) {}

  /**
   * The same streams, telling this list when a command appends to the revocation list, so that
   * a revocation made through this process is in effect here at once.
   */
  noticing(streams: EventStreams): EventStreams {
    return {
      load: (streamId) => streams.load(streamId),
      loadMany: (streamIds) => streams.loadMany(streamIds),
      write: async (writes: StreamWrite[], context: WriteContext): Promise<WriteResult> => {
        const result = await streams.write(writes, context);
        if (writes.some((write) => write.streamId === TOKEN_REVOCATIONS_STREAM)) this.readAt = -Infinity;
        return result;
      },
    };
  }

  async isRevoked(token: { jti?: string; sub: string; issuedAt: number }): Promise<boolean> {
    return isTokenRevoked(await this.current(), token);
  }

  /** Revokes a token as its own holder (signing out with it); in effect here at once. */
  async revoke(target: { jti: string } | { sub: string }, reason: string, actor: Actor): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const stream = await this.streams.load(TOKEN_REVOCATIONS_STREAM);
      const now = this.clock.now().toISOString();
      const events = decideRevokeToken(
        { type: 'RevokeToken', data: { ...target, reason }, metadata: { now, actor } },
        tokenRevocationsOf(stream.events),
      );
      const commandId = this.randomness.uuid();
      try {
        if (events.length > 0) {
          await this.streams.write(
            [{ streamId: TOKEN_REVOCATIONS_STREAM, events, expectedRevision: stream.revision }],
            {
              commandId,
              correlationId: commandId,
              now,
              actor,
            },
          );
        }
        this.state = tokenRevocationsOf([...stream.events, ...events]);
        this.readAt = this.clock.now().getTime();
        return;
      } catch (error) {
        if (!(error instanceof StreamConflict) || attempt >= 5) throw error;
      }
    }
  }

  private async current(): Promise<TokenRevocationState> {
    const now = this.clock.now().getTime();
    if (this.state && now - this.readAt < this.refreshMs) return this.state;
    this.reading ??= this.streams
      .load(TOKEN_REVOCATIONS_STREAM)
      .then((stream) => {
        this.state = tokenRevocationsOf(stream.events);
        this.readAt = now;
        return this.state;
      })
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
