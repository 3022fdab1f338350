import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface FindingEntry {
  schoolId: string;
  outcome: string;
  notes: string;
  recordedAt: string;
  recordedBy: string;
}

/** A drawn sample with everything needed to draw it again, and its findings (the latest per school first in `findings`). */
@Entity({ name: 'inspection_samples' })
export class InspectionSampleRow {
  @PrimaryColumn({ name: 'sample_id', type: 'text' }) sampleId!: string;
  @Column({ name: 'batch_id', type: 'text' }) batchId!: string;
  @Column({ name: 'scope_unit_id', type: 'text' }) scopeUnitId!: string;
  @Column({ name: 'rate_percent', type: 'double precision' }) ratePercent!: number;
  @Column({ type: 'jsonb' }) seed!: string | number;
  @Column({ type: 'jsonb' }) rule!: { rulebookId: string; minimumPercent: number | null };
  @Column({ type: 'text' }) algorithm!: string;
  @Column({ name: 'candidates_total', type: 'integer' }) candidatesTotal!: number;
  @Column({ type: 'integer' }) size!: number;
  @Column({ type: 'jsonb' }) allocation!: unknown[];
  @Column({ type: 'jsonb' }) drawn!: unknown[];
  @Column({ name: 'drawn_at', type: 'text' }) drawnAt!: string;
  @Column({ name: 'drawn_by', type: 'text' }) drawnBy!: string;
  /** Every finding in the order recorded; a later one for a school supersedes the earlier. */
  @Column({ type: 'jsonb' }) findings!: FindingEntry[];
}

export const inspectionEntities = [InspectionSampleRow];
