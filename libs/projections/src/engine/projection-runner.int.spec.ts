import { DataSource } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { progressReadModel } from '../read-models';
import { enrolled, online, world } from '../progress/progress.test-events';
import { projectInMemory } from './in-memory';
import { ProjectionRunner } from './projection-runner';
import { migrateReadModel, readModelDataSource } from './read-model';

/** The runner's promise: every event's changes land exactly once, with the checkpoint, or not at all. */
describe('ProjectionRunner on PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const schema = 'rm_progress';

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const events: RecordedEvent[] = [
    ...world(),
    ...enrolled('T1', 'S1'),
    ...enrolled('T2', 'S2'),
    online('T1', 'R1', 15),
    online('T1', 'R2', 12.5),
    online('T2', 'R1', 30),
  ];

  /** Every table as stored, plain rows in key order. */
  async function stored(): Promise<Record<string, unknown[]>> {
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

  const byKey = (rows: Record<string, unknown>[], keys: string[]) =>
    [...rows].sort((a, b) =>
      keys.map((key) => String(a[key])).join('\u0000') < keys.map((key) => String(b[key])).join('\u0000') ? -1 : 1,
    );
  function inMemory(): Record<string, unknown[]> {
    const tables: Record<string, unknown[]> = {};
    for (const [table, rows] of projectInMemory(progressReadModel, events)) {
      const entity = progressReadModel.entities.find((each) => dataSource.getMetadata(each).tableName === table);
      const keys = entity ? dataSource.getMetadata(entity).primaryColumns.map((column) => column.propertyName) : [];
      tables[table] = byKey(rows, keys);
    }
    return tables;
  }

  const checkpoint = async () =>
    Number((await dataSource.query(`select position from ${schema}.projection_checkpoint`))[0].position);

  it('writes every table as the projector decides, batch by batch, and the checkpoint with them', async () => {
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    await runner.handle(events.slice(0, 10));
    expect(await checkpoint()).toBe(events[9].position);
    await runner.handle(events.slice(10));
    expect(await checkpoint()).toBe(events[events.length - 1].position);
    expect(await stored()).toEqual(inMemory());
  });

  it('applies a batch delivered again (a retry, a restart) not twice: the checkpoint says what is in', async () => {
    const before = await stored();
    const restarted = new ProjectionRunner(dataSource, schema, progressReadModel);
    await restarted.handle(events.slice(5));
    expect(await stored()).toEqual(before);
    expect(await restarted.checkpoint()).toBe(events[events.length - 1].position);
  });
});
