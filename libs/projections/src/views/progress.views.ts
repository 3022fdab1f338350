import { EntityManager, In } from 'typeorm';
import {
  abilityPointDeadline,
  Certificate,
  creditsFor,
  Enrollment,
  EnrollmentState,
  hoursCredited,
  initialSchoolClosureState,
  isVoluntary,
  onlineHoursCredited,
  onlinePassed,
  overallGrade,
  pointGrades,
  Rulebook,
  SchoolClosureState,
  totalHoursCredited,
} from '@tip/domain';
import {
  BatchRow,
  ProgressFigures,
  QuotaLedgerRow,
  SchoolClosureRow,
  SchoolParticipationRow,
  TeacherRecordRow,
  TeacherRow,
  UnitProgressRow,
  UnitRow,
} from '../progress/progress.entities';
import { behindOf, ratesOf, Required } from '../notices/notice-measures';
import type { NoticeCounts } from '../notices/weekly-notice';
import { TRAINING_STATUSES, TrainingStatus } from '../progress/training-status';
import { endsOnAt, extensionsBefore } from '../progress/batch-end';
import { ownerOf, pilotRuleOf, pilotsAt } from './pilots.query';
import {
  BatchTargets,
  requiredAt,
  requiredFrom,
  requiredInputsSql,
  schoolsTakingPartFrom,
  schoolsTakingPartSql,
  unitsAtOrBelow,
} from './teacher-figures.query';
import { rowFromJson } from './row-from-json';

export interface TeacherListQuery {
  /** Only teachers in these statuses; all when empty. */
  statuses?: readonly TrainingStatus[];
  /** 1-based. */
  page: number;
  pageSize: number;
}

/** A unit or teacher the caller asked about is not in the read model (yet). */
export class ViewNotFound extends Error {}

export const ZERO_FIGURES: Omit<ProgressFigures, never> = {
  seatsReceived: 0,
  seatsHandedOn: 0,
  seatsUsed: 0,
  enrolled: 0,
  confirmed: 0,
  pointsSelected: 0,
  onlinePassed: 0,
  assessed: 0,
  passed: 0,
  excellent: 0,
  certified: 0,
  trained: 0,
  othersEnrolled: 0,
  othersTrained: 0,
  hoursCredited: 0,
  hoursRecognised: 0,
  hoursByCategory: {},
  excellentVideos: 0,
  excellentVideosBySubject: {},
  schoolsClosed: 0,
};

/** The queries behind /api/views: plain reads of the progress read model, shaped for callers. */
export class ProgressViews {
  constructor(private readonly reader: EntityManager) {}

  async unit(unitId: string): Promise<UnitRow> {
    const unit = await this.reader.getRepository(UnitRow).findOneBy({ unitId });
    if (!unit) throw new ViewNotFound(`No org unit ${unitId}`);
    return unit;
  }

  async batch(batchId: string): Promise<BatchRow> {
    const batch = await this.reader.getRepository(BatchRow).findOneBy({ batchId });
    if (!batch) throw new ViewNotFound(`No batch ${batchId}`);
    return batch;
  }

  async teacher(teacherId: string): Promise<TeacherRow> {
    const teacher = await this.reader.getRepository(TeacherRow).findOneBy({ teacherId });
    if (!teacher) throw new ViewNotFound(`No teacher ${teacherId}`);
    return teacher;
  }

  /** A unit's progress in a batch now (`atMs`): its figures, teachers required, the rates and the target. */
  async unitProgress(unitId: string, batchId: string, atMs: number) {
    // One statement: a dashboard opens many of these at once, and each query of a view is a
    // turn on the pool (a set of small ones, one after another, queued behind every other view).
    const table = (entity: Parameters<EntityManager['connection']['getMetadata']>[0]) =>
      this.reader.connection.getMetadata(entity).tablePath;
    const [found]: Record<string, unknown>[] = await this.reader.query(
      `select (select to_jsonb(u) from ${table(UnitRow)} u where u.unit_id = $1) as unit,
              (select to_jsonb(b) from ${table(BatchRow)} b where b.batch_id = $2) as batch,
              (select to_jsonb(f) from ${table(UnitProgressRow)} f where f.batch_id = $2 and f.unit_id = $1) as figures,
              (select coalesce(jsonb_agg(to_jsonb(l)), '[]'::jsonb) from ${table(QuotaLedgerRow)} l
                where l.batch_id = $2 and l.unit_id = $1) as ledgers,
              (select to_jsonb(c) from ${table(SchoolClosureRow)} c where c.batch_id = $2 and c.school_id = $1) as closure,
              (select to_jsonb(p) from ${table(SchoolParticipationRow)} p
                where p.batch_id = $2 and p.school_id = $1) as participation,
              ${BatchTargets.batchesSql(this.reader, '$2')} as batches,
              ${requiredInputsSql(this.reader, 'array[$1]::text[]', '$1', '$3::jsonb', 'null', '$2')} as required,
              ${schoolsTakingPartSql(this.reader, 'array[$1]::text[]', '$2')} as schools`,
      [unitId, batchId, JSON.stringify([unitId])],
    );
    if (!found.unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!found.batch) throw new ViewNotFound(`No batch ${batchId}`);
    const unit = rowFromJson(this.reader, UnitRow, found.unit);
    const batch = rowFromJson(this.reader, BatchRow, found.batch);
    const figures = found.figures ? rowFromJson(this.reader, UnitProgressRow, found.figures) : null;
    const ledgers = (found.ledgers as unknown[]).map((each) => rowFromJson(this.reader, QuotaLedgerRow, each));
    const [required] = requiredFrom(found.required, [unit], [null]);
    const schools = schoolsTakingPartFrom(found.schools);
    // Pilots are counted over every unit below, where the rulebook designates them (Yueyang).
    const units = pilotRuleOf(batch) ? await unitsAtOrBelow(this.reader, unit, null) : [];
    const pilots = await pilotsAt(this.reader, batch, unit, units, [null], new Date(atMs).toISOString());
    const targets = BatchTargets.from(batch, BatchTargets.batchesFrom(found.batches));
    const isSchool = unit.kind === 'school';
    const closure = isSchool && found.closure ? rowFromJson(this.reader, SchoolClosureRow, found.closure) : null;
    const participation =
      isSchool && found.participation ? rowFromJson(this.reader, SchoolParticipationRow, found.participation) : null;
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      ...progressOf(figures ?? ZERO_FIGURES, schools.get(unitId) ?? 0, required.get(unitId), targets, atMs),
      seats: seatsOf(ledgers, batch),
      batchEnd: batchEndOf(batch, atMs),
      // Where the rulebook designates pilots (Yueyang): this unit's, short of the ask or late.
      pilots: pilots?.[0].get(unitId) ?? null,
      ...(isSchool ? { closure: closureOf(participation, closure) } : {}),
    };
  }

  /**
   * The batch's totals at the unit that runs its programme (the province, or the city running its
   * own), and one row per unit directly below it; `cities` keeps the rows that are cities.
   */
  async batchProgress(batchId: string, atMs: number) {
    const batch = await this.batch(batchId);
    const ownerUnitId = ownerOf(batch);
    const province = await this.reader.getRepository(UnitRow).findOneBy({ unitId: batch.provinceId });
    const owner =
      ownerUnitId === batch.provinceId
        ? province
        : await this.reader.getRepository(UnitRow).findOneBy({ unitId: ownerUnitId });
    const children = await this.reader
      .getRepository(UnitRow)
      .find({ where: { parentId: ownerUnitId }, order: { unitId: 'ASC' } });
    const unitIds = [ownerUnitId, ...children.map((child) => child.unitId)];
    const figures = await this.reader.getRepository(UnitProgressRow).findBy({ batchId, unitId: In(unitIds) });
    const schools = await this.schoolsTakingPart(batchId, unitIds);
    const units = owner ? await unitsAtOrBelow(this.reader, owner, null) : [];
    const [required] = owner ? await requiredAt(this.reader, units, batch.programmeId, [null]) : [new Map()];
    const [pilots] =
      (owner && (await pilotsAt(this.reader, batch, owner, units, [null], new Date(atMs).toISOString()))) || [];
    const targets = await BatchTargets.of(this.reader, batch);
    const of = (unitId: string) => ({
      ...progressOf(
        figures.find((row) => row.unitId === unitId) ?? ZERO_FIGURES,
        schools.get(unitId) ?? 0,
        required.get(unitId),
        targets,
        atMs,
      ),
      pilots: pilots?.get(unitId) ?? null,
    });
    const rows = children.map((child) => ({
      unitId: child.unitId,
      name: child.name,
      kind: child.kind,
      ...of(child.unitId),
    }));
    return {
      batchId,
      name: batch.name,
      programmeId: batch.programmeId,
      provinceId: batch.provinceId,
      provinceName: province?.name ?? null,
      ownerUnitId,
      ownerName: owner?.name ?? null,
      startsOn: batch.startsOn,
      ...batchEndOf(batch, atMs),
      sharePercent: batch.sharePercent,
      ...of(ownerUnitId),
      children: rows,
      cities: rows.filter((row) => row.kind === 'city'),
    };
  }

  async unitQuota(unitId: string, batchId: string) {
    const unit = await this.unit(unitId);
    const batch = await this.batch(batchId);
    const ledgers = await this.reader.getRepository(QuotaLedgerRow).findBy({ batchId, unitId });
    const children = await this.reader.getRepository(UnitRow).findBy({ parentId: unitId });
    const nameOf = (childId: string) => children.find((child) => child.unitId === childId)?.name ?? null;
    // Every period of the batch, in the batch's order, even those the unit has no seats in.
    const periods = batch.periods.map(({ periodId, startsOn, endsOn }) => {
      const ledger = ledgers.find((row) => row.periodId === periodId);
      const handedOn = ledger ? Object.entries(ledger.handedOn).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
      const total = handedOn.reduce((sum, [, seats]) => sum + seats, 0);
      const used = ledger?.seatHolders.length ?? 0;
      const received = ledger?.received ?? 0;
      return {
        periodId,
        startsOn,
        endsOn,
        received,
        handedOn: total,
        handedOnTo: handedOn.map(([childId, seats]) => ({ unitId: childId, name: nameOf(childId), seats })),
        used,
        left: seatsLeft(received, total, used),
      };
    });
    return { unitId, name: unit.name, kind: unit.kind, batchId, periods };
  }

  /**
   * The teachers of a unit's schools with where each stands in the batch, a page at a time
   * (by school, then teacher id), optionally only some statuses; with the count of every
   * status over the whole unit. ID numbers are masked as registered.
   */
  async unitTeachers(unitId: string, batchId: string, query: TeacherListQuery) {
    const unit = await this.unit(unitId);
    const batch = await this.batch(batchId);
    const teachers = this.reader.connection.getMetadata(TeacherRow).tablePath;
    const units = this.reader.connection.getMetadata(UnitRow).tablePath;
    const records = this.reader.connection.getMetadata(TeacherRecordRow).tablePath;
    const from = `from ${teachers} t join ${units} s on s.unit_id = t.school_id
      left join ${records} r on r.batch_id = $2 and r.teacher_id = t.teacher_id
      where (s.unit_id = $1 or s.ancestry @> $3::jsonb)`;
    const status = `coalesce(r.training_status, 'not-enrolled')`;
    const scope = [unitId, batchId, JSON.stringify([unitId])];
    const counted: { status: TrainingStatus; count: number }[] = await this.reader.query(
      `select ${status} as status, count(*)::int as count ${from} group by 1`,
      scope,
    );
    const counts = Object.fromEntries(
      TRAINING_STATUSES.map((each) => [each, counted.find((row) => row.status === each)?.count ?? 0]),
    ) as Record<TrainingStatus, number>;
    const statuses = query.statuses?.length ? query.statuses : [...TRAINING_STATUSES];
    const total = statuses.reduce((sum, each) => sum + counts[each], 0);
    // The record (kept as json text) is read for the page's rows only: the page is chosen first,
    // so a deep page does not parse every record it passes over.
    const rows: Record<string, unknown>[] = await this.reader.query(
      `with page as (
         select t.teacher_id as "teacherId", t.name, t.id_number_masked as "idNumberMasked", t.gender,
                t.stage, t.subject, t.full_time as "fullTime", t.school_id as "schoolId", s.name as "schoolName",
                ${status} as status, r.period_id as "periodId", t.exempt_in @> jsonb_build_array($7::text) as exempt
         ${from} and ${status} = any($4)
         order by t.school_id, t.teacher_id limit $5 offset $6)
       select page.*, r.record->>'enrolledAt' as "enrolledAt"
       from page left join ${records} r on r.batch_id = $2 and r.teacher_id = page."teacherId"
       order by page."schoolId", page."teacherId"`,
      [...scope, statuses, query.pageSize, (query.page - 1) * query.pageSize, batch.programmeId],
    );
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      statuses,
      counts,
      total,
      page: query.page,
      pageSize: query.pageSize,
      // required: among the teachers the programme requires (full-time, not exempt).
      teachers: rows.map(({ enrolledAt, ...row }) => ({
        ...row,
        periodId: row.periodId ?? null,
        required: row.fullTime === true && row.exempt !== true,
        // Until when the teacher may still pick ability points themself (then the school admin picks).
        abilityPointDeadline:
          row.status === 'no-points' && typeof enrolledAt === 'string'
            ? abilityPointDeadline(batch.rulebook as unknown as Rulebook, enrolledAt)
            : null,
      })),
    };
  }

  async transcript(teacherId: string, batchId: string | undefined) {
    const teacher = await this.teacher(teacherId);
    const records = await this.reader
      .getRepository(TeacherRecordRow)
      .find({ where: batchId ? { teacherId, batchId } : { teacherId }, order: { batchId: 'ASC' } });
    if (batchId && records.length === 0)
      throw new ViewNotFound(`Teacher ${teacherId} has no record in batch ${batchId}`);
    return {
      teacherId,
      name: teacher.name,
      idNumberMasked: teacher.idNumberMasked,
      gender: teacher.gender,
      stage: teacher.stage,
      subject: teacher.subject,
      fullTime: teacher.fullTime,
      schoolId: teacher.schoolId,
      batches: records.map((row) => transcriptOf(row.record as unknown as Enrollment)),
    };
  }

  /**
   * Per unit, the schools at or below it taking part in the batch (that received seats), as of
   * each instant given (now when none): [count before the first instant, before the second, …].
   */
  async schoolsTakingPart(
    batchId: string,
    unitIds: readonly string[],
    before: readonly string[] = [],
  ): Promise<Map<string, number>> {
    const counts = await schoolCounts(this.reader, batchId, unitIds, before.length ? before : [null]);
    return new Map([...counts].map(([unitId, [count]]) => [unitId, count]));
  }

  async schoolAncestry(unitId: string): Promise<string[]> {
    const unit = await this.unit(unitId);
    return [...unit.ancestry, unit.unitId];
  }
}

/** Schools taking part at or below each unit, one count per instant (null: no limit). */
export async function schoolCounts(
  reader: EntityManager,
  batchId: string,
  unitIds: readonly string[],
  before: readonly (string | null)[],
): Promise<Map<string, number[]>> {
  const counts = before.map(
    (_, index) =>
      `count(*) filter (where $${index + 3}::timestamptz is null or p.joined_at::timestamptz < $${index + 3}::timestamptz)::int as c${index}`,
  );
  const rows: Record<string, string | number>[] = await reader.query(
    `select below.unit_id, ${counts.join(', ')}
     from ${reader.connection.getMetadata(SchoolParticipationRow).tablePath} p
     join ${reader.connection.getMetadata(UnitRow).tablePath} s on s.unit_id = p.school_id
     cross join lateral (select jsonb_array_elements_text(s.ancestry) as unit_id union all select s.unit_id) below
     where p.batch_id = $1 and below.unit_id = any($2)
     group by below.unit_id`,
    [batchId, unitIds, ...before],
  );
  return new Map(rows.map((row) => [String(row.unit_id), before.map((_, index) => Number(row[`c${index}`]))]));
}

export function progressOf(
  figures: ProgressFigures,
  schoolsTotal: number,
  required: Required | undefined,
  targets: BatchTargets,
  atMs: number,
) {
  const counts: NoticeCounts = {
    required: required?.required ?? 0,
    enrolled: figures.enrolled,
    confirmed: figures.confirmed,
    pointsSelected: figures.pointsSelected,
    onlinePassed: figures.onlinePassed,
    assessed: figures.assessed,
    passed: figures.passed,
    excellent: figures.excellent,
    trained: figures.trained,
    certified: figures.certified,
    othersEnrolled: figures.othersEnrolled,
    othersTrained: figures.othersTrained,
    hoursCredited: figures.hoursCredited,
    hoursRecognised: figures.hoursRecognised,
    seatsReceived: figures.seatsReceived,
    excellentVideos: figures.excellentVideos,
    schoolsTotal,
    schoolsClosed: figures.schoolsClosed,
  };
  const rates = ratesOf(counts);
  const targetPercent = targets.targetAt(atMs);
  return {
    teachers: {
      required: counts.required,
      enrolled: figures.enrolled,
      confirmed: figures.confirmed,
      pointsSelected: figures.pointsSelected,
      onlinePassed: figures.onlinePassed,
      assessed: figures.assessed,
      passed: figures.passed,
      excellent: figures.excellent,
      trained: figures.trained,
      certified: figures.certified,
      othersEnrolled: figures.othersEnrolled,
      othersTrained: figures.othersTrained,
    },
    requiredSource: required?.source ?? 'none',
    rates,
    target: { percent: targetPercent, aimPercent: targets.aimAt(atMs), asOf: new Date(atMs).toISOString() },
    ...behindOf({ ...counts, ...rates }, targetPercent),
    hoursCredited: { total: figures.hoursCredited, byCategory: figures.hoursByCategory },
    hoursRecognised: figures.hoursRecognised,
    excellentVideos: { total: figures.excellentVideos, bySubject: figures.excellentVideosBySubject },
    schools: { total: schoolsTotal, closed: figures.schoolsClosed },
    seatTotals: {
      received: figures.seatsReceived,
      handedOn: figures.seatsHandedOn,
      used: figures.seatsUsed,
      left: seatsLeft(figures.seatsReceived, figures.seatsHandedOn, figures.seatsUsed),
    },
  };
}

/** The batch's last day in force at the instant, the day it was scheduled to end, and each extension made by then with its reason. */
function batchEndOf(batch: BatchRow, atMs: number) {
  return {
    endsOn: endsOnAt(batch, atMs),
    scheduledEndsOn: batch.scheduledEndsOn,
    extensions: extensionsBefore(batch, atMs),
  };
}

/**
 * Seats a unit has still to hand on or fill; null where seats start (the province, or the city
 * running its own programme): it received none and hands on what it issues.
 */
export function seatsLeft(received: number, handedOn: number, used: number): number | null {
  if (received === 0 && handedOn + used > 0) return null;
  return received - handedOn - used;
}

/** The unit's own ledger per period, in the batch's order of periods (not the ids' text order). */
function seatsOf(ledgers: readonly QuotaLedgerRow[], batch: BatchRow) {
  const order = new Map(batch.periods.map((period, index) => [period.periodId, index]));
  return ledgers
    .map((ledger) => {
      const handedOn = Object.values(ledger.handedOn).reduce((sum, seats) => sum + seats, 0);
      const used = ledger.seatHolders.length;
      return {
        periodId: ledger.periodId,
        received: ledger.received,
        handedOn,
        used,
        left: seatsLeft(ledger.received, handedOn, used),
      };
    })
    .sort((a, b) => (order.get(a.periodId) ?? Infinity) - (order.get(b.periodId) ?? Infinity));
}

function closureOf(participation: SchoolParticipationRow | null, row: SchoolClosureRow | null) {
  if (!participation && !row) return { status: 'not-taking-part', dates: {} };
  const closure = (row?.closure as unknown as SchoolClosureState | undefined) ?? initialSchoolClosureState();
  return {
    status: closure.status,
    dates: { ...(participation ? { joined: participation.joinedAt } : {}), ...row?.dates },
    planDocumentRef: closure.planDocumentRef,
    groupVideos: closure.groupVideos.length,
    application: closure.application,
    rejectionReason: closure.rejectionReason,
    signedDocumentRef: closure.signedDocumentRef,
  };
}

/**
 * One batch of a transcript: every hour with where it came from (and the credits they make, where
 * the rulebook converts), the points with every grading (a retake is a later attempt; the last
 * grade counts), the certificates.
 */
function transcriptOf(record: Enrollment) {
  const state: EnrollmentState = record;
  const certificate: Certificate | undefined = record.certificates.at(-1);
  const total = totalHoursCredited(state);
  return {
    batchId: record.batchId,
    periodId: record.periodId,
    schoolId: record.schoolId,
    status: record.status,
    enrolledAt: record.enrolledAt,
    confirmedAt: record.confirmedAt,
    withdrawal: record.withdrawal,
    transfers: record.transfers,
    // An exempt teacher taking part of their own will (Ningde): outside every target.
    voluntary: isVoluntary(state),
    // 80学时 计80学分 (Yueyang); null where the rulebook has no credits.
    credits: creditsFor(state, total),
    hours: {
      total,
      byCategory: hoursCredited(state),
      online: {
        credited: onlineHoursCredited(state),
        passed: onlinePassed(state),
        category: record.rules.onlineCategoryId,
      },
      sources: [
        ...record.onlineHours.map((entry) => ({
          category: record.rules.onlineCategoryId,
          hours: entry.hours,
          source: 'course-platform',
          recordId: entry.recordId,
          courseId: entry.courseId,
          at: entry.recordedAt,
        })),
        ...record.offlineHours.map((entry) => ({
          category: entry.category,
          hours: entry.hours,
          // The level that recorded them: the school, or (Yueyang's workshop) the county or city.
          source: recorderOf(entry.recordedBy.role),
          recordedBy: entry.recordedBy.sub,
          at: entry.recordedAt,
        })),
      ],
    },
    abilityPoints: record.abilityPoints
      ? {
          points: record.abilityPoints.points,
          selectedBy: record.abilityPoints.selectedBy,
          selectedAt: record.abilityPoints.selectedAt,
          grades: pointGrades(state),
        }
      : null,
    grade: overallGrade(state),
    // Every grading, oldest first: a failed point's retakes stay on record.
    attempts: (record.attempts ?? []).map((attempt) => ({
      abilityPoint: attempt.abilityPoint,
      attempt: attempt.attempt,
      grade: attempt.grade,
      evidenceRefs: attempt.evidenceRefs,
      assessedBy: attempt.assessedBy.sub,
      at: attempt.assessedAt,
    })),
    certificates: record.certificates.map((each) => ({
      code: each.certificateCode,
      kind: each.kind,
      status: each.revocation ? 'revoked' : 'valid',
      issuedAt: each.issuedAt,
      hours: each.hours,
      totalHours: each.totalHours,
      credits: each.credits ?? null,
    })),
    certificate: certificate
      ? {
          code: certificate.certificateCode,
          status: certificate.revocation ? 'revoked' : 'valid',
          issuedAt: certificate.issuedAt,
          kind: certificate.kind,
          totalHours: certificate.totalHours,
          credits: certificate.credits ?? null,
          grade: certificate.grade,
          revocation: certificate.revocation,
        }
      : null,
  };
}

function recorderOf(role: string): string {
  return role === 'county-admin' ? 'county' : role === 'city-admin' ? 'city' : 'school';
}
