import { MigrationInterface, QueryRunner } from 'typeorm';
import { createEngineObjects, schemaOf } from '../engine/read-model';

export class InspectionsReadModel1763800000001 implements MigrationInterface {
  name = 'InspectionsReadModel1763800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await createEngineObjects(queryRunner, 'inspections');
    await queryRunner.query(`create table ${schema}.inspection_samples (
      sample_id text primary key, batch_id text not null, scope_unit_id text not null,
      rate_percent double precision not null, seed jsonb not null, rule jsonb not null, algorithm text not null,
      candidates_total integer not null, size integer not null, allocation jsonb not null, drawn jsonb not null,
      drawn_at text not null, drawn_by text not null, findings jsonb not null)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`drop table ${schema}.inspection_samples`);
    await queryRunner.query(`drop table ${schema}.kafka_partitions`);
    await queryRunner.query(`drop table ${schema}.projection_checkpoint`);
    await queryRunner.query(`drop function ${schema}.jsonb_add(jsonb, jsonb)`);
  }
}
