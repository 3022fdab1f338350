import { DataSource } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { progressReadModel } from '../read-models';
import { projectInMemory } from './in-memory';

/** Every table of the progress read model as stored, plain rows in key order. */
export async function stored(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const entity of progressReadModel.entities) {
    const metadata = dataSource.getMetadata(entity);
    const rows = await dataSource
      .getRepository(entity)
      .find({ order: Object.fromEntries(metadata.primaryColumns.map((column) => [column.propertyName, 'ASC'])) });
    if (rows.length > 0) tables[metadata.tableName] = rows.map((row) => ({ ...row }));
  }
  return tables;
}

/** The same tables as the pure projector makes them from these events in memory, in key order. */
export function inMemory(dataSource: DataSource, events: readonly RecordedEvent[]): Record<string, unknown[]> {
  const tables: Record<string, unknown[]> = {};
  for (const [table, rows] of projectInMemory(progressReadModel, events)) {
    const entity = progressReadModel.entities.find((each) => dataSource.getMetadata(each).tableName === table);
    const keys = entity ? dataSource.getMetadata(entity).primaryColumns.map((column) => column.propertyName) : [];
    const key = (row: Record<string, unknown>) => keys.map((name) => String(row[name])).join('\u0000');
    tables[table] = [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  }
  return tables;
}
