import { createCipheriv, randomBytes } from 'node:crypto';
import {
  CommandGateway,
  CommandResult,
  CommandValidationFailed,
  contractCommands,
  CredentialVault,
  EventStreams,
  Forbidden,
  IdempotencyStore,
  IdNumberVault,
  LoadedStream,
  StreamConflict,
  StreamWrite,
  WriteContext,
  WriteResult,
} from '@tip/application';
import { Actor, DomainEvent, idNumberCheckCharacter, mulberry32, RuleViolation } from '@tip/domain';
import { NewEvent, newEventId, StreamAppend } from '@tip/event-store';

/**
 * A Jiangsu-sized batch (13 cities, 100 counties, 13,000 schools, ~700,000 teachers at
 * BENCH_SCALE=1) made by sending the contract's commands through the API's own CommandGateway as
 * `system` importing history, over streams held in memory: every event is decided by the real
 * deciders with every rule and deadline applied. It is made one county at a time, and each
 * county's events are handed over (to the bulk import) as soon as the county's year is done;
 * teachers' streams are then dropped, so memory does not grow with the province.
 */

export const PROVINCE = '320000';
export const PROGRAMME = 'JS-2.0';
export const BATCH = 'JS-2020-1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const cst = (local: string) => Date.parse(`${local}+08:00`);
/** The last week the history reaches, and the time the views are read at. */
export const READ_AT = cst('2021-06-30T12:00:00');

const CITY_NAMES = [
  '南京市',
  '无锡市',
  '徐州市',
  '常州市',
  '苏州市',
  '南通市',
  '连云港市',
  '淮安市',
  '盐城市',
  '扬州市',
  '镇江市',
  '泰州市',
  '宿迁市',
];
const FULL_COUNTIES = 100;
const FULL_SCHOOLS = 13_000;
const FULL_TEACHERS_PER_SCHOOL = 54;
const SUBJECTS = ['语文', '数学', '英语', '科学', '美术', '音乐', '体育', '信息技术'];
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
const IMPORTER: Actor = { sub: 'importer', role: 'system' };
const COURSE_PLATFORM: Actor = { sub: 'course-platform', role: 'system' };
const PROVINCE_ADMIN: Actor = { sub: 'p-admin', role: 'province-admin', unitId: PROVINCE };

interface SchoolPlan {
  unitId: string;
  countyId: string;
  cityId: string;
  teachers: number;
  /** Seats its teachers take per period (teacher n enrolls in period n mod 3). */
  seats: number[];
}
interface CountyPlan {
  unitId: string;
  cityId: string;
  index: number;
  schools: SchoolPlan[];
}
export interface ProvincePlan {
  cities: { unitId: string; name: string; counties: CountyPlan[] }[];
  counties: CountyPlan[];
  schools: number;
  teachers: number;
}

/**
 * The shape of the province: BENCH_SCALE ≥ 0.1 keeps every one of the 13,000 schools (fewer
 * teachers each); below that the schools shrink too. Events grow linearly with the scale.
 */
export function planProvince(scale: number): ProvincePlan {
  const schoolShare = Math.min(1, scale * 10);
  const schoolCount = Math.max(CITY_NAMES.length, Math.round(FULL_SCHOOLS * schoolShare));
  const countyCount = Math.max(CITY_NAMES.length, Math.min(FULL_COUNTIES, Math.round(FULL_COUNTIES * schoolShare * 4)));
  const perSchool = (FULL_TEACHERS_PER_SCHOOL * scale) / schoolShare;
  const random = mulberry32(20201101);
  const cities = CITY_NAMES.map((name, index) => ({
    unitId: `32${String(index + 1).padStart(2, '0')}00`,
    name,
    counties: [] as CountyPlan[],
  }));
  const counties: CountyPlan[] = [];
  for (let index = 0; index < countyCount; index++) {
    const city = cities[index % cities.length];
    const county: CountyPlan = {
      unitId: `${city.unitId.slice(0, 4)}${String(city.counties.length + 1).padStart(2, '0')}`,
      cityId: city.unitId,
      index,
      schools: [],
    };
    city.counties.push(county);
    counties.push(county);
  }
  let teachers = 0;
  for (let index = 0; index < schoolCount; index++) {
    const county = counties[index % counties.length];
    const size = Math.max(1, Math.round(perSchool * (0.4 + random() * 1.2)));
    const seats = [0, 0, 0];
    for (let n = 0; n < size; n++) seats[n % 3] += 1;
    county.schools.push({
      unitId: `${county.unitId}S${String(county.schools.length + 1).padStart(4, '0')}`,
      countyId: county.unitId,
      cityId: county.cityId,
      teachers: size,
      seats,
    });
    teachers += size;
  }
  return { cities, counties, schools: schoolCount, teachers };
}

// ── Streams in memory, written the way the API's adapter writes the store ──────────────────

/** Stream kinds a county's year leaves behind for nobody else: dropped once the county is handed over. */
const COUNTY_ONLY = /^(teacher|enrollment|certificate)-/;

class StreamsInMemory implements EventStreams {
  private readonly streams = new Map<string, DomainEvent[]>();
  /** Events handed over per stream so far (the revision the next import expects). */
  private readonly handedOver = new Map<string, number>();
  /** Events not handed over yet, per stream, in the order streams were first written. */
  private pending = new Map<string, NewEvent[]>();
  position = 0;

  async load(streamId: string): Promise<LoadedStream> {
    // A copy: folds are cached by the array read, and this one grows.
    const events = [...(this.streams.get(streamId) ?? [])];
    return { streamId, events, revision: events.length === 0 ? 'no_stream' : events.length - 1 };
  }

  async loadMany(streamIds: string[]): Promise<LoadedStream[]> {
    return Promise.all(streamIds.map((streamId) => this.load(streamId)));
  }

  async write(writes: StreamWrite[], context: WriteContext): Promise<WriteResult> {
    for (const write of writes) {
      const length = this.streams.get(write.streamId)?.length ?? 0;
      const expected = write.expectedRevision === 'no_stream' ? 0 : write.expectedRevision + 1;
      if (length !== expected) throw new StreamConflict(write.streamId);
    }
    const metadata = {
      businessTime: context.now,
      actor: context.actor,
      ...(context.importedBy ? { importedBy: context.importedBy } : {}),
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.commandId,
    };
    const streams: WriteResult['streams'] = [];
    for (const write of writes) {
      const stream = this.streams.get(write.streamId) ?? [];
      if (stream.length === 0) this.streams.set(write.streamId, stream);
      stream.push(...write.events);
      if (write.events.length > 0) {
        const pending = this.pending.get(write.streamId) ?? [];
        if (pending.length === 0) this.pending.set(write.streamId, pending);
        for (const event of write.events)
          pending.push({
            type: event.type,
            data: event.data as Record<string, unknown>,
            metadata: { eventId: newEventId(), ...metadata },
          });
        this.position += write.events.length;
      }
      streams.push({ streamId: write.streamId, revision: stream.length - 1 });
    }
    return { streams, position: this.position };
  }

  /** What was written since the last hand-over, one append per stream, at the revision the store will be at. */
  handOver(): { appends: StreamAppend[]; events: number } {
    const appends: StreamAppend[] = [];
    let events = 0;
    for (const [streamId, pending] of this.pending) {
      const before = this.handedOver.get(streamId) ?? 0;
      appends.push({ streamId, events: pending, expectedRevision: before === 0 ? 'no_stream' : before - 1 });
      this.handedOver.set(streamId, before + pending.length);
      events += pending.length;
    }
    this.pending = new Map();
    return { appends, events };
  }

  /** Forgets the teachers' streams of a county handed over (nothing later reads them). */
  dropCountyStreams(): void {
    for (const streamId of this.streams.keys()) {
      if (COUNTY_ONLY.test(streamId)) {
        this.streams.delete(streamId);
        this.handedOver.delete(streamId);
      }
    }
  }
}

/** ID numbers sealed with one key of the run's own: the vault's cost without a database. */
class VaultInMemory implements IdNumberVault {
  private readonly key = randomBytes(32);
  async protect(teacherId: string, idNumber: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(teacherId));
    const sealed = Buffer.concat([cipher.update(idNumber, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }
  async reveal(): Promise<string | undefined> {
    throw new Error('The province history never reveals an ID number');
  }
  async forget(): Promise<void> {
    throw new Error('The province history never forgets a teacher');
  }
}

const noCredentials: CredentialVault = {
  seal: () => Promise.reject(new Error('The province history has no accounts')),
  matches: () => Promise.reject(new Error('The province history has no accounts')),
  matchesNothing: () => Promise.reject(new Error('The province history has no accounts')),
};
const noIdempotencyKeys: IdempotencyStore = {
  find: () => Promise.reject(new Error('The province history sends no Idempotency-Key')),
  save: () => Promise.reject(new Error('The province history sends no Idempotency-Key')),
};

// ── The commands of the batch ───────────────────────────────────────────────────────────────

type Body = Record<string, unknown>;
interface Step {
  at: number;
  name: string;
  actor: Actor;
  body: Body | (() => Body | undefined);
  after?(result: CommandResult): void;
}

/** Outcomes by command: `EnrollTeacher ok`, `RecordOnlineHours no-op`, `ApplyForClosure CLOSURE_…`. */
export type Tally = Map<string, number>;

export interface HandOver {
  appends: StreamAppend[];
  events: number;
  /** What was handed over so far, for progress lines. */
  teachersDone: number;
}

export interface ProvinceHistory {
  plan: ProvincePlan;
  tally: Tally;
  /** Events of each type decided, to check the read models against. */
  eventTypes: Map<string, number>;
  events: number;
  /** Seconds spent deciding commands (not handing over). */
  decideSeconds: number;
}

const countyAdmin = (unitId: string): Actor => ({ sub: `admin-${unitId}`, role: 'county-admin', unitId });
const cityAdmin = (unitId: string): Actor => ({ sub: `admin-${unitId}`, role: 'city-admin', unitId });
const schoolAdmin = (unitId: string): Actor => ({ sub: `admin-${unitId}`, role: 'school-admin', unitId });
const groupLeader = (unitId: string, subject: string): Actor => ({
  sub: `gl-${unitId}-${SUBJECTS.indexOf(subject)}`,
  role: 'group-leader',
  unitId,
});

/**
 * Decides the province's batch county by county and hands each county's events to `importCounty`
 * (the setup first, the inspections last) before making the next: the caller imports them.
 */
export async function makeProvinceHistory(
  scale: number,
  importCounty: (handOver: HandOver) => Promise<void>,
): Promise<ProvinceHistory> {
  const plan = planProvince(scale);
  const streams = new StreamsInMemory();
  const gateway = new CommandGateway({
    commands: contractCommands,
    streams,
    clock: { now: () => new Date(READ_AT) },
    idempotency: noIdempotencyKeys,
    requestHashKey: 'province-bench',
    idNumbers: new VaultInMemory(),
    credentials: noCredentials,
  });
  const tally: Tally = new Map();
  const eventTypes = new Map<string, number>();
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  let decideSeconds = 0;
  let events = 0;
  let teachersDone = 0;

  const run = async (steps: Step[]) => {
    steps.sort((a, b) => a.at - b.at);
    const started = process.hrtime.bigint();
    for (const step of steps) {
      const body = typeof step.body === 'function' ? step.body() : step.body;
      if (body === undefined) continue;
      const at = new Date(step.at).toISOString();
      const request =
        step.actor.role === 'system'
          ? { name: step.name, body: { ...body, at }, caller: step.actor }
          : { name: step.name, body: { ...body, at, actor: step.actor }, caller: IMPORTER };
      try {
        const result = await gateway.execute(request);
        count(`${step.name} ${result.events.length > 0 ? 'ok' : 'no-op'}`);
        step.after?.(result);
      } catch (error) {
        if (error instanceof RuleViolation) count(`${step.name} ${error.code}`);
        else if (error instanceof Forbidden) count(`${step.name} FORBIDDEN`);
        else if (error instanceof CommandValidationFailed) throw new Error(`${step.name}: ${error.message}`);
        else throw error;
      }
    }
    decideSeconds += Number(process.hrtime.bigint() - started) / 1e9;
  };
  const handOver = async () => {
    const { appends, events: handed } = streams.handOver();
    for (const append of appends)
      for (const event of append.events) eventTypes.set(event.type, (eventTypes.get(event.type) ?? 0) + 1);
    events += handed;
    await importCounty({ appends, events: handed, teachersDone });
  };

  // 1. The province, its cities, the programme and the batch; the province's seats to each city.
  const setup: Step[] = [];
  const registeredAt = cst('2020-10-08T09:00:00');
  setup.push({
    at: registeredAt,
    name: 'RegisterOrgUnit',
    actor: IMPORTER,
    body: { unitId: PROVINCE, kind: 'province', name: '江苏省' },
  });
  for (const city of plan.cities)
    setup.push({
      at: registeredAt + 60_000,
      name: 'RegisterOrgUnit',
      actor: PROVINCE_ADMIN,
      body: { unitId: city.unitId, kind: 'city', name: city.name, parentId: PROVINCE },
    });
  setup.push({
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
  setup.push({
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
  // Every county's seats, with a few to spare at each level.
  const countySeats = (county: CountyPlan, period: number) =>
    county.schools.reduce((sum, school) => sum + school.seats[period] + 2, 0) + 5;
  const quotaAt = cst('2020-10-20T09:00:00');
  for (const [period, { periodId }] of PERIODS.entries())
    for (const city of plan.cities)
      setup.push({
        at: quotaAt,
        name: 'AllocateQuota',
        actor: PROVINCE_ADMIN,
        body: {
          batchId: BATCH,
          periodId,
          fromUnitId: PROVINCE,
          toUnitId: city.unitId,
          seats: city.counties.reduce((sum, county) => sum + countySeats(county, period), 0) + 10,
        },
      });
  await run(setup);
  await handOver();

  // 2. Each county's year, one county after another.
  for (const county of plan.counties) {
    await run(countyYear(county, countySeats, mulberry32(7919 * (county.index + 1))));
    teachersDone += county.schools.reduce((sum, school) => sum + school.teachers, 0);
    await handOver();
    streams.dropCountyStreams();
  }

  // 3. The province's spot check: a 10% sample, and findings at some of the schools drawn.
  const inspector: Actor = { sub: `inspector-${PROVINCE}`, role: 'inspector', unitId: PROVINCE };
  let drawn: string[] = [];
  const inspection: Step[] = [
    {
      at: cst('2021-06-25T09:00:00'),
      name: 'DrawInspectionSample',
      actor: inspector,
      body: { sampleId: 'INS-1', batchId: BATCH, scopeUnitId: PROVINCE, ratePercent: 10, seed: 'province-bench' },
      after: (result) => {
        const sample = result.events.find((event) => event.type === 'InspectionSampleDrawn')?.drawn;
        if (Array.isArray(sample)) drawn = sample.map((each: { schoolId: string }) => each.schoolId);
      },
    },
  ];
  const findings = Math.min(500, Math.ceil(plan.schools / 10));
  for (let n = 0; n < findings; n++)
    inspection.push({
      at: cst('2021-06-28T09:00:00') + n * 60_000,
      name: 'RecordInspectionFinding',
      actor: inspector,
      body: () =>
        drawn[n] === undefined
          ? undefined
          : {
              sampleId: 'INS-1',
              schoolId: drawn[n],
              outcome: n % 7 === 0 ? 'needs-improvement' : 'satisfactory',
              notes: `第${n + 1}所学校：校本研修记录完整`,
            },
    });
  await run(inspection);
  await handOver();
  return { plan, tally, eventTypes, events, decideSeconds };
}

/** One county's batch: its schools and teachers registered, its seats handed down, every teacher's year, the closures. */
function countyYear(
  county: CountyPlan,
  countySeats: (county: CountyPlan, period: number) => number,
  random: () => number,
): Step[] {
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (from: number, to: number) => from + random() * (to - from);
  const int = (from: number, to: number) => Math.floor(between(from, to + 1));
  const hours = (from: number, to: number) => Math.round(between(from, to) * 100) / 100;
  const minute = (ms: number) => Math.round(ms / 60_000) * 60_000;
  const steps: Step[] = [];
  const add = (step: Step) => steps.push(step);
  const registeredAt = cst('2020-10-08T10:00:00');
  add({
    at: registeredAt,
    name: 'RegisterOrgUnit',
    actor: cityAdmin(county.cityId),
    body: { unitId: county.unitId, kind: 'county', name: `${county.unitId}区`, parentId: county.cityId },
  });
  const quotaAt = cst('2020-10-20T10:00:00');
  for (const [period, { periodId }] of PERIODS.entries())
    add({
      at: quotaAt,
      name: 'AllocateQuota',
      actor: cityAdmin(county.cityId),
      body: {
        batchId: BATCH,
        periodId,
        fromUnitId: county.cityId,
        toUnitId: county.unitId,
        seats: countySeats(county, period),
      },
    });

  for (const [schoolIndex, school] of county.schools.entries()) {
    const admin = schoolAdmin(school.unitId);
    const target = { batchId: BATCH, schoolId: school.unitId };
    const subjects = SUBJECTS.slice(0, Math.min(SUBJECTS.length, Math.max(1, Math.ceil(school.teachers / 8))));
    add({
      at: registeredAt + HOUR,
      name: 'RegisterOrgUnit',
      actor: countyAdmin(county.unitId),
      body: {
        unitId: school.unitId,
        kind: 'school',
        name: `${school.unitId} 学校`,
        parentId: county.unitId,
        fullTimeTeachers: school.teachers,
      },
    });
    for (const [period, { periodId }] of PERIODS.entries())
      add({
        at: quotaAt + HOUR,
        name: 'AllocateQuota',
        actor: countyAdmin(county.unitId),
        body: {
          batchId: BATCH,
          periodId,
          fromUnitId: county.unitId,
          toUnitId: school.unitId,
          seats: school.seats[period] + 2,
        },
      });
    add({
      at: cst('2021-01-12T09:00:00'),
      name: 'UploadSchoolPlan',
      actor: admin,
      body: { ...target, documentRef: `plans/${school.unitId}/规划书.pdf` },
    });
    const excellent: { teacherId: string; subject: string }[] = [];
    let passed = 0;
    for (let n = 0; n < school.teachers; n++) {
      const teacherId = `${school.unitId}-T${String(n + 1).padStart(3, '0')}`;
      const subject = subjects[n % subjects.length];
      const teacher: Actor = { sub: teacherId, role: 'teacher', unitId: school.unitId };
      const leader = groupLeader(school.unitId, subject);
      const gender = chance(0.5) ? 'male' : 'female';
      const birthDate = `${int(1965, 1998)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
      const first17 = `${county.unitId}${birthDate.replace(/-/g, '')}${String(int(0, 49) * 2 + (gender === 'male' ? 1 : 0)).padStart(3, '0')}`;
      add({
        at: registeredAt + 2 * HOUR + n * 60_000,
        name: 'RegisterTeacher',
        actor: admin,
        body: {
          teacherId,
          schoolId: school.unitId,
          name: `教师${n + 1}`,
          idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
          gender,
          stage: chance(0.6) ? '小学' : '初中',
          subject,
          fullTime: true,
          birthDate,
        },
      });
      if (chance(0.03)) continue; // not in this batch
      const period = PERIODS[n % 3];
      const onEnrollment = { batchId: BATCH, teacherId };
      const enrolledAt = minute(cst(`${period.startsOn}T08:00:00`) + between(DAY, 6 * DAY));
      const windowEnd = Math.min(cst(`${period.endsOn}T23:59:00`), enrolledAt + 28 * DAY);
      add({
        at: enrolledAt,
        name: 'EnrollTeacher',
        actor: admin,
        body: { ...onEnrollment, periodId: period.periodId },
      });
      if (chance(0.96))
        add({
          at: minute(enrolledAt + between(HOUR, 30 * HOUR)),
          name: 'ConfirmEnrollment',
          actor: teacher,
          body: onEnrollment,
        });
      const points = [...new Set(Array.from({ length: chance(0.7) ? 1 : 2 }, () => pick(POINTS)))];
      add({
        at: minute(enrolledAt + between(2 * DAY, 6.5 * DAY)),
        name: 'SelectAbilityPoints',
        actor: teacher,
        body: { ...onEnrollment, points },
      });
      // The course platform reports each session as the teacher studies: many small records, a few sent twice.
      const records = chance(0.9) ? int(24, 32) : int(4, 12);
      for (let r = 1; r <= records; r++) {
        const at = minute(enrolledAt + (r * (windowEnd - enrolledAt)) / (records + 1));
        const record = {
          ...onEnrollment,
          recordId: `R-${teacherId}-${r}`,
          courseId: `JS-ONLINE-${r % 12}`,
          hours: hours(1, 2),
        };
        add({ at, name: 'RecordOnlineHours', actor: COURSE_PLATFORM, body: record });
        if (chance(0.03)) add({ at: at + HOUR, name: 'RecordOnlineHours', actor: COURSE_PLATFORM, body: record });
      }
      const evidenceAt = minute(cst('2021-03-01T16:00:00') + between(0, 10 * DAY));
      for (const point of points)
        add({
          at: evidenceAt,
          name: 'SubmitPracticeEvidence',
          actor: teacher,
          body: { ...onEnrollment, abilityPoint: point, evidenceRef: `evidence/${teacherId}/${point}.zip` },
        });
      for (let review = 0, reviews = int(1, 2); review < reviews; review++)
        add({
          at: minute(cst('2021-03-08T20:00:00') + between(0, 7 * DAY)),
          name: 'RecordPeerReview',
          actor: teacher,
          body: {
            ...onEnrollment,
            videoId: `PV-${school.unitId}-${int(1, school.teachers)}`,
            comment: '课堂中多媒体资源运用得当。',
          },
        });
      const roll = random();
      const grade = roll < 0.08 ? 'fail' : roll < 0.7 ? 'pass' : 'excellent';
      add({
        at: minute(cst('2021-04-01T10:00:00') + between(0, 4 * DAY)),
        name: 'AssessPractice',
        actor: leader,
        body: { ...onEnrollment, grade },
      });
      if (grade === 'fail') continue;
      passed += 1;
      if (grade === 'excellent') excellent.push({ teacherId, subject });
      add({
        at: minute(cst('2021-04-06T09:00:00') + between(0, 3 * DAY)),
        name: 'RecordOfflineHours',
        actor: admin,
        body: { ...onEnrollment, hours: hours(25, 30) },
      });
      add({
        at: minute(cst('2021-06-01T09:00:00') + between(0, 3 * DAY)),
        name: 'IssueCertificate',
        actor: admin,
        body: onEnrollment,
      });
    }
    // Closure, for the schools that get that far: group videos, excellent videos, application, approval, closing.
    if (passed === 0 || schoolIndex % 5 === 4) continue;
    for (const subject of subjects) {
      const groupId = `G-${SUBJECTS.indexOf(subject)}`;
      add({
        at: cst('2021-05-20T10:00:00'),
        name: 'SubmitGroupVideo',
        actor: groupLeader(school.unitId, subject),
        body: { ...target, groupId, videoRef: `videos/${school.unitId}/${groupId}.mp4` },
      });
    }
    for (const { teacherId, subject } of excellent.slice(0, 3))
      add({
        at: cst('2021-05-21T10:00:00'),
        name: 'UploadExcellentVideo',
        actor: admin,
        body: { ...target, teacherId, subject, videoRef: `videos/excellent/${teacherId}.mp4` },
      });
    add({ at: cst('2021-06-10T10:00:00'), name: 'ApplyForClosure', actor: admin, body: target });
    add({
      at: cst('2021-06-15T09:00:00'),
      name: 'ApproveClosure',
      actor: countyAdmin(county.unitId),
      body: target,
    });
    add({
      at: cst('2021-06-20T09:00:00'),
      name: 'CloseSchool',
      actor: admin,
      body: { ...target, signedDocumentRef: `closure/${school.unitId}/结项验收表.pdf` },
    });
  }
  return steps;
}

export function describeTally(tally: Tally): string {
  return [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key}: ${n.toLocaleString('en-US')}`)
    .join(', ');
}
