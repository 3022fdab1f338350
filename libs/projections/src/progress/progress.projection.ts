import {
  assertNever,
  BatchExtended,
  BatchScheduled,
  EnrollmentEvent,
  EnrollmentState,
  ExemptionEvent,
  OrgUnitEvent,
  OrgUnitRegistered,
  PilotSchoolDesignated,
  ProgrammeEvent,
  ProgrammeLaunched,
  QuotaEvent,
  Rulebook,
  storedRulebook,
  QuotaLedger,
  SchoolClosureEvent,
  SchoolClosureState,
  TeacherMovedSchool,
  TeacherRegistered,
} from '@tip/domain';
import * as domain from '@tip/domain';
import { RecordedEvent } from '@tip/event-store';
import { isoWeekOf, shanghaiDayOf } from '../notices/iso-week';
import {
  AwaitingEvents,
  EventPlace,
  PeekRows,
  Projection,
  Recorded,
  recorded,
  RollUp,
  Row,
  RowRef,
  Total,
  ViewChange,
  ViewRows,
} from '../engine/view-changes';
import {
  closureFigures,
  difference,
  FigureDelta,
  ledgerFigures,
  negated,
  recordDifference,
  recordFigures,
} from './progress.figures';
import {
  BatchRow,
  PilotDesignationRow,
  ProgrammeRow,
  QuotaLedgerRow,
  SchoolClosureRow,
  SchoolParticipationRow,
  TeacherRecordRow,
  TeacherRow,
  UnitDeclarationRow,
  UnitExemptChangeRow,
  UnitOfficeRow,
  UnitRow,
  UnitStaffingRow,
  UnitTeacherChangeRow,
} from './progress.entities';
import { trainingStatus } from './training-status';

// Taken from the package once (see progress.figures.ts): the folds run for every event a rebuild projects.
const {
  evolveEnrollment,
  evolveQuotaLedger,
  evolveSchoolClosure,
  initialEnrollment,
  initialQuotaLedger,
  initialSchoolClosureState,
  trainingOutcome,
} = domain;

/** Streams whose events this read model counts, the most frequent first; copies (a batch's own stream, certificates) are skipped. */
const CATEGORIES = ['enrollment', 'teacher', 'quota', 'school-closure', 'exemption', 'org-unit', 'programme'] as const;
const PREFIXES = CATEGORIES.map((category) => [`${category}-`, category] as const);

/** Asked several times an event: prefixes compared, no match array made. */
function category(event: Pick<RecordedEvent, 'streamId'>): (typeof CATEGORIES)[number] | undefined {
  for (const [prefix, category] of PREFIXES) if (event.streamId.startsWith(prefix)) return category;
  return undefined;
}

/**
 * Progress per school, county, city, province and batch; teacher transcripts; quota ledgers.
 * Teacher records and ledgers are the domain's own folds; unit totals are counters fed with the
 * change each event makes to a record, a ledger or a school, added up the school's ancestry and
 * into the week (Asia/Shanghai) the event happened in.
 */
export const progressProjection: Projection = {
  name: 'progress',
  tables: {
    units: 'state',
    teachers: 'state',
    programmes: 'state',
    batches: 'state',
    teacher_records: 'state',
    quota_ledgers: 'state',
    school_closures: 'state',
    school_participation: 'counter',
    unit_progress: 'counter',
    unit_weekly_changes: 'counter',
    unit_declarations: 'state',
    unit_offices: 'state',
    unit_teacher_changes: 'counter',
    unit_exempt_changes: 'counter',
    pilot_designations: 'state',
    unit_staffing: 'counter',
  },

  handles: (event) => category(event) !== undefined,

  // A teacher's streams read and write the teacher's rows; a ledger's and a closure's events their
  // own row; units and programmes are read by all.
  partitionOf(streamId) {
    const teacher = /^(?:teacher-|enrollment-[^:]*:|exemption-[^:]*:)(.*)$/.exec(streamId);
    if (teacher) return teacher[1];
    return streamId.startsWith('org-unit-') || streamId.startsWith('programme-') ? undefined : streamId;
  },

  prefetch(event, rows: PeekRows): RowRef[] {
    const data = event.data as Record<string, string>;
    switch (category(event)) {
      case 'teacher': {
        if (event.type !== 'TeacherMovedSchool') return [];
        // The school the teacher leaves: its ancestry loses the teacher.
        const teacher = rows.peek<TeacherRow>('teachers', data.teacherId);
        return [
          { table: 'teachers', key: [data.teacherId] },
          ...(teacher ? [{ table: 'units', key: [teacher.schoolId] }] : []),
        ];
      }
      case 'programme':
        if (event.type === 'BatchExtended') return [{ table: 'batches', key: [data.batchId] }];
        return event.type === 'BatchScheduled' ? [{ table: 'programmes', key: [data.programmeId] }] : [];
      case 'quota': {
        const unitId = ledgerUnitOf(recorded<QuotaEvent>(event));
        return [
          { table: 'quota_ledgers', key: [data.batchId, data.periodId, unitId] },
          { table: 'units', key: [unitId] },
        ];
      }
      case 'enrollment': {
        const record = rows.peek<TeacherRecordRow>('teacher_records', data.batchId, data.teacherId);
        // Pushed, not spread from filtered and mapped arrays: asked for every enrollment event.
        const refs: RowRef[] = [
          { table: 'teacher_records', key: [data.batchId, data.teacherId] },
          { table: 'batches', key: [data.batchId] },
        ];
        for (const id of [data.schoolId, data.fromSchoolId, data.toSchoolId, record?.schoolId])
          if (typeof id === 'string') refs.push({ table: 'units', key: [id] });
        if (event.type === 'TeacherEnrolled') refs.push({ table: 'teachers', key: [data.teacherId] });
        return refs;
      }
      case 'school-closure':
        return [
          { table: 'school_closures', key: [data.batchId, data.schoolId] },
          { table: 'units', key: [data.schoolId] },
        ];
      case 'exemption': {
        const teacher = rows.peek<TeacherRow>('teachers', data.teacherId);
        return [
          { table: 'teachers', key: [data.teacherId] },
          ...[data.schoolId, teacher?.schoolId].flatMap((id) => (id ? [{ table: 'units', key: [id] }] : [])),
        ];
      }
      case 'org-unit':
      case undefined:
      default:
        return [];
    }
  },

  project(event, rows): ViewChange[] {
    switch (category(event)) {
      case 'org-unit':
        return unitChanged(recorded<OrgUnitEvent>(event));
      case 'teacher':
        return teacherChanged(recorded<TeacherRegistered | TeacherMovedSchool>(event), rows);
      case 'programme':
        return programmeChanged(recorded<ProgrammeEvent>(event), rows);
      case 'quota':
        return ledgerChanged(recorded<QuotaEvent>(event), rows);
      case 'enrollment':
        return recordChanged(recorded<EnrollmentEvent>(event), rows);
      case 'school-closure':
        return closureChanged(recorded<SchoolClosureEvent>(event), rows);
      case 'exemption':
        return exempted(recorded<ExemptionEvent>(event), rows);
      case undefined:
      default:
        return [];
    }
  },
};

function unitChanged(event: Recorded<OrgUnitEvent>): ViewChange[] {
  switch (event.type) {
    case 'OrgUnitRegistered':
      return unitRegistered(event);
    case 'IssuingOfficeSet': {
      const row: UnitOfficeRow = {
        unitId: event.data.unitId,
        setAt: event.metadata.businessTime,
        issuingOffice: event.data.issuingOffice,
      };
      return [{ op: 'put', table: 'unit_offices', row: { ...row } }];
    }
    case 'FullTimeTeachersDeclared': {
      const { unitId, fullTimeTeachers } = event.data;
      return [
        {
          op: 'put',
          table: 'unit_declarations',
          row: { ...declaration(unitId, event.metadata.businessTime, fullTimeTeachers) },
        },
        declarationCounted(unitId),
      ];
    }
    default:
      return assertNever(event);
  }
}

function unitRegistered({ data, metadata }: Recorded<OrgUnitRegistered>): ViewChange[] {
  const declared: ViewChange[] =
    data.fullTimeTeachers === undefined
      ? []
      : [
          {
            op: 'put',
            table: 'unit_declarations',
            row: { ...declaration(data.unitId, metadata.businessTime, data.fullTimeTeachers) },
          },
          declarationCounted(data.unitId),
        ];
  const row: UnitRow = {
    unitId: data.unitId,
    kind: data.kind,
    name: data.name,
    parentId: data.parentId ?? null,
    ancestry: data.ancestry,
    fullTimeTeachers: data.fullTimeTeachers ?? null,
    registeredAt: metadata.businessTime,
  };
  return [{ op: 'put', table: 'units', row: { ...row } }, ...declared];
}

function declaration(unitId: string, declaredAt: string, fullTimeTeachers: number): UnitDeclarationRow {
  return { unitId, declaredAt, fullTimeTeachers };
}

function declarationCounted(unitId: string): ViewChange {
  const row: Partial<UnitStaffingRow> = { unitId, declarations: 1 };
  return { op: 'add', table: 'unit_staffing', row: { ...row } };
}

/** Teachers arrive at every unit of a chain (registered, or moved in): none of them is without teachers from this week on. */
function staffed(chain: readonly string[], event: EventPlace): ViewChange[] {
  const firstTeachersWeek = weekOf(event.metadata.businessTime);
  return chain.map((unitId): ViewChange => {
    const row: Partial<UnitStaffingRow> = { unitId, firstTeachersWeek };
    return { op: 'add', table: 'unit_staffing', row: { ...row } };
  });
}

/** A teacher moves out of units (the chain left, less the chain joined): each may be left without teachers. */
function leftBy(units: readonly string[]): ViewChange[] {
  return units.map((unitId): ViewChange => {
    const row: Partial<UnitStaffingRow> = { unitId, teachersLeft: 1 };
    return { op: 'add', table: 'unit_staffing', row: { ...row } };
  });
}

function teacherChanged(event: Recorded<TeacherRegistered | TeacherMovedSchool>, rows: ViewRows): ViewChange[] {
  if (event.type === 'TeacherRegistered') {
    const { teacherId, schoolId, name, gender, stage, subject, fullTime, idNumberMasked } =
      event.data as TeacherRegistered['data'];
    const row: TeacherRow = {
      teacherId,
      schoolId,
      name,
      gender,
      stage,
      subject,
      fullTime,
      idNumberMasked,
      exemptIn: [],
    };
    return [
      { op: 'put', table: 'teachers', row: { ...row } },
      ...teachersCounted(event.data.ancestry, fullTime, 1, event),
      ...staffed(event.data.ancestry, event),
    ];
  }
  if (event.type === 'TeacherMovedSchool') {
    const { teacherId, toSchoolId, ancestry } = event.data as TeacherMovedSchool['data'];
    const teacher = rows.get<TeacherRow>('teachers', teacherId);
    if (!teacher) return [];
    const leaving = chainOf(rows, teacher.schoolId);
    return [
      { op: 'put', table: 'teachers', row: { ...teacher, schoolId: toSchoolId } },
      ...teachersCounted(leaving, teacher.fullTime, -1, event),
      ...teachersCounted(ancestry, teacher.fullTime, 1, event),
      ...leftBy(leaving.filter((unitId) => !ancestry.includes(unitId))),
      ...staffed(ancestry, event),
      // Exempt where they were exempt: the exemption moves with the teacher.
      ...teacher.exemptIn.flatMap((programmeId) => [
        ...exemptCounted(programmeId, leaving, teacher.fullTime, -1, event),
        ...exemptCounted(programmeId, ancestry, teacher.fullTime, 1, event),
      ]),
    ];
  }
  return [];
}

/**
 * A programme exempts the teacher (ExemptTeacher): the teacher leaves its teachers required at
 * every unit of their school's chain from this week on. A registration not seen yet is on its way
 * (another Kafka partition): wait for it.
 */
function exempted(event: Recorded<ExemptionEvent>, rows: ViewRows): ViewChange[] {
  const { programmeId, teacherId } = event.data;
  const teacher = rows.get<TeacherRow>('teachers', teacherId);
  if (!teacher) throw new AwaitingEvents(`teacher ${teacherId} is not registered in the read model yet`);
  return exemptionOf(teacher, programmeId, rows, event);
}

/** The changes that exempt a teacher in a programme; none when exempt there already. */
function exemptionOf(teacher: TeacherRow, programmeId: string, rows: ViewRows, event: EventPlace): ViewChange[] {
  if (teacher.exemptIn.includes(programmeId)) return [];
  return [
    { op: 'put', table: 'teachers', row: { ...teacher, exemptIn: [...teacher.exemptIn, programmeId] } },
    ...exemptCounted(programmeId, chainOf(rows, teacher.schoolId), teacher.fullTime, 1, event),
  ];
}

function exemptCounted(
  programmeId: string,
  chain: readonly string[],
  fullTime: boolean,
  sign: 1 | -1,
  event: EventPlace,
): ViewChange[] {
  const week = weekOf(event.metadata.businessTime);
  return chain.map((unitId): ViewChange => {
    const row: UnitExemptChangeRow = { programmeId, unitId, week, teachers: sign, fullTime: fullTime ? sign : 0 };
    return { op: 'add', table: 'unit_exempt_changes', row: { ...row } };
  });
}

/** A teacher joins (+1) or leaves (−1) every unit of a school's chain, in the event's week. */
function teachersCounted(chain: readonly string[], fullTime: boolean, sign: 1 | -1, event: EventPlace): ViewChange[] {
  const week = weekOf(event.metadata.businessTime);
  return chain.map((unitId): ViewChange => {
    const row: UnitTeacherChangeRow = { unitId, week, teachers: sign, fullTime: fullTime ? sign : 0 };
    return { op: 'add', table: 'unit_teacher_changes', row: { ...row } };
  });
}

function programmeChanged(event: Recorded<ProgrammeEvent>, rows: ViewRows): ViewChange[] {
  if (event.type === 'BatchExtended') {
    // The batch now ends later (ExtendBatch): kept with its reason and time, so views show why
    // and a past week is still judged by the end in force then.
    const { batchId, endsOn, previousEndsOn, reason } = event.data as BatchExtended['data'];
    const batch = rows.get<BatchRow>('batches', batchId);
    if (!batch) return [];
    const extension = { endsOn, previousEndsOn, reason, at: event.metadata.businessTime };
    return [{ op: 'put', table: 'batches', row: { ...batch, endsOn, extensions: [...batch.extensions, extension] } }];
  }
  if (event.type === 'ProgrammeLaunched') {
    const { programmeId, provinceId, name, rulebook, ownerUnitId } = event.data as ProgrammeLaunched['data'];
    const row: ProgrammeRow = {
      programmeId,
      provinceId,
      name,
      rulebookId: rulebook.id,
      ownerUnitId: ownerUnitId ?? null,
    };
    return [{ op: 'put', table: 'programmes', row: { ...row } }];
  }
  const { programmeId, batchId, name, startsOn, endsOn, sharePercent, periods, rulebook, ownerUnitId } =
    event.data as BatchScheduled['data'];
  const programme = rows.get<ProgrammeRow>('programmes', programmeId);
  if (!programme) return [];
  const row: BatchRow = {
    batchId,
    programmeId,
    provinceId: programme.provinceId,
    name,
    startsOn,
    endsOn,
    scheduledEndsOn: endsOn,
    extensions: [],
    sharePercent,
    periods,
    rulebookId: rulebook.id,
    rulebook: storedRulebook(rulebook) as unknown as Record<string, unknown>,
    ownerUnitId: ownerUnitId ?? programme.ownerUnitId,
  };
  return [{ op: 'put', table: 'batches', row: { ...row } }];
}

function ledgerChanged(event: Recorded<QuotaEvent>, rows: ViewRows): ViewChange[] {
  const { batchId, periodId } = event.data;
  const unitId = ledgerUnitOf(event);
  const stored = rows.get<QuotaLedgerRow>('quota_ledgers', batchId, periodId, unitId);
  const before: QuotaLedger = stored
    ? { received: stored.received, handedOn: stored.handedOn, seatHolders: stored.seatHolders }
    : initialQuotaLedger();
  const after = evolveQuotaLedger(before, event);
  const ledger: QuotaLedgerRow = {
    batchId,
    periodId,
    unitId,
    received: after.received,
    handedOn: { ...after.handedOn },
    seatHolders: [...after.seatHolders],
  };
  const changes: ViewChange[] = [{ op: 'put', table: 'quota_ledgers', row: { ...ledger } }];
  // Seats count where they are: each unit's own ledger, not its ancestors'.
  changes.push(...added(batchId, unitId, difference(ledgerFigures(after), ledgerFigures(before)), event));
  if (event.type === 'QuotaReceived' && unitOf(rows, unitId).kind === 'school') {
    const participation: SchoolParticipationRow = { batchId, schoolId: unitId, joinedAt: event.metadata.businessTime };
    changes.push({ op: 'add', table: 'school_participation', row: { ...participation } });
  }
  return changes;
}

/**
 * A record's figures, asked for twice (as the state after one event, then before the next), ride
 * on the row this projector puts, in a private field: no part of what the row holds (not a column;
 * neither enumerated, spread nor written). The row cache hands the same object back; a row read
 * from the database has none, and they are worked out again. (A WeakMap keyed by state did the
 * same at 8 % of a rebuild's main-thread samples; a non-enumerable property defined on a plain row,
 * at 2.5 %, half of recordChanged's own.)
 */
class HeldRecordRow {
  readonly #figures: FigureDelta;

  constructor(
    readonly batchId: string,
    readonly teacherId: string,
    readonly schoolId: string,
    readonly periodId: string,
    readonly status: string,
    readonly trainingStatus: string,
    readonly record: Record<string, unknown>,
    readonly lastPosition: number,
    figures: FigureDelta,
  ) {
    this.#figures = figures;
  }

  /** The figures of a row this projector put, if it is one. */
  static figuresOf(row: TeacherRecordRow | undefined): FigureDelta | undefined {
    return row instanceof HeldRecordRow ? row.#figures : undefined;
  }
}

function recordChanged(event: Recorded<EnrollmentEvent>, rows: ViewRows): ViewChange[] {
  const { batchId, teacherId } = event.data;
  const stored = rows.get<TeacherRecordRow>('teacher_records', batchId, teacherId);
  const before = (stored?.record as EnrollmentState | undefined) ?? initialEnrollment();
  const after = evolveEnrollment(before, event);
  if (after.status === 'not-enrolled') return [];
  const batch = rows.get<BatchRow>('batches', batchId);
  if (!batch) throw new AwaitingEvents(`batch ${batchId} is not scheduled in the read model yet`);
  // The record's grade and hours, worked out once for its status and its figures.
  const outcome = trainingOutcome(after);
  const figures = recordFigures(after, outcome);
  const record = new HeldRecordRow(
    batchId,
    teacherId,
    after.schoolId,
    after.periodId,
    after.status,
    trainingStatus(after, (batch.rulebook as unknown as Rulebook).abilityPoints !== null, outcome),
    after as unknown as Record<string, unknown>,
    event.position,
    figures,
  );
  // The row itself, not a copy: the figures go with it.
  const changes: ViewChange[] = [{ op: 'put', table: 'teacher_records', row: record as unknown as Row }];
  const beforeSchool = before.status === 'not-enrolled' ? undefined : before.schoolId;
  const beforeFigures = HeldRecordRow.figuresOf(stored) ?? recordFigures(before);
  if (beforeSchool !== undefined && beforeSchool !== after.schoolId) {
    // A transfer: the record leaves one school's totals and joins another's.
    changes.push(...addedUp(batchId, unitOf(rows, beforeSchool), negated(beforeFigures), event));
    changes.push(...addedUp(batchId, unitOf(rows, after.schoolId), difference(figures, {}), event));
  } else {
    const delta = recordDifference(figures, beforeFigures);
    changes.push(...addedUp(batchId, unitOf(rows, after.schoolId), delta, event));
  }
  // An exempt teacher taking part of their own will is exempt in the programme, ExemptTeacher or not.
  if (event.type === 'TeacherEnrolled' && (event.data as { voluntary?: boolean }).voluntary === true) {
    const teacher = rows.get<TeacherRow>('teachers', teacherId);
    if (!teacher) throw new AwaitingEvents(`teacher ${teacherId} is not registered in the read model yet`);
    changes.push(...exemptionOf(teacher, batch.programmeId, rows, event));
  }
  return changes;
}

const CLOSURE_STEP: Partial<Record<SchoolClosureEvent['type'], string>> = {
  SchoolPlanUploaded: 'planUploaded',
  ClosureApplied: 'applied',
  ClosureApproved: 'approved',
  ClosureRejected: 'rejected',
  SchoolClosed: 'closed',
};

function closureChanged(event: Recorded<SchoolClosureEvent>, rows: ViewRows): ViewChange[] {
  const { batchId, schoolId } = event.data;
  const designation: ViewChange[] = [];
  if (event.type === 'PilotSchoolDesignated') {
    const { finishBy, scope } = event.data as PilotSchoolDesignated['data'];
    const row: PilotDesignationRow = { batchId, schoolId, designatedAt: event.metadata.businessTime, finishBy, scope };
    designation.push({ op: 'put', table: 'pilot_designations', row: { ...row } });
  }
  const stored = rows.get<SchoolClosureRow>('school_closures', batchId, schoolId);
  const before = (stored?.closure as SchoolClosureState | undefined) ?? initialSchoolClosureState();
  const after = evolveSchoolClosure(before, event);
  const step = CLOSURE_STEP[event.type];
  const dates = stored?.dates ?? {};
  const closure: SchoolClosureRow = {
    batchId,
    schoolId,
    closureStatus: after.status,
    closure: after as unknown as Record<string, unknown>,
    dates: step ? { ...dates, [step]: event.metadata.businessTime } : dates,
  };
  return [
    { op: 'put', table: 'school_closures', row: { ...closure } },
    ...designation,
    ...addedUp(batchId, unitOf(rows, schoolId), difference(closureFigures(after), closureFigures(before)), event),
  ];
}

/** A unit's weekly changes add up to its totals of all time (the engine adds them up once, not an event). */
const ALL_TIME: Total = { table: 'unit_progress', over: 'week' };

/** The unit totals an event changes: the unit's, in the event's week and (ALL_TIME) all time. */
function added(
  batchId: string,
  unitId: string,
  delta: FigureDelta | undefined,
  event: EventPlace,
  rollUp?: RollUp,
): ViewChange[] {
  if (!delta) return [];
  const week = weekOf(event.metadata.businessTime);
  return [
    { op: 'add', table: 'unit_weekly_changes', row: { batchId, unitId, week, ...delta }, rollUp, total: ALL_TIME },
  ];
}

/** The totals of a school and of every unit above it (rolled up by the engine: one add an event, not one per unit). */
function addedUp(batchId: string, school: UnitRow, delta: FigureDelta | undefined, event: EventPlace): ViewChange[] {
  return added(batchId, school.unitId, delta, event, { column: 'unitId', into: school.ancestry });
}

/** isoWeekOf, worked out once per local day (every add of an event names its week). */
const weeksByDay = new Map<number, string>();
function weekOf(instant: string): string {
  const day = shanghaiDayOf(instant);
  let week = weeksByDay.get(day);
  if (week === undefined) weeksByDay.set(day, (week = isoWeekOf(instant)));
  return week;
}

/** The school and every unit above it, province first. */
function chainOf(rows: ViewRows, schoolId: string): string[] {
  return [...unitOf(rows, schoolId).ancestry, schoolId];
}

/**
 * A unit the event refers to. Units are registered before anything happens in them; when one is
 * not there yet, its registration is still on its way (another Kafka partition): wait for it.
 */
function unitOf(rows: ViewRows, unitId: string): UnitRow {
  const unit = rows.get<UnitRow>('units', unitId);
  if (!unit) throw new AwaitingEvents(`org unit ${unitId} is not registered in the read model yet`);
  return unit;
}

function ledgerUnitOf(event: Recorded<QuotaEvent>): string {
  switch (event.type) {
    case 'QuotaAllocated':
    case 'QuotaRevoked':
      return event.data.fromUnitId;
    case 'QuotaReceived':
    case 'QuotaTakenBack':
      return event.data.toUnitId;
    case 'SeatTaken':
    case 'SeatReleased':
      return event.data.schoolId;
  }
}
