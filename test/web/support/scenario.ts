import { mintToken } from '@tip/auth';
import { Actor, idNumberCheckCharacter } from '@tip/domain';

/**
 * A small Jiangsu 2.0 batch for the web app's tests and screenshots: two cities, three counties,
 * four schools, seventeen teachers, walked through the batch's calendar by `system` sending each
 * command as its actor at its time (as an import of history does). The figures the tests expect
 * are worked out here by hand from the plan below, not read from the code under test.
 */

export const BATCH = 'JS-2020-1';
export const PROGRAMME = 'JS-2.0';
/**
 * The instant the API's clock stands at. Jiangsu's target (20% by the end of 2020, batch 1 a 20%
 * share until 2021-10-31) is flat at 20% from New Year's Day 2021 until the batch ends.
 */
export const NOW = '2021-03-15T12:00:00+08:00';

export interface SchoolPlan {
  schoolId: string;
  name: string;
  countyId: string;
  seats: number;
  /** One entry per teacher: the grade they end with, or null while not assessed yet. */
  grades: ('pass' | 'excellent' | 'fail' | null)[];
}

export const PROVINCE = { unitId: '320000', name: '江苏省' };
export const CITIES = [
  { unitId: '320100', name: '南京市' },
  { unitId: '320500', name: '苏州市' },
];
export const COUNTIES = [
  { unitId: '320102', name: '玄武区', cityId: '320100' },
  { unitId: '320104', name: '秦淮区', cityId: '320100' },
  { unitId: '320508', name: '姑苏区', cityId: '320500' },
];
export const SCHOOLS: SchoolPlan[] = [
  {
    schoolId: 'S-XW-01',
    name: '玄武区实验小学',
    countyId: '320102',
    seats: 6,
    grades: ['excellent', 'pass', 'pass', 'pass', 'pass', 'fail'],
  },
  {
    schoolId: 'S-XW-02',
    name: '玄武区第二中学',
    countyId: '320102',
    seats: 6,
    grades: ['pass', null, null, null, null, null],
  },
  { schoolId: 'S-QH-01', name: '秦淮区夫子庙小学', countyId: '320104', seats: 6, grades: [null, null, null, null] },
  { schoolId: 'S-GS-01', name: '姑苏区平江中学', countyId: '320508', seats: 6, grades: ['pass', 'excellent', 'pass'] },
];

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';
const GIVEN = ['芳', '娜', '伟', '洋', '静', '磊', '敏', '丽', '强', '婷', '杰', '军', '燕', '涛', '霞', '鹏', '琳'];
const SUBJECTS = ['语文', '数学', '英语', '科学'];

export interface TeacherOf {
  teacherId: string;
  name: string;
  schoolId: string;
  subject: string;
  grade: SchoolPlan['grades'][number];
}

export const TEACHERS: TeacherOf[] = SCHOOLS.flatMap((school, schoolIndex) =>
  school.grades.map((grade, index) => {
    const number = SCHOOLS.slice(0, schoolIndex).reduce((sum, each) => sum + each.grades.length, 0) + index;
    return {
      teacherId: `T-${school.schoolId.slice(2)}-${index + 1}`,
      name: `${SURNAMES[number % SURNAMES.length]}${GIVEN[number % GIVEN.length]}`,
      schoolId: school.schoolId,
      subject: SUBJECTS[index % SUBJECTS.length],
      grade,
    };
  }),
);

/**
 * 试点学校: 实验小学 the province's own, due before the scenario's today (so late); 平江中学 姑苏区's,
 * due in the summer.
 */
export const PILOTS = [
  { schoolId: 'S-XW-01', finishBy: '2021-03-01', scope: 'programme', late: true },
  { schoolId: 'S-GS-01', finishBy: '2021-06-30', scope: 'county', late: false },
] as const;

/** The teacher whose certificate the phone test looks for. */
export const CERTIFIED_TEACHER = TEACHERS[0];

const importer: Actor = { sub: 'importer', role: 'system' };
const coursePlatform: Actor = { sub: 'course-platform', role: 'system' };
const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: PROVINCE.unitId };
const schoolAdminOf = (schoolId: string): Actor => ({
  sub: `admin-${schoolId}`,
  role: 'school-admin',
  unitId: schoolId,
});
const teacherActor = (teacher: TeacherOf): Actor => ({
  sub: teacher.teacherId,
  role: 'teacher',
  unitId: teacher.schoolId,
});

const passes = (grade: TeacherOf['grade']) => grade === 'pass' || grade === 'excellent';
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * 完成率 per unit, in percent: trained (pass or better, as Jiangsu grades) ÷ teachers required (the
 * registered full-time teachers, every teacher here), worked out from the plan.
 */
export function expectedCompletion(): Map<string, number> {
  const trained = new Map<string, number>();
  const required = new Map<string, number>();
  const add = (map: Map<string, number>, unitId: string, value: number) =>
    map.set(unitId, (map.get(unitId) ?? 0) + value);
  for (const school of SCHOOLS) {
    const county = COUNTIES.find((each) => each.unitId === school.countyId);
    if (!county) throw new Error(`No county ${school.countyId}`);
    for (const unitId of [school.schoolId, county.unitId, county.cityId, PROVINCE.unitId]) {
      add(trained, unitId, school.grades.filter(passes).length);
      add(required, unitId, school.grades.length);
    }
  }
  return new Map(
    [...required].map(([unitId, teachers]) => [unitId, round1(((trained.get(unitId) ?? 0) / teachers) * 100)]),
  );
}

/** Jiangsu's coverage target for batch 1 at NOW (see NOW). */
export const EXPECTED_TARGET_PERCENT = 20;

function idNumberOf(index: number): string {
  const first17 = `320102198${index % 10}0101${String(100 + index).padStart(3, '0')}`;
  return `${first17}${idNumberCheckCharacter(first17)}`;
}

/**
 * Sends the whole scenario to the API at `url` (…/api), signed with `secret` by a token issued at
 * `now` (the API's clock); throws on the first refusal.
 */
export async function seedScenario(url: string, secret: string, now = new Date(NOW)): Promise<number> {
  const token = await mintToken(secret, importer, '1h', { now });
  let position = 0;
  const act = async (actor: Actor, when: string, name: string, body: Record<string, unknown>) => {
    const response = await fetch(`${url}/commands/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, at: `${when}+08:00`, ...(actor.role === 'system' ? {} : { actor }) }),
    });
    if (response.status !== 200)
      throw new Error(`${name} ${JSON.stringify(body)}: ${response.status} ${await response.text()}`);
    position = Math.max(position, Number(((await response.json()) as { position?: number }).position ?? 0));
  };

  const registered = '2020-10-08T09:00:00';
  await act(importer, registered, 'RegisterOrgUnit', { ...PROVINCE, kind: 'province' });
  for (const city of CITIES)
    await act(importer, registered, 'RegisterOrgUnit', { ...city, kind: 'city', parentId: PROVINCE.unitId });
  for (const county of COUNTIES) {
    await act(importer, registered, 'RegisterOrgUnit', {
      unitId: county.unitId,
      name: county.name,
      kind: 'county',
      parentId: county.cityId,
    });
  }
  for (const school of SCHOOLS) {
    await act(importer, registered, 'RegisterOrgUnit', {
      unitId: school.schoolId,
      name: school.name,
      kind: 'school',
      parentId: school.countyId,
      fullTimeTeachers: school.grades.length,
    });
  }
  for (const [index, teacher] of TEACHERS.entries()) {
    await act(importer, registered, 'RegisterTeacher', {
      teacherId: teacher.teacherId,
      schoolId: teacher.schoolId,
      name: teacher.name,
      idNumber: idNumberOf(index),
      gender: index % 2 ? 'male' : 'female',
      stage: '小学',
      subject: teacher.subject,
      fullTime: true,
      birthDate: `198${index % 10}-01-01`,
    });
  }

  await act(provinceAdmin, '2020-10-10T09:00:00', 'LaunchProgramme', {
    programmeId: PROGRAMME,
    name: '江苏省中小学教师信息技术应用能力提升工程2.0',
    provinceId: PROVINCE.unitId,
    rulebook: 'jiangsu-2.0',
  });
  await act(provinceAdmin, '2020-10-10T10:00:00', 'ScheduleBatch', {
    programmeId: PROGRAMME,
    batchId: BATCH,
    name: '第一批',
    startsOn: '2020-11-01',
    endsOn: '2021-10-31',
    sharePercent: 20,
    periods: [
      { periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
      { periodId: '2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
    ],
  });

  // Quota down the tree: every unit hands on exactly what its schools get.
  const allocate = (fromUnitId: string, toUnitId: string, seats: number) =>
    act(importer, '2020-10-20T09:00:00', 'AllocateQuota', {
      batchId: BATCH,
      periodId: '1',
      fromUnitId,
      toUnitId,
      seats,
    });
  const seatsBelow = (unitId: string) =>
    SCHOOLS.filter(
      (school) =>
        school.countyId === unitId ||
        COUNTIES.some((county) => county.unitId === school.countyId && county.cityId === unitId),
    ).reduce((sum, school) => sum + school.seats, 0);
  for (const city of CITIES) await allocate(PROVINCE.unitId, city.unitId, seatsBelow(city.unitId));
  for (const county of COUNTIES) await allocate(county.cityId, county.unitId, seatsBelow(county.unitId));
  for (const school of SCHOOLS) await allocate(school.countyId, school.schoolId, school.seats);

  for (const teacher of TEACHERS) {
    const admin = schoolAdminOf(teacher.schoolId);
    const me = teacherActor(teacher);
    const onTeacher = { batchId: BATCH, teacherId: teacher.teacherId };
    await act(admin, '2020-11-02T09:00:00', 'EnrollTeacher', { ...onTeacher, periodId: '1' });
    await act(me, '2020-11-02T20:00:00', 'ConfirmEnrollment', onTeacher);
    await act(me, '2020-11-04T19:30:00', 'SelectAbilityPoints', { ...onTeacher, points: ['A1'] });
    await act(coursePlatform, '2020-11-20T20:00:00', 'RecordOnlineHours', {
      ...onTeacher,
      recordId: `R-${teacher.teacherId}`,
      courseId: 'JS-2.0-ONLINE-01',
      hours: 26,
    });
    if (teacher.grade === null) continue;
    await act(me, '2021-01-10T16:00:00', 'SubmitPracticeEvidence', {
      ...onTeacher,
      abilityPoint: 'A1',
      evidenceRef: `evidence/${teacher.teacherId}/A1.zip`,
    });
    await act(me, '2021-01-12T20:00:00', 'RecordPeerReview', {
      ...onTeacher,
      videoId: `PV-${teacher.schoolId}`,
      comment: '课堂中多媒体资源运用得当，学生参与度高。',
    });
    await act(admin, '2021-02-01T10:00:00', 'AssessPractice', { ...onTeacher, grade: teacher.grade });
  }
  // Where the whole school is assessed, offline hours follow within the week, then the certificate.
  for (const school of SCHOOLS.filter((each) => each.grades.every((grade) => grade !== null))) {
    for (const teacher of TEACHERS.filter((each) => each.schoolId === school.schoolId && passes(each.grade))) {
      await act(schoolAdminOf(school.schoolId), '2021-02-03T10:00:00', 'RecordOfflineHours', {
        batchId: BATCH,
        teacherId: teacher.teacherId,
        hours: 25,
      });
    }
  }
  await act(schoolAdminOf(CERTIFIED_TEACHER.schoolId), '2021-02-05T09:00:00', 'IssueCertificate', {
    batchId: BATCH,
    teacherId: CERTIFIED_TEACHER.teacherId,
  });
  for (const pilot of PILOTS) {
    const school = SCHOOLS.find((each) => each.schoolId === pilot.schoolId) as SchoolPlan;
    const designator: Actor =
      pilot.scope === 'programme'
        ? provinceAdmin
        : { sub: `admin-${school.countyId}`, role: 'county-admin', unitId: school.countyId };
    await act(designator, '2020-11-05T09:00:00', 'DesignatePilotSchool', {
      batchId: BATCH,
      schoolId: pilot.schoolId,
      finishBy: pilot.finishBy,
    });
  }
  // The global position of the last event: views read with it as minPosition see the whole scenario.
  return position;
}
