import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import {
  CommandGateway,
  CommandResult,
  CommandValidationFailed,
  contractCommands,
  Forbidden,
  systemClock,
} from '@tip/application';
import { Actor, idNumberCheckCharacter, mulberry32, RuleViolation } from '@tip/domain';
import { EventStore, runMigrations } from '@tip/event-store';
import { EventStoreStreams } from '../../../apps/api/src/infrastructure/event-streams.adapter';
import {
  apiMigrations,
  PostgresIdempotencyStore,
} from '../../../apps/api/src/infrastructure/postgres-idempotency-store';
import { PostgresCredentialVault } from '../../../apps/api/src/infrastructure/postgres-credential-vault';
import { EnvelopeVault, FileKeyEncryptionKeys, migratePersonalDataTables } from '@tip/audit';

/**
 * A long, randomised but replayable Jiangsu 2.0 batch (one province, two cities, five counties,
 * twelve schools, ~150 teachers), driven through the API's own command pipeline as `system`
 * importing history: every command carries its business time (`at`) and its actor, so the
 * events are genuine domain events with every deadline applied. Commands the domain refuses
 * (422), or that an actor may no longer send after a transfer (403), are counted and passed over.
 */

type Body = Record<string, unknown>;

/** What the scenario learns from answers as it goes: where teachers are, codes, samples. */
export interface ScenarioWorld {
  schoolOf: Map<string, string>;
  certificates: Map<string, string[]>;
  samples: Map<string, string[]>;
}

export interface ScenarioStep {
  /** Business time, epoch milliseconds. */
  at: number;
  /**
   * The city whose streams alone the step touches: the two cities' steps may run side by side.
   * undefined for the province's own steps, which wait for, and hold up, both.
   */
  lane?: string;
  name: string;
  actor: Actor | ((world: ScenarioWorld) => Actor);
  /** undefined: nothing to send after all (a revocation with no certificate to revoke). */
  body: Body | ((world: ScenarioWorld) => Body | undefined);
  after?(result: CommandResult, world: ScenarioWorld): void;
}

export interface Scenario {
  seed: number;
  teachers: number;
  schools: string[];
  /** Every step, in business-time order. */
  steps: ScenarioStep[];
  world: ScenarioWorld;
}

export const PROVINCE = '320000';
export const PROGRAMME = 'JS-2.0';
export const BATCH = 'JS-2020-1';
const IMPORTER: Actor = { sub: 'importer', role: 'system' };
const COURSE_PLATFORM: Actor = { sub: 'course-platform', role: 'system' };
const PROVINCE_ADMIN: Actor = { sub: 'p-admin', role: 'province-admin', unitId: PROVINCE };

const CITIES = [
  {
    unitId: '320100',
    name: '南京市',
    counties: [
      ['320102', '玄武区'],
      ['320104', '秦淮区'],
      ['320105', '建邺区'],
    ],
  },
  {
    unitId: '320700',
    name: '连云港市',
    counties: [
      ['320703', '连云区'],
      ['320706', '海州区'],
    ],
  },
] as const;
const SUBJECTS = ['语文', '数学', '英语', '科学', '美术'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高'];
const GIVEN = ['芳', '娜', '伟', '洋', '静', '磊', '敏', '丽', '强', '婷', '军', '杰', '艳', '勇', '霞', '涛'];
const POINTS = [
  ...Array.from({ length: 13 }, (_, i) => `A${i + 1}`),
  ...Array.from({ length: 10 }, (_, i) => `B${i + 1}`),
  ...Array.from({ length: 7 }, (_, i) => `C${i + 1}`),
];
const PERIODS = [
  { periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
  { periodId: '2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
  { periodId: '3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** China Standard Time, as the batch's calendar is written. */
export const cst = (local: string) => Date.parse(`${local}+08:00`);

interface School {
  unitId: string;
  countyId: string;
  cityId: string;
  /** Closure candidates: two subjects, everyone trained and passed, excellent in both. */
  model: boolean;
  subjects: string[];
}

interface Teacher {
  teacherId: string;
  school: School;
  subject: string;
}

export function trainingScenario(seed: number): Scenario {
  const random = mulberry32(seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (from: number, to: number) => from + random() * (to - from);
  const int = (from: number, to: number) => Math.floor(between(from, to + 1));
  /** Hours in hundredths, as the course platform reports them (7.35, not 7.3499…). */
  const hours = (from: number, to: number) => Math.round(between(from, to) * 100) / 100;
  const minute = (ms: number) => Math.round(ms / 60_000) * 60_000;

  const steps: (ScenarioStep & { order: number })[] = [];
  let lane: string | undefined;
  const add = (step: ScenarioStep) => steps.push({ lane, ...step, order: steps.length });
  const world: ScenarioWorld = { schoolOf: new Map(), certificates: new Map(), samples: new Map() };

  const countyAdmin = (countyId: string): Actor => ({
    sub: `admin-${countyId}`,
    role: 'county-admin',
    unitId: countyId,
  });
  const cityAdmin = (cityId: string): Actor => ({ sub: `admin-${cityId}`, role: 'city-admin', unitId: cityId });
  const schoolAdmin = (schoolId: string): Actor => ({
    sub: `admin-${schoolId}`,
    role: 'school-admin',
    unitId: schoolId,
  });
  const groupLeader = (schoolId: string, subject: string): Actor => ({
    sub: `gl-${schoolId}-${SUBJECTS.indexOf(subject)}`,
    role: 'group-leader',
    unitId: schoolId,
  });
  const asTeacher = (teacher: Teacher): Actor => ({
    sub: teacher.teacherId,
    role: 'teacher',
    unitId: teacher.school.unitId,
  });
  // The teacher's school now (a transfer moves the admin and the group leader who act for them).
  const schoolNow = (teacher: Teacher) => (world: ScenarioWorld) =>
    world.schoolOf.get(teacher.teacherId) ?? teacher.school.unitId;
  const adminNow = (teacher: Teacher) => (world: ScenarioWorld) => schoolAdmin(schoolNow(teacher)(world));
  const leaderNow = (teacher: Teacher) => (world: ScenarioWorld) =>
    groupLeader(schoolNow(teacher)(world), teacher.subject);

  // 1. The hierarchy, the teachers, the programme and the batch.
  const registeredAt = cst('2020-10-08T09:00:00');
  add({
    at: registeredAt,
    name: 'RegisterOrgUnit',
    actor: IMPORTER,
    body: { unitId: PROVINCE, kind: 'province', name: '江苏省' },
  });
  const counties = CITIES.flatMap((city) => city.counties.map(([unitId]) => ({ unitId, cityId: city.unitId })));
  for (const city of CITIES) {
    lane = city.unitId;
    add({
      at: registeredAt,
      name: 'RegisterOrgUnit',
      actor: PROVINCE_ADMIN,
      body: { unitId: city.unitId, kind: 'city', name: city.name, parentId: PROVINCE },
    });
    for (const [unitId, name] of city.counties) {
      add({
        at: registeredAt,
        name: 'RegisterOrgUnit',
        actor: cityAdmin(city.unitId),
        body: { unitId, kind: 'county', name, parentId: city.unitId },
      });
    }
  }
  // Six schools in each city: two in each of 南京's counties, three in each of 连云港's.
  const schools: School[] = [0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4].map((countyIndex, index) => {
    const county = counties[countyIndex];
    const model = index % 4 === 0;
    const subjects = model ? SUBJECTS.slice(0, 2) : SUBJECTS;
    return {
      unitId: `S-${String(index + 1).padStart(2, '0')}`,
      countyId: county.unitId,
      cityId: county.cityId,
      model,
      subjects,
    };
  });
  const teachers: Teacher[] = [];
  for (const school of schools) {
    lane = school.cityId;
    const size = int(11, 15);
    add({
      at: registeredAt + HOUR,
      name: 'RegisterOrgUnit',
      actor: countyAdmin(school.countyId),
      body: {
        unitId: school.unitId,
        kind: 'school',
        name: `${school.unitId} 实验学校`,
        parentId: school.countyId,
        fullTimeTeachers: size,
      },
    });
    for (let n = 1; n <= size; n++) {
      const teacher: Teacher = {
        teacherId: `T-${school.unitId.slice(2)}-${String(n).padStart(2, '0')}`,
        school,
        subject: pick(school.subjects),
      };
      teachers.push(teacher);
      const gender = chance(0.5) ? 'male' : 'female';
      const birthDate = `${int(1965, 1998)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
      const first17 = `${school.countyId}${birthDate.replace(/-/g, '')}${String(int(0, 49) * 2 + (gender === 'male' ? 1 : 0)).padStart(3, '0')}`;
      add({
        at: registeredAt + 2 * HOUR + n * 60_000,
        name: 'RegisterTeacher',
        actor: schoolAdmin(school.unitId),
        body: {
          teacherId: teacher.teacherId,
          schoolId: school.unitId,
          name: `${pick(SURNAMES)}${pick(GIVEN)}${chance(0.5) ? pick(GIVEN) : ''}`,
          idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
          gender,
          stage: chance(0.6) ? '小学' : '初中',
          subject: teacher.subject,
          fullTime: school.model || chance(0.9),
          birthDate,
        },
      });
    }
  }
  lane = undefined;
  add({
    at: cst('2020-10-10T09:00:00'),
    name: 'LaunchProgramme',
    actor: PROVINCE_ADMIN,
    body: {
      programmeId: PROGRAMME,
      name: '江苏省中小学教师信息技术应用能力提升工程2.0',
      provinceId: PROVINCE,
      rulebook: 'jiangsu-2.0',
    },
  });
  add({
    at: cst('2020-10-10T10:00:00'),
    name: 'ScheduleBatch',
    actor: PROVINCE_ADMIN,
    body: {
      programmeId: PROGRAMME,
      batchId: BATCH,
      name: '第一批',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: PERIODS,
    },
  });

  // 2. The quota cascade: province → city → county → school, periods 1 and 2.
  const sizeOf = (school: School) => teachers.filter((teacher) => teacher.school === school).length;
  const schoolSeats = new Map(
    schools.map((school) => [
      school.unitId,
      {
        '1': school.model ? sizeOf(school) : Math.round(sizeOf(school) * between(0.6, 0.9)),
        '2': school.model ? 0 : int(2, 5),
      },
    ]),
  );
  const quotaAt = cst('2020-10-20T09:00:00');
  const allocate = (
    at: number,
    actor: Actor,
    periodId: '1' | '2',
    fromUnitId: string,
    toUnitId: string,
    seats: number,
  ) => add({ at, name: 'AllocateQuota', actor, body: { batchId: BATCH, periodId, fromUnitId, toUnitId, seats } });
  for (const periodId of ['1', '2'] as const) {
    const seatsOf = (school: School) => schoolSeats.get(school.unitId)?.[periodId] ?? 0;
    for (const city of CITIES) {
      const citySchools = schools.filter((school) => school.cityId === city.unitId);
      // The province's ledger is both cities' business.
      lane = undefined;
      allocate(
        quotaAt,
        PROVINCE_ADMIN,
        periodId,
        PROVINCE,
        city.unitId,
        citySchools.reduce((sum, school) => sum + seatsOf(school), 0) + 8,
      );
      lane = city.unitId;
      for (const [countyId] of city.counties) {
        const countySchools = schools.filter((school) => school.countyId === countyId);
        allocate(
          quotaAt + HOUR,
          cityAdmin(city.unitId),
          periodId,
          city.unitId,
          countyId,
          countySchools.reduce((sum, school) => sum + seatsOf(school), 0) + 2,
        );
        for (const school of countySchools) {
          if (seatsOf(school) > 0)
            allocate(
              quotaAt + 2 * HOUR + int(0, 120) * 60_000,
              countyAdmin(countyId),
              periodId,
              countyId,
              school.unitId,
              seatsOf(school),
            );
        }
        // One more than the county holds: QUOTA_EXCEEDED.
        if (chance(0.5))
          allocate(quotaAt + 5 * HOUR, countyAdmin(countyId), periodId, countyId, pick(countySchools).unitId, 50);
      }
    }
  }
  for (const school of schools.filter((each) => !each.model).slice(0, 3)) {
    lane = school.cityId;
    const revoke = (seats: number) => ({
      batchId: BATCH,
      periodId: '2',
      fromUnitId: school.countyId,
      toUnitId: school.unitId,
      seats,
    });
    add({ at: cst('2020-10-25T09:00:00'), name: 'RevokeQuota', actor: countyAdmin(school.countyId), body: revoke(1) });
    // Later, with the seats taken: QUOTA_IN_USE, or nothing left to take back.
    add({ at: cst('2020-12-20T09:00:00'), name: 'RevokeQuota', actor: countyAdmin(school.countyId), body: revoke(2) });
  }

  // 3. Each teacher's year.
  const grades = new Map<string, string>();
  for (const teacher of teachers) {
    const { school } = teacher;
    lane = school.cityId;
    if (!school.model && chance(0.07)) continue;
    const periodIndex = school.model || chance(0.75) ? 0 : 1;
    const period = PERIODS[periodIndex];
    const enrolledAt = minute(cst(`${period.startsOn}T08:00:00`) + between(DAY, 6 * DAY));
    const periodEnd = cst(`${period.endsOn}T23:59:00`);
    const windowEnd = Math.min(periodEnd, enrolledAt + 28 * DAY);
    const onEnrollment = { batchId: BATCH, teacherId: teacher.teacherId };
    add({
      at: enrolledAt,
      name: 'EnrollTeacher',
      actor: adminNow(teacher),
      body: { ...onEnrollment, periodId: period.periodId },
    });
    // No seat left in period 1: try period 2 (ALREADY_ENROLLED when the first one worked).
    if (periodIndex === 0 && !school.model && chance(0.4)) {
      add({
        at: cst('2020-12-02T09:00:00') + int(0, 300) * 60_000,
        name: 'EnrollTeacher',
        actor: adminNow(teacher),
        body: { ...onEnrollment, periodId: '2' },
      });
    }
    if (school.model || chance(0.92))
      add({
        at: minute(enrolledAt + between(HOUR, 30 * HOUR)),
        name: 'ConfirmEnrollment',
        actor: asTeacher(teacher),
        body: onEnrollment,
      });

    // Ability points: within the week by the teacher, or after it by the school admin.
    const points = [...new Set(Array.from({ length: chance(0.7) ? 1 : 2 }, () => pick(POINTS)))];
    const select = (at: number, actor: Actor | ((world: ScenarioWorld) => Actor), chosen: string[]) =>
      add({ at, name: 'SelectAbilityPoints', actor, body: { ...onEnrollment, points: chosen } });
    if (chance(0.05)) select(minute(enrolledAt + between(2 * HOUR, DAY)), asTeacher(teacher), [...points, 'A14']);
    if (school.model || chance(0.85)) {
      if (chance(0.3)) select(minute(enrolledAt + between(DAY, 2 * DAY)), asTeacher(teacher), [pick(POINTS)]);
      select(minute(enrolledAt + between(2 * DAY, 6.5 * DAY)), asTeacher(teacher), points);
    } else {
      select(minute(enrolledAt + between(7.1 * DAY, 8 * DAY)), asTeacher(teacher), points);
      select(minute(enrolledAt + between(8 * DAY, 10 * DAY)), adminNow(teacher), points);
    }

    // Online hours from the course platform: a few records, some sent twice, one too late.
    const records = school.model ? int(4, 5) : int(3, 6);
    let total = 0;
    for (let r = 1; r <= records; r++) {
      const recordHours = school.model ? hours(6, 9) : hours(3.5, 9);
      total += recordHours;
      const at = minute(enrolledAt + (r * (windowEnd - enrolledAt)) / (records + 1) + between(-HOUR, HOUR));
      const record = {
        ...onEnrollment,
        recordId: `R-${teacher.teacherId}-${r}`,
        courseId: `JS-ONLINE-${r}`,
        hours: recordHours,
      };
      add({ at, name: 'RecordOnlineHours', actor: COURSE_PLATFORM, body: record });
      if (chance(0.12))
        add({ at: at + int(1, 48) * HOUR, name: 'RecordOnlineHours', actor: COURSE_PLATFORM, body: record });
    }
    if (school.model && total < 26) {
      const record = {
        ...onEnrollment,
        recordId: `R-${teacher.teacherId}-x`,
        courseId: 'JS-ONLINE-X',
        hours: hours(12, 14),
      };
      add({ at: minute(windowEnd - DAY), name: 'RecordOnlineHours', actor: COURSE_PLATFORM, body: record });
    }
    if (chance(0.06)) {
      const record = { ...onEnrollment, recordId: `R-${teacher.teacherId}-late`, courseId: 'JS-ONLINE-9', hours: 3.5 };
      add({
        at: minute(windowEnd + between(DAY, 3 * DAY)),
        name: 'RecordOnlineHours',
        actor: COURSE_PLATFORM,
        body: record,
      });
    }

    // A few move to another school of their city (the record and its seat follow), a few leave.
    if (!school.model && chance(0.06)) {
      const targets = schools.filter((each) => each.cityId === school.cityId && !each.model && each !== school);
      const target = pick(targets).unitId;
      add({
        at: minute(enrolledAt + between(3 * DAY, 20 * DAY)),
        name: 'TransferTeacher',
        actor: cityAdmin(school.cityId),
        body: { teacherId: teacher.teacherId, toSchoolId: target },
        after: (_result, world) => world.schoolOf.set(teacher.teacherId, target),
      });
    }
    if (!school.model && chance(0.04)) {
      add({
        at: minute(enrolledAt + between(10 * DAY, 90 * DAY)),
        name: 'WithdrawTeacher',
        actor: adminNow(teacher),
        body: { ...onEnrollment, reason: '调离教学岗位' },
      });
    }

    // Practice: evidence, peer review, a return and resubmission now and then, grades.
    const evidenceAt = minute(cst('2021-03-01T16:00:00') + between(0, 10 * DAY));
    const evidenceRef = (point: string, version: number) => `evidence/${teacher.teacherId}/${point}-v${version}.zip`;
    for (const point of points) {
      add({
        at: evidenceAt,
        name: 'SubmitPracticeEvidence',
        actor: asTeacher(teacher),
        body: { ...onEnrollment, abilityPoint: point, evidenceRef: evidenceRef(point, 1) },
      });
    }
    // Peers' videos watched and commented on: one, two or three.
    if (school.model || chance(0.88)) {
      for (let review = 0, reviews = int(1, 3); review < reviews; review++) {
        const review = {
          ...onEnrollment,
          videoId: `PV-${pick(teachers).teacherId}`,
          comment: '课堂中多媒体资源运用得当。',
        };
        add({
          at: minute(cst('2021-03-08T20:00:00') + between(0, 7 * DAY)),
          name: 'RecordPeerReview',
          actor: asTeacher(teacher),
          body: review,
        });
      }
    }
    if (!school.model && chance(0.08)) {
      add({
        at: cst('2021-03-16T15:00:00'),
        name: 'ReturnEvidence',
        actor: leaderNow(teacher),
        body: { ...onEnrollment, abilityPoint: points[0], reason: '请补充学生活动。' },
      });
      add({
        at: cst('2021-03-20T15:00:00'),
        name: 'SubmitPracticeEvidence',
        actor: asTeacher(teacher),
        body: { ...onEnrollment, abilityPoint: points[0], evidenceRef: evidenceRef(points[0], 2) },
      });
    }
    const roll = random();
    const grade = school.model
      ? roll < 0.45
        ? 'excellent'
        : 'pass'
      : roll < 0.15
        ? 'fail'
        : roll < 0.75
          ? 'pass'
          : 'excellent';
    grades.set(teacher.teacherId, grade);
    const assessedAt = minute(cst('2021-04-01T10:00:00') + between(0, 4 * DAY));
    const assessor = chance(0.2) ? adminNow(teacher) : leaderNow(teacher);
    if (points.length > 1 && chance(0.3)) {
      points.forEach((point, index) =>
        add({
          at: assessedAt + index * HOUR,
          name: 'AssessPractice',
          actor: assessor,
          body: { ...onEnrollment, grade, abilityPoint: point },
        }),
      );
    } else {
      add({ at: assessedAt, name: 'AssessPractice', actor: assessor, body: { ...onEnrollment, grade } });
    }

    // Offline hours from the school admin, now and then corrected; after closure: SCHOOL_CLOSED.
    const offlineAt = minute(cst('2021-04-06T09:00:00') + between(0, 3 * DAY));
    add({
      at: offlineAt,
      name: 'RecordOfflineHours',
      actor: adminNow(teacher),
      body: { ...onEnrollment, hours: school.model ? hours(25, 30) : hours(22, 30) },
    });
    if (chance(0.3))
      add({
        at: offlineAt + DAY,
        name: 'RecordOfflineHours',
        actor: adminNow(teacher),
        body: { ...onEnrollment, hours: hours(25, 28) },
      });
    if (school.model && chance(0.1))
      add({
        at: cst('2021-07-01T09:00:00'),
        name: 'RecordOfflineHours',
        actor: adminNow(teacher),
        body: { ...onEnrollment, hours: 26 },
      });

    // Certificates, before closure freezes them.
    add({
      at: minute(cst('2021-06-01T09:00:00') + between(0, 3 * DAY)),
      name: 'IssueCertificate',
      actor: adminNow(teacher),
      body: onEnrollment,
      after: (result, world) => {
        const code = result.events.find((event) => event.type === 'CertificateIssued')?.certificateCode;
        if (typeof code === 'string')
          world.certificates.set(teacher.teacherId, [...(world.certificates.get(teacher.teacherId) ?? []), code]);
      },
    });
  }

  // A few certificates revoked by the province; two of those teachers certified again.
  lane = undefined;
  const certified = (world: ScenarioWorld) => [...world.certificates.keys()].sort();
  const teachersById = new Map(teachers.map((teacher) => [teacher.teacherId, teacher]));
  for (let n = 0; n < 4; n++) {
    add({
      at: cst('2021-06-05T09:00:00') + n * HOUR,
      name: 'RevokeCertificate',
      actor: PROVINCE_ADMIN,
      body: (world) => {
        const teacherId = certified(world)[n * 7];
        const code = teacherId === undefined ? undefined : world.certificates.get(teacherId)?.[0];
        return code === undefined ? undefined : { certificateCode: code, reason: '学时记录有误，待核查' };
      },
    });
  }
  for (let n = 0; n < 2; n++) {
    add({
      at: cst('2021-06-08T09:00:00') + n * HOUR,
      name: 'IssueCertificate',
      actor: (world) => {
        const teacher = teachersById.get(certified(world)[n * 7] ?? '');
        return schoolAdmin(teacher ? schoolNow(teacher)(world) : PROVINCE);
      },
      body: (world) => {
        const teacherId = certified(world)[n * 7];
        return teacherId === undefined ? undefined : { batchId: BATCH, teacherId };
      },
    });
  }

  // 4. Each school's closure: plan, group and excellent videos, application, approval, closing.
  for (const school of schools) {
    lane = school.cityId;
    const target = { batchId: BATCH, schoolId: school.unitId };
    const admin = schoolAdmin(school.unitId);
    add({
      at: cst('2020-11-09T09:00:00'),
      name: 'UploadSchoolPlan',
      actor: admin,
      body: { ...target, documentRef: `plans/${school.unitId}/规划书.pdf` },
    });
    add({
      at: cst('2020-12-12T09:00:00'),
      name: 'UploadSchoolPlan',
      actor: admin,
      body: { ...target, documentRef: `plans/${school.unitId}/规划书-修订.pdf` },
    });
    for (const subject of school.subjects) {
      const groupId = `G-${SUBJECTS.indexOf(subject)}`;
      add({
        at: cst('2021-05-20T10:00:00'),
        name: 'SubmitGroupVideo',
        actor: groupLeader(school.unitId, subject),
        body: { ...target, groupId, videoRef: `videos/${school.unitId}/${groupId}.mp4` },
      });
    }
    const video = (teacher: Teacher) => ({
      ...target,
      teacherId: teacher.teacherId,
      subject: teacher.subject,
      videoRef: `videos/excellent/${teacher.teacherId}.mp4`,
    });
    for (const teacher of teachers.filter(
      (each) => each.school === school && grades.get(each.teacherId) === 'excellent',
    )) {
      add({ at: cst('2021-05-21T10:00:00'), name: 'UploadExcellentVideo', actor: admin, body: video(teacher) });
    }
    // One non-excellent teacher's video: NOT_EXCELLENT.
    const ordinary = teachers.find((each) => each.school === school && grades.get(each.teacherId) === 'pass');
    if (ordinary)
      add({ at: cst('2021-05-21T11:00:00'), name: 'UploadExcellentVideo', actor: admin, body: video(ordinary) });
    add({ at: cst('2021-06-10T10:00:00'), name: 'ApplyForClosure', actor: admin, body: target });
    if (school === schools[4]) {
      add({
        at: cst('2021-06-11T10:00:00'),
        name: 'RejectClosure',
        actor: countyAdmin(school.countyId),
        body: { ...target, reason: '材料不全' },
      });
      add({ at: cst('2021-06-12T10:00:00'), name: 'ApplyForClosure', actor: admin, body: target });
    }
    add({ at: cst('2021-06-15T09:00:00'), name: 'ApproveClosure', actor: countyAdmin(school.countyId), body: target });
    add({
      at: cst('2021-06-20T09:00:00'),
      name: 'CloseSchool',
      actor: admin,
      body: { ...target, signedDocumentRef: `closure/${school.unitId}/结项验收表.pdf` },
    });
  }

  // 5. Spot checks: a province-wide sample and a city's, their findings, one school not drawn.
  lane = undefined;
  const inspector = (unitId: string): Actor => ({ sub: `inspector-${unitId}`, role: 'inspector', unitId });
  const samples = [
    { sampleId: 'INS-1', scopeUnitId: PROVINCE, ratePercent: 30 },
    { sampleId: 'INS-2', scopeUnitId: '320700', ratePercent: 50 },
  ];
  add({
    at: cst('2021-06-24T09:00:00'),
    name: 'DrawInspectionSample',
    actor: inspector(PROVINCE),
    body: { sampleId: 'INS-0', batchId: BATCH, scopeUnitId: PROVINCE, ratePercent: 5, seed: seed },
  });
  for (const sample of samples) {
    lane = sample.scopeUnitId === PROVINCE ? undefined : sample.scopeUnitId;
    add({
      at: cst('2021-06-25T09:00:00'),
      name: 'DrawInspectionSample',
      actor: inspector(sample.scopeUnitId),
      body: { ...sample, batchId: BATCH, seed: `seed-${seed}-${sample.sampleId}` },
      after: (result, world) => {
        const drawn = result.events.find((event) => event.type === 'InspectionSampleDrawn')?.drawn;
        if (Array.isArray(drawn))
          world.samples.set(
            sample.sampleId,
            drawn.map((each: { schoolId: string }) => each.schoolId),
          );
      },
    });
    for (let n = 0; n < 8; n++) {
      // Drawn now, not when sent: the stream of numbers stays the same whatever runs alongside.
      const finding = {
        outcome: pick(['satisfactory', 'needs-improvement', 'unsatisfactory']),
        notes: `第${n + 1}所学校：校本研修记录${chance(0.5) ? '完整' : '不全'}`,
      };
      add({
        at: cst('2021-06-28T09:00:00') + n * HOUR,
        name: 'RecordInspectionFinding',
        actor: inspector(sample.scopeUnitId),
        body: (world) => {
          const schoolId = world.samples.get(sample.sampleId)?.[n];
          return schoolId === undefined ? undefined : { sampleId: sample.sampleId, schoolId, ...finding };
        },
      });
    }
    add({
      at: cst('2021-06-30T09:00:00'),
      name: 'RecordInspectionFinding',
      actor: inspector(sample.scopeUnitId),
      body: (world) => {
        const drawn = world.samples.get(sample.sampleId) ?? [];
        const outside = schools.find(
          (school) =>
            !drawn.includes(school.unitId) && (sample.scopeUnitId === PROVINCE || school.cityId === sample.scopeUnitId),
        );
        return outside
          ? { sampleId: sample.sampleId, schoolId: outside.unitId, outcome: 'satisfactory', notes: '未抽中' }
          : undefined;
      },
    });
  }

  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  return { seed, teachers: teachers.length, schools: schools.map((school) => school.unitId), steps, world };
}

/** The API's command pipeline over a store, with its idempotency keys and ID-number vault. */
export async function commandPipelineOver(
  connectionString: string,
  store: EventStore,
): Promise<{ pipeline: CommandGateway; close(): Promise<void> }> {
  const pool = new Pool({ connectionString, max: 4, application_name: 'tip-scenario' });
  await runMigrations(pool, apiMigrations, 'tip_api_migrations');
  const keysDir = await mkdtemp(path.join(tmpdir(), 'tip-scenario-keys-'));
  await migratePersonalDataTables(pool);
  const vault = new EnvelopeVault(pool, new FileKeyEncryptionKeys(keysDir));
  await vault.open();
  const pipeline = new CommandGateway({
    commands: contractCommands,
    streams: new EventStoreStreams(store),
    clock: systemClock,
    idempotency: new PostgresIdempotencyStore(pool),
    requestHashKey: 'scenario-request-hash-key',
    idNumbers: vault,
    credentials: new PostgresCredentialVault(pool),
  });
  return {
    pipeline,
    close: async () => {
      await pool.end();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}

/** Outcomes by command: `EnrollTeacher ok`, `EnrollTeacher NO_SEAT_LEFT`, … */
export type Tally = Map<string, number>;

/**
 * Sends the steps in order; the cities' steps between two of the province's run side by side,
 * one city's after another's as listed (the cities share no stream, so every answer is the
 * same as one after another). Refusals are tallied; anything unexpected is thrown.
 */
export async function runSteps(
  pipeline: CommandGateway,
  world: ScenarioWorld,
  steps: readonly ScenarioStep[],
  tally: Tally = new Map(),
): Promise<Tally> {
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  const send = async (step: ScenarioStep) => {
    const body = typeof step.body === 'function' ? step.body(world) : step.body;
    if (body === undefined) {
      count(`${step.name} skipped`);
      return;
    }
    const actor = typeof step.actor === 'function' ? step.actor(world) : step.actor;
    const at = new Date(step.at).toISOString();
    const request =
      actor.role === 'system'
        ? { name: step.name, body: { ...body, at }, caller: actor }
        : { name: step.name, body: { ...body, at, actor }, caller: IMPORTER };
    try {
      const result = await pipeline.execute(request);
      count(`${step.name} ${result.events.length > 0 ? 'ok' : 'no-op'}`);
      step.after?.(result, world);
    } catch (error) {
      if (error instanceof RuleViolation) count(`${step.name} ${error.code}`);
      else if (error instanceof Forbidden) count(`${step.name} FORBIDDEN`);
      else if (error instanceof CommandValidationFailed) count(`${step.name} INVALID ${error.message}`);
      else throw error;
    }
  };
  let lanes = new Map<string, ScenarioStep[]>();
  const drain = async () => {
    const running = [...lanes.values()];
    lanes = new Map();
    await Promise.all(
      running.map(async (laneSteps) => {
        for (const step of laneSteps) await send(step);
      }),
    );
  };
  for (const step of steps) {
    if (step.lane === undefined) {
      await drain();
      await send(step);
    } else {
      const laneSteps = lanes.get(step.lane) ?? [];
      laneSteps.push(step);
      lanes.set(step.lane, laneSteps);
    }
  }
  await drain();
  return tally;
}

export function describeTally(tally: Tally): string {
  return [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key}: ${n}`)
    .join('\n');
}
