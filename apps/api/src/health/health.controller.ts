import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { EventStore } from '@tip/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { ReadModelDatabase } from '../infrastructure/read-model-database';

interface ComponentHealth {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly readModels: ReadModelDatabase,
  ) {}

  /** 200 when every part answers, 503 naming the part that does not. */
  @Get()
  async health(@Res({ passthrough: true }) response: Response) {
    const [eventStore, readModels] = await Promise.all([this.eventStoreHealth(), this.readModelHealth()]);
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

  private async readModelHealth(): Promise<ComponentHealth> {
    try {
      return { status: 'up', ...(await this.readModels.ping()) };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }
}
