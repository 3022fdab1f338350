import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Org units as registered; `ancestry` runs from the province down to the parent. */
@Entity({ name: 'units' })
export class UnitRow {
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @Column({ type: 'text' }) kind!: 'province' | 'city' | 'county' | 'school';
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'parent_id', type: 'text', nullable: true }) parentId!: string | null;
  @Column({ type: 'jsonb' }) ancestry!: string[];
  @Column({ name: 'full_time_teachers', type: 'integer', nullable: true }) fullTimeTeachers!: number | null;
  /** Business time of registration: a past week's notice lists only the units there were then. */
  @Column({ name: 'registered_at', type: 'text' }) registeredAt!: string;
}

/** The teacher directory: who, where now, the ID number masked (never the number itself). */
@Entity({ name: 'teachers' })
export class TeacherRow {
  @PrimaryColumn({ name: 'teacher_id', type: 'text' }) teacherId!: string;
  @Column({ name: 'school_id', type: 'text' }) schoolId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) gender!: string;
  @Column({ type: 'text' }) stage!: string;
  @Column({ type: 'text' }) subject!: string;
  @Column({ name: 'full_time', type: 'boolean' }) fullTime!: boolean;
  @Column({ name: 'id_number_masked', type: 'text' }) idNumberMasked!: string;
}

@Entity({ name: 'programmes' })
export class ProgrammeRow {
  @PrimaryColumn({ name: 'programme_id', type: 'text' }) programmeId!: string;
  @Column({ name: 'province_id', type: 'text' }) provinceId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'rulebook_id', type: 'text' }) rulebookId!: string;
}

@Entity({ name: 'batches' })
export class BatchRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @Column({ name: 'programme_id', type: 'text' }) programmeId!: string;
  @Column({ name: 'province_id', type: 'text' }) provinceId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'starts_on', type: 'text' }) startsOn!: string;
  @Column({ name: 'ends_on', type: 'text' }) endsOn!: string;
  @Column({ name: 'share_percent', type: 'double precision' }) sharePercent!: number;
  @Column({ type: 'jsonb' }) periods!: { periodId: string; startsOn: string; endsOn: string }[];
  @Column({ name: 'rulebook_id', type: 'text' }) rulebookId!: string;
}

/**
 * A teacher's record in one batch: the domain's own fold of the enrollment stream, so the read
 * side counts hours and grades exactly as the deciders do.
 */
@Entity({ name: 'teacher_records' })
export class TeacherRecordRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'teacher_id', type: 'text' }) teacherId!: string;
  @Column({ name: 'school_id', type: 'text' }) schoolId!: string;
  @Column({ name: 'period_id', type: 'text' }) periodId!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'jsonb' }) record!: Record<string, unknown>;
  @Column({
    type: 'bigint',
    name: 'last_position',
    transformer: { to: (value: number) => value, from: (value: string) => Number(value) },
  })
  lastPosition!: number;
}

/** One unit's seats in one batch and period (the domain's ledger fold, with its figures). */
@Entity({ name: 'quota_ledgers' })
export class QuotaLedgerRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'period_id', type: 'text' }) periodId!: string;
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @Column({ type: 'integer' }) received!: number;
  @Column({ name: 'handed_on', type: 'jsonb' }) handedOn!: Record<string, number>;
  @Column({ name: 'seat_holders', type: 'jsonb' }) seatHolders!: string[];
}

/** A school's closure (结项) in a batch as the domain folds it; written only from the school's closure stream. */
@Entity({ name: 'school_closures' })
export class SchoolClosureRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'school_id', type: 'text' }) schoolId!: string;
  @Column({ name: 'closure_status', type: 'text' }) closureStatus!: string;
  @Column({ type: 'jsonb' }) closure!: Record<string, unknown>;
  /** When each step happened (business time): planUploaded, applied, approved, rejected, closed. */
  @Column({ type: 'jsonb' }) dates!: Record<string, string>;
}

/**
 * A school takes part in a batch from the first seats it receives, in any period. Several ledger
 * streams say so, so the row merges (the earliest time wins) rather than being owned by one:
 * whoever writes it, in whatever order, the row comes out the same.
 */
@Entity({ name: 'school_participation' })
export class SchoolParticipationRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'school_id', type: 'text' }) schoolId!: string;
  @Column({ name: 'joined_at', type: 'text' }) joinedAt!: string;
}

/**
 * Totals a unit's teachers, seats and closed schools add up to; one row per batch and unit.
 * (Schools taking part are counted from school_participation when asked.)
 */
export abstract class ProgressFigures {
  @Column({ name: 'seats_received', type: 'integer', default: 0 }) seatsReceived!: number;
  @Column({ name: 'seats_handed_on', type: 'integer', default: 0 }) seatsHandedOn!: number;
  @Column({ name: 'seats_used', type: 'integer', default: 0 }) seatsUsed!: number;
  @Column({ type: 'integer', default: 0 }) enrolled!: number;
  @Column({ type: 'integer', default: 0 }) confirmed!: number;
  @Column({ name: 'points_selected', type: 'integer', default: 0 }) pointsSelected!: number;
  @Column({ name: 'online_passed', type: 'integer', default: 0 }) onlinePassed!: number;
  @Column({ type: 'integer', default: 0 }) assessed!: number;
  @Column({ type: 'integer', default: 0 }) passed!: number;
  @Column({ type: 'integer', default: 0 }) excellent!: number;
  @Column({ type: 'integer', default: 0 }) certified!: number;
  @Column({ name: 'hours_credited', type: 'double precision', default: 0 }) hoursCredited!: number;
  @Column({ name: 'hours_by_category', type: 'jsonb', default: {} }) hoursByCategory!: Record<string, number>;
  @Column({ name: 'excellent_videos', type: 'integer', default: 0 }) excellentVideos!: number;
  @Column({ name: 'excellent_videos_by_subject', type: 'jsonb', default: {} }) excellentVideosBySubject!: Record<
    string,
    number
  >;
  @Column({ name: 'schools_closed', type: 'integer', default: 0 }) schoolsClosed!: number;
}

@Entity({ name: 'unit_progress' })
export class UnitProgressRow extends ProgressFigures {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
}

/**
 * What changed in one ISO week (Asia/Shanghai, by business time): a notice for week W sums the
 * weeks up to W, so it is the history as of that week's end and never changes afterwards.
 */
@Entity({ name: 'unit_weekly_changes' })
export class UnitWeeklyChangeRow extends ProgressFigures {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @PrimaryColumn({ type: 'text' }) week!: string;
}

export const progressEntities = [
  UnitRow,
  TeacherRow,
  ProgrammeRow,
  BatchRow,
  TeacherRecordRow,
  QuotaLedgerRow,
  SchoolClosureRow,
  SchoolParticipationRow,
  UnitProgressRow,
  UnitWeeklyChangeRow,
];
