import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import * as path from 'node:path';
import { Pool } from 'pg';
import {
  AbilityPointsSelected,
  batchStreamId,
  BatchScheduled,
  CertificateIssued,
  ClosureApplied,
  ClosureApproved,
  DomainEvent,
  EnrollmentConfirmed,
  enrollmentRulesOf,
  enrollmentStreamId,
  ExcellentVideoUploaded,
  Grade,
  GroupVideoSubmitted,
  mulberry32,
  OfflineHoursRecorded,
  OnlineHoursRecorded,
  OrgUnitRegistered,
  orgUnitStreamId,
  PeerReviewRecorded,
  Period,
  PracticeAssessed,
  PracticeEvidenceSubmitted,
  presetRulebook,
  ProgrammeLaunched,
  programmeStreamId,
  QuotaAllocated,
  QuotaReceived,
  quotaStreamId,
  Role,
  SchoolClosed,
  schoolClosureStreamId,
  SchoolPlanUploaded,
  SeatTaken,
  TeacherEnrolled,
  TeacherJoinedBatch,
  TeacherRegistered,
  teacherStreamId,
} from '@tip/domain';
import { createPostgresEventStore, EventStore, NewEvent, newEventId, StreamAppend } from '@tip/event-store';
import {
  DashboardViews,
  isoWeekOf,
  liveSchemaOf,
  progressReadModel,
  ProgressViews,
  projectionTimings,
  READ_MODELS,
  readModelDataSource,
  rebuildReadModel,
  rebuildReadModels,
  renderNoticeCsv,
  renderNoticeHtml,
  renderNoticeXlsx,
  WeeklyNotice,
  WeeklyNoticeQuery,
} from '@tip/projections';
import { BenchDatabase, BenchRow, latencies, LatencyRecorder, readAllPages, timed } from './harness';

// ── The history: one city of a Jiangsu 2.0 batch, as the domain would have recorded it ─────────

const PROVINCE = '320000';
const CITY = '320100';
const PROGRAMME = 'JS-2.0';
const BATCH = 'JS-2020-1';
const COUNTIES = 10;
const SCHOOLS_PER_COUNTY = 100;
const DAY_MS = 86_400_000;
/** Monday of the batch's first week, Shanghai time; business times run for 20 weeks from here. */
const DAY_ZERO = Date.parse('2020-11-02T00:00:00+08:00');
const LAST_DAY = 20 * 7 - 1;
const PERIODS: Period[] = [
  { periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
  { periodId: '2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
  { periodId: '3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
];
const PERIOD_FIRST_DAY = [0, 29, 60];
const SUBJECTS = ['语文', '数学', '英语', '科学', '道德与法治', '音乐', '美术', '体育', '信息技术'];
const RULEBOOK = presetRulebook('jiangsu-2.0');
const RULES = enrollmentRulesOf(RULEBOOK);
const POINT_CODES = (RULEBOOK.abilityPoints?.catalogue.points ?? []).map((point) => point.code);

interface BenchActor {
  sub: string;
  role: Role;
  unitId?: string;
}

/** One command's events, as one or more streams append them at one business time. */
interface Step {
  at: number;
  actor: BenchActor;
  events: { streamId: string; type: string; data: Record<string, unknown> }[];
}

const on = <E extends DomainEvent>(streamId: string, type: E['type'], data: E['data']) => ({
  streamId,
  type,
  data: data as Record<string, unknown>,
});

/** What the history should add up to, to check the projector took all of it in. */
interface Expected {
  teachers: number;
  enrolled: number;
  confirmed: number;
  pointsSelected: number;
  onlinePassed: number;
  assessed: number;
  passed: number;
  excellent: number;
  certified: number;
  schoolsClosed: number;
}

interface History {
  /** Imported one phase after another, so that what a projector looks up is there before it is needed. */
  phases: Step[][];
  events: number;
  schools: number;
  expected: Expected;
}

const iso = (ms: number) => new Date(ms).toISOString();

function planHistory(scale: number): History {
  const random = mulberry32(20201102);
  const between = (low: number, high: number) => low + random() * (high - low);
  /** A (fractional) day of the batch as a time in office hours; later days are later times. */
  const dayTime = (day: number) =>
    DAY_ZERO + Math.floor(day) * DAY_MS + Math.round((8.5 + (day - Math.floor(day)) * 9) * 3_600_000);
  const province: BenchActor = { sub: `admin-${PROVINCE}`, role: 'province-admin', unitId: PROVINCE };
  const units: Step[] = [];
  const setup: Step[] = [];
  const quota: Step[] = [];
  const training: Step[] = [];
  const expected: Expected = {
    teachers: 0,
    enrolled: 0,
    confirmed: 0,
    pointsSelected: 0,
    onlinePassed: 0,
    assessed: 0,
    passed: 0,
    excellent: 0,
    certified: 0,
    schoolsClosed: 0,
  };
  const beforeBatch = Date.parse('2020-10-12T09:00:00+08:00');
  /** Training events are kept only up to the end of week 20: whoever is slower is still at it. */
  const train = (step: Step) => {
    if (step.at < DAY_ZERO + (LAST_DAY + 1) * DAY_MS) training.push(step);
    return step.at < DAY_ZERO + (LAST_DAY + 1) * DAY_MS;
  };

  const register = (
    unitId: string,
    kind: OrgUnitRegistered['data']['kind'],
    name: string,
    ancestry: string[],
    fullTimeTeachers?: number,
  ) =>
    units.push({
      at: beforeBatch + units.length * 1000,
      actor: province,
      events: [
        on<OrgUnitRegistered>(orgUnitStreamId(unitId), 'OrgUnitRegistered', {
          unitId,
          kind,
          name,
          ...(ancestry.length > 0 ? { parentId: ancestry[ancestry.length - 1] } : {}),
          ...(fullTimeTeachers === undefined ? {} : { fullTimeTeachers }),
          ancestry,
        }),
      ],
    });
  register(PROVINCE, 'province', '江苏省', []);
  register(CITY, 'city', '南京市', [PROVINCE]);

  const launched = Date.parse('2020-10-20T10:00:00+08:00');
  setup.push({
    at: launched,
    actor: province,
    events: [
      on<ProgrammeLaunched>(programmeStreamId(PROGRAMME), 'ProgrammeLaunched', {
        programmeId: PROGRAMME,
        name: '江苏省提升工程2.0',
        provinceId: PROVINCE,
        rulebook: RULEBOOK,
      }),
    ],
  });
  const scheduled: BatchScheduled['data'] = {
    programmeId: PROGRAMME,
    batchId: BATCH,
    name: '第一批',
    startsOn: '2020-11-01',
    endsOn: '2021-03-31',
    sharePercent: 20,
    periods: PERIODS,
    rulebook: RULEBOOK,
  };
  setup.push({
    at: launched + 3_600_000,
    actor: province,
    events: [
      on<BatchScheduled>(programmeStreamId(PROGRAMME), 'BatchScheduled', scheduled),
      on<BatchScheduled>(batchStreamId(BATCH), 'BatchScheduled', scheduled),
    ],
  });

  // Seats per unit and period: what its schools' teachers need, and a few to spare.
  const seats = new Map<string, number[]>();
  const addSeats = (unitId: string, period: number, count: number) => {
    const perPeriod = seats.get(unitId) ?? [0, 0, 0];
    perPeriod[period] += count;
    seats.set(unitId, perPeriod);
  };
  const perSchool = 20 * scale;

  for (let county = 0; county < COUNTIES; county++) {
    const countyId = `3201${String(county + 1).padStart(2, '0')}`;
    register(countyId, 'county', `南京市第${county + 1}区`, [PROVINCE, CITY]);
    for (let school = 0; school < SCHOOLS_PER_COUNTY; school++) {
      const schoolId = `${countyId}S${String(school + 1).padStart(3, '0')}`;
      const ancestry = [PROVINCE, CITY, countyId];
      const teachers = Math.max(1, Math.round(perSchool * between(0.6, 1.4)));
      register(schoolId, 'school', `${countyId}区第${school + 1}小学`, ancestry, teachers);
      const schoolAdmin: BenchActor = { sub: `admin-${schoolId}`, role: 'school-admin', unitId: schoolId };
      const countyAdmin: BenchActor = { sub: `admin-${countyId}`, role: 'county-admin', unitId: countyId };
      let assessedHere = 0;
      let passedHere = 0;
      const excellentTeachers: { teacherId: string; subject: string; at: number }[] = [];

      for (let index = 0; index < teachers; index++) {
        const teacherId = `${schoolId}-T${String(index + 1).padStart(2, '0')}`;
        const period = index % PERIODS.length;
        const periodId = PERIODS[period].periodId;
        const subject = SUBJECTS[index % SUBJECTS.length];
        const teacherActor: BenchActor = { sub: teacherId, role: 'teacher', unitId: schoolId };
        const enrollment = enrollmentStreamId(BATCH, teacherId);
        expected.teachers += 1;
        addSeats(schoolId, period, 1);
        setup.push({
          at: beforeBatch + DAY_MS + expected.teachers * 1000,
          actor: schoolAdmin,
          events: [
            on<TeacherRegistered>(teacherStreamId(teacherId), 'TeacherRegistered', {
              teacherId,
              schoolId,
              ancestry: [...ancestry, schoolId],
              name: `教师${index + 1}`,
              gender: index % 3 === 0 ? 'male' : 'female',
              stage: '小学',
              subject,
              fullTime: true,
              idNumberMasked: `${countyId}********${String(1000 + index).slice(-4)}`,
              idNumberProtected: `v1:${randomUUID()}${randomUUID()}`,
            }),
          ],
        });
        if (random() < 0.04) continue; // never enrolled in this batch

        let day = PERIOD_FIRST_DAY[period] + between(0, 6);
        const enrolledAt = dayTime(day);
        train({
          at: enrolledAt,
          actor: schoolAdmin,
          events: [
            on<TeacherEnrolled>(enrollment, 'TeacherEnrolled', {
              batchId: BATCH,
              periodId,
              teacherId,
              schoolId,
              fullTime: true,
              enrolledAt: iso(enrolledAt),
              rules: RULES,
            }),
            on<SeatTaken>(quotaStreamId(BATCH, periodId, schoolId), 'SeatTaken', {
              batchId: BATCH,
              periodId,
              schoolId,
              teacherId,
            }),
            on<TeacherJoinedBatch>(teacherStreamId(teacherId), 'TeacherJoinedBatch', { teacherId, batchId: BATCH }),
          ],
        });
        expected.enrolled += 1;
        if (random() < 0.96) {
          const confirmedAt = dayTime((day += between(0, 3)));
          if (
            train({
              at: confirmedAt,
              actor: teacherActor,
              events: [
                on<EnrollmentConfirmed>(enrollment, 'EnrollmentConfirmed', {
                  batchId: BATCH,
                  teacherId,
                  confirmedAt: iso(confirmedAt),
                }),
              ],
            })
          ) {
            expected.confirmed += 1;
          }
        }
        const points = [
          POINT_CODES[index % POINT_CODES.length],
          ...(random() < 0.5 ? [POINT_CODES[(index + 7) % POINT_CODES.length]] : []),
        ];
        const selectedAt = dayTime((day += between(0.5, 7)));
        const selectedBy = { sub: teacherId, role: 'teacher' as const };
        if (
          !train({
            at: selectedAt,
            actor: teacherActor,
            events: [
              on<AbilityPointsSelected>(enrollment, 'AbilityPointsSelected', {
                batchId: BATCH,
                teacherId,
                points,
                selectedBy,
                selectedAt: iso(selectedAt),
              }),
            ],
          })
        )
          continue;
        expected.pointsSelected += 1;

        // The course platform feeds the online hours as the teacher studies: 4 × 6.5 h ≥ 25 h, or fewer for those who fall behind.
        const records = random() < 0.9 ? 4 : 1 + Math.floor(random() * 3);
        let online = 0;
        for (let record = 0; record < records; record++) {
          const recordedAt = dayTime((day += between(1, 7)));
          const kept = train({
            at: recordedAt,
            actor: { sub: 'course-platform', role: 'system' },
            events: [
              on<OnlineHoursRecorded>(enrollment, 'OnlineHoursRecorded', {
                batchId: BATCH,
                teacherId,
                recordId: `R-${teacherId}-${record}`,
                courseId: `C-${(index + record) % 12}`,
                category: 'online',
                hours: 6.5,
                recordedAt: iso(recordedAt),
              }),
            ],
          });
          if (kept) online += 6.5;
        }
        if (online < 25) continue;
        expected.onlinePassed += 1;

        const evidence = points.map((abilityPoint, each) => ({
          abilityPoint,
          evidenceRef: `doc-${teacherId}-${each}`,
        }));
        for (const item of evidence) {
          const submittedAt = dayTime((day += between(2, 12)));
          train({
            at: submittedAt,
            actor: teacherActor,
            events: [
              on<PracticeEvidenceSubmitted>(enrollment, 'PracticeEvidenceSubmitted', {
                batchId: BATCH,
                teacherId,
                ...item,
                submittedAt: iso(submittedAt),
              }),
            ],
          });
        }
        const reviewedAt = dayTime((day += between(0, 5)));
        train({
          at: reviewedAt,
          actor: teacherActor,
          events: [
            on<PeerReviewRecorded>(enrollment, 'PeerReviewRecorded', {
              batchId: BATCH,
              teacherId,
              videoId: `V-${schoolId}-${(index + 1) % teachers}`,
              comment: '教学设计清晰，建议加强互动环节。',
              reviewedAt: iso(reviewedAt),
            }),
          ],
        });
        const leader: BenchActor = { sub: `leader-${schoolId}`, role: 'group-leader', unitId: schoolId };
        const grades: Grade[] = [];
        let graded = true;
        for (const [each, item] of evidence.entries()) {
          const draw = random();
          const grade: Grade = draw < 0.06 ? 'fail' : draw < 0.7 ? 'pass' : 'excellent';
          grades.push(grade);
          const last = each === evidence.length - 1;
          const overall: Grade | null = !last
            ? null
            : grades.includes('fail')
              ? 'fail'
              : grades.every((one) => one === 'excellent')
                ? 'excellent'
                : 'pass';
          const assessedAt = dayTime((day += between(3, 14)));
          graded = train({
            at: assessedAt,
            actor: leader,
            events: [
              on<PracticeAssessed>(enrollment, 'PracticeAssessed', {
                batchId: BATCH,
                teacherId,
                abilityPoint: item.abilityPoint,
                evidenceRefs: [item.evidenceRef],
                grade,
                pointGrade: grade,
                overallGrade: overall,
                assessedBy: { sub: leader.sub, role: leader.role },
                assessedAt: iso(assessedAt),
              }),
            ],
          });
          if (!graded) break;
        }
        if (!graded) continue;
        const overall: Grade = grades.includes('fail')
          ? 'fail'
          : grades.every((one) => one === 'excellent')
            ? 'excellent'
            : 'pass';
        expected.assessed += 1;
        assessedHere += 1;
        if (overall === 'fail') continue;
        expected.passed += 1;
        passedHere += 1;
        if (overall === 'excellent') expected.excellent += 1;

        const offlineAt = dayTime((day += between(1, 7)));
        const recordedBy = { sub: schoolAdmin.sub, role: schoolAdmin.role };
        if (
          !train({
            at: offlineAt,
            actor: schoolAdmin,
            events: [
              on<OfflineHoursRecorded>(enrollment, 'OfflineHoursRecorded', {
                batchId: BATCH,
                teacherId,
                category: 'offline',
                hours: 25,
                recordedBy,
                recordedAt: iso(offlineAt),
              }),
            ],
          })
        )
          continue;
        if (overall === 'excellent') excellentTeachers.push({ teacherId, subject, at: offlineAt });
        const issuedAt = dayTime((day += between(1, 10)));
        const certificateCode = `JS2-${teacherId}`;
        const certificate: CertificateIssued['data'] = {
          certificateCode,
          batchId: BATCH,
          periodId,
          teacherId,
          schoolId,
          // Jiangsu issues one kind, as IssueCertificate records it today.
          kind: 'hours',
          hours: { online: 26, offline: 25 },
          totalHours: 51,
          grade: overall,
          issuedAt: iso(issuedAt),
        };
        if (
          train({
            at: issuedAt,
            actor: countyAdmin,
            events: [
              on<CertificateIssued>(enrollment, 'CertificateIssued', certificate),
              on<CertificateIssued>(`certificate-${certificateCode}`, 'CertificateIssued', certificate),
            ],
          })
        ) {
          expected.certified += 1;
        }
      }

      // The school's closure (结项): plan, group videos, excellent videos, application, approval, closed.
      const closure = schoolClosureStreamId(BATCH, schoolId);
      const target = { batchId: BATCH, schoolId };
      const planAt = dayTime(between(5, 25));
      train({
        at: planAt,
        actor: schoolAdmin,
        events: [on<SchoolPlanUploaded>(closure, 'SchoolPlanUploaded', { ...target, documentRef: `plan-${schoolId}` })],
      });
      for (let group = 0; group < 2; group++) {
        train({
          at: dayTime(between(40, 90)),
          actor: { sub: `leader-${schoolId}-${group}`, role: 'group-leader', unitId: schoolId },
          events: [
            on<GroupVideoSubmitted>(closure, 'GroupVideoSubmitted', {
              ...target,
              groupId: `G${group}`,
              videoRef: `gv-${schoolId}-${group}`,
            }),
          ],
        });
      }
      const required = Math.ceil(teachers * 0.3);
      const videos = excellentTeachers.slice(0, required);
      let lastVideo = planAt;
      for (const video of videos) {
        lastVideo = Math.max(lastVideo, video.at + DAY_MS);
        train({
          at: video.at + DAY_MS,
          actor: schoolAdmin,
          events: [
            on<ExcellentVideoUploaded>(closure, 'ExcellentVideoUploaded', {
              ...target,
              teacherId: video.teacherId,
              subject: video.subject,
              videoRef: `ev-${video.teacherId}`,
            }),
          ],
        });
      }
      if (random() < 0.75 && assessedHere > 0 && passedHere / assessedHere >= 0.9 && videos.length >= required) {
        const appliedAt = Math.max(lastVideo, dayTime(between(100, 125))) + 3_600_000;
        const applied = train({
          at: appliedAt,
          actor: schoolAdmin,
          events: [
            on<ClosureApplied>(closure, 'ClosureApplied', {
              ...target,
              rulebookId: RULEBOOK.id,
              assessed: assessedHere,
              passed: passedHere,
              closureThresholdPercent: RULEBOOK.closureThresholdPercent,
              fullTimeTeachers: teachers,
              subjectsTaught: SUBJECTS.slice(0, Math.min(teachers, SUBJECTS.length)),
              excellentVideos: videos.length,
              excellentVideosRequired: required,
              excellentSubjects: [...new Set(videos.map((video) => video.subject))],
            }),
          ],
        });
        const approvedAt = appliedAt + Math.round(between(1, 6) * DAY_MS);
        if (
          applied &&
          train({
            at: approvedAt,
            actor: countyAdmin,
            events: [on<ClosureApproved>(closure, 'ClosureApproved', target)],
          })
        ) {
          const closedAt = approvedAt + Math.round(between(1, 6) * DAY_MS);
          if (
            train({
              at: closedAt,
              actor: schoolAdmin,
              events: [
                on<SchoolClosed>(closure, 'SchoolClosed', { ...target, signedDocumentRef: `signed-${schoolId}` }),
              ],
            })
          )
            expected.schoolsClosed += 1;
        }
      }
      for (const [period, count] of (seats.get(schoolId) ?? []).entries()) {
        addSeats(countyId, period, count + 2);
        addSeats(schoolId, period, 2);
      }
    }
    for (const [period, count] of (seats.get(countyId) ?? []).entries()) addSeats(CITY, period, count);
  }

  // The quota cascade, period by period: province → city → counties → schools.
  const allocate = (fromUnitId: string, toUnitId: string, period: number, at: number, actor: BenchActor) => {
    const data = {
      batchId: BATCH,
      periodId: PERIODS[period].periodId,
      fromUnitId,
      toUnitId,
      seats: seats.get(toUnitId)?.[period] ?? 0,
    };
    quota.push({
      at,
      actor,
      events: [
        on<QuotaAllocated>(quotaStreamId(BATCH, data.periodId, fromUnitId), 'QuotaAllocated', data),
        on<QuotaReceived>(quotaStreamId(BATCH, data.periodId, toUnitId), 'QuotaReceived', data),
      ],
    });
  };
  for (let period = 0; period < PERIODS.length; period++) {
    const at = Date.parse('2020-10-26T09:00:00+08:00') + period * 3_600_000;
    allocate(PROVINCE, CITY, period, at, province);
    for (let county = 0; county < COUNTIES; county++) {
      const countyId = `3201${String(county + 1).padStart(2, '0')}`;
      allocate(CITY, countyId, period, at + 60_000, { sub: `admin-${CITY}`, role: 'city-admin', unitId: CITY });
      for (let school = 0; school < SCHOOLS_PER_COUNTY; school++) {
        allocate(countyId, `${countyId}S${String(school + 1).padStart(3, '0')}`, period, at + 120_000, {
          sub: `admin-${countyId}`,
          role: 'county-admin',
          unitId: countyId,
        });
      }
    }
  }

  // Training as it happened, one day at a time: the log interleaves every teacher and school.
  training.sort((a, b) => a.at - b.at);
  const days: Step[][] = [];
  for (const step of training) (days[Math.floor((step.at - DAY_ZERO) / DAY_MS)] ??= []).push(step);
  const phases = [units, setup, quota, ...days.filter((day) => day !== undefined)];
  const events = phases.reduce(
    (sum, phase) => sum + phase.reduce((inPhase, step) => inPhase + step.events.length, 0),
    0,
  );
  return { phases, events, schools: COUNTIES * SCHOOLS_PER_COUNTY, expected };
}

/** Each phase is one importEvents (the bulk COPY path); a stream's events in a phase go in one append. */
async function importHistory(store: EventStore, history: History): Promise<void> {
  const revisions = new Map<string, number>();
  let done = 0;
  let reported = 0;
  for (const phase of history.phases) {
    const byStream = new Map<string, NewEvent[]>();
    for (const step of phase) {
      const commandId = randomUUID();
      for (const event of step.events) {
        const list = byStream.get(event.streamId) ?? [];
        if (list.length === 0) byStream.set(event.streamId, list);
        list.push({
          type: event.type,
          data: event.data,
          metadata: {
            eventId: newEventId(),
            businessTime: iso(step.at),
            actor: step.actor,
            commandId,
            correlationId: commandId,
            causationId: commandId,
          },
        });
      }
    }
    const appends: StreamAppend[] = [...byStream].map(([streamId, events]) => {
      const before = revisions.get(streamId) ?? 0;
      revisions.set(streamId, before + events.length);
      return { streamId, events, expectedRevision: before === 0 ? 'no_stream' : before - 1 };
    });
    const result = await store.importEvents(appends, { chunkSize: 1000, concurrency: 2 });
    done += result.eventsImported;
    if (done - reported >= 50_000) {
      reported = done;
      console.error(`  imported ${done.toLocaleString('en-US')} / ${history.events.toLocaleString('en-US')} events`);
    }
  }
}

// ── Measurements ───────────────────────────────────────────────────────────────────────────

/** Each action once per round, in turn, after three warm rounds; one recorder per action. */
async function interleavedLatencies(calls: number, actions: (() => Promise<unknown>)[]): Promise<LatencyRecorder[]> {
  for (let warm = 0; warm < 3; warm++) for (const action of actions) await action();
  const recorders = actions.map(() => new LatencyRecorder());
  for (let call = 0; call < calls; call++)
    for (const [index, action] of actions.entries()) {
      const started = process.hrtime.bigint();
      await action();
      recorders[index].record(Number(process.hrtime.bigint() - started) / 1e6);
    }
  return recorders;
}

const phaseTable = (seconds: number) =>
  [...projectionTimings.phases]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([phase, ms]) =>
        `    ${phase.padEnd(40)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${((ms / 1000 / seconds) * 100).toFixed(1).padStart(5)} %`,
    )
    .join('\n');

/** A CPU profile of `action` (not a measured run), for `BENCH_CPU_PROFILE=1`; gives the file's path. */
async function profiled(name: string, action: () => Promise<unknown>): Promise<string> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  await action();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const dir = path.join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  return file;
}

/**
 * Read models: a full rebuild of every read model from position 0 over a realistic log (one city,
 * 10 counties, 1,000 schools, ~20 teachers each at BENCH_SCALE=1) beside reading the same log
 * page by page; and the weekly notice of that city in every format (json, csv, xlsx, html) beside a plain scan of
 * its weekly changes. Latency rows give p50 in the figure columns (lower is better there).
 */
export async function readModelBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  const url = await database.fresh();
  const store = await createPostgresEventStore({ connectionString: url });
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    const history = planHistory(scale);
    console.error(
      `read-models: importing ${history.events.toLocaleString('en-US')} events (${history.expected.teachers.toLocaleString('en-US')} teachers, ${history.schools} schools)`,
    );
    const importSeconds = await timed(() => importHistory(store, history));
    console.error(
      `  imported in ${importSeconds.toFixed(1)} s (${Math.round(history.events / importSeconds).toLocaleString('en-US')} events/s)`,
    );
    await pool.query('vacuum analyze tip_events');

    const pageSize = 5000;
    await readAllPages(store, pageSize); // warm: the log in the buffer cache for both sides
    let read = 0;
    const readTimes: number[] = [];
    for (let run = 0; run < 3; run++)
      readTimes.push(await timed(async () => (read = await readAllPages(store, pageSize))));
    if (read !== history.events) throw new Error(`readAll saw ${read} events, ${history.events} were imported`);
    // The median of three: the baseline is short, and one slow pass would flatter the ratio.
    const readRate = read / readTimes.sort((a, b) => a - b)[1];

    projectionTimings.enabled = true;
    let allSeconds = 0;
    for (const readModel of READ_MODELS) {
      const name = readModel.projection.name;
      projectionTimings.phases.clear();
      const seconds = await timed(() => rebuildReadModel(url, store, readModel, { pageSize }));
      allSeconds += seconds;
      console.error(
        `  rebuild ${name}: ${seconds.toFixed(2)} s; wall time by phase (summed over batches):\n${phaseTable(seconds)}`,
      );
      rows.push({
        benchmark: `rebuild ${name} from position 0, ${read.toLocaleString('en-US')} events, pages of ${pageSize}`,
        unit: 'events/s',
        ours: read / seconds,
        baseline: readRate,
        baselineName: `store.readAll, pages of ${pageSize}, same log`,
      });
    }
    projectionTimings.enabled = false;
    rows.push({
      benchmark: `rebuild all ${READ_MODELS.length} read models, one after another`,
      unit: 'events/s',
      ours: read / allSeconds,
      baseline: readRate,
      baselineName: `store.readAll, pages of ${pageSize}, same log`,
    });
    // What `tip rebuild` does: one pass over the log feeding every read model's copy.
    const onePass = await timed(() => rebuildReadModels(url, store, READ_MODELS, { pageSize }));
    rows.push({
      benchmark: `rebuild all ${READ_MODELS.length} read models in one pass, as tip rebuild does (target ≥ 30,000 events/s)`,
      unit: 'events/s',
      ours: read / onePass,
      baseline: readRate,
      baselineName: `store.readAll, pages of ${pageSize}, same log`,
    });
    if (process.env.BENCH_CPU_PROFILE)
      console.error(
        `  CPU profile of one more rebuild of progress: ${await profiled('rebuild-progress', () => rebuildReadModel(url, store, progressReadModel))}`,
      );

    // The weekly notice of the city for the last week of the history.
    const dataSource = readModelDataSource(url, progressReadModel, liveSchemaOf(progressReadModel), { poolSize: 3 });
    await dataSource.initialize();
    try {
      const notices = new WeeklyNoticeQuery(dataSource.manager);
      const week = isoWeekOf(DAY_ZERO + LAST_DAY * DAY_MS + 12 * 3_600_000);
      const notice: WeeklyNotice = await notices.notice(CITY, BATCH, week);
      checkNotice(notice, history);
      const table = `"${liveSchemaOf(progressReadModel)}".unit_weekly_changes`;
      const scan = () =>
        pool.query(
          `select count(*), sum(enrolled), sum(passed), sum(hours_credited), sum(schools_closed) from ${table} where batch_id = $1 and week <= $2`,
          [BATCH, week],
        );
      const { rows: counted } = await pool.query<{ count: string }>(`select count(*) from ${table}`);
      const units = 1 + notice.levels.reduce((sum, level) => sum + level.rows.length, 0);
      // Every format the API serves, each as its own row: the query and the rendering, as a request pays them.
      const cases: [string, () => Promise<unknown>][] = [
        ['json', async () => JSON.stringify(await notices.notice(CITY, BATCH, week))],
        ['csv', async () => renderNoticeCsv(await notices.notice(CITY, BATCH, week))],
        ['xlsx', async () => renderNoticeXlsx(await notices.notice(CITY, BATCH, week))],
        ['html', async () => renderNoticeHtml(await notices.notice(CITY, BATCH, week))],
      ];
      if (process.env.BENCH_CPU_PROFILE)
        console.error(
          `  CPU profile of ten notices in every format: ${await profiled('notices', async () => {
            for (let call = 0; call < 10; call++) for (const [, action] of cases) await action();
          })}`,
        );
      // Round-robin, the baseline in every round: a slow spell of the machine weighs on all sides alike.
      const calls = 100;
      const [baseline, ...measured] = await interleavedLatencies(calls, [scan, ...cases.map(([, action]) => action)]);
      const baselineName = `select count/sums over unit_weekly_changes (${Number(counted[0].count).toLocaleString('en-US')} rows), same rounds`;
      for (const [index, [format]] of cases.entries()) {
        const ours = measured[index];
        rows.push({
          benchmark: `weekly notice as ${format} (query + render): city of ${units - 1} units below, ${week}, ${calls} calls (target p99 < 500 ms)`,
          unit: 'ms p50',
          ours: ours.percentile(50),
          baseline: baseline.percentile(50),
          baselineName,
          p50Ms: ours.percentile(50),
          p95Ms: ours.percentile(95),
          p99Ms: ours.percentile(99),
          baselineP99Ms: baseline.percentile(99),
        });
      }
      const queryOnly = await latencies(20, () => notices.notice(CITY, BATCH, week));
      const [jsonOnly, csvOnly, xlsxOnly, htmlOnly] = await interleavedLatencies(20, [
        async () => JSON.stringify(notice),
        async () => renderNoticeCsv(notice),
        () => renderNoticeXlsx(notice),
        async () => renderNoticeHtml(notice),
      ]);
      const split = (recorder: LatencyRecorder) =>
        `p50 ${recorder.percentile(50).toFixed(1)} / p99 ${recorder.percentile(99).toFixed(1)} ms`;
      console.error(
        `  the query alone ${split(queryOnly)}; rendering alone: json ${split(jsonOnly)}, csv ${split(csvOnly)}, xlsx ${split(xlsxOnly)}, html ${split(htmlOnly)}`,
      );

      // The web app's first view of a dashboard: the unit, its children's bars, its weekly trend and
      // its pilot schools. The browser asks for the four at once; here they run one after another,
      // so the figure is an upper bound of the server's share.
      const now = DAY_ZERO + LAST_DAY * DAY_MS + 12 * 3_600_000;
      const firstView = async (unitId: string) => {
        const progress = new ProgressViews(dataSource.manager);
        const dashboard = new DashboardViews(dataSource.manager);
        await progress.unitProgress(unitId, BATCH, now);
        const { children } = await dashboard.children(unitId, BATCH, now);
        await dashboard.trend(unitId, BATCH, now);
        await dashboard.pilotSchools(unitId, BATCH, now);
        return children.length;
      };
      if ((await firstView(CITY)) === 0) throw new Error('The city dashboard shows no counties');
      const dashboard = await latencies(30, () => firstView(CITY));
      rows.push({
        benchmark: `dashboard's first view (progress, children, trend, pilot schools) of the city, ${units - 1} units below, 30 loads (target < 1,500 ms)`,
        unit: 'ms p50',
        ours: dashboard.percentile(50),
        baseline: baseline.percentile(50),
        baselineName,
        p50Ms: dashboard.percentile(50),
        p95Ms: dashboard.percentile(95),
        p99Ms: dashboard.percentile(99),
        baselineP99Ms: baseline.percentile(99),
      });
    } finally {
      await dataSource.destroy();
    }
  } finally {
    projectionTimings.enabled = false;
    await pool.end();
    await store.close();
  }
}

/** The city's figures must be what the history adds up to: the projector saw every event and got it right. */
function checkNotice(notice: WeeklyNotice, history: History): void {
  const figures = notice.unit.thisWeek;
  const { expected } = history;
  const pairs: [string, number, number][] = [
    ['enrolled', figures.enrolled, expected.enrolled],
    ['confirmed', figures.confirmed, expected.confirmed],
    ['pointsSelected', figures.pointsSelected, expected.pointsSelected],
    ['onlinePassed', figures.onlinePassed, expected.onlinePassed],
    ['assessed', figures.assessed, expected.assessed],
    ['passed', figures.passed, expected.passed],
    ['excellent', figures.excellent, expected.excellent],
    ['certified', figures.certified, expected.certified],
    // Every teacher is full-time and registered: all of them are required, and a pass trains.
    ['required', figures.required, expected.teachers],
    ['trained', figures.trained, expected.passed],
    ['schoolsTotal', figures.schoolsTotal, history.schools],
    ['schoolsClosed', figures.schoolsClosed, expected.schoolsClosed],
  ];
  const wrong = pairs.filter(([, got, want]) => got !== want);
  console.error(
    `  notice ${notice.week} for ${notice.unit.name}: ${pairs.map(([name, got]) => `${name} ${got}`).join(', ')}`,
  );
  if (wrong.length > 0)
    throw new Error(
      `The notice disagrees with the history: ${wrong.map(([name, got, want]) => `${name} ${got}, expected ${want}`).join('; ')}`,
    );
}
