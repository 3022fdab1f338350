import { Provider } from '@nestjs/common';
import { EventStore } from '@tip/event-store';
import { InspectionViews, inspectionsReadModel, ProgressViews, progressReadModel, READ_MODELS, ReadModelHost, WeeklyNoticeQuery } from '@tip/projections';
import { DATABASE_URL, EVENT_STORE, nestEventStoreLogger } from '../infrastructure/event-store.provider';

export const READ_MODEL_HOST = Symbol('READ_MODEL_HOST');
export const RUN_PROJECTORS = Symbol('RUN_PROJECTORS');

export interface ReadModelSettings {
  runProjectors: boolean;
  viewWaitMs: number;
}

export const readModelProviders: Provider[] = [
  {
    provide: READ_MODEL_HOST,
    inject: [DATABASE_URL, EVENT_STORE, RUN_PROJECTORS],
    useFactory: (connectionString: string, store: EventStore, settings: ReadModelSettings) =>
      ReadModelHost.open(connectionString, store, READ_MODELS, { ...settings, logger: nestEventStoreLogger('ReadModels') }),
  },
  { provide: ProgressViews, inject: [READ_MODEL_HOST], useFactory: (host: ReadModelHost) => new ProgressViews(host.dataSource(progressReadModel)) },
  { provide: WeeklyNoticeQuery, inject: [READ_MODEL_HOST], useFactory: (host: ReadModelHost) => new WeeklyNoticeQuery(host.dataSource(progressReadModel)) },
  { provide: InspectionViews, inject: [READ_MODEL_HOST], useFactory: (host: ReadModelHost) => new InspectionViews(host.dataSource(inspectionsReadModel)) },
];
