import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { EventStore } from '@tip/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { READ_MODELS, ReadModelHost } from '@tip/projections';
import { READ_MODEL_HOST } from '../views/read-models.provider';

interface ComponentHealth {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_HOST) private readonly readModels: ReadModelHost,
  ) {}

  /** 200 when every part answers, 503 naming the part that does not. */
  @Get()
  async health(@Res({ passthrough: true }) response: Response) {
    const eventStore = await this.eventStoreHealth();
    const readModels = await this.readModelHealth(
      typeof eventStore.headPosition === 'number' ? eventStore.headPosition : undefined,
    );
    const status = eventStore.status === 'up' && readModels.status === 'up' ? 'ok' : 'unavailable';
    response.status(status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status, eventStore, readModels };
  }

  private async eventStoreHealth(): Promise<ComponentHealth> {
    try {
      return { status: 'up', ...(await this.eventStore.stats()) };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }

  /** Each read model's position, and how far behind the event store's head it is. */
  private async readModelHealth(headPosition: number | undefined): Promise<ComponentHealth> {
    try {
      const started = process.hrtime.bigint();
      const positions = await Promise.all(READ_MODELS.map((readModel) => this.readModels.position(readModel)));
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      const views = Object.fromEntries(
        READ_MODELS.map((readModel, index) => [
          readModel.projection.name,
          {
            position: positions[index],
            behindBy: headPosition === undefined ? null : Math.max(0, headPosition - positions[index]),
          },
        ]),
      );
      return { status: 'up', latencyMs, views };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }
}
