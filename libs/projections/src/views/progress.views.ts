import { EntityManager, In } from 'typeorm';
import {
  Certificate,
  Enrollment,
  EnrollmentState,
  hoursCredited,
  initialSchoolClosureState,
  onlineHoursCredited,
  onlinePassed,
  overallGrade,
  pointGrades,
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

/** A unit or teacher the caller asked about is not in the read model (yet). */
export class ViewNotFound extends Error {}

const ZERO: Omit<ProgressFigures, never> = {
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
  hoursCredited: 0,
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

  async unitProgress(unitId: string, batchId: string) {
    // Queries one after another: the reader is one transaction on one connection.
    const unit = await this.unit(unitId);
    await this.batch(batchId);
    const figures = await this.reader.getRepository(UnitProgressRow).findOneBy({ batchId, unitId });
    const ledgers = await this.reader.getRepository(QuotaLedgerRow).findBy({ batchId, unitId });
    const schools = await this.schoolsTakingPart(batchId, [unitId]);
    const closure =
      unit.kind === 'school'
        ? await this.reader.getRepository(SchoolClosureRow).findOneBy({ batchId, schoolId: unitId })
        : null;
    const participation =
      unit.kind === 'school'
        ? await this.reader.getRepository(SchoolParticipationRow).findOneBy({ batchId, schoolId: unitId })
        : null;
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      ...progressOf(figures ?? ZERO, schools.get(unitId) ?? 0),
      seats: seatsOf(ledgers),
      ...(unit.kind === 'school' ? { closure: closureOf(participation, closure) } : {}),
    };
  }

  async batchProgress(batchId: string) {
    const batch = await this.batch(batchId);
    const province = await this.reader.getRepository(UnitRow).findOneBy({ unitId: batch.provinceId });
    const cities = await this.reader
      .getRepository(UnitRow)
      .find({ where: { parentId: batch.provinceId }, order: { unitId: 'ASC' } });
    const unitIds = [batch.provinceId, ...cities.map((city) => city.unitId)];
    const figures = await this.reader.getRepository(UnitProgressRow).findBy({ batchId, unitId: In(unitIds) });
    const schools = await this.schoolsTakingPart(batchId, unitIds);
    const of = (unitId: string) =>
      progressOf(figures.find((row) => row.unitId === unitId) ?? ZERO, schools.get(unitId) ?? 0);
    return {
      batchId,
      name: batch.name,
      programmeId: batch.programmeId,
      provinceId: batch.provinceId,
      provinceName: province?.name ?? null,
      startsOn: batch.startsOn,
      endsOn: batch.endsOn,
      sharePercent: batch.sharePercent,
      ...of(batch.provinceId),
      cities: cities.map((city) => ({ unitId: city.unitId, name: city.name, ...of(city.unitId) })),
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
        left: received - total - used,
      };
    });
    return { unitId, name: unit.name, kind: unit.kind, batchId, periods };
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

function progressOf(figures: ProgressFigures, schoolsTotal: number) {
  return {
    teachers: {
      enrolled: figures.enrolled,
      confirmed: figures.confirmed,
      pointsSelected: figures.pointsSelected,
      onlinePassed: figures.onlinePassed,
      assessed: figures.assessed,
      passed: figures.passed,
      excellent: figures.excellent,
      certified: figures.certified,
    },
    hoursCredited: { total: figures.hoursCredited, byCategory: figures.hoursByCategory },
    excellentVideos: { total: figures.excellentVideos, bySubject: figures.excellentVideosBySubject },
    schools: { total: schoolsTotal, closed: figures.schoolsClosed },
    seatTotals: {
      received: figures.seatsReceived,
      handedOn: figures.seatsHandedOn,
      used: figures.seatsUsed,
      left: figures.seatsReceived - figures.seatsHandedOn - figures.seatsUsed,
    },
  };
}

function seatsOf(ledgers: readonly QuotaLedgerRow[]) {
  return ledgers
    .map((ledger) => {
      const handedOn = Object.values(ledger.handedOn).reduce((sum, seats) => sum + seats, 0);
      const used = ledger.seatHolders.length;
      return {
        periodId: ledger.periodId,
        received: ledger.received,
        handedOn,
        used,
        left: ledger.received - handedOn - used,
      };
    })
    .sort((a, b) => (a.periodId < b.periodId ? -1 : a.periodId > b.periodId ? 1 : 0));
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

/** One batch of a transcript: every hour with where it came from, the points and their grades, the certificate. */
function transcriptOf(record: Enrollment) {
  const state: EnrollmentState = record;
  const certificate: Certificate | undefined = record.certificates.at(-1);
  return {
    batchId: record.batchId,
    periodId: record.periodId,
    schoolId: record.schoolId,
    status: record.status,
    enrolledAt: record.enrolledAt,
    confirmedAt: record.confirmedAt,
    withdrawal: record.withdrawal,
    transfers: record.transfers,
    hours: {
      total: totalHoursCredited(state),
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
          source: 'school',
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
    certificate: certificate
      ? {
          code: certificate.certificateCode,
          status: certificate.revocation ? 'revoked' : 'valid',
          issuedAt: certificate.issuedAt,
          totalHours: certificate.totalHours,
          grade: certificate.grade,
          revocation: certificate.revocation,
        }
      : null,
  };
}
