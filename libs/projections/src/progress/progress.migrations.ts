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
