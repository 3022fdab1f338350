import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { EventStore } from '@tip/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { ParkedEventRow, READ_MODELS, ReadModelHost } from '@tip/projections';
import { READ_MODEL_HOST } from '../views/read-models.provider';

export const READINESS = Symbol('READINESS');

export interface Readiness {
  /** Ready only while every read model is at most this many positions behind the head. */
  maxLag: number;
}

/** A probe must answer even when the database does not: a part slower than this counts as down. */
const PROBE_TIMEOUT_MS = 3000;
/** Parked events listed in /api/health (all of them: `tip projections parked`). */
const PARKED_LISTED = 20;

interface ReadModelState {
  position: number;
  behindBy: number | null;
  parked: number;
}

function withinProbeTime<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS).unref(),
    ),
  ]);
}

/**
 * Health without a token, for people and probes alike: what is up, how far each read model is,
 * and what it parked. It never shows a database's own error text, host or port (they are logged).
 */
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_HOST) private readonly readModels: ReadModelHost,
    @Inject(READINESS) private readonly readiness: Readiness,
  ) {}

  /**
   * 200 `ok`; 200 `degraded` when a read model parked an event (named with its position and
   * error; the views of that read model say `degraded: true`); 503 `unavailable` naming the
   * part that does not answer.
   */
  @Get()
  async health(@Res({ passthrough: true }) response: Response) {
    const eventStore = await this.eventStoreHealth();
    const headPosition = typeof eventStore.headPosition === 'number' ? eventStore.headPosition : undefined;
    const readModels = await this.readModelHealth(headPosition);
    const status =
      eventStore.status !== 'up' || readModels.status !== 'up'
        ? 'unavailable'
        : readModels.parked.length > 0
          ? 'degraded'
          : 'ok';
    response.status(status === 'unavailable' ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK);
    return { status, eventStore, readModels };
  }

  /** The process serves HTTP: for a supervisor deciding whether to restart it (never the database's fault). */
  @Get('live')
  live() {
    return { status: 'live' };
  }

  /**
   * Whether to send this process work: the database and event store answer, every read model
   * answers, none parked an event, and none is more than the bound behind the head. 503 with
   * the reasons otherwise.
   */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const reasons: string[] = [];
    const eventStore = await this.eventStoreHealth();
    if (eventStore.status !== 'up') reasons.push('the event store does not answer');
    const headPosition = typeof eventStore.headPosition === 'number' ? eventStore.headPosition : undefined;
    const readModels = await this.readModelHealth(headPosition);
    if (readModels.status !== 'up') reasons.push('the read models do not answer');
    for (const [name, state] of Object.entries(readModels.views)) {
      if (state.parked > 0) reasons.push(`read model ${name} parked ${state.parked} event(s)`);
      if (state.behindBy !== null && state.behindBy > this.readiness.maxLag)
        reasons.push(`read model ${name} is ${state.behindBy} positions behind (at most ${this.readiness.maxLag})`);
    }
    response.status(reasons.length === 0 ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return reasons.length === 0 ? { status: 'ready' } : { status: 'not-ready', reasons };
  }

  private async eventStoreHealth(): Promise<{ status: 'up' | 'down'; [detail: string]: unknown }> {
    try {
      return { status: 'up', ...(await withinProbeTime(this.eventStore.stats())) };
    } catch (error) {
      this.logger.warn(`event store health: ${(error as Error).message}`);
      return { status: 'down' };
    }
  }

  /** Each read model's position, how far behind the event store's head it is, and what it parked. */
  private async readModelHealth(headPosition: number | undefined): Promise<{
    status: 'up' | 'down';
    latencyMs?: number;
    views: Record<string, ReadModelState>;
    parked: Omit<ParkedEventRow, 'streamId' | 'eventId'>[];
  }> {
    try {
      const started = process.hrtime.bigint();
      const states = await withinProbeTime(
        Promise.all(
          READ_MODELS.map(async (readModel) => ({
            position: await this.readModels.position(readModel),
            parked: await this.readModels.parked(readModel, PARKED_LISTED),
            parkedCount: await this.readModels.parkedCount(readModel),
          })),
        ),
      );
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      const views = Object.fromEntries(
        READ_MODELS.map((readModel, index) => [
          readModel.projection.name,
          {
            position: states[index].position,
            behindBy: headPosition === undefined ? null : Math.max(0, headPosition - states[index].position),
            parked: states[index].parkedCount,
          },
        ]),
      );
      // Which read model, where and why; the stream and event ids stay with `tip projections parked`.
      const parked = states
        .flatMap((state) => state.parked)
        .slice(0, PARKED_LISTED)
        .map(({ readModel, position, eventType, error, attempts, firstAttempt, lastAttempt }) => ({
          readModel,
          position,
          eventType,
          error,
          attempts,
          firstAttempt,
          lastAttempt,
        }));
      return { status: 'up', latencyMs, views, parked };
    } catch (error) {
      this.logger.warn(`read model health: ${(error as Error).message}`);
      return { status: 'down', views: {}, parked: [] };
    }
  }
}
