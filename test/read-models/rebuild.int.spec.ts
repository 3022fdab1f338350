import { Client } from 'pg';
import { CommandGateway } from '@tip/application';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { createPostgresEventStore, EventStoreLogger, PostgresEventStore } from '@tip/event-store';
import {
  liveSchemaOf,
  progressReadModel,
  READ_MODELS,
  ReadModelHost,
  partitionOfKey,
  RebuildInProgressError,
  rebuildReadModel,
  rebuildReadModels,
  RebuildProgress,
} from '@tip/projections';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { rowCount, Snapshot, snapshotDifferences, snapshotSchema } from './support/read-model-snapshot';
import {
  commandPipelineOver,
  cst,
  describeTally,
  runSteps,
  Scenario,
  Tally,
  trainingScenario,
} from './support/training-scenario';

/**
 * A rebuilt read model must equal, row for row, the one the live projectors built batch by batch
 * while the history was being written — also when the rebuild is swapped in under a live
 * projector that keeps going, and when commands keep arriving during the rebuild.
 *
 * The history is a long randomised batch sent through the API's own command pipeline (see
 * support/training-scenario.ts). The seed is printed; TIP_SCENARIO_SEED replays another one.
 */
const SEED = Number(process.env.TIP_SCENARIO_SEED ?? 20_201_102);
/** Enrollment to online study first; the rest (practice, grades, hours, certificates, closure, inspections) while a rebuild runs. */
const SPLIT_AT = cst('2021-03-01T00:00:00');

// Each test drives a generated history through the command path and rebuilds every read model:
// some 25 s on an idle 2-core machine, and a loaded one may take several times that.
jest.setTimeout(120_000);

describe('Rebuilding the read models', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let host: ReadModelHost;
  let pipeline: CommandGateway;
  let closePipeline: () => Promise<void>;
  let scenario: Scenario;
  const tally: Tally = new Map();
  const projectorErrors: string[] = [];
  const logger: EventStoreLogger = {
    info: () => undefined,
    warn: (message, context) => projectorErrors.push(`warn: ${message} ${JSON.stringify(context ?? {})}`),
    error: (message, context) => projectorErrors.push(`error: ${message} ${JSON.stringify(context ?? {})}`),
  };
  // Small batches: the live build takes the history in many more, and differently cut, pieces than the rebuild's pages.
  const openHost = () =>
    ReadModelHost.open(database.url, store, READ_MODELS, { runProjectors: true, logger, batchSize: 40 });

  const head = async () => (await store.stats()).headPosition;
  const snapshotAll = async (): Promise<Snapshot> => {
    const all: Snapshot = {};
    for (const readModel of READ_MODELS) {
      const snapshot = await snapshotSchema(database.url, liveSchemaOf(readModel));
      for (const [table, rows] of Object.entries(snapshot)) all[`${readModel.projection.name}.${table}`] = rows;
    }
    return all;
  };
  const rebuildAll = async (): Promise<RebuildProgress[]> => {
    const results: RebuildProgress[] = [];
    for (const readModel of READ_MODELS) results.push(await rebuildReadModel(database.url, store, readModel));
    return results;
  };
  /** Every index of the live read models, as made (the schema's name left out). */
  const indexesOfAll = async (): Promise<string[]> => {
    const sql = `select schemaname, indexdef from pg_indexes where schemaname = any($1) order by schemaname, indexname`;
    const schemas = READ_MODELS.map((readModel) => liveSchemaOf(readModel));
    const { rows } = await withClient(database.url, (client) =>
      client.query<{ schemaname: string; indexdef: string }>(sql, [schemas]),
    );
    return rows.map((row) => row.indexdef.replaceAll(`${row.schemaname}.`, '<schema>.'));
  };
  const readModelSchemas = async (): Promise<string[]> => {
    const sql = `select schema_name as name from information_schema.schemata where schema_name like 'rm\\_%' order by 1`;
    const { rows } = await withClient(database.url, (client) => client.query<{ name: string }>(sql));
    return rows.map((row) => row.name);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 200, leaseRetryMs: 50 });
    ({ pipeline, close: closePipeline } = await commandPipelineOver(database.url, store));
    host = await openHost();
    scenario = trainingScenario(SEED);
    console.log(
      `rebuild scenario: seed ${SEED} (TIP_SCENARIO_SEED), ${scenario.teachers} teachers in ${scenario.schools.length} schools, ${scenario.steps.length} commands`,
    );
  });

  afterAll(async () => {
    await host?.close();
    await closePipeline?.();
    await store?.close();
    await database?.drop();
  });

  it('builds afresh, at the same position, exactly the views the live projectors built batch by batch', async () => {
    const started = Date.now();
    await runSteps(
      pipeline,
      scenario.world,
      scenario.steps.filter((step) => step.at < SPLIT_AT),
      tally,
    );
    await host.whenCaughtUp();
    const position = await head();
    const live = await snapshotAll();
    const liveIndexes = await indexesOfAll();
    console.log(`first part: ${position} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const rebuilt = await rebuildAll();
    expect(rebuilt.map((each) => [each.readModel, each.phase, each.position])).toEqual(
      READ_MODELS.map((each) => [each.projection.name, 'done', position]),
    );
    const afresh = await snapshotAll();

    expect(snapshotDifferences(live, afresh)).toEqual([]);
    // Loaded without its secondary indexes, the copy has every one of them again once swapped in.
    expect(await indexesOfAll()).toEqual(liveIndexes);
    expect(liveIndexes.some((index) => index.includes('units_ancestry'))).toBe(true);

    // Held to a few rows, the rebuild writes what it holds over and over, reads rows back, deletes
    // and copies them again and adds the counters: the same tables again.
    for (const readModel of READ_MODELS)
      await rebuildReadModel(database.url, store, readModel, { pageSize: 300, maxRowsInMemory: 50 });
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    expect(await indexesOfAll()).toEqual(liveIndexes);
    // In small pages, written now and then: after each write it asks for rows ahead until pages
    // read nothing back, then reads back the few it needs one at a time, and asks ahead again when
    // they come often.
    for (const readModel of READ_MODELS)
      await rebuildReadModel(database.url, store, readModel, { pageSize: 10, maxRowsInMemory: 400 });
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);

    // In partitions, on worker threads: each projects its teachers' (and ledgers', closures')
    // events and every unit's and programme's, and hands its counter rows back to be added up.
    // The teachers fall in every partition, and every unit's totals take in teachers of each:
    // counters of one partition lost, or counted twice, and the province's rows differ.
    const teachers = live['progress.teachers'].map((row) => String(row.teacher_id));
    expect(new Set(teachers.map((id) => partitionOfKey(id, 3))).size).toBe(3);
    await rebuildReadModels(database.url, store, READ_MODELS, { workers: 3 });
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    expect(await indexesOfAll()).toEqual(liveIndexes);
    // Two partitions held to a few rows each: rows written, forgotten and read back; counters handed back page by page.
    await rebuildReadModels(database.url, store, READ_MODELS, { workers: 2, pageSize: 300, maxRowsInMemory: 50 });
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    // A fresh copy: no parked event has been applied out of turn in it yet (generation 0).
    for (const name of ['progress', 'inspections'])
      expect(afresh[`${name}.projection_checkpoint`]).toEqual([{ name, position: String(position), generation: '0' }]);
    // A history worth comparing: every kind of progress row is there in numbers.
    expect(live['progress.teacher_records'].length).toBeGreaterThan(100);
    expect(live['progress.unit_weekly_changes'].length).toBeGreaterThan(100);
    expect(rowCount(live)).toBeGreaterThan(500);
    expect(await readModelSchemas()).toEqual(['rm_inspections', 'rm_progress']);
    expect(projectorErrors).toEqual([]);
  });

  it('swaps a rebuild in while commands keep coming; the live projectors carry on over the new tables', async () => {
    const before = await head();
    const appending = runSteps(
      pipeline,
      scenario.world,
      scenario.steps.filter((step) => step.at >= SPLIT_AT),
      tally,
    );
    let appended = false;
    void appending.finally(() => (appended = true));
    // Let the live projectors get going, then rebuild under them.
    while (!appended && (await head()) < before + 100) await new Promise((resolve) => setTimeout(resolve, 20));

    const swappedAt: number[] = [];
    const phases = new Set<string>();
    for (const readModel of READ_MODELS) {
      const result = await rebuildReadModel(database.url, store, readModel, {
        pageSize: 500,
        onProgress: (progress) => phases.add(progress.phase),
      });
      swappedAt.push(result.position);
    }
    const stillAppending = !appended;
    await appending;
    await host.whenCaughtUp();
    const final = await head();
    const live = await snapshotAll();
    console.log(
      `second part: ${final - before} events, the rebuilds swapped in at ${swappedAt.join(' and ')} of ${final}\n${describeTally(tally)}`,
    );

    expect([...phases]).toEqual(['building', 'swapping', 'done']);
    expect(stillAppending).toBe(true);
    // The rebuilds took in what arrived while they ran, and the live projectors what came after.
    for (const position of swappedAt) {
      expect(position).toBeGreaterThan(before);
      expect(position).toBeLessThan(final);
    }
    for (const readModel of READ_MODELS) expect(await host.position(readModel)).toBe(final);
    expect(await readModelSchemas()).toEqual(['rm_inspections', 'rm_progress']);

    // What the live projectors made of the swapped-in tables is what one more rebuild makes of the whole history.
    await rebuildAll();
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    expect(live['inspections.inspection_samples'].length).toBe(2);
    expect(
      Number(live['progress.unit_progress'].find((row) => row.unit_id === '320000')?.schools_closed),
    ).toBeGreaterThan(0);
    expect(final).toBeGreaterThan(2000);
    expect([...tally.keys()].filter((key) => key.includes('INVALID'))).toEqual([]);
    expect(projectorErrors).toEqual([]);
  });

  it('after a swap, a live projector forgets the rows it held of the old tables, even when both copies stand at the same position', async () => {
    const system: Actor = { sub: 'importer', role: 'system' };
    const nanjing: Actor = { sub: 'admin-320100', role: 'city-admin', unitId: '320100' };
    const [from, to] = [scenario.schools[1], scenario.schools[5]];
    const send = async (name: string, body: Record<string, unknown>, at: string, actor?: Actor) => {
      const result = await pipeline.execute({
        name,
        body: { ...body, at: `${at}+08:00`, ...(actor ? { actor } : {}) },
        caller: system,
      });
      expect(result.events.length).toBeGreaterThan(0);
    };
    const idNumber = `32010219900101002${idNumberCheckCharacter('32010219900101002')}`;
    const teacher = {
      teacherId: 'T-NEW',
      schoolId: from,
      name: '钱新',
      idNumber,
      gender: 'female',
      stage: '小学',
      subject: '语文',
      fullTime: true,
      birthDate: '1990-01-01',
    };
    await send('RegisterTeacher', teacher, '2021-08-01T09:00:00');
    await host.whenCaughtUp();

    // The view as an older projector version left it (here: altered by hand), read by a process started afterwards.
    await host.close();
    await withClient(database.url, (client) =>
      client.query(`update rm_progress.teachers set name = 'stale' where teacher_id = 'T-NEW'`),
    );
    host = await openHost();
    await send('TransferTeacher', { teacherId: 'T-NEW', toSchoolId: to }, '2021-08-02T09:00:00', nanjing);
    await host.whenCaughtUp();

    // The rebuild puts the row right; nothing arrived meanwhile, so both copies stand at the same position.
    const rebuilt = await rebuildReadModel(database.url, store, progressReadModel);
    expect(rebuilt.position).toBe(await head());
    expect(await teacherRow('T-NEW')).toMatchObject({ name: '钱新', school_id: to });

    await send('TransferTeacher', { teacherId: 'T-NEW', toSchoolId: from }, '2021-08-03T09:00:00', nanjing);
    await host.whenCaughtUp();
    expect(await teacherRow('T-NEW')).toMatchObject({ name: '钱新', school_id: from });
    const live = await snapshotAll();
    await rebuildAll();
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    expect(projectorErrors).toEqual([]);
  });

  it('runs one rebuild of a read model at a time: a second one, started while the first builds, is refused', async () => {
    // The first rebuild is held up halfway, between two pages.
    let eventsRead = 0;
    let resume: () => void = () => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let paused: () => void = () => undefined;
    const halfway = new Promise<void>((resolve) => (paused = resolve));
    const slowStore = Object.assign(Object.create(store) as PostgresEventStore, {
      readAll: async (options: { fromPosition?: number; maxCount?: number }) => {
        if (eventsRead >= 1000) {
          paused();
          await resumed;
        }
        return store.readAll(options);
      },
    });
    const first = rebuildReadModel(database.url, slowStore, progressReadModel, {
      pageSize: 200,
      onProgress: (progress) => (eventsRead = progress.eventsRead),
    });
    await halfway;
    // Without the guard this one dropped and remade the first one's copy, which then lacked a thousand events.
    const second = rebuildReadModel(database.url, store, progressReadModel, { pageSize: 200, onProgress: resume });
    await expect(second).rejects.toThrow(new RebuildInProgressError('progress'));
    resume();
    expect(await first).toMatchObject({ phase: 'done', position: await head() });

    await host.whenCaughtUp();
    const live = await snapshotAll();
    await rebuildAll();
    expect(snapshotDifferences(live, await snapshotAll())).toEqual([]);
    expect(await readModelSchemas()).toEqual(['rm_inspections', 'rm_progress']);
  });

  async function teacherRow(teacherId: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await withClient(database.url, (client) =>
      client.query<Record<string, unknown>>('select * from rm_progress.teachers where teacher_id = $1', [teacherId]),
    );
    return rows[0];
  }
});

async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
