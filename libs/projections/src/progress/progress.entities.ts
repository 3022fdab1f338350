import type { BatchExtension } from '../notices/weekly-notice';
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
  /** Programmes whose rulebook exempts the teacher (ExemptTeacher, or a voluntary enrollment): not required there. */
  @Column({ name: 'exempt_in', type: 'jsonb', default: [] }) exemptIn!: string[];
}

@Entity({ name: 'programmes' })
export class ProgrammeRow {
  @PrimaryColumn({ name: 'programme_id', type: 'text' }) programmeId!: string;
  @Column({ name: 'province_id', type: 'text' }) provinceId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'rulebook_id', type: 'text' }) rulebookId!: string;
  /** The province or city that runs the programme (null: launched before owners, its province). */
  @Column({ name: 'owner_unit_id', type: 'text', nullable: true }) ownerUnitId!: string | null;
}

/** An ExtendBatch as the batch row keeps it: the new last day, the one before, why, and when (business time). */
export type BatchExtensionEntry = BatchExtension;

@Entity({ name: 'batches' })
export class BatchRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @Column({ name: 'programme_id', type: 'text' }) programmeId!: string;
  @Column({ name: 'province_id', type: 'text' }) provinceId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'starts_on', type: 'text' }) startsOn!: string;
  /** The last day in force now, extensions included. */
  @Column({ name: 'ends_on', type: 'text' }) endsOn!: string;
  /** The last day as scheduled, before any extension. */
  @Column({ name: 'scheduled_ends_on', type: 'text' }) scheduledEndsOn!: string;
  /** Every ExtendBatch, oldest first: a past week is judged by the end in force then. */
  @Column({ type: 'jsonb', default: [] }) extensions!: BatchExtensionEntry[];
  @Column({ name: 'share_percent', type: 'double precision' }) sharePercent!: number;
  @Column({ type: 'jsonb' }) periods!: { periodId: string; startsOn: string; endsOn: string }[];
  @Column({ name: 'rulebook_id', type: 'text' }) rulebookId!: string;
  /** The batch's copy of the rulebook (coverage targets, batch plan, what finishes a teacher). */
  @Column({ type: 'jsonb' }) rulebook!: Record<string, unknown>;
  /** The province or city that runs the batch's programme (null: scheduled before owners, its province). */
  @Column({ name: 'owner_unit_id', type: 'text', nullable: true }) ownerUnitId!: string | null;
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
  /** Where the teacher stands (TrainingStatus): what the teachers list filters by. */
  @Column({ name: 'training_status', type: 'text' }) trainingStatus!: string;
  /** json, not jsonb: kept as its text (see ProgressRecordText1765200000000). */
  @Column({ type: 'json' }) record!: Record<string, unknown>;
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
 * Teacher figures count the teachers the programme requires (full-time, not exempt); the others
 * taking part are counted apart.
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
  /** Finished as the rulebook has it (isTrained): passed where it grades, hours and certificate where it does not. */
  @Column({ type: 'integer', default: 0 }) trained!: number;
  /** Taking part though not required (part-time, or exempt and voluntary): not in the figures above nor in any rate. */
  @Column({ name: 'others_enrolled', type: 'integer', default: 0 }) othersEnrolled!: number;
  @Column({ name: 'others_trained', type: 'integer', default: 0 }) othersTrained!: number;
  @Column({ name: 'hours_credited', type: 'double precision', default: 0 }) hoursCredited!: number;
  /** 认定学时: the hours of trained teachers (recognisedHours). */
  @Column({ name: 'hours_recognised', type: 'double precision', default: 0 }) hoursRecognised!: number;
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

/**
 * A unit's declared number of full-time teachers (专任教师) from a point in time: what "teachers
 * required" falls back on where the teachers are not registered yet. Kept by time, so a past
 * week's notice uses the figure declared then.
 */
@Entity({ name: 'unit_declarations' })
export class UnitDeclarationRow {
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @PrimaryColumn({ name: 'declared_at', type: 'text' }) declaredAt!: string;
  @Column({ name: 'full_time_teachers', type: 'integer' }) fullTimeTeachers!: number;
}

/** The office heading a unit's notices (its 项目办) from a point in time: a past week's notice keeps the name it had. */
@Entity({ name: 'unit_offices' })
export class UnitOfficeRow {
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @PrimaryColumn({ name: 'set_at', type: 'text' }) setAt!: string;
  @Column({ name: 'issuing_office', type: 'text' }) issuingOffice!: string;
}

/**
 * Registered teachers at or below a unit (their school's ancestry, the school included), as
 * changes by ISO week: a week's figure is the sum of every week up to it.
 */
@Entity({ name: 'unit_teacher_changes' })
export class UnitTeacherChangeRow {
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @PrimaryColumn({ type: 'text' }) week!: string;
  @Column({ type: 'integer', default: 0 }) teachers!: number;
  @Column({ name: 'full_time', type: 'integer', default: 0 }) fullTime!: number;
}

/** Exempt teachers at or below a unit in a programme, as changes by ISO week (like unit_teacher_changes). */
@Entity({ name: 'unit_exempt_changes' })
export class UnitExemptChangeRow {
  @PrimaryColumn({ name: 'programme_id', type: 'text' }) programmeId!: string;
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  @PrimaryColumn({ type: 'text' }) week!: string;
  @Column({ type: 'integer', default: 0 }) teachers!: number;
  @Column({ name: 'full_time', type: 'integer', default: 0 }) fullTime!: number;
}

/**
 * Whether a unit's teachers could have been none while it had a declared figure: what lets a view
 * judge teachers required from the rollups of the unit and its children, looking below them only at
 * the few units this table names (see teacher-figures.query.ts). Counters over the unit's whole
 * chain, so merging in any order gives the same row.
 */
@Entity({ name: 'unit_staffing' })
export class UnitStaffingRow {
  @PrimaryColumn({ name: 'unit_id', type: 'text' }) unitId!: string;
  /** The first ISO week a teacher was registered (or moved) at or below the unit; null: none yet. */
  @Column({ name: 'first_teachers_week', type: 'text', nullable: true, default: null }) firstTeachersWeek!:
    string | null;
  /** Teachers who moved out of the unit (to a school outside it): its count may have gone back to none. */
  @Column({ name: 'teachers_left', type: 'integer', default: 0 }) teachersLeft!: number;
  /** Declarations of full-time teachers made for the unit itself. */
  @Column({ type: 'integer', default: 0 }) declarations!: number;
}

/**
 * A school made a pilot (试点学校) of a batch, one row per designation: a later one re-dates the
 * pilot from its own time on, so a past week is judged by the designation in force then.
 */
@Entity({ name: 'pilot_designations' })
export class PilotDesignationRow {
  @PrimaryColumn({ name: 'batch_id', type: 'text' }) batchId!: string;
  @PrimaryColumn({ name: 'school_id', type: 'text' }) schoolId!: string;
  /** Business time of the designation. */
  @PrimaryColumn({ name: 'designated_at', type: 'text' }) designatedAt!: string;
  @Column({ name: 'finish_by', type: 'text' }) finishBy!: string;
  /** 'programme': one of the owner's own pilots; 'county': its county's. */
  @Column({ type: 'text' }) scope!: string;
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
  UnitDeclarationRow,
  UnitOfficeRow,
  UnitTeacherChangeRow,
  UnitExemptChangeRow,
  PilotDesignationRow,
  UnitStaffingRow,
];
