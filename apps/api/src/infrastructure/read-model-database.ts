import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DATABASE_URL } from './event-store.provider';

/** The database the read models live in (the event store's own, until projections move out). */
@Injectable()
export class ReadModelDatabase implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(@Inject(DATABASE_URL) connectionString: string) {
    this.pool = new Pool({ connectionString, max: 4, application_name: 'tip-read-models' });
    this.pool.on('error', () => undefined);
  }

  async ping(): Promise<{ latencyMs: number }> {
    const started = process.hrtime.bigint();
    await this.pool.query('select 1');
    return { latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
