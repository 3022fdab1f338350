import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable, RecordedEvent } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { progressReadModel } from '../read-models';
import { BATCH, enrolled, event, online, unit, world } from '../progress/progress.test-events';
import { isPassingTrouble } from './parking';
import { PartitionItem, ProjectionRunner } from './projection-runner';
import { inMemory, stored } from './progress.test-tables';
import { migrateReadModel, readModelDataSource, ReadModel } from './read-model';
import { AwaitingEvents, ViewChange } from './view-changes';

/** A projector that fails on one event the way the test says, and projects every other as progress does. */
function failingOn(position: number, fail: (event: RecordedEvent) => ViewChange[]): ReadModel {
  return {
    ...progressReadModel,
    projection: {
      ...progressReadModel.projection,
      handles: (each) => each.position === position || progressReadModel.projection.handles(each),
      project: (each, rows) =>
        each.position === position ? fail(each) : progressReadModel.projection.project(each, rows),
    },
  };
}

describe('Parking: an event a projector cannot handle waits aside, the rest goes on', () => {
  let database: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(sources.map((source) => source.destroy()));
    await database?.drop();
  });

  async function freshSchema(schema: string): Promise<DataSource> {
    const dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    sources.push(dataSource);
    return dataSource;
  }

  const checkpoint = async (dataSource: DataSource, schema: string) =>
    Number((await dataSource.query(`select position from ${schema}.projection_checkpoint`))[0].position);

  it('parks what names a school nobody registered, applies everything else, and says degraded', async () => {
    const dataSource = await freshSchema('rm_parking_a');
    const before = [...world(), ...enrolled('T1', 'S1')];
    const orphan = enrolled('T9', 'NO-SUCH-SCHOOL');
    const after = [online('T1', 'R1', 15)];
    const runner = new ProjectionRunner(dataSource, 'rm_parking_a', progressReadModel);
    const announced: unknown[] = [];
    runner.progress.on('parked', (parked) => announced.push(parked));

    await runner.handle([...before, ...orphan, ...after]);

    expect(await checkpoint(dataSource, 'rm_parking_a')).toBe(after[0].position);
    const parked = await runner.parked();
    // The seat taken is a ledger's affair and goes in; the enrollment needs the school.
    expect(parked.map((row) => row.position)).toEqual([orphan[1].position]);
    expect(parked[0]).toMatchObject({
      readModel: 'progress',
      eventType: 'TeacherEnrolled',
      streamId: orphan[1].streamId,
      attempts: 1,
      error: 'org unit NO-SUCH-SCHOOL is not registered in the read model yet',
    });
    expect(parked[0].firstAttempt).toBe(parked[0].lastAttempt);
    expect(announced).toHaveLength(1);
    expect(await runner.isDegraded()).toBe(true);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, [...before, orphan[0], ...after]));

    // A restart does not bring it back: the checkpoint is past it, and it stays listed.
    const restarted = new ProjectionRunner(dataSource, 'rm_parking_a', progressReadModel);
    await restarted.handle([...before, ...orphan, ...after]);
    expect((await restarted.parked()).map((row) => row.attempts)).toEqual([1]);
  });

  it('applies parked events on retry once what they named exists, and the live projector sees the rows change', async () => {
    const dataSource = await freshSchema('rm_parking_b');
    const live = new ProjectionRunner(dataSource, 'rm_parking_b', progressReadModel);
    const first = [...world(), ...enrolled('T1', 'S1')];
    const orphan = enrolled('T9', 'S9');
    await live.handle([...first, ...orphan]);
    expect(await live.parked()).toHaveLength(1);

    // Retrying before the fix changes nothing but the attempt count and the time.
    const log = new Map<number, RecordedEvent>();
    const read = async (position: number) => log.get(position);
    for (const each of [...first, ...orphan]) log.set(each.position, each);
    const early = await new ProjectionRunner(dataSource, 'rm_parking_b', progressReadModel).retryParked(read);
    expect(early.map((outcome) => outcome.outcome)).toEqual(['failed']);
    expect((await live.parked()).map((row) => row.attempts)).toEqual([2]);

    const registered = unit('S9', 'school', ['P', 'C', 'X']);
    const seats = [
      event(`quota-${BATCH}:1:X`, 'QuotaAllocated', {
        batchId: BATCH,
        periodId: '1',
        fromUnitId: 'X',
        toUnitId: 'S9',
        seats: 5,
      }),
    ];
    await live.handle([registered, ...seats]);
    const retried = await new ProjectionRunner(dataSource, 'rm_parking_b', progressReadModel).retryParked(read);
    expect(retried).toEqual([{ position: orphan[1].position, outcome: 'applied' }]);
    expect(await live.parked()).toEqual([]);
    expect(await live.isDegraded()).toBe(false);

    // The live runner cached the teacher's record as absent; the retry's generation tells it otherwise.
    const later = [online('T9', 'R1', 12)];
    await live.handle(later);
    expect(await stored(dataSource)).toEqual(
      inMemory(dataSource, [...first, orphan[0], registered, ...seats, orphan[1], ...later]),
    );
  });

  it('finds the one event whose rows the database refuses by taking the batch apart, and parks it at once', async () => {
    const dataSource = await freshSchema('rm_parking_c');
    const events = [...world(), ...enrolled('T1', 'S1'), online('T1', 'R1', 15)];
    const poison = events[events.length - 2];
    const overflow = failingOn(poison.position, () => [
      { op: 'add', table: 'unit_progress', row: { batchId: BATCH, unitId: 'S1', enrolled: 2 ** 40 } },
    ]);
    const runner = new ProjectionRunner(dataSource, 'rm_parking_c', overflow);
    await runner.handle(events);
    const [parked, ...others] = await runner.parked();
    expect(others).toEqual([]);
    expect(parked.position).toBe(poison.position);
    expect(parked.error).toMatch(/^the database refused the rows \(SQLSTATE 22003\)/);
    expect(await checkpoint(dataSource, 'rm_parking_c')).toBe(events[events.length - 1].position);
    const kept = events.filter((each) => each !== poison);
    expect(await stored(dataSource)).toEqual(inMemory(dataSource, kept));
  });

  it('parks a failure of unknown kind only when it came back three times alike', async () => {
    const dataSource = await freshSchema('rm_parking_d');
    const events = [...world(), ...enrolled('T1', 'S1')];
    const poison = events[events.length - 1];
    // A row the engine cannot write (JSON has no BigInt): neither the projector's fault nor the database's.
    const unwritable = failingOn(poison.position, () => [
      { op: 'put', table: 'teachers', row: { teacherId: 'T1', schoolId: 'S1', name: BigInt(1) } },
    ]);
    const runner = new ProjectionRunner(dataSource, 'rm_parking_d', unwritable);
    await expect(runner.handle(events)).rejects.toThrow(/BigInt/);
    await expect(runner.handle(events)).rejects.toThrow(/BigInt/);
    expect(await runner.parked()).toEqual([]);
    // Everything before it is in; it waits.
    expect(await checkpoint(dataSource, 'rm_parking_d')).toBe(events[events.length - 2].position);
    await runner.handle(events);
    expect((await runner.parked()).map((row) => [row.position, row.error])).toEqual([
      [poison.position, expect.stringMatching(/BigInt/)],
    ]);
    expect(await checkpoint(dataSource, 'rm_parking_d')).toBe(poison.position);
  });

  it('tells the database being away from a refusal: those errors are waited out, never parked', async () => {
    const refused = new Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
    const connectError = await refused.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(connectError)).toBe(true);

    const victim = new Client({ connectionString: database.url });
    victim.on('error', () => undefined);
    await victim.connect();
    const [{ pid }] = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    const pending = victim.query('select pg_sleep(10)').then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin.query('select pg_terminate_backend($1)', [pid]);
    const terminated = await pending;
    await admin.end();
    await victim.end().catch(() => undefined);
    expect((terminated as { code?: string }).code).toBe('57P01');
    expect(isPassingTrouble(terminated)).toBe(true);
    expect(isPassingTrouble(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
    expect(isPassingTrouble(Object.assign(new Error('integer out of range'), { code: '22003' }))).toBe(false);
  });

  describe('fed by Kafka partitions', () => {
    const topic = 'tip.events.test';
    const asMessages = (events: RecordedEvent[], from = 0): PartitionItem[] =>
      events.map((each, index) => ({ kind: 'event', offset: from + index, event: each }));

    it('parks an awaiting event only once every other partition has passed it, and never deadlocks on two', async () => {
      const dataSource = await freshSchema('rm_parking_kafka');
      const runner = new ProjectionRunner(dataSource, 'rm_parking_kafka', progressReadModel);
      const registered = world();
      const orphanA = enrolled('TA', 'GONE-A')[1];
      const orphanB = enrolled('TB', 'GONE-B')[1];

      // Partition 0: an orphan first. Partition 1 has said nothing yet: maybe the school is on its way.
      await expect(runner.handlePartition(topic, 0, asMessages([orphanA]), 2)).rejects.toBeInstanceOf(AwaitingEvents);
      // Partition 1: the units, then a later orphan of its own, and no watermark yet.
      await expect(runner.handlePartition(topic, 1, asMessages([...registered, orphanB]), 2)).rejects.toBeInstanceOf(
        AwaitingEvents,
      );
      expect(await runner.parked()).toEqual([]);

      // Partition 1 waits at a later event: everything of it before orphan A is in, so A waits for nothing.
      await runner.handlePartition(topic, 0, asMessages([orphanA]), 2);
      expect((await runner.parked()).map((row) => row.position)).toEqual([orphanA.position]);

      // Orphan B waits until partition 0 has passed it too (a watermark beyond it).
      await expect(runner.handlePartition(topic, 1, asMessages([...registered, orphanB]), 2)).rejects.toBeInstanceOf(
        AwaitingEvents,
      );
      await runner.handlePartition(topic, 0, [{ kind: 'watermark', offset: 1, position: orphanB.position }], 2);
      await runner.handlePartition(topic, 1, asMessages([...registered, orphanB]), 2);
      expect((await runner.parked()).map((row) => row.position)).toEqual([orphanA.position, orphanB.position]);
      expect(await stored(dataSource)).toEqual(inMemory(dataSource, registered));
    });
  });
});
