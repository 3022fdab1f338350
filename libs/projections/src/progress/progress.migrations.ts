import { MigrationInterface, QueryRunner } from 'typeorm';
import { createEngineObjects, schemaOf } from '../engine/read-model';

const figures = `
  seats_received integer not null default 0,
  seats_handed_on integer not null default 0,
  seats_used integer not null default 0,
  enrolled integer not null default 0,
  confirmed integer not null default 0,
  points_selected integer not null default 0,
  online_passed integer not null default 0,
  assessed integer not null default 0,
  passed integer not null default 0,
  excellent integer not null default 0,
  certified integer not null default 0,
  hours_credited double precision not null default 0,
  hours_by_category jsonb not null default '{}',
  excellent_videos integer not null default 0,
  excellent_videos_by_subject jsonb not null default '{}',
  schools_closed integer not null default 0`;

export class ProgressReadModel1763800000000 implements MigrationInterface {
  name = 'ProgressReadModel1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await createEngineObjects(queryRunner, 'progress');
    await queryRunner.query(`create table ${schema}.units (
      unit_id text primary key, kind text not null, name text not null, parent_id text,
      ancestry jsonb not null, full_time_teachers integer, registered_at text not null)`);
    // Notices list a unit's children and the schools below it.
    await queryRunner.query(`create index units_parent on ${schema}.units (parent_id)`);
    await queryRunner.query(`create index units_ancestry on ${schema}.units using gin (ancestry jsonb_path_ops)`);
    await queryRunner.query(`create table ${schema}.teachers (
      teacher_id text primary key, school_id text not null, name text not null, gender text not null,
      stage text not null, subject text not null, full_time boolean not null, id_number_masked text not null)`);
    await queryRunner.query(`create table ${schema}.programmes (
      programme_id text primary key, province_id text not null, name text not null, rulebook_id text not null)`);
    await queryRunner.query(`create table ${schema}.batches (
      batch_id text primary key, programme_id text not null, province_id text not null, name text not null,
      starts_on text not null, ends_on text not null, share_percent double precision not null,
      periods jsonb not null, rulebook_id text not null)`);
    await queryRunner.query(`create table ${schema}.teacher_records (
      batch_id text not null, teacher_id text not null, school_id text not null, period_id text not null,
      status text not null, record jsonb not null, last_position bigint not null,
      primary key (batch_id, teacher_id))`);
    await queryRunner.query(`create index teacher_records_school on ${schema}.teacher_records (batch_id, school_id)`);
    await queryRunner.query(`create table ${schema}.quota_ledgers (
      batch_id text not null, period_id text not null, unit_id text not null,
      received integer not null, handed_on jsonb not null, seat_holders jsonb not null,
      primary key (batch_id, unit_id, period_id))`);
    await queryRunner.query(`create table ${schema}.school_closures (
      batch_id text not null, school_id text not null, closure_status text not null,
      closure jsonb not null, dates jsonb not null, primary key (batch_id, school_id))`);
    await queryRunner.query(`create table ${schema}.school_participation (
      batch_id text not null, school_id text not null, joined_at text not null, primary key (batch_id, school_id))`);
    await queryRunner.query(`create table ${schema}.unit_progress (
      batch_id text not null, unit_id text not null, ${figures}, primary key (batch_id, unit_id))`);
    await queryRunner.query(`create table ${schema}.unit_weekly_changes (
      batch_id text not null, unit_id text not null, week text not null, ${figures},
      primary key (batch_id, unit_id, week))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    for (const table of [
      'unit_weekly_changes',
      'unit_progress',
      'school_participation',
      'school_closures',
      'quota_ledgers',
      'teacher_records',
      'batches',
      'programmes',
      'teachers',
      'units',
      'kafka_partitions',
      'projection_checkpoint',
    ]) {
      await queryRunner.query(`drop table ${schema}.${table}`);
    }
    await queryRunner.query(`drop function ${schema}.jsonb_add(jsonb, jsonb)`);
  }
}

/**
 * Progress against the targets: teachers required (registered per unit and week, or declared),
 * trained and recognised hours, each teacher's training status, the batch's rulebook. The new figures come
 * from the whole history, so the read model starts again from the first event: in-process
 * projectors do that by themselves; where Kafka workers build it, run `tip rebuild progress`.
 */
export class ProgressTargets1764900000000 implements MigrationInterface {
  name = 'ProgressTargets1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    for (const table of [
      'units',
      'teachers',
      'programmes',
      'batches',
      'teacher_records',
      'quota_ledgers',
      'school_closures',
      'school_participation',
      'unit_progress',
      'unit_weekly_changes',
      'kafka_partitions',
    ]) {
      await queryRunner.query(`truncate ${schema}.${table}`);
    }
    await queryRunner.query(`update ${schema}.projection_checkpoint set position = 0, updated_at = now()`);
    await queryRunner.query(`alter table ${schema}.batches add column rulebook jsonb not null`);
    await queryRunner.query(`alter table ${schema}.teacher_records add column training_status text not null`);
    for (const table of ['unit_progress', 'unit_weekly_changes']) {
      await queryRunner.query(`alter table ${schema}.${table}
        add column trained integer not null default 0,
        add column others_enrolled integer not null default 0,
        add column others_trained integer not null default 0,
        add column hours_recognised double precision not null default 0`);
    }
    // The teachers list: a unit's teachers (through their school) with where they stand.
    await queryRunner.query(`create index teachers_school on ${schema}.teachers (school_id, teacher_id)`);
    await queryRunner.query(`create table ${schema}.unit_declarations (
      unit_id text not null, declared_at text not null, full_time_teachers integer not null,
      primary key (unit_id, declared_at))`);
    await queryRunner.query(`create table ${schema}.unit_teacher_changes (
      unit_id text not null, week text not null,
      teachers integer not null default 0, full_time integer not null default 0,
      primary key (unit_id, week))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`drop table ${schema}.unit_teacher_changes`);
    await queryRunner.query(`drop table ${schema}.unit_declarations`);
    await queryRunner.query(`drop index ${schema}.teachers_school`);
    for (const table of ['unit_progress', 'unit_weekly_changes']) {
      await queryRunner.query(
        `alter table ${schema}.${table} drop column trained, drop column others_enrolled, drop column others_trained, drop column hours_recognised`,
      );
    }
    await queryRunner.query(`alter table ${schema}.teacher_records drop column training_status`);
    await queryRunner.query(`alter table ${schema}.batches drop column rulebook`);
  }
}

/** The office heading each unit's notices, by time; a new event, so nothing needs projecting again. */
export class ProgressIssuingOffices1764900000001 implements MigrationInterface {
  name = 'ProgressIssuingOffices1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`create table ${schemaOf(queryRunner)}.unit_offices (
      unit_id text not null, set_at text not null, issuing_office text not null,
      primary key (unit_id, set_at))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop table ${schemaOf(queryRunner)}.unit_offices`);
  }
}

/**
 * Exempt teachers (ExemptTeacher, and exempt volunteers' enrollments) leave a programme's teachers
 * required: the teachers know the programmes that exempt them, and exemptions are counted per unit
 * and week. Voluntary enrollments already in the log count too, so the read model starts again from
 * the first event (with Kafka projector workers: `tip rebuild progress`).
 */
export class ProgressExemptions1764900000002 implements MigrationInterface {
  name = 'ProgressExemptions1764900000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `truncate ${[...PROGRESS_TABLES, 'kafka_partitions'].map((table) => `${schema}.${table}`).join(', ')}`,
    );
    await queryRunner.query(`update ${schema}.projection_checkpoint set position = 0, updated_at = now()`);
    await queryRunner.query(`alter table ${schema}.teachers add column exempt_in jsonb not null default '[]'`);
    await queryRunner.query(`create table ${schema}.unit_exempt_changes (
      programme_id text not null, unit_id text not null, week text not null,
      teachers integer not null default 0, full_time integer not null default 0,
      primary key (programme_id, unit_id, week))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`drop table ${schema}.unit_exempt_changes`);
    await queryRunner.query(`alter table ${schema}.teachers drop column exempt_in`);
  }
}

/**
 * The regions' rules on the read side: who runs a programme (its owner), a batch's end as scheduled
 * and every extension with its reason and time, and pilot schools by designation. All of it is in
 * events already logged, so the read model starts again from the first event (with Kafka projector
 * workers: `tip rebuild progress`).
 */
export class ProgressRegions1765000000000 implements MigrationInterface {
  name = 'ProgressRegions1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `truncate ${[...PROGRESS_TABLES, 'unit_exempt_changes', 'kafka_partitions'].map((table) => `${schema}.${table}`).join(', ')}`,
    );
    await queryRunner.query(`update ${schema}.projection_checkpoint set position = 0, updated_at = now()`);
    await queryRunner.query(`alter table ${schema}.programmes add column owner_unit_id text`);
    await queryRunner.query(`alter table ${schema}.batches
      add column owner_unit_id text,
      add column scheduled_ends_on text not null,
      add column extensions jsonb not null default '[]'`);
    await queryRunner.query(`create table ${schema}.pilot_designations (
      batch_id text not null, school_id text not null, designated_at text not null,
      finish_by text not null, scope text not null, primary key (batch_id, school_id, designated_at))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`drop table ${schema}.pilot_designations`);
    await queryRunner.query(
      `alter table ${schema}.batches drop column owner_unit_id, drop column scheduled_ends_on, drop column extensions`,
    );
    await queryRunner.query(`alter table ${schema}.programmes drop column owner_unit_id`);
  }
}

/**
 * Which units may have had a declared figure and no teachers (unit_staffing): views judge teachers
 * required from the rollups of a unit and its children and look below them only at those. Built from
 * events already logged, so the read model starts again from the first event (with Kafka projector
 * workers: `tip rebuild progress`).
 */
export class ProgressStaffing1765100000000 implements MigrationInterface {
  name = 'ProgressStaffing1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `truncate ${[...PROGRESS_TABLES, 'unit_exempt_changes', 'pilot_designations', 'kafka_partitions'].map((table) => `${schema}.${table}`).join(', ')}`,
    );
    await queryRunner.query(`update ${schema}.projection_checkpoint set position = 0, updated_at = now()`);
    // Parked events are projected again with the rest (parked again if they still fail): a row left
    // would keep the model degraded, and a retry would apply its event a second time.
    await queryRunner.query(`delete from ${schema}.parked_events`);
    await queryRunner.query(`create table ${schema}.unit_staffing (
      unit_id text primary key, first_teachers_week text, teachers_left integer not null default 0,
      declarations integer not null default 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop table ${schemaOf(queryRunner)}.unit_staffing`);
  }
}

/** What views ask of unit_staffing: the units with a declared figure and (maybe) no teachers, now or from a week on. */
export class ProgressStaffingIndexes1765100000001 implements MigrationInterface {
  name = 'ProgressStaffingIndexes1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`create index unit_staffing_without_teachers on ${schema}.unit_staffing (unit_id)
      where declarations > 0 and (first_teachers_week is null or teachers_left > 0)`);
    await queryRunner.query(`create index unit_staffing_first_teachers on ${schema}.unit_staffing (first_teachers_week)
      where declarations > 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`drop index ${schema}.unit_staffing_first_teachers`);
    await queryRunner.query(`drop index ${schema}.unit_staffing_without_teachers`);
  }
}

/** A week's notice takes each unit's totals less the weeks since: it reads those weeks' rows, not every week's. */
export class ProgressNoticeWeeks1765100000002 implements MigrationInterface {
  name = 'ProgressNoticeWeeks1765100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `create index unit_weekly_changes_week on ${schemaOf(queryRunner)}.unit_weekly_changes (batch_id, week)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop index ${schemaOf(queryRunner)}.unit_weekly_changes_week`);
  }
}

/**
 * A teacher's record kept as `json` (its text, checked) rather than `jsonb`: nothing searches inside
 * it (the teachers list reads its enrolment time, near the start), and parsing some 4.5 kB of JSON
 * into jsonb and compressing it was most of PostgreSQL's share of a rebuild (a COPY of 20,000 such
 * records: 110 µs of PostgreSQL's CPU a record as jsonb, 58 as json). The same content, so nothing
 * needs projecting again.
 */
export class ProgressRecordText1765200000000 implements MigrationInterface {
  name = 'ProgressRecordText1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `alter table ${schemaOf(queryRunner)}.teacher_records alter column record type json using record::json`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `alter table ${schemaOf(queryRunner)}.teacher_records alter column record type jsonb using record::jsonb`,
    );
  }
}

/** Every table the progress projector writes (as of the exemptions), for migrations that start it again. */
const PROGRESS_TABLES = [
  'units',
  'teachers',
  'programmes',
  'batches',
  'teacher_records',
  'quota_ledgers',
  'school_closures',
  'school_participation',
  'unit_progress',
  'unit_weekly_changes',
  'unit_declarations',
  'unit_offices',
  'unit_teacher_changes',
];
