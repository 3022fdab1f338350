import { Position } from '@kurrent/kurrentdb-client';
import { CatchUpCursor, LeaseLostError } from '../port/catch-up-subscription';

export { LeaseLostError };

/** Where a subscription has got to: its TIP position and, when known, the exact KurrentDB position. */
export interface Cursor extends CatchUpCursor {
  exact?: Position;
}

/**
 * What a subscription's checkpoint stream holds, one event per write: who runs the subscription,
 * whether it let go, and (with the default checkpoint store) the last position it handled.
 */
export interface CheckpointRecord {
  owner: string;
  state: 'active' | 'released';
  position?: number;
  /** The exact KurrentDB position of `position`, as decimal strings (bigints do not go into JSON). */
  commit?: string;
  prepare?: string;
}

export function isCheckpointRecord(value: unknown): value is CheckpointRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.owner === 'string' &&
    (record.state === 'active' || record.state === 'released') &&
    (record.position === undefined || typeof record.position === 'number')
  );
}

export function cursorOf(record: CheckpointRecord | undefined): Cursor | undefined {
  if (record?.position === undefined) return undefined;
  const exact =
    record.commit !== undefined && record.prepare !== undefined
      ? { commit: BigInt(record.commit), prepare: BigInt(record.prepare) }
      : undefined;
  return { position: record.position, exact };
}

export function checkpointFields(cursor: Cursor): Pick<CheckpointRecord, 'position' | 'commit' | 'prepare'> {
  return cursor.exact
    ? { position: cursor.position, commit: cursor.exact.commit.toString(), prepare: cursor.exact.prepare.toString() }
    : { position: cursor.position };
}

/** The checkpoint streams, as the lease needs them; `append` throws CheckpointConflictError when the stream moved. */
export interface CheckpointStreams {
  readLast(streamId: string): Promise<{ revision: number; record: CheckpointRecord } | undefined>;
  /** Appends at exactly `expectedRevision` (-1: the stream must not exist); returns the new revision. */
  append(streamId: string, record: CheckpointRecord, expectedRevision: number): Promise<number>;
  /** Keeps only the newest checkpoint (stream metadata maxCount 1). */
  limitToLatest(streamId: string): Promise<void>;
}

/** Another writer appended to the checkpoint stream since this instance last read or wrote it. */
export class CheckpointConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly actualRevision: number,
  ) {
    super(`Checkpoint stream "${streamId}" moved on (now at revision ${actualRevision})`);
  }
}

/**
 * One running instance per subscription name, without locks: KurrentDB has none. Every write to
 * the subscription's checkpoint stream (claim, checkpoint, heartbeat, release) expects the
 * revision this instance last saw, so of two instances the second writer loses and stands by.
 * A standby takes over when the holder releases, or when the stream stays silent for
 * `timeoutMs` (the holder writes a heartbeat every third of that while it is idle).
 */
export class CheckpointLease {
  private revision = -1;
  private record: CheckpointRecord | undefined;
  private held = false;
  private lastWriteAt = 0;
  private observed: { revision: number; since: number } | undefined;

  constructor(
    private readonly streams: CheckpointStreams,
    readonly streamId: string,
    readonly owner: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** The checkpoint the stream held when the lease was taken, then as this instance moved it. */
  get checkpoint(): Cursor | undefined {
    return cursorOf(this.record);
  }

  /** Whether the holder should write to show it is alive (idle, or about to handle a batch). */
  get dueForHeartbeat(): boolean {
    return this.now() - this.lastWriteAt >= this.timeoutMs / 3;
  }

  /** One attempt to take the lease: true when this instance now holds it. */
  async tryAcquire(): Promise<boolean> {
    const last = await this.streams.readLast(this.streamId);
    const now = this.now();
    if (last && this.observed?.revision !== last.revision) this.observed = { revision: last.revision, since: now };
    const free =
      last === undefined ||
      last.record.state === 'released' ||
      last.record.owner === this.owner ||
      (this.observed !== undefined && now - this.observed.since >= this.timeoutMs);
    if (!free) return false;
    const carried =
      last?.record.position !== undefined
        ? { position: last.record.position, commit: last.record.commit, prepare: last.record.prepare }
        : {};
    try {
      await this.write({ ...carried, owner: this.owner, state: 'active' }, last?.revision ?? -1);
    } catch (error) {
      if (error instanceof CheckpointConflictError) return false;
      throw error;
    }
    this.held = true;
    if (last === undefined) await this.streams.limitToLatest(this.streamId).catch(() => undefined);
    return true;
  }

  /** Proves the lease is still this instance's, moving the checkpoint when given one. */
  async renew(checkpoint?: Cursor): Promise<void> {
    if (!this.held) throw new LeaseLostError(`The lease on "${this.streamId}" is not held`);
    const base: CheckpointRecord = {
      ...(this.record ?? { owner: this.owner, state: 'active' }),
      owner: this.owner,
      state: 'active',
    };
    try {
      await this.write(checkpoint ? { ...base, ...checkpointFields(checkpoint) } : base, this.revision);
    } catch (error) {
      if (error instanceof CheckpointConflictError) {
        this.held = false;
        throw new LeaseLostError(`Another instance took over subscription stream "${this.streamId}"`);
      }
      throw error;
    }
  }

  /** Lets a standby take over at once; a lost race here changes nothing. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    const base = this.record ?? { owner: this.owner, state: 'active' as const };
    await this.write({ ...base, owner: this.owner, state: 'released' }, this.revision).catch(() => undefined);
  }

  private async write(record: CheckpointRecord, expectedRevision: number): Promise<void> {
    this.revision = await this.streams.append(this.streamId, record, expectedRevision);
    this.record = record;
    this.lastWriteAt = this.now();
    this.observed = { revision: this.revision, since: this.lastWriteAt };
  }
}
