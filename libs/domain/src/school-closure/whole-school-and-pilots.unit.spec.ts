import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { Actor, CommandMetadata } from '../shared/messages';
import { NotPermitted } from '../shared/rule-violation';
import { noticeBatch, rulebookLike } from '../programme/batch.spec-fixtures';
import { ApplyForClosure, DesignatePilotSchool } from './school-closure.commands';
import {
  ClosureApplicationFacts,
  PilotSchoolLookup,
  SchoolClosureLookups,
  schoolClosureDecider,
} from './school-closure.decider';
import { SchoolClosureEvent } from './school-closure.events';
import { isPilotLate } from './school-closure.state';

// 整校推进: a Jiangsu school of 100 enrolled teachers, 10 of them graded, 9 of those passed.
const jiangsu = noticeBatch('jiangsu-2.0');
const schoolAdmin: Actor = { sub: 'admin-S1', role: 'school-admin', unitId: 'S1' };
const apply = (now = '2021-09-01T10:00:00+08:00'): ApplyForClosure => ({
  type: 'ApplyForClosure',
  data: { batchId: 'JS-2020-1', schoolId: 'S1' },
  metadata: { now, actor: schoolAdmin },
});
const planUploaded: SchoolClosureEvent = {
  type: 'SchoolPlanUploaded',
  data: { batchId: 'JS-2020-1', schoolId: 'S1', documentRef: 'plan.pdf' },
};
const facts = (candidates: number, assessed: number, passed: number): ClosureApplicationFacts => ({
  candidates,
  assessed,
  passed,
  fullTimeTeachers: 0,
  subjectsTaught: [],
});
const given = (lookups: SchoolClosureLookups) => specFor(schoolClosureDecider(lookups));

describe('Whole-school closure (整校推进): the 90% is of every 参考教师', () => {
  it('refuses Jiangsu’s school while 90 of its 100 teachers are ungraded (ASSESSMENT_INCOMPLETE)', () => {
    given({ batch: jiangsu, application: facts(100, 10, 9) })(planUploaded)
      .when(apply())
      .thenRefuses('ASSESSMENT_INCOMPLETE', { candidates: 100, assessed: 10, ungraded: 90 });
  });

  it('under a rulebook not asking for everyone graded first, counts the ungraded as not passed (CLOSURE_THRESHOLD_NOT_MET)', () => {
    const notFirst = noticeBatch('jiangsu-2.0', {
      rulebook: rulebookLike('jiangsu-2.0', { closure: { allAssessedFirst: false }, excellentVideos: null }),
    });
    given({ batch: notFirst, application: facts(100, 10, 9) })(planUploaded)
      .when(apply())
      .thenRefuses('CLOSURE_THRESHOLD_NOT_MET', { passed: 9, candidates: 100, assessed: 10, requiredPercent: 90 });
    given({ batch: notFirst, application: facts(100, 95, 90) })(planUploaded)
      .when(apply())
      .then({
        type: 'ClosureApplied',
        data: {
          batchId: 'JS-2020-1',
          schoolId: 'S1',
          rulebookId: 'jiangsu-2.0-custom',
          candidates: 100,
          assessed: 95,
          passed: 90,
          closureThresholdPercent: 90,
          fullTimeTeachers: 0,
          subjectsTaught: [],
          excellentVideos: 0,
          excellentVideosRequired: 0,
          excellentSubjects: [],
        },
      });
  });

  it('refuses once everyone is graded but fewer than 90% passed (CLOSURE_THRESHOLD_NOT_MET)', () => {
    given({ batch: jiangsu, application: facts(100, 100, 89) })(planUploaded)
      .when(apply())
      .thenRefuses('CLOSURE_THRESHOLD_NOT_MET', { passed: 89, candidates: 100 });
  });

  it('refuses an application after the batch’s end (BATCH_ENDED)', () => {
    given({ batch: jiangsu, application: facts(100, 100, 95) })(planUploaded)
      .when(apply('2021-11-01T09:00:00+08:00'))
      .thenRefuses('BATCH_ENDED', { endsOn: '2021-10-31' });
  });

  it('takes it after the owner extended the batch', () => {
    const extended = noticeBatch('jiangsu-2.0', { extendedTo: '2021-12-31' });
    const [applied] = schoolClosureDecider({ batch: extended, application: facts(100, 100, 95) }).decide(
      apply('2021-11-01T09:00:00+08:00'),
      fold(schoolClosureDecider(), [planUploaded]),
    );
    expect(applied).toMatchObject({ type: 'ClosureApplied', data: { candidates: 100, passed: 95 } });
  });
});

describe('Pilot schools (试点学校): Yueyang’s 2 city pilots and at least 2 per county', () => {
  const yueyang = noticeBatch('yueyang-2.0');
  // 岳阳市 430600 in 湖南省 430000; 市十二中 directly under the city; 华容县 430623 with its schools.
  const no12: PilotSchoolLookup = {
    status: 'registered',
    unitId: 'YY-SZ12',
    kind: 'school',
    ancestry: ['430000', '430600'],
  };
  const huarong1: PilotSchoolLookup = {
    status: 'registered',
    unitId: 'HR-01',
    kind: 'school',
    ancestry: ['430000', '430600', '430623'],
  };
  const city: Actor = { sub: 'yy-admin', role: 'city-admin', unitId: '430600' };
  const huarong: Actor = { sub: 'hr-admin', role: 'county-admin', unitId: '430623' };
  const designate = (schoolId: string, actor: Actor, finishBy = '2021-12-31'): DesignatePilotSchool => ({
    type: 'DesignatePilotSchool',
    data: { batchId: 'YY-2021', schoolId, finishBy },
    metadata: { now: '2021-05-25T10:00:00+08:00', actor } satisfies CommandMetadata,
  });
  const designated = (
    schoolId: string,
    scope: 'programme' | 'county',
    finishBy = '2021-12-31',
  ): SchoolClosureEvent => ({
    type: 'PilotSchoolDesignated',
    data: { batchId: 'YY-2021', schoolId, finishBy, scope, designatedAt: '2021-05-25T10:00:00+08:00' },
  });

  it('makes 市十二中 one of the city’s own pilots when the city that runs the programme designates it', () => {
    given({ batch: yueyang, school: no12 })().when(designate('YY-SZ12', city)).then(designated('YY-SZ12', 'programme'));
  });

  it('makes a school 华容县 designates one of the county’s pilots', () => {
    given({ batch: yueyang, school: huarong1 })().when(designate('HR-01', huarong)).then(designated('HR-01', 'county'));
  });

  it('appends nothing for the same designation again, and re-dates it for another finishBy', () => {
    given({ batch: yueyang, school: huarong1 })(designated('HR-01', 'county'))
      .when(designate('HR-01', huarong))
      .thenNothingHappens();
    given({ batch: yueyang, school: huarong1 })(designated('HR-01', 'county'))
      .when(designate('HR-01', huarong, '2022-03-31'))
      .then(designated('HR-01', 'county', '2022-03-31'));
  });

  it('refuses a unit that is not a registered school (UNKNOWN_SCHOOL)', () => {
    given({ batch: yueyang, school: { status: 'unregistered' } })()
      .when(designate('NOPE', city))
      .thenRefuses('UNKNOWN_SCHOOL', { schoolId: 'NOPE' });
    given({ batch: yueyang, school: { ...huarong1, unitId: '430623', kind: 'county' } })()
      .when(designate('430623', city))
      .thenRefuses('UNKNOWN_SCHOOL');
  });

  it('refuses a school outside 岳阳市 (OUTSIDE_PROGRAMME)', () => {
    const changsha: PilotSchoolLookup = {
      status: 'registered',
      unitId: 'CS-01',
      kind: 'school',
      ancestry: ['430000', '430100'],
    };
    given({ batch: yueyang, school: changsha })()
      .when(designate('CS-01', city))
      .thenRefuses('OUTSIDE_PROGRAMME', { unitId: 'CS-01', ownerUnitId: '430600' });
  });

  it('refuses a finishBy that is no date (BAD_DATE)', () => {
    given({ batch: yueyang, school: huarong1 })()
      .when(designate('HR-01', huarong, '2021-12-32'))
      .thenRefuses('BAD_DATE', { field: 'finishBy' });
  });

  it('refuses the province admin of a city’s programme (403)', () => {
    const province: Actor = { sub: 'hn-admin', role: 'province-admin', unitId: '430000' };
    expect(() =>
      schoolClosureDecider({ batch: yueyang, school: huarong1 }).decide(
        designate('HR-01', province),
        fold(schoolClosureDecider(), []),
      ),
    ).toThrow(NotPermitted);
  });

  it('calls a pilot late once finishBy has passed without its closure, and on time when closed by then', () => {
    const pilot = fold(schoolClosureDecider(), [designated('HR-01', 'county')]);
    expect(isPilotLate(pilot, '2021-12-31T23:00:00+08:00')).toBe(false);
    expect(isPilotLate(pilot, '2022-01-01T08:00:00+08:00')).toBe(true);
    const closed = (closedAt: string) =>
      fold(schoolClosureDecider(), [
        designated('HR-01', 'county'),
        {
          type: 'SchoolClosed',
          data: { batchId: 'YY-2021', schoolId: 'HR-01', signedDocumentRef: 'signed.jpg', closedAt },
        },
      ]);
    expect(isPilotLate(closed('2021-12-20T10:00:00+08:00'), '2022-06-01T08:00:00+08:00')).toBe(false);
    expect(isPilotLate(closed('2022-01-05T10:00:00+08:00'), '2022-06-01T08:00:00+08:00')).toBe(true);
    expect(isPilotLate(fold(schoolClosureDecider(), []), '2022-06-01T08:00:00+08:00')).toBe(false);
  });
});
