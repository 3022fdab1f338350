import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { EventStore, PostgresEventStore } from '@tip/event-store';
import { PoolLike, TipMetrics } from '@tip/observability';
import { READ_MODELS, ReadModelHost } from '@tip/projections';
import { EVENT_STORE, METRICS } from '../infrastructure/event-store.provider';
import { InProcessRelay, READ_MODEL_HOST } from '../views/read-models.provider';

type Samples = Record<string, { labels: { read_model?: string }; value: number }[]>;

/**
 * GET /api/metrics in Prometheus's text format, for the operator's scraper (no token, like
 * /api/health: counts and positions, nothing about anyone). Positions and pools are read when
 * scraped; commands and appends are counted as they happen.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly metrics: TipMetrics,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_HOST) readModels: ReadModelHost,
    relay: InProcessRelay,
  ) {
    if (store instanceof PostgresEventStore) metrics.observePool('event-store', store.pool);
    for (const readModel of READ_MODELS) {
      const driver = readModels.dataSource(readModel).driver as unknown as { master?: PoolLike };
      metrics.observePool(`read-model:${readModel.projection.name}`, driver.master);
    }
    metrics.gauges(
      [
        { name: 'tip_event_store_head_position', help: 'Global position of the newest committed event' },
        {
          name: 'tip_event_store_safe_position',
          help: 'Position readers may read up to: no older transaction is open',
        },
        {
          name: 'tip_event_store_held_back_events',
          help: 'Committed events readers cannot see yet, held back by an older open transaction',
        },
        {
          name: 'tip_event_store_oldest_open_transaction_seconds',
          help: 'Age of the oldest open writing transaction in the database (0: none)',
        },
        { name: 'tip_read_model_position', help: 'Global position each read model has taken in' },
        {
          name: 'tip_read_model_lag_positions',
          help: "How far each read model is behind the event store's head, in global positions (events, on PostgreSQL)",
        },
        {
          name: 'tip_read_model_parked_events',
          help: 'Events each read model could not handle and set aside (tip projections parked / retry); 0 when healthy',
        },
        { name: 'tip_kafka_relay_position', help: 'Position of the last event this process published to Kafka' },
        {
          name: 'tip_kafka_relay_lag_positions',
          help: "How far the relay is behind the event store's head, in global positions",
        },
      ],
      ['read_model'],
      async () => {
        const stats = await store.stats();
        const positions = await Promise.all(READ_MODELS.map((readModel) => readModels.position(readModel)));
        const parked = await Promise.all(READ_MODELS.map((readModel) => readModels.parkedCount(readModel)));
        const one = (value: number) => [{ labels: {}, value }];
        const samples: Samples = {
          tip_event_store_head_position: one(stats.headPosition),
          tip_event_store_safe_position: one(stats.safePosition),
          tip_event_store_held_back_events: one(stats.heldBackEvents),
          tip_event_store_oldest_open_transaction_seconds: one(stats.oldestOpenTransactionSeconds),
          tip_read_model_position: READ_MODELS.map((readModel, index) => ({
            labels: { read_model: readModel.projection.name },
            value: positions[index],
          })),
          tip_read_model_lag_positions: READ_MODELS.map((readModel, index) => ({
            labels: { read_model: readModel.projection.name },
            value: Math.max(0, stats.headPosition - positions[index]),
          })),
          tip_read_model_parked_events: READ_MODELS.map((readModel, index) => ({
            labels: { read_model: readModel.projection.name },
            value: parked[index],
          })),
        };
        if (relay.started) {
          samples.tip_kafka_relay_position = one(relay.started.position);
          samples.tip_kafka_relay_lag_positions = one(Math.max(0, stats.headPosition - relay.started.position));
        }
        return samples;
      },
    );
  }

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.metrics.contentType);
    return this.metrics.text();
  }
}
