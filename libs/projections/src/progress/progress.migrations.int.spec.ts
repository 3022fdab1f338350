import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { ProjectionRunner } from '../engine/projection-runner';
import { migrateReadModel, readModelDataSource } from '../engine/read-model';
import { progressReadModel } from '../read-models';
import { ProgressViews } from '../views/progress.views';
import { enrolled, event, onRecord, online, world } from './progress.test-events';
import { ProgressRecordText1765200000000, ProgressStaffing1765100000000 } from './progress.migrations';

const teacher = (teacherId: string, schoolId: string) =>
  event(`teacher-${teacherId}`, 'TeacherRegistered', {
    teacherId,
    schoolId,
    ancestry: ['P', 'C', 'X', schoolId],
    name: teacherId,
    gender: 'female',
    stage: '小学',
    subject: '语文',
    fullTime: true,
    idNumberMasked: '320102********1234',
    idNumberProtected: 'x',
  });

/** A record with something in every part the transcript shows; a second teacher in another school. */
const history = () => [
  ...world(),
  teacher('T1', 'S1'),
  teacher('T2', 'S2'),
  ...enrolled('T1', 'S1'),
  ...enrolled('T2', 'S2'),
  onRecord('T1', 'EnrollmentConfirmed', { confirmedAt: '2021-01-13T01:00:00.000Z' }),
  onRecord('T1', 'AbilityPointsSelected', {
    points: ['A1'],
    selectedBy: { sub: 'T1', role: 'teacher' },
    selectedAt: '2021-01-14T01:00:00.000Z',
  }),
  online('T1', 'R1', 12.5),
  online('T1', 'R2', 0.25),
  // The platform sends a record twice: counted once.
  online('T1', 'R2', 0.25),
  // Text JSON must escape (a quote, a backslash, a tab) goes in and comes back as it was.
  onRecord('T1', 'PracticeEvidenceSubmitted', {
    abilityPoint: 'A1',
    evidenceRef: 'evidence/"T1"\\A1\t.zip',
    submittedAt: '2021-03-01T01:00:00.000Z',
  }),
  onRecord('T1', 'PracticeAssessed', {
    abilityPoint: 'A1',
    evidenceRefs: ['evidence/"T1"\\A1\t.zip'],
    grade: 'pass',
    assessedBy: { sub: 'leader', role: 'school-admin' },
    assessedAt: '2021-03-20T01:00:00.000Z',
  }),
  onRecord('T1', 'OfflineHoursRecorded', {
    category: 'offline',
    hours: 20,
    recordedBy: { sub: 'admin', role: 'school-admin' },
    recordedAt: '2021-04-01T01:00:00.000Z',
  }),
  online('T2', 'R1', 3.33),
];

/**
 * ProgressRecordText1765200000000 keeps a teacher's record as json rather than jsonb, in place:
 * the transcript and the teachers list answer after it exactly what they answered before, and
 * records projected afterwards (the live projector's upserts) read back the same way.
 */
describe('a teacher record kept as json text', () => {
  let database: TestDatabase;
  const schema = 'rm_progress_text';
  const before = { ...progressReadModel, migrations: progressReadModel.migrations.slice(0, -1) };
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const answers = async (source: DataSource) => {
    const views = new ProgressViews(source.manager);
    return {
      transcripts: [await views.transcript('T1', undefined), await views.transcript('T2', 'B1')],
      teachers: await views.unitTeachers('P', 'B1', { page: 1, pageSize: 10 }),
    };
  };
  const recordType = async (source: DataSource) =>
    (
      await source.query(
        `select data_type from information_schema.columns where table_schema = $1 and table_name = 'teacher_records' and column_name = 'record'`,
        [schema],
      )
    )[0].data_type;

  it('answers the same before and after the migration, and for records written after it', async () => {
    expect(progressReadModel.migrations.at(-1)).toBe(ProgressRecordText1765200000000);
    const events = history();
    const [first, later] = [events.slice(0, -4), events.slice(-4)];

    dataSource = readModelDataSource(database.url, before, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    expect(await recordType(dataSource)).toBe('jsonb');
    await new ProjectionRunner(dataSource, schema, before).handle(first);
    const asJsonb = await answers(dataSource);
    await dataSource.destroy();

    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    expect(await recordType(dataSource)).toBe('json');
    expect(await answers(dataSource)).toEqual(asJsonb);

    // The rest of the history on the migrated table, beside a copy that had it all as jsonb.
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    await runner.handle(later);
    expect(await runner.parked()).toEqual([]);
    const afterwards = await answers(dataSource);
    expect(afterwards.transcripts[0].batches[0]).toMatchObject({
      grade: 'pass',
      hours: { online: { credited: 12.75 } },
      attempts: [{ evidenceRefs: ['evidence/"T1"\\A1\t.zip'] }],
    });

    const all = readModelDataSource(database.url, before, `${schema}_jsonb`);
    await all.initialize();
    try {
      await migrateReadModel(all);
      await new ProjectionRunner(all, `${schema}_jsonb`, before).handle(events);
      expect(afterwards).toEqual(await answers(all));
    } finally {
      await all.destroy();
    }
  });
});

/**
 * ProgressStaffing1765100000000 starts the read model again from the first event: what was parked
 * before is projected again with the rest, so no parked row may outlive it (a retry would apply its
 * event a second time, and the model would stay degraded).
 */
describe('the read model started again by a migration', () => {
  let database: TestDatabase;
  const schema = 'rm_progress_restart';
  const staffing = progressReadModel.migrations.indexOf(ProgressStaffing1765100000000);
  const before = { ...progressReadModel, migrations: progressReadModel.migrations.slice(0, staffing) };
  let dataSource: DataSource | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('leaves no event parked from before, and projects it once', async () => {
    expect(staffing).toBeGreaterThan(0);
    const events = history();
    dataSource = readModelDataSource(database.url, before, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    await new ProjectionRunner(dataSource, schema, before).handle(events);
    // T2's online record as an earlier projector had parked it (that projector failed on it).
    const parked = events[events.length - 1];
    await dataSource.query(
      `insert into "${schema}".parked_events (name, position, event_id, stream_id, event_type, event, error)
       values ('progress', $1, $2, $3, $4, $5, 'a projector of an earlier version failed')`,
      [parked.position, parked.metadata.eventId, parked.streamId, parked.type, JSON.stringify(parked)],
    );
    await dataSource.destroy();

    dataSource = readModelDataSource(database.url, progressReadModel, schema);
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    const runner = new ProjectionRunner(dataSource, schema, progressReadModel);
    expect(await runner.parked()).toEqual([]);
    await runner.handle(events);
    expect(await runner.parked()).toEqual([]);
    expect(await runner.retryParked(async () => parked)).toEqual([]);
    const transcript = await new ProgressViews(dataSource.manager).transcript('T2', 'B1');
    expect(transcript.batches[0]).toMatchObject({ hours: { online: { credited: 3.33 } } });
  });
});
