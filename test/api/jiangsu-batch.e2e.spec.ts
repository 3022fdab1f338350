import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, CommandResponse, startApiUnderTest } from './support/api-under-test';

/**
 * One whole Jiangsu 2.0 batch (the life of a batch as Jiangsu's 2020 notice sets it), over HTTP only, for one school
 * of ten teachers. Business time is walked through the batch's calendar by `system` sending each
 * command as its actor at its time (`at` and `actor`, as an import of history would), so every
 * deadline applies without waiting. Each step carries on from the one before, and each `it` runs
 * the steps before its own first, so any `it` alone or in any order tells the same story.
 *
 * Steps follow the brief's numbering; two run out of number order because the calendar and the
 * domain ask for it:
 * - the school plan (6) is refused while teachers are still picking within their week, so it sits
 *   between the in-week picks (5) and the late teacher's pick by the school admin (5, after the week);
 * - certificates (13) are issued and revoked before closure (11): closure freezes the school's
 *   teachers, certificates included (decideIssueCertificate / decideRevokeCertificate refuse
 *   SCHOOL_CLOSED), which the frozen step (12) then shows.
 */

type Body = Record<string, unknown>;

const BATCH = 'JS-2020-1';
const PERIOD = '1';
const SCHOOL = 'S-XW-01';
const FULL_TIME_TEACHERS = 12;

const importer: Actor = { sub: 'importer', role: 'system' };
const coursePlatform: Actor = { sub: 'course-platform', role: 'system' };
const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };
const cityAdmin: Actor = { sub: 'c-admin', role: 'city-admin', unitId: '320100' };
const countyAdmin: Actor = { sub: 'x-admin', role: 'county-admin', unitId: '320102' };
const schoolAdmin: Actor = { sub: 's-admin', role: 'school-admin', unitId: SCHOOL };

type Subject = '语文' | '数学' | '英语';
const groups: Record<Subject, { groupId: string; leader: Actor }> = {
  语文: { groupId: 'G-YW', leader: { sub: 'gl-yw', role: 'group-leader', unitId: SCHOOL } },
  数学: { groupId: 'G-SX', leader: { sub: 'gl-sx', role: 'group-leader', unitId: SCHOOL } },
  英语: { groupId: 'G-YY', leader: { sub: 'gl-yy', role: 'group-leader', unitId: SCHOOL } },
};

interface TeacherPlan {
  teacherId: string;
  name: string;
  gender: 'male' | 'female';
  birthDate: string;
  subject: Subject;
  fullTime: boolean;
  /** Chosen ability points (jiangsu-2.0: catalogue A1–A13, B1–B10, C1–C7; at least one). */
  points: string[];
  grade: 'fail' | 'pass' | 'excellent';
}

// T-01…T-10 are enrolled and trained; T-11 is the one enrollment too many.
const plans: TeacherPlan[] = [
  {
    teacherId: 'T-01',
    name: '王芳',
    gender: 'female',
    birthDate: '1985-03-12',
    subject: '语文',
    fullTime: true,
    points: ['A1', 'B2'],
    grade: 'excellent',
  },
  {
    teacherId: 'T-02',
    name: '李娜',
    gender: 'female',
    birthDate: '1988-07-21',
    subject: '语文',
    fullTime: true,
    points: ['A3'],
    grade: 'excellent',
  },
  {
    teacherId: 'T-03',
    name: '张伟',
    gender: 'male',
    birthDate: '1979-11-02',
    subject: '语文',
    fullTime: true,
    points: ['A3', 'C1'],
    grade: 'pass',
  },
  {
    teacherId: 'T-04',
    name: '刘洋',
    gender: 'male',
    birthDate: '1990-01-15',
    subject: '语文',
    fullTime: true,
    points: ['A5'],
    grade: 'pass',
  },
  {
    teacherId: 'T-05',
    name: '陈静',
    gender: 'female',
    birthDate: '1983-05-30',
    subject: '数学',
    fullTime: true,
    points: ['A6'],
    grade: 'excellent',
  },
  {
    teacherId: 'T-06',
    name: '杨磊',
    gender: 'male',
    birthDate: '1987-09-09',
    subject: '数学',
    fullTime: true,
    points: ['B1'],
    grade: 'pass',
  },
  {
    teacherId: 'T-07',
    name: '赵敏',
    gender: 'female',
    birthDate: '1992-12-01',
    subject: '数学',
    fullTime: true,
    points: ['A1'],
    grade: 'fail',
  },
  {
    teacherId: 'T-08',
    name: '黄丽',
    gender: 'female',
    birthDate: '1986-04-18',
    subject: '英语',
    fullTime: true,
    points: ['B4'],
    grade: 'excellent',
  },
  {
    teacherId: 'T-09',
    name: '周强',
    gender: 'male',
    birthDate: '1981-08-25',
    subject: '英语',
    fullTime: true,
    points: ['A2'],
    grade: 'pass',
  },
  {
    teacherId: 'T-10',
    name: '吴婷',
    gender: 'female',
    birthDate: '1994-02-14',
    subject: '英语',
    fullTime: false,
    points: ['C2'],
    grade: 'pass',
  },
  {
    teacherId: 'T-11',
    name: '孙杰',
    gender: 'male',
    birthDate: '1989-06-06',
    subject: '数学',
    fullTime: false,
    points: [],
    grade: 'pass',
  },
];
const trainees = plans.slice(0, 10);
const plan = (teacherId: string): TeacherPlan => {
  const found = plans.find((each) => each.teacherId === teacherId);
  if (!found) throw new Error(`No teacher ${teacherId} in the plan`);
  return found;
};
const asTeacher = (teacherId: string): Actor => ({ sub: teacherId, role: 'teacher', unitId: SCHOOL });
const leaderOf = (teacherId: string): Actor => groups[plan(teacherId).subject].leader;
const evidenceRef = (teacherId: string, point: string, version = 1) => `evidence/${teacherId}/${point}-v${version}.zip`;

/** 320102 (玄武区) + date of birth + a sequence number (odd for men, even for women) + check character. */
function idNumberOf(teacher: TeacherPlan, index: number): string {
  const sequence = String(100 + index * 2 + (teacher.gender === 'male' ? 1 : 0)).padStart(3, '0');
  const first17 = `320102${teacher.birthDate.replace(/-/g, '')}${sequence}`;
  return `${first17}${idNumberCheckCharacter(first17)}`;
}

/** China Standard Time, as the batch's calendar is written. */
const cst = (local: string) => `${local}+08:00`;
const utc = (local: string) => new Date(cst(local)).toISOString();

// The batch calendar (China local time).
const ENROLLED_AT = '2020-11-02T09:00:00';
/** One week after enrollment: the teachers' last moment to pick ability points. */
const POINT_DEADLINE = '2020-11-09T09:00:00';
/** The online window ends with period 1 (2020-11-30), before the month from enrollment does. */
const STUDY_WINDOW = { from: utc(ENROLLED_AT), until: utc('2020-12-01T00:00:00') };

describe('A whole Jiangsu 2.0 batch over HTTP', () => {
  let api: ApiUnderTest;
  const certificates = new Map<string, string>();

  /** `actor` sends `name` at business time `when`: through system (at + actor), as an import of history does. */
  const act = (actor: Actor, when: string, name: string, body: Body): Promise<CommandResponse> =>
    actor.role === 'system'
      ? api.send(actor, name, { ...body, at: cst(when) })
      : api.send(importer, name, { ...body, at: cst(when), actor });

  /** 200, no error, and exactly these event types in this order; gives the events back. */
  function expectEvents(response: CommandResponse, types: string[]): Body[] {
    const events = response.body.events ?? [];
    expect({ status: response.status, error: response.body.error, types: events.map((event) => event.type) }).toEqual({
      status: 200,
      error: undefined,
      types,
    });
    return events;
  }

  /** 422 with this contract code (and these details, where given). */
  function expectRefused(response: CommandResponse, code: string, details?: Body): void {
    const { status, body } = response;
    // The message is there to read when the code is not the one expected.
    expect({ status, code: body.error?.code, message: body.error?.message, events: body.events }).toEqual({
      status: 422,
      code,
      message: expect.any(String),
      events: undefined,
    });
    if (details) expect(response.body.error?.details).toMatchObject(details);
  }

  const closedHere = { schoolId: SCHOOL, batchId: BATCH };

  /** The public check of a certificate code (no token). */
  async function verify(code: string): Promise<Body> {
    const response = await fetch(`${api.tip.url}/certificates/${code}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Body;
  }

  beforeAll(async () => {
    api = await startApiUnderTest();
  });
  afterAll(async () => api?.stop());

  /**
   * The batch is one story told in steps. Each step runs once, after every step before it, for
   * whichever test asks first: a test run alone, or in another order, tells the same story.
   */
  const steps: (() => Promise<void>)[] = [];
  const ran: Promise<void>[] = [];
  const runThrough = (index: number): Promise<void> =>
    (ran[index] ??= (index === 0 ? Promise.resolve() : runThrough(index - 1)).then(() => steps[index]()));
  function step(title: string, body: () => Promise<void>): void {
    const index = steps.push(body) - 1;
    // A step asked for first runs the story up to it.
    it(title, () => runThrough(index), 180_000);
  }

  step(
    '1. registers 江苏省, 南京市, 玄武区, a school of 12 full-time teachers, and eleven of its teachers',
    async () => {
      const when = '2020-10-08T09:00:00';
      // A province only system registers; below it, the admin of the parent.
      expectEvents(
        await act(importer, when, 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' }),
        ['OrgUnitRegistered'],
      );
      expectEvents(
        await act(provinceAdmin, when, 'RegisterOrgUnit', {
          unitId: '320100',
          kind: 'city',
          name: '南京市',
          parentId: '320000',
        }),
        ['OrgUnitRegistered'],
      );
      expectEvents(
        await act(cityAdmin, when, 'RegisterOrgUnit', {
          unitId: '320102',
          kind: 'county',
          name: '玄武区',
          parentId: '320100',
        }),
        ['OrgUnitRegistered'],
      );
      const school = expectEvents(
        await act(countyAdmin, when, 'RegisterOrgUnit', {
          unitId: SCHOOL,
          kind: 'school',
          name: '南京市玄武区实验小学',
          parentId: '320102',
          fullTimeTeachers: FULL_TIME_TEACHERS,
        }),
        ['OrgUnitRegistered'],
      );
      expect(school[0]).toMatchObject({ unitId: SCHOOL, kind: 'school', fullTimeTeachers: FULL_TIME_TEACHERS });

      for (const [index, teacher] of plans.entries()) {
        const idNumber = idNumberOf(teacher, index);
        const registered = await act(schoolAdmin, when, 'RegisterTeacher', {
          teacherId: teacher.teacherId,
          schoolId: SCHOOL,
          name: teacher.name,
          idNumber,
          gender: teacher.gender,
          stage: '小学',
          subject: teacher.subject,
          fullTime: teacher.fullTime,
          birthDate: teacher.birthDate,
        });
        const [event] = expectEvents(registered, ['TeacherRegistered']);
        expect(event).toMatchObject({
          teacherId: teacher.teacherId,
          schoolId: SCHOOL,
          subject: teacher.subject,
          idNumberMasked: `320102********${idNumber.slice(-4)}`,
        });
        expect(JSON.stringify(registered.body)).not.toContain(idNumber);
      }
      expect(new Set(trainees.map((teacher) => teacher.subject)).size).toBe(3);
    },
  );

  step(
    '2. launches the programme on the jiangsu-2.0 rulebook and schedules batch 1 with three periods in the online window',
    async () => {
      const launched = await act(provinceAdmin, '2020-10-10T09:00:00', 'LaunchProgramme', {
        programmeId: 'JS-2.0',
        name: '江苏省中小学教师信息技术应用能力提升工程2.0',
        provinceId: '320000',
        rulebook: 'jiangsu-2.0',
      });
      const [programme] = expectEvents(launched, ['ProgrammeLaunched']);
      expect(programme).toMatchObject({
        programmeId: 'JS-2.0',
        provinceId: '320000',
        rulebook: { id: 'jiangsu-2.0', version: '2.0' },
      });

      const scheduled = await act(provinceAdmin, '2020-10-10T10:00:00', 'ScheduleBatch', {
        programmeId: 'JS-2.0',
        batchId: BATCH,
        name: '第一批',
        startsOn: '2020-11-01',
        endsOn: '2021-10-31',
        sharePercent: 20,
        periods: [
          { periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
          { periodId: '2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
          { periodId: '3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
        ],
      });
      // BatchScheduled goes to the batch's stream and, as a copy the answer leaves out, to the programme's.
      const events = expectEvents(scheduled, ['BatchScheduled']);
      expect(scheduled.body).toMatchObject({ streamId: `batch-${BATCH}`, version: 1 });
      expect(events[0]).toMatchObject({ batchId: BATCH, sharePercent: 20, rulebook: { id: 'jiangsu-2.0' } });
    },
  );

  step('3. cascades period 1 quota province → city → county → school; nobody hands on more than it holds', async () => {
    const when = '2020-10-20T09:00:00';
    const allocation = (fromUnitId: string, toUnitId: string, seats: number) => ({
      batchId: BATCH,
      periodId: PERIOD,
      fromUnitId,
      toUnitId,
      seats,
    });
    expectEvents(await act(provinceAdmin, when, 'AllocateQuota', allocation('320000', '320100', 100)), [
      'QuotaAllocated',
      'QuotaReceived',
    ]);
    expectEvents(await act(cityAdmin, when, 'AllocateQuota', allocation('320100', '320102', 30)), [
      'QuotaAllocated',
      'QuotaReceived',
    ]);
    expectRefused(await act(countyAdmin, when, 'AllocateQuota', allocation('320102', SCHOOL, 31)), 'QUOTA_EXCEEDED', {
      left: 30,
      requested: 31,
    });
    // Ten seats for the school's ten trainees this period: an eleventh enrollment must find none.
    const [handedOn, received] = expectEvents(
      await act(countyAdmin, when, 'AllocateQuota', allocation('320102', SCHOOL, 10)),
      ['QuotaAllocated', 'QuotaReceived'],
    );
    expect(handedOn).toMatchObject({ fromUnitId: '320102', toUnitId: SCHOOL, seats: 10 });
    expect(received).toMatchObject({ fromUnitId: '320102', toUnitId: SCHOOL, seats: 10 });
  });

  step(
    '4. enrolls ten teachers into period 1 (the eleventh finds no seat left), and each confirms as themselves',
    async () => {
      for (const teacher of trainees) {
        const enrolled = await act(schoolAdmin, ENROLLED_AT, 'EnrollTeacher', {
          batchId: BATCH,
          periodId: PERIOD,
          teacherId: teacher.teacherId,
        });
        const [enrollment, seat] = expectEvents(enrolled, ['TeacherEnrolled', 'SeatTaken', 'TeacherJoinedBatch']);
        expect(enrollment).toMatchObject({
          teacherId: teacher.teacherId,
          schoolId: SCHOOL,
          periodId: PERIOD,
          fullTime: teacher.fullTime,
          enrolledAt: utc(ENROLLED_AT),
        });
        expect(seat).toMatchObject({ teacherId: teacher.teacherId, schoolId: SCHOOL });
        expect(enrolled.body.streamId).toBe(`enrollment-${BATCH}:${teacher.teacherId}`);
      }
      const overEnrolled = await act(schoolAdmin, ENROLLED_AT, 'EnrollTeacher', {
        batchId: BATCH,
        periodId: PERIOD,
        teacherId: 'T-11',
      });
      expectRefused(overEnrolled, 'NO_SEAT_LEFT', { schoolId: SCHOOL, left: 0 });

      // A teacher confirms only their own enrollment (here with their own token).
      const forColleague = await api.send(asTeacher('T-01'), 'ConfirmEnrollment', {
        batchId: BATCH,
        teacherId: 'T-02',
      });
      expect(forColleague).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      for (const teacher of trainees) {
        const confirmed = await act(asTeacher(teacher.teacherId), '2020-11-02T20:00:00', 'ConfirmEnrollment', {
          batchId: BATCH,
          teacherId: teacher.teacherId,
        });
        const [event] = expectEvents(confirmed, ['EnrollmentConfirmed']);
        expect(event).toMatchObject({ teacherId: teacher.teacherId, confirmedAt: utc('2020-11-02T20:00:00') });
      }
    },
  );

  step(
    '5. eight teachers pick their ability points within the week; the school admin may not pick before the deadline',
    async () => {
      const select = (actor: Actor, when: string, teacherId: string, points: string[]) =>
        act(actor, when, 'SelectAbilityPoints', { batchId: BATCH, teacherId, points });

      expectRefused(await select(asTeacher('T-01'), '2020-11-04T19:00:00', 'T-01', ['A1', 'A14']), 'BAD_POINT_CHOICE', {
        problems: [{ problem: 'unknown-points', points: ['A14'] }],
      });
      for (const teacher of trainees.slice(0, 8)) {
        const [event] = expectEvents(
          await select(asTeacher(teacher.teacherId), '2020-11-04T19:30:00', teacher.teacherId, teacher.points),
          ['AbilityPointsSelected'],
        );
        expect(event).toMatchObject({
          teacherId: teacher.teacherId,
          points: teacher.points,
          selectedBy: { sub: teacher.teacherId, role: 'teacher' },
        });
      }
      // The same choice again changes nothing.
      expectEvents(await select(asTeacher('T-01'), '2020-11-05T08:00:00', 'T-01', ['B2', 'A1']), []);
      // 默认由校级管理员代为选择 — only once the teacher's week is over.
      expectRefused(await select(schoolAdmin, '2020-11-05T10:00:00', 'T-10', ['C2']), 'DEADLINE_NOT_PASSED', {
        deadline: utc(POINT_DEADLINE),
        at: utc('2020-11-05T10:00:00'),
      });
    },
  );

  step('6. refuses the school plan while fewer than 90% have picked (8 of 10), and takes it at 9 of 10', async () => {
    const upload = (when: string) =>
      act(schoolAdmin, when, 'UploadSchoolPlan', {
        batchId: BATCH,
        schoolId: SCHOOL,
        documentRef: 'plans/S-XW-01/规划书.pdf',
      });
    expectRefused(await upload('2020-11-06T09:00:00'), 'PLAN_THRESHOLD_NOT_MET', {
      chosen: 8,
      enrolled: 10,
      requiredPercent: 90,
    });

    // T-09 picks on the last evening of the week.
    expectEvents(
      await act(asTeacher('T-09'), '2020-11-08T21:00:00', 'SelectAbilityPoints', {
        batchId: BATCH,
        teacherId: 'T-09',
        points: plan('T-09').points,
      }),
      ['AbilityPointsSelected'],
    );
    const uploaded = await upload('2020-11-08T22:00:00');
    const [event] = expectEvents(uploaded, ['SchoolPlanUploaded']);
    expect(event).toEqual({
      type: 'SchoolPlanUploaded',
      batchId: BATCH,
      schoolId: SCHOOL,
      documentRef: 'plans/S-XW-01/规划书.pdf',
    });
    expect(uploaded.body.streamId).toBe(`school-closure-${BATCH}:${SCHOOL}`);
  });

  step(
    '5 (after the week). the late teacher is refused (DEADLINE_PASSED) and the school admin picks for them',
    async () => {
      const late = await act(asTeacher('T-10'), '2020-11-09T10:00:00', 'SelectAbilityPoints', {
        batchId: BATCH,
        teacherId: 'T-10',
        points: ['C2'],
      });
      expectRefused(late, 'DEADLINE_PASSED', { deadline: utc(POINT_DEADLINE), at: utc('2020-11-09T10:00:00') });

      const picked = await act(schoolAdmin, '2020-11-09T11:00:00', 'SelectAbilityPoints', {
        batchId: BATCH,
        teacherId: 'T-10',
        points: plan('T-10').points,
      });
      const [event] = expectEvents(picked, ['AbilityPointsSelected']);
      expect(event).toMatchObject({
        teacherId: 'T-10',
        points: ['C2'],
        selectedBy: { sub: schoolAdmin.sub, role: 'school-admin' },
      });
    },
  );

  step(
    '7. credits online hours from the course platform inside the study window: a repeated record adds nothing, a late one is refused',
    async () => {
      const record = (teacherId: string, recordId: string, hours: number, when: string) =>
        act(coursePlatform, when, 'RecordOnlineHours', {
          batchId: BATCH,
          teacherId,
          recordId,
          courseId: 'JS-2.0-ONLINE-01',
          hours,
        });

      for (const teacher of trainees) {
        const [event] = expectEvents(
          await record(teacher.teacherId, `R-${teacher.teacherId}-1`, 15, '2020-11-12T20:00:00'),
          ['OnlineHoursRecorded'],
        );
        expect(event).toMatchObject({
          teacherId: teacher.teacherId,
          recordId: `R-${teacher.teacherId}-1`,
          category: 'online',
          hours: 15,
        });
      }
      // T-10's second record is still on its way (step 8).
      for (const teacher of trainees.slice(0, 9)) {
        expectEvents(await record(teacher.teacherId, `R-${teacher.teacherId}-2`, 12, '2020-11-25T20:00:00'), [
          'OnlineHoursRecorded',
        ]);
      }

      // The platform sends a record twice: the second arrival changes nothing.
      const first = await record('T-01', 'R-T-01-3', 2, '2020-11-27T20:00:00');
      expectEvents(first, ['OnlineHoursRecorded']);
      const again = await record('T-01', 'R-T-01-3', 2, '2020-11-27T20:00:00');
      expect(again).toMatchObject({
        status: 200,
        body: { streamId: first.body.streamId, version: first.body.version, position: 0, events: [] },
      });

      // Study after period 1 closed does not count.
      expectRefused(await record('T-02', 'R-T-02-3', 3, '2020-12-01T08:00:00'), 'OUTSIDE_STUDY_WINDOW', {
        recordId: 'R-T-02-3',
        at: utc('2020-12-01T08:00:00'),
        window: STUDY_WINDOW,
      });
    },
  );

  step(
    "8. takes practice evidence once online study has passed, peer reviews, a return and resubmission, and the group leaders' grades",
    async () => {
      const submit = (teacherId: string, point: string, when: string, version = 1) =>
        act(asTeacher(teacherId), when, 'SubmitPracticeEvidence', {
          batchId: BATCH,
          teacherId,
          abilityPoint: point,
          evidenceRef: evidenceRef(teacherId, point, version),
        });

      // 在线学习合格后方可参加线下实践应用考核: T-10 has 15 of 25 hours so far.
      expectRefused(await submit('T-10', 'C2', '2020-11-26T19:00:00'), 'ONLINE_NOT_PASSED', {
        required: 25,
        credited: 15,
      });
      expectEvents(
        await act(coursePlatform, '2020-11-27T21:00:00', 'RecordOnlineHours', {
          batchId: BATCH,
          teacherId: 'T-10',
          recordId: 'R-T-10-2',
          courseId: 'JS-2.0-ONLINE-01',
          hours: 12,
        }),
        ['OnlineHoursRecorded'],
      );

      for (const teacher of trainees) {
        for (const point of teacher.points) {
          const [event] = expectEvents(await submit(teacher.teacherId, point, '2021-03-01T16:00:00'), [
            'PracticeEvidenceSubmitted',
          ]);
          expect(event).toMatchObject({
            teacherId: teacher.teacherId,
            abilityPoint: point,
            evidenceRef: evidenceRef(teacher.teacherId, point),
          });
        }
      }
      // Everyone but T-06 watches and comments on a peer's video.
      for (const [index, teacher] of trainees.entries()) {
        if (teacher.teacherId === 'T-06') continue;
        const reviewed = await act(asTeacher(teacher.teacherId), '2021-03-08T20:00:00', 'RecordPeerReview', {
          batchId: BATCH,
          teacherId: teacher.teacherId,
          videoId: `PV-${trainees[(index + 1) % trainees.length].teacherId}`,
          comment: '课堂中多媒体资源运用得当，学生参与度高。',
        });
        expectEvents(reviewed, ['PeerReviewRecorded']);
      }

      // The 语文 group leader sends T-02's evidence back; it cannot be graded until it comes again.
      const [returned] = expectEvents(
        await act(leaderOf('T-02'), '2021-03-10T15:00:00', 'ReturnEvidence', {
          batchId: BATCH,
          teacherId: 'T-02',
          abilityPoint: 'A3',
          reason: '视频中看不到学生活动，请补充。',
        }),
        ['EvidenceReturned'],
      );
      expect(returned).toMatchObject({
        teacherId: 'T-02',
        abilityPoint: 'A3',
        evidenceRefs: [evidenceRef('T-02', 'A3')],
        returnedBy: { sub: 'gl-yw', role: 'group-leader' },
      });
      expectRefused(
        await act(leaderOf('T-02'), '2021-03-11T15:00:00', 'AssessPractice', {
          batchId: BATCH,
          teacherId: 'T-02',
          grade: 'excellent',
        }),
        'EVIDENCE_MISSING',
        {
          reason: 'returned',
        },
      );
      expectEvents(await submit('T-02', 'A3', '2021-03-15T16:00:00', 2), ['PracticeEvidenceSubmitted']);

      // Grades: four excellent (every subject), five pass, one fail — 9 of 10 pass, exactly 90%.
      const assess = (teacherId: string, grade: string, abilityPoint?: string) =>
        act(leaderOf(teacherId), '2021-04-01T10:00:00', 'AssessPractice', {
          batchId: BATCH,
          teacherId,
          grade,
          ...(abilityPoint ? { abilityPoint } : {}),
        });

      // Both of T-01's points in one go: one PracticeAssessed per point.
      const both = expectEvents(await assess('T-01', 'excellent'), ['PracticeAssessed', 'PracticeAssessed']);
      expect(both.map((event) => [event.abilityPoint, event.pointGrade, event.overallGrade])).toEqual([
        ['A1', 'excellent', null],
        ['B2', 'excellent', 'excellent'],
      ]);
      // T-03 point by point: no overall grade until both are graded.
      const [first] = expectEvents(await assess('T-03', 'pass', 'A3'), ['PracticeAssessed']);
      expect(first).toMatchObject({
        abilityPoint: 'A3',
        evidenceRefs: [evidenceRef('T-03', 'A3')],
        pointGrade: 'pass',
        overallGrade: null,
      });
      const [second] = expectEvents(await assess('T-03', 'pass', 'C1'), ['PracticeAssessed']);
      expect(second).toMatchObject({
        abilityPoint: 'C1',
        overallGrade: 'pass',
        assessedBy: { sub: 'gl-yw', role: 'group-leader' },
      });

      for (const teacher of trainees.filter((each) => each.teacherId !== 'T-01' && each.teacherId !== 'T-03')) {
        const [event] = expectEvents(await assess(teacher.teacherId, teacher.grade), ['PracticeAssessed']);
        // Only evidence awaiting assessment is graded: for T-02, the resubmission alone.
        const graded = teacher.points.map((point) =>
          evidenceRef(teacher.teacherId, point, teacher.teacherId === 'T-02' ? 2 : 1),
        );
        expect(event).toMatchObject({
          teacherId: teacher.teacherId,
          evidenceRefs: graded,
          grade: teacher.grade,
          overallGrade: teacher.grade,
        });
      }
      const grades = trainees.map((teacher) => teacher.grade);
      expect(grades.filter((grade) => grade === 'fail')).toHaveLength(1);
      expect(
        [
          ...new Set(trainees.filter((teacher) => teacher.grade === 'excellent').map((teacher) => teacher.subject)),
        ].sort(),
      ).toEqual(['数学', '英语', '语文']);
    },
  );

  step('9. records offline hours only for teachers who both submitted evidence and reviewed their peers', async () => {
    const record = (teacherId: string, when: string) =>
      act(schoolAdmin, when, 'RecordOfflineHours', { batchId: BATCH, teacherId, hours: 25 });

    // The whole school finished with the last grade on 2021-04-01: hours are due within a week.
    expectRefused(await record('T-06', '2021-04-03T09:00:00'), 'PEER_REVIEW_MISSING', { missing: ['peer-review'] });
    expectEvents(
      await act(asTeacher('T-06'), '2021-04-03T12:00:00', 'RecordPeerReview', {
        batchId: BATCH,
        teacherId: 'T-06',
        videoId: 'PV-T-07',
        comment: '板书与课件结合自然。',
      }),
      ['PeerReviewRecorded'],
    );
    expectRefused(await record('T-01', '2021-04-09T09:00:00'), 'DEADLINE_PASSED', {
      schoolFinishedAt: '2021-04-01T02:00:00.000Z',
    });
    for (const teacher of trainees) {
      const [event] = expectEvents(await record(teacher.teacherId, '2021-04-07T15:00:00'), ['OfflineHoursRecorded']);
      expect(event).toMatchObject({
        teacherId: teacher.teacherId,
        category: 'offline',
        hours: 25,
        recordedBy: { sub: schoolAdmin.sub, role: 'school-admin' },
      });
    }
  });

  step(
    "10. takes each group's session video and excellent teachers' videos: ≥30% of 12 full-time teachers, every subject",
    async () => {
      for (const group of Object.values(groups)) {
        const submitted = await act(group.leader, '2021-05-20T10:00:00', 'SubmitGroupVideo', {
          batchId: BATCH,
          schoolId: SCHOOL,
          groupId: group.groupId,
          videoRef: `videos/${group.groupId}/研讨课.mp4`,
        });
        const [event] = expectEvents(submitted, ['GroupVideoSubmitted']);
        expect(event).toMatchObject({ groupId: group.groupId, schoolId: SCHOOL });
      }

      const upload = (teacherId: string) =>
        act(schoolAdmin, '2021-05-21T10:00:00', 'UploadExcellentVideo', {
          batchId: BATCH,
          schoolId: SCHOOL,
          teacherId,
          subject: plan(teacherId).subject,
          videoRef: `videos/excellent/${teacherId}.mp4`,
        });
      expectRefused(await upload('T-03'), 'NOT_EXCELLENT', { teacherId: 'T-03', grade: 'pass' });
      for (const teacherId of ['T-01', 'T-02', 'T-05']) {
        const [event] = expectEvents(await upload(teacherId), ['ExcellentVideoUploaded']);
        expect(event).toMatchObject({ teacherId, subject: plan(teacherId).subject });
      }

      // Applying now is too early: ⌈30% × 12⌉ = 4 videos are needed, and none covers 英语 yet.
      const early = await act(schoolAdmin, '2021-05-21T11:00:00', 'ApplyForClosure', {
        batchId: BATCH,
        schoolId: SCHOOL,
      });
      expectRefused(early, 'EXCELLENT_VIDEOS_SHORT', {
        required: 4,
        uploaded: 3,
        short: 1,
        missingSubjects: ['英语'],
        fullTimeTeachers: FULL_TIME_TEACHERS,
        requiredPercent: 30,
      });
      expectEvents(await upload('T-08'), ['ExcellentVideoUploaded']);
    },
  );

  step(
    '13 (ahead of closure, which freezes certificates). certifies teachers who met every requirement, not the failed one; the province revokes one',
    async () => {
      const issue = (teacherId: string, when = '2021-06-01T09:00:00') =>
        act(schoolAdmin, when, 'IssueCertificate', { batchId: BATCH, teacherId });

      // Retries racing under one Idempotency-Key get one certificate and one answer.
      const first = trainees.filter((each) => each.grade !== 'fail')[0];
      const raced = await Promise.all(
        Array.from({ length: 4 }, () =>
          api.send(
            importer,
            'IssueCertificate',
            { batchId: BATCH, teacherId: first.teacherId, at: cst('2021-06-01T08:00:00'), actor: schoolAdmin },
            { 'idempotency-key': `issue-${first.teacherId}` },
          ),
        ),
      );
      expect(raced.map((response) => response.status)).toEqual([200, 200, 200, 200]);
      expect(new Set(raced.map((response) => JSON.stringify(response.body))).size).toBe(1);
      expect(raced[0].body.events?.map((event) => event.type)).toEqual(['CertificateIssued']);
      const racedCode = (raced[0].body.events?.[0] as { certificateCode: string }).certificateCode;
      certificates.set(first.teacherId, racedCode);
      expect(((await issue(first.teacherId)).body.events ?? []).length).toBe(0);
      expect(
        (await (await fetch(`${api.tip.url}/certificates/${racedCode}`)).json()) as { status: string },
      ).toMatchObject({ status: 'valid' });

      for (const teacher of trainees.filter((each) => each.grade !== 'fail' && each !== first)) {
        const issued = await issue(teacher.teacherId);
        // The code's own stream gets a copy too; the answer lists the event once.
        const [event] = expectEvents(issued, ['CertificateIssued']);
        const onlineHours = teacher.teacherId === 'T-01' ? 29 : 27;
        expect(event).toMatchObject({
          teacherId: teacher.teacherId,
          schoolId: SCHOOL,
          periodId: PERIOD,
          hours: { online: onlineHours, offline: 25 },
          totalHours: onlineHours + 25,
          grade: teacher.grade,
          certificateCode: expect.stringMatching(/^TIP-[A-Z2-9]{12}$/),
        });
        certificates.set(teacher.teacherId, event.certificateCode as string);
      }
      expect(new Set(certificates.values()).size).toBe(9);

      // 达到合格以上成绩: T-07 has every hour but failed the practice.
      expectRefused(await issue('T-07'), 'REQUIREMENTS_NOT_MET', {
        missing: [{ requirement: 'grade', required: ['pass', 'excellent'], grade: 'fail' }],
      });

      const code = certificates.get('T-04') ?? '';
      const bySchool = await api.send(schoolAdmin, 'RevokeCertificate', {
        certificateCode: code,
        reason: '学时记录有误',
      });
      expect(bySchool).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      const revoked = await act(provinceAdmin, '2021-06-05T09:00:00', 'RevokeCertificate', {
        certificateCode: code,
        reason: '学时记录有误，待核查',
      });
      const [revocation] = expectEvents(revoked, ['CertificateRevoked']);
      expect(revocation).toMatchObject({ certificateCode: code, teacherId: 'T-04', batchId: BATCH });
      expect(revoked.body.streamId).toBe(`certificate-${code}`);
      expectEvents(
        await act(provinceAdmin, '2021-06-05T09:05:00', 'RevokeCertificate', {
          certificateCode: code,
          reason: '学时记录有误，待核查',
        }),
        [],
      );
      // An unknown code places nobody: an admin is told no (403), only system hears NOT_FOUND.
      expect(
        (
          await act(provinceAdmin, '2021-06-05T09:10:00', 'RevokeCertificate', {
            certificateCode: 'TIP-NOSUCHCODE2',
            reason: 'x',
          })
        ).status,
      ).toBe(403);
      expectRefused(
        await act(importer, '2021-06-05T09:10:00', 'RevokeCertificate', {
          certificateCode: 'TIP-NOSUCHCODE2',
          reason: 'x',
        }),
        'NOT_FOUND',
      );

      // Anyone holding a code can check it, without a token.
      expect(await verify(certificates.get('T-01') ?? '')).toMatchObject({
        status: 'valid',
        holder: '王*',
        batchId: BATCH,
        totalHours: 54,
        grade: 'excellent',
      });
      expect(await verify(code)).toMatchObject({
        status: 'revoked',
        revokedAt: utc('2021-06-05T09:00:00'),
        holder: '刘*',
      });

      // After a revocation the school may certify the teacher again, under a new code.
      const [reissued] = expectEvents(await issue('T-04', '2021-06-08T09:00:00'), ['CertificateIssued']);
      expect(reissued.certificateCode).not.toBe(code);
      certificates.set('T-04', reissued.certificateCode as string);
      expect(await verify(reissued.certificateCode as string)).toMatchObject({
        status: 'valid',
        totalHours: 52,
        grade: 'pass',
      });
    },
  );

  step(
    '11. closes the school: the county approves only an application, and the school closes only once approved',
    async () => {
      const target = { batchId: BATCH, schoolId: SCHOOL };
      expectRefused(await act(countyAdmin, '2021-06-10T09:00:00', 'ApproveClosure', target), 'NOT_APPLIED', {
        schoolId: SCHOOL,
        status: 'plan-uploaded',
      });

      const [applied] = expectEvents(await act(schoolAdmin, '2021-06-10T10:00:00', 'ApplyForClosure', target), [
        'ClosureApplied',
      ]);
      expect(applied).toEqual({
        type: 'ClosureApplied',
        batchId: BATCH,
        schoolId: SCHOOL,
        rulebookId: 'jiangsu-2.0',
        // 参考教师: every active enrolled teacher, all ten graded (整校推进).
        candidates: 10,
        assessed: 10,
        passed: 9,
        closureThresholdPercent: 90,
        fullTimeTeachers: FULL_TIME_TEACHERS,
        subjectsTaught: ['数学', '英语', '语文'],
        excellentVideos: 4,
        excellentVideosRequired: 4,
        excellentSubjects: ['数学', '英语', '语文'],
      });

      const signed = { ...target, signedDocumentRef: 'closure/S-XW-01/结项验收表-盖章.pdf' };
      expectRefused(await act(schoolAdmin, '2021-06-11T09:00:00', 'CloseSchool', signed), 'NOT_APPROVED', {
        schoolId: SCHOOL,
        status: 'applied',
      });
      // Another county's admin has no say over this school.
      const otherCounty = await act(
        { sub: 'y-admin', role: 'county-admin', unitId: '320104' },
        '2021-06-12T09:00:00',
        'ApproveClosure',
        target,
      );
      expect(otherCounty).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expectEvents(await act(countyAdmin, '2021-06-15T09:00:00', 'ApproveClosure', target), ['ClosureApproved']);
      const [closed] = expectEvents(await act(schoolAdmin, '2021-06-20T09:00:00', 'CloseSchool', signed), [
        'SchoolClosed',
      ]);
      expect(closed).toEqual({ type: 'SchoolClosed', ...signed, closedAt: '2021-06-20T01:00:00.000Z' });
    },
  );

  step(
    '12. after closure the school and its teachers can do nothing more: every command gets SCHOOL_CLOSED',
    async () => {
      const when = '2021-07-01T09:00:00';
      // A record made inside the study window but fed in late: the freeze refuses it first.
      const online = await act(coursePlatform, '2020-11-20T20:00:00', 'RecordOnlineHours', {
        batchId: BATCH,
        teacherId: 'T-04',
        recordId: 'R-T-04-9',
        courseId: 'JS-2.0-ONLINE-01',
        hours: 1,
      });
      expectRefused(online, 'SCHOOL_CLOSED', closedHere);
      expectRefused(
        await act(leaderOf('T-09'), when, 'AssessPractice', { batchId: BATCH, teacherId: 'T-09', grade: 'excellent' }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      expectRefused(
        await act(schoolAdmin, when, 'WithdrawTeacher', { batchId: BATCH, teacherId: 'T-10', reason: '调离本校' }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      expectRefused(
        await act(schoolAdmin, when, 'UploadSchoolPlan', {
          batchId: BATCH,
          schoolId: SCHOOL,
          documentRef: 'plans/S-XW-01/规划书-修订.pdf',
        }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      // Certificates are frozen too, which is why step 13 ran before closure.
      expectRefused(
        await act(schoolAdmin, when, 'IssueCertificate', { batchId: BATCH, teacherId: 'T-04' }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      expectRefused(
        await act(provinceAdmin, when, 'RevokeCertificate', {
          certificateCode: certificates.get('T-01') ?? '',
          reason: '复核',
        }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      expectRefused(
        await act(schoolAdmin, when, 'EnrollTeacher', { batchId: BATCH, periodId: PERIOD, teacherId: 'T-11' }),
        'SCHOOL_CLOSED',
        closedHere,
      );
      expectRefused(
        await act(schoolAdmin, when, 'CloseSchool', {
          batchId: BATCH,
          schoolId: SCHOOL,
          signedDocumentRef: 'closure/S-XW-01/结项验收表-盖章.pdf',
        }),
        'SCHOOL_CLOSED',
        closedHere,
      );
    },
  );
  step(
    '14. every view tells the batch as it happened: school, county, city, province, batch, transcripts, quota, weekly notices',
    async () => {
      const position = Number(
        (
          await act(importer, '2021-07-02T09:00:00', 'RegisterOrgUnit', {
            unitId: '320104',
            kind: 'county',
            name: '秦淮区',
            parentId: '320100',
          })
        ).body.position,
      );
      const asAuditor: Actor = { sub: 'auditor', role: 'auditor' };
      // Nine full-time teachers are registered and required (T-10 and T-11 are part-time). Of the nine,
      // all enrolled and T-07 failed; T-10 took part and passed without being required: one of the others.
      const teachers = {
        required: 9,
        enrolled: 9,
        confirmed: 9,
        pointsSelected: 9,
        onlinePassed: 9,
        assessed: 9,
        passed: 8,
        excellent: 4,
        trained: 8,
        certified: 8,
        othersEnrolled: 1,
        othersTrained: 1,
      };
      // Batch 1 is held to its 20% share of all teachers from the end of 2020 (it is long past).
      const measures = {
        requiredSource: 'registered',
        rates: { participationPercent: 100, passPercent: 88.9, completionPercent: 88.9 },
        target: { percent: 20, aimPercent: null },
        behind: false,
      };
      // T-01 has 29 online hours, the others 27; all ten have 25 offline.
      const hoursCredited = { total: 29 + 9 * 27 + 10 * 25, byCategory: { online: 29 + 9 * 27, offline: 250 } };

      const school = await api.get(
        schoolAdmin,
        `/views/units/${SCHOOL}/progress?batchId=${BATCH}&minPosition=${position}`,
      );
      expect(school.status).toBe(200);
      expect(school.body).toMatchObject({
        unitId: SCHOOL,
        kind: 'school',
        teachers,
        hoursCredited,
        excellentVideos: { total: 4, bySubject: { 语文: 2, 数学: 1, 英语: 1 } },
        seats: [{ periodId: PERIOD, received: 10, handedOn: 0, used: 10, left: 0 }],
        closure: {
          status: 'closed',
          dates: { closed: utc('2021-06-20T09:00:00'), approved: utc('2021-06-15T09:00:00') },
        },
      });
      expect(school.body.position).toBeGreaterThanOrEqual(position);

      for (const [unitId, kind, seats] of [
        ['320102', 'county', { received: 30, handedOn: 10, used: 0, left: 20 }],
        ['320100', 'city', { received: 100, handedOn: 30, used: 0, left: 70 }],
        // Seats start at the province: it has none "left", it issues what it hands on.
        ['320000', 'province', { received: 0, handedOn: 100, used: 0, left: null }],
      ] as const) {
        const unit = await api.get(cityAdmin, `/views/units/${unitId}/progress?batchId=${BATCH}`);
        if (kind === 'province') expect(unit.status).toBe(403);
        const view =
          kind === 'province' ? await api.get(provinceAdmin, `/views/units/${unitId}/progress?batchId=${BATCH}`) : unit;
        expect(view.body).toMatchObject({
          unitId,
          kind,
          teachers,
          ...measures,
          hoursCredited,
          // Jiangsu recognises only the hours of those who passed (T-10's too): T-07 failed, and its 27 + 25 are not.
          hoursRecognised: hoursCredited.total - 52,
          schools: { total: 1, closed: 1 },
          seats: [{ periodId: PERIOD, ...seats }],
        });
      }

      const batch = await api.get(provinceAdmin, `/views/batches/${BATCH}/progress`);
      expect(batch.body).toMatchObject({
        batchId: BATCH,
        provinceId: '320000',
        teachers,
        ...measures,
        schools: { total: 1, closed: 1 },
        cities: [{ unitId: '320100', name: '南京市', teachers, ...measures }],
      });

      const transcript = await api.get(asTeacher('T-01'), `/views/teachers/T-01/transcript?batchId=${BATCH}`);
      expect(transcript.body).toMatchObject({
        teacherId: 'T-01',
        name: '王芳',
        idNumberMasked: expect.stringMatching(/^320102\*{8}\d{3}[\dX]$/),
      });
      const [record] = (transcript.body as { batches: Body[] }).batches;
      expect(record).toMatchObject({
        batchId: BATCH,
        grade: 'excellent',
        hours: { total: 54, byCategory: { online: 29, offline: 25 }, online: { credited: 29, passed: true } },
        abilityPoints: {
          points: ['A1', 'B2'],
          grades: [
            { abilityPoint: 'A1', grade: 'excellent' },
            { abilityPoint: 'B2', grade: 'excellent' },
          ],
        },
        certificate: { code: certificates.get('T-01'), status: 'valid' },
      });
      // Every hour with its source: three platform records (the repeated one once) and the school's entry.
      expect(
        (record.hours as { sources: Body[] }).sources.map((source) => [
          source.source,
          source.recordId ?? source.recordedBy,
          source.hours,
        ]),
      ).toEqual([
        ['course-platform', 'R-T-01-1', 15],
        ['course-platform', 'R-T-01-2', 12],
        ['course-platform', 'R-T-01-3', 2],
        ['school', 's-admin', 25],
      ]);
      expect((await api.get(asTeacher('T-02'), `/views/teachers/T-01/transcript?batchId=${BATCH}`)).status).toBe(403);
      const revokedOnce = await api.get(schoolAdmin, `/views/teachers/T-04/transcript`);
      expect(revokedOnce.body).toMatchObject({
        batches: [{ certificate: { code: certificates.get('T-04'), status: 'valid' } }],
      });

      const quota = await api.get(countyAdmin, `/views/units/320102/quota?batchId=${BATCH}`);
      expect(quota.body).toMatchObject({
        unitId: '320102',
        periods: [
          {
            periodId: '1',
            received: 30,
            handedOn: 10,
            handedOnTo: [{ unitId: SCHOOL, name: '南京市玄武区实验小学', seats: 10 }],
            used: 0,
            left: 20,
          },
          { periodId: '2', received: 0, handedOn: 0, used: 0, left: 0 },
          { periodId: '3', received: 0, handedOn: 0, used: 0, left: 0 },
        ],
      });

      // Week 45 (2 – 8 Nov 2020): enrolled and confirmed, the nine required picked; week 46: T-10 (part-time,
      // one of the others) picks late, and all ten get 15 online hours.
      const notice = async (week: string) =>
        (await api.get<Body>(asAuditor, `/notices/weekly?unitId=320100&batchId=${BATCH}&week=${week}`)).body;
      const week45 = await notice('2020-W45');
      const week46 = await notice('2020-W46');
      expect(week45).toMatchObject({
        week: '2020-W45',
        previousWeek: '2020-W44',
        weekStartsOn: '2020-11-02',
        weekEndsOn: '2020-11-08',
      });
      expect(week45.unit).toMatchObject({
        unitId: '320100',
        thisWeek: { required: 9, enrolled: 9, confirmed: 9, pointsSelected: 9, othersEnrolled: 1, hoursCredited: 0 },
        change: { enrolled: 9, pointsSelected: 9, othersEnrolled: 1 },
      });
      expect(week46.unit).toMatchObject({
        thisWeek: { enrolled: 9, pointsSelected: 9, hoursCredited: 150, seatsReceived: 100 },
        lastWeek: { enrolled: 9, pointsSelected: 9, hoursCredited: 0 },
        change: { enrolled: 0, pointsSelected: 0, hoursCredited: 150 },
      });
      expect((week46.levels as Body[]).map((level) => level.kind)).toEqual(['county', 'school']);
      // Nobody is trained two weeks into the batch, while 15 of the 61 days to the end of 2020 (20%)
      // are gone: every unit with teachers is behind 20 × 15 / 61 = 4.9%. 秦淮区, registered in 2021,
      // is not in a 2020 notice.
      expect(week46.targetPercent).toBe(4.9);
      expect(week46.levels).toMatchObject([
        { kind: 'county', rows: [{ unitId: '320102', rank: 1, behind: true, behindByPoints: 4.9 }] },
        {
          kind: 'school',
          rows: [{ unitId: SCHOOL, thisWeek: { enrolled: 9, required: 9, completionPercent: 0 }, behind: true }],
        },
      ]);
      expect((week46.levels as { rows: unknown[] }[])[0].rows).toHaveLength(1);
      const week27 = await notice('2021-W27');
      // 253 of the batch's 365 days are gone by 12 July, and the target is batch 1's 20% share since
      // the end of 2020. 玄武区 has 8 of its 9 teachers trained; 秦淮区 none required, so it ranks last.
      expect(week27.pacePercent).toBe(69.3);
      expect(week27.targetPercent).toBe(20);
      expect(week27.levels).toMatchObject([
        {
          kind: 'county',
          rows: [
            { unitId: '320102', rank: 1, progressPercent: 88.9, behind: false },
            { unitId: '320104', rank: 2, requiredSource: 'none', progressPercent: 0, behind: false },
          ],
        },
        { kind: 'school', rows: [{ unitId: SCHOOL, progressPercent: 88.9, behind: false }] },
      ]);
      expect(week27.unit).toMatchObject({
        thisWeek: { required: 9, passed: 8, trained: 8, completionPercent: 88.9, schoolsClosed: 1, schoolsTotal: 1 },
        progressPercent: 88.9,
      });
      // A past week reads the same after later events: the notice is history, not today's view.
      expect(await notice('2020-W45')).toEqual(week45);
    },
  );
});
