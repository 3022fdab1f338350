import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { createPostgresEventStore, EventStore, NewEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { rebuildReadModels } from './rebuild';

function unitRegistered(unitId: string, kind: string, name: string, ancestry: string[]): NewEvent {
  const commandId = randomUUID();
  return {
    type: 'OrgUnitRegistered',
    data: { unitId, kind, name, ancestry, ...(ancestry.length > 0 ? { parentId: ancestry[ancestry.length - 1] } : {}) },
    metadata: {
      eventId: randomUUID(),
      businessTime: '2020-10-08T01:00:00.000Z',
      actor: { sub: 'importer', role: 'system' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

describe('tip rebuild', () => {
  let database: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url });
    await store.appendToStream('org-unit-320000', [unitRegistered('320000', 'province', '江苏省', [])]);
    await store.appendToStream('org-unit-320700', [unitRegistered('320700', 'city', '连云港市', ['320000'])]);
    await store.appendToStream('org-unit-320707', [unitRegistered('320707', 'county', '赣榆区', ['320000', '320700'])]);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  async function rebuild(...names: string[]): Promise<{ exitCode: number; lines: string[]; progress: string }> {
    return rebuildWith({}, ...names);
  }

  async function rebuildWith(
    options: { workers?: number },
    ...names: string[]
  ): Promise<{ exitCode: number; lines: string[]; progress: string }> {
    const lines: string[] = [];
    // A terminal, as far as the bar can tell (it draws nothing on a pipe).
    const progress = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    const drawn: Buffer[] = [];
    progress.on('data', (chunk: Buffer) => drawn.push(chunk));
    const exitCode = await rebuildReadModels(
      database.url,
      names,
      { print: (line) => lines.push(line), progress },
      options,
    );
    return { exitCode, lines, progress: Buffer.concat(drawn).toString('utf8') };
  }

  async function query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('rebuilds every read model, in order, with a summary line for each', async () => {
    const { exitCode, lines } = await rebuild();
    expect(exitCode).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^Rebuilt progress: 3 events in \d+\.\d s \(\d+ events\/s\), up to position 3\.$/),
      expect.stringMatching(/^Rebuilt inspections: 3 events in \d+\.\d s \(\d+ events\/s\), up to position 3\.$/),
    ]);
    expect(await query('select unit_id, kind from rm_progress.units order by unit_id')).toEqual([
      { unit_id: '320000', kind: 'province' },
      { unit_id: '320700', kind: 'city' },
      { unit_id: '320707', kind: 'county' },
    ]);
    expect(
      await query(`select schema_name from information_schema.schemata where schema_name like 'rm\\_%' order by 1`),
    ).toEqual([{ schema_name: 'rm_inspections' }, { schema_name: 'rm_progress' }]);
  });

  it('rebuilds only the read models named, drawing its progress on the stream given', async () => {
    await store.appendToStream('org-unit-320722', [unitRegistered('320722', 'county', '东海县', ['320000', '320700'])]);
    const { exitCode, lines, progress } = await rebuild('progress');
    expect(exitCode).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^Rebuilt progress: 4 events in .* up to position 4\.$/)]);
    expect(progress).toMatch(/progress +\S+ 4\/4 events \| \d+ events\/s \| 0s left \| done/);
    expect(await query('select position from rm_progress.projection_checkpoint')).toEqual([{ position: '4' }]);
    expect(await query('select position from rm_inspections.projection_checkpoint')).toEqual([{ position: '3' }]);
  });

  it('rebuilds in partitions on worker threads when told how many (--workers)', async () => {
    const { exitCode, lines } = await rebuildWith({ workers: 3 }, 'progress');
    expect(exitCode).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^Rebuilt progress: 4 events in .* up to position 4\.$/)]);
    expect(await query('select unit_id from rm_progress.units order by unit_id')).toEqual(
      ['320000', '320700', '320707', '320722'].map((unit_id) => ({ unit_id })),
    );
    expect(await query('select position from rm_progress.projection_checkpoint')).toEqual([{ position: '4' }]);
  });

  it('exits 2 naming the known read models when a name is unknown, touching nothing', async () => {
    const { exitCode, lines } = await rebuild('progress', 'attendance');
    expect(exitCode).toBe(2);
    expect(lines).toEqual(['Unknown read model "attendance"; known: progress, inspections']);
    expect(await query('select position from rm_progress.projection_checkpoint')).toEqual([{ position: '4' }]);
  });
});
