import { specFor } from '../shared/given-when-then';
import { NotPermitted } from '../shared/rule-violation';
import { fold } from '../shared/decider';
import { batchEvolver } from '../programme/batch';
import { Rulebook } from '../programme/rulebook';
import { enrollmentAfter, enrollmentWorld, platform, schoolAdmin } from './enrollment.spec-fixtures';
import { decideRecordOnlineHours, decideSelectAbilityPoints } from './training.decider';

// Jiangsu batch 1, period P1 (2020-11-01 – 2020-11-30); T1 at school S1.
const ENROLLED_AT = '2020-11-02T09:00:00+08:00';
const DAY_2 = '2020-11-03T10:00:00+08:00';
const DAY_9 = '2020-11-10T10:00:00+08:00';
const DAY_19 = '2020-11-20T10:00:00+08:00';
const MARCH = '2021-03-15T10:00:00+08:00';

const js = enrollmentWorld('jiangsu-2.0', {
  closedSchools: ['S2'],
  schoolFinishedAt: { S1: '2021-06-01T12:00:00+08:00' },
});
const given = specFor(js.decider);
const enrolled = [js.seats('S1', 5), js.seats('S2', 5), ...js.enrolled('T1', ENROLLED_AT), js.confirmed('T1', DAY_2)];
const picked = [...enrolled, js.selected('T1', ['A1', 'B2'], DAY_2)];
const onlinePassed = [...picked, js.onlineRecorded('T1', 'R1', 15, DAY_9), js.onlineRecorded('T1', 'R2', 10, DAY_19)];
const atClosedSchool = [...js.enrolled('T4', ENROLLED_AT)];

describe('Ability points', () => {
  describe('with the Jiangsu rulebook (the teacher picks within a week; the school admin after)', () => {
    // A week from 2020-11-02 09:00 (China time).
    const deadline = '2020-11-09T01:00:00.000Z';

    it('lets the teacher pick within the week', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1', 'B2'], DAY_2))
        .then(js.selected('T1', ['A1', 'B2'], DAY_2));
    });

    it('lets the teacher pick up to the deadline itself', () => {
      given(...enrolled)
        .when(js.select('T1', ['C3'], deadline))
        .then(js.selected('T1', ['C3'], deadline));
    });

    it('lets the teacher change the choice within the week', () => {
      given(...picked)
        .when(js.select('T1', ['A3'], '2020-11-05T10:00:00+08:00'))
        .then(js.selected('T1', ['A3'], '2020-11-05T10:00:00+08:00'));
    });

    it('appends nothing for the same choice again, in any order', () => {
      given(...picked)
        .when(js.select('T1', ['B2', 'A1'], DAY_9))
        .thenNothingHappens();
    });

    it('refuses the teacher after the week (DEADLINE_PASSED)', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1'], DAY_9))
        .thenRefuses('DEADLINE_PASSED', { deadline });
    });

    it('refuses the school admin within the week (DEADLINE_NOT_PASSED)', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1'], DAY_2, schoolAdmin()))
        .thenRefuses('DEADLINE_NOT_PASSED', { deadline });
    });

    it('lets the school admin pick for a late teacher, recording who picked', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1', 'A2'], DAY_9, schoolAdmin()))
        .then(js.selected('T1', ['A1', 'A2'], DAY_9, schoolAdmin()));
    });

    it('lets the school admin change a choice after the week', () => {
      given(...picked)
        .when(js.select('T1', ['A1'], DAY_9, schoolAdmin()))
        .then(js.selected('T1', ['A1'], DAY_9, schoolAdmin()));
    });

    it('lets the platform itself pick at any time', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1'], DAY_2, platform))
        .then(js.selected('T1', ['A1'], DAY_2, platform));
    });

    it('refuses points outside the catalogue (BAD_POINT_CHOICE)', () => {
      given(...enrolled)
        .when(js.select('T1', ['A1', 'D9'], DAY_2))
        .thenRefuses('BAD_POINT_CHOICE', { problems: [{ problem: 'unknown-points', points: ['D9'] }] });
    });

    it('refuses an empty or repeated choice (BAD_POINT_CHOICE)', () => {
      given(...enrolled)
        .when(js.select('T1', [], DAY_2))
        .thenRefuses('BAD_POINT_CHOICE', { problems: [{ problem: 'too-few-points', minPoints: 1, chosen: 0 }] });
      given(...enrolled)
        .when(js.select('T1', ['A1', 'A1'], DAY_2))
        .thenRefuses('BAD_POINT_CHOICE', { problems: [{ problem: 'repeated-points', points: ['A1'] }] });
    });

    it('refuses dropping a point that already has evidence (BAD_POINT_CHOICE)', () => {
      given(...onlinePassed, js.submitted('T1', 'B2', 'ev-1', DAY_19))
        .when(js.select('T1', ['A1'], MARCH, schoolAdmin()))
        .thenRefuses('BAD_POINT_CHOICE', { problems: [{ problem: 'points-with-evidence-dropped', points: ['B2'] }] });
    });

    it('lets a point whose evidence was returned be dropped', () => {
      given(
        ...onlinePassed,
        js.submitted('T1', 'B2', 'ev-1', DAY_19),
        js.returned('T1', 'B2', ['ev-1'], '重拍', DAY_19),
      )
        .when(js.select('T1', ['A1'], MARCH, schoolAdmin()))
        .then(js.selected('T1', ['A1'], MARCH, schoolAdmin()));
    });

    it('refuses a teacher not enrolled (NOT_ENROLLED)', () => {
      given()
        .when(js.select('T1', ['A1'], DAY_2))
        .thenRefuses('NOT_ENROLLED');
    });

    it('refuses at a closed school (SCHOOL_CLOSED)', () => {
      given(...atClosedSchool)
        .when(js.select('T4', ['A1'], DAY_2))
        .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S2' });
    });
  });

  describe('with a rulebook that lets nobody pick after the deadline', () => {
    it('refuses the school admin after it (DEADLINE_PASSED)', () => {
      const rulebook: Rulebook = {
        ...js.rulebook,
        abilityPoints: js.rulebook.abilityPoints && { ...js.rulebook.abilityPoints, afterDeadlinePickedBy: null },
      };
      const batch = withRulebook(rulebook);
      const enrollment = enrollmentAfter(enrolled, js.stream('T1'));
      expect(() =>
        decideSelectAbilityPoints(js.select('T1', ['A1'], DAY_9, schoolAdmin()), {
          enrollment,
          batch,
          schoolClosed: false,
        }),
      ).toThrow(expect.objectContaining({ code: 'DEADLINE_PASSED' }));
    });
  });

  describe('with the Yueyang rulebook (no deadline)', () => {
    const yy = enrollmentWorld('yueyang-2.0');
    const yyEnrolled = [yy.seats('S1', 5), ...yy.enrolled('T1', '2021-06-02T09:00:00+08:00')];
    const aYearLater = '2022-06-02T09:00:00+08:00';

    it('lets the teacher pick at any time', () => {
      specFor(yy.decider)(...yyEnrolled)
        .when(yy.select('T1', ['B1'], aYearLater))
        .then(yy.selected('T1', ['B1'], aYearLater));
    });

    it('lets the school admin fill in the choice at any time (the pilot sheet has a 能力点选择 column)', () => {
      specFor(yy.decider)(...yyEnrolled)
        .when(yy.select('T1', ['B1', 'C2'], '2021-06-03T09:00:00+08:00', schoolAdmin()))
        .then(yy.selected('T1', ['B1', 'C2'], '2021-06-03T09:00:00+08:00', schoolAdmin()));
    });
  });

  describe.each([
    ['lianyungang-1.0', '2016-03-15T09:00:00+08:00'],
    ['ningde-1.0', '2016-04-05T09:00:00+08:00'],
  ] as const)('with the %s rulebook (1.0: no ability points)', (preset, at) => {
    const world = enrollmentWorld(preset);

    it('refuses any choice, saying the rulebook has none (BAD_POINT_CHOICE)', () => {
      specFor(world.decider)(world.seats('S1', 1), ...world.enrolled('T1', at))
        .when(world.select('T1', ['A1'], at))
        .thenRefuses('BAD_POINT_CHOICE', {
          problems: [{ problem: 'no-ability-points', rulebook: preset, version: '1.0' }],
        });
    });
  });
});

describe('Online hours', () => {
  describe('with the Jiangsu rulebook (one month from enrollment, inside the period)', () => {
    it('credits a platform record to the online category', () => {
      given(...picked)
        .when(js.online('T1', 'R1', 15, DAY_9))
        .then(js.onlineRecorded('T1', 'R1', 15, DAY_9));
    });

    it('credits half and quarter hours', () => {
      given(...picked)
        .when(js.online('T1', 'R1', 0.25, DAY_9))
        .then(js.onlineRecorded('T1', 'R1', 0.25, DAY_9));
    });

    it('appends nothing when the same record arrives twice, whatever it carries', () => {
      given(...onlinePassed)
        .when(js.online('T1', 'R1', 15, DAY_19))
        .thenNothingHappens();
      given(...onlinePassed)
        .when(js.online('T1', 'R1', 40, MARCH))
        .thenNothingHappens();
    });

    it('refuses a record after the period closed (OUTSIDE_STUDY_WINDOW)', () => {
      given(...picked)
        .when(js.online('T1', 'R3', 5, '2020-12-01T00:00:00+08:00'))
        .thenRefuses('OUTSIDE_STUDY_WINDOW', {
          window: { from: '2020-11-02T01:00:00.000Z', until: '2020-11-30T16:00:00.000Z' },
        });
    });

    it('accepts a record in the last minute of the period', () => {
      given(...picked)
        .when(js.online('T1', 'R3', 5, '2020-11-30T23:59:00+08:00'))
        .then(js.onlineRecorded('T1', 'R3', 5, '2020-11-30T23:59:00+08:00'));
    });

    it('refuses a record from before the enrollment (OUTSIDE_STUDY_WINDOW)', () => {
      given(...picked)
        .when(js.online('T1', 'R0', 5, '2020-11-02T08:00:00+08:00'))
        .thenRefuses('OUTSIDE_STUDY_WINDOW');
    });

    it('gives a P2 teacher one month, cut at the end of the period', () => {
      const p2 = [js.seats('S1', 1, 'P2'), ...js.enrolled('T2', '2020-12-10T09:00:00+08:00', { periodId: 'P2' })];
      given(...p2)
        .when(js.online('T2', 'R1', 5, '2020-12-31T23:00:00+08:00'))
        .then(js.onlineRecorded('T2', 'R1', 5, '2020-12-31T23:00:00+08:00'));
      given(...p2)
        .when(js.online('T2', 'R1', 5, '2021-01-01T00:00:00+08:00'))
        .thenRefuses('OUTSIDE_STUDY_WINDOW');
    });

    it.each([0, -2, Number.NaN, Number.POSITIVE_INFINITY, 200.5, 1.005])('refuses %p hours (BAD_HOURS)', (hours) => {
      given(...picked)
        .when(js.online('T1', 'R9', hours, DAY_9))
        .thenRefuses('BAD_HOURS', { max: 200 });
    });

    it('refuses hours that are not a number (BAD_HOURS)', () => {
      const command = js.online('T1', 'R9', 1, DAY_9);
      given(...picked)
        .when({ ...command, data: { ...command.data, hours: '5' as unknown as number } })
        .thenRefuses('BAD_HOURS', { hours: '5' });
    });

    it('refuses a withdrawn teacher (NOT_ENROLLED)', () => {
      given(...picked, ...js.withdrawn('T1', '调离', DAY_9))
        .when(js.online('T1', 'R9', 1, DAY_19))
        .thenRefuses('NOT_ENROLLED');
    });

    it('refuses at a closed school (SCHOOL_CLOSED)', () => {
      given(...atClosedSchool)
        .when(js.online('T4', 'R1', 1, DAY_9))
        .thenRefuses('SCHOOL_CLOSED');
    });
  });

  describe('with a rulebook without online study', () => {
    it('has no category to credit (UNKNOWN_HOURS_CATEGORY)', () => {
      const batch = withRulebook({ ...js.rulebook, onlineStudy: null });
      const enrollment = enrollmentAfter(enrolled, js.stream('T1'));
      expect(() =>
        decideRecordOnlineHours(js.online('T1', 'R1', 5, DAY_9), { enrollment, batch, schoolClosed: false }),
      ).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_HOURS_CATEGORY', details: { category: null, categories: [] } }),
      );
    });
  });

  describe('with the Lianyungang rulebook (the period’s 40 days)', () => {
    const lyg = enrollmentWorld('lianyungang-1.0');
    const lygEnrolled = [lyg.seats('S1', 1), ...lyg.enrolled('T1', '2016-03-15T09:00:00+08:00')];

    it('credits a record on the 40th day', () => {
      specFor(lyg.decider)(...lygEnrolled)
        .when(lyg.online('T1', 'JSJS-1', 30, '2016-04-18T23:00:00+08:00'))
        .then(lyg.onlineRecorded('T1', 'JSJS-1', 30, '2016-04-18T23:00:00+08:00'));
    });

    it('refuses a record after it (OUTSIDE_STUDY_WINDOW)', () => {
      specFor(lyg.decider)(...lygEnrolled)
        .when(lyg.online('T1', 'JSJS-1', 30, '2016-04-19T00:00:00+08:00'))
        .thenRefuses('OUTSIDE_STUDY_WINDOW', {
          window: { from: '2016-03-15T01:00:00.000Z', until: '2016-04-18T16:00:00.000Z' },
        });
    });
  });

  describe('with the Ningde rulebook (the whole batch)', () => {
    const nd = enrollmentWorld('ningde-1.0');
    const ndEnrolled = [nd.seats('S1', 1), ...nd.enrolled('T1', '2016-04-05T09:00:00+08:00')];

    it('credits a record more than a year later', () => {
      specFor(nd.decider)(...ndEnrolled)
        .when(nd.online('T1', 'FJ-1', 50, '2017-09-01T09:00:00+08:00'))
        .then(nd.onlineRecorded('T1', 'FJ-1', 50, '2017-09-01T09:00:00+08:00'));
    });

    it('refuses a record after the batch (OUTSIDE_STUDY_WINDOW)', () => {
      specFor(nd.decider)(...ndEnrolled)
        .when(nd.online('T1', 'FJ-1', 50, '2018-01-01T00:00:00+08:00'))
        .thenRefuses('OUTSIDE_STUDY_WINDOW');
    });
  });

  describe('with the Yueyang rulebook', () => {
    const yy = enrollmentWorld('yueyang-2.0');

    it('credits the platform to the blended workshop category', () => {
      const at = '2021-09-01T09:00:00+08:00';
      const command = yy.online('T1', 'YY-1', 20, at);
      specFor(yy.decider)(yy.seats('S1', 1), ...yy.enrolled('T1', '2021-06-02T09:00:00+08:00'))
        .when(command)
        .then(yy.onlineRecorded('T1', 'YY-1', 20, at));
      expect(yy.onlineRecorded('T1', 'YY-1', 20, at).event.data).toMatchObject({ category: 'workshop' });
    });
  });
});

describe('Practice evidence', () => {
  describe('with the Jiangsu rulebook (online study must pass first)', () => {
    it('refuses evidence before 25 online hours (ONLINE_NOT_PASSED)', () => {
      given(...picked, js.onlineRecorded('T1', 'R1', 15, DAY_9))
        .when(js.submit('T1', 'A1', 'ev-1', DAY_19))
        .thenRefuses('ONLINE_NOT_PASSED', { required: 25, credited: 15 });
    });

    it('takes evidence for a chosen point once online study passed', () => {
      given(...onlinePassed)
        .when(js.submit('T1', 'A1', 'ev-1', MARCH))
        .then(js.submitted('T1', 'A1', 'ev-1', MARCH));
    });

    it('takes more evidence for the same point', () => {
      given(...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH))
        .when(js.submit('T1', 'A1', 'ev-2', MARCH))
        .then(js.submitted('T1', 'A1', 'ev-2', MARCH));
    });

    it('appends nothing for the same evidence again', () => {
      given(...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH))
        .when(js.submit('T1', 'A1', 'ev-1', MARCH))
        .thenNothingHappens();
    });

    it('takes returned evidence again (resubmission)', () => {
      const later = '2021-03-20T10:00:00+08:00';
      given(
        ...onlinePassed,
        js.submitted('T1', 'A1', 'ev-1', MARCH),
        js.returned('T1', 'A1', ['ev-1'], '画面不清', MARCH),
      )
        .when(js.submit('T1', 'A1', 'ev-1', later))
        .then(js.submitted('T1', 'A1', 'ev-1', later));
    });

    it('refuses evidence for a point the teacher did not choose (POINT_NOT_CHOSEN)', () => {
      given(...onlinePassed)
        .when(js.submit('T1', 'C7', 'ev-1', MARCH))
        .thenRefuses('POINT_NOT_CHOSEN', { abilityPoint: 'C7', chosen: ['A1', 'B2'] });
    });

    it('refuses evidence before any point is chosen (POINT_NOT_CHOSEN)', () => {
      given(...enrolled, js.onlineRecorded('T1', 'R1', 25, DAY_9))
        .when(js.submit('T1', 'A1', 'ev-1', MARCH))
        .thenRefuses('POINT_NOT_CHOSEN', { chosen: [] });
    });

    it('refuses at a closed school (SCHOOL_CLOSED)', () => {
      given(...atClosedSchool)
        .when(js.submit('T4', 'A1', 'ev-1', MARCH))
        .thenRefuses('SCHOOL_CLOSED');
    });
  });

  describe('with the Ningde rulebook (1.0: no online gate, no ability points)', () => {
    const nd = enrollmentWorld('ningde-1.0');

    it('takes evidence before the online hours, naming the practice freely', () => {
      const at = '2016-06-01T09:00:00+08:00';
      specFor(nd.decider)(nd.seats('S1', 1), ...nd.enrolled('T1', '2016-04-05T09:00:00+08:00'))
        .when(nd.submit('T1', '教学实践', 'nd-ev-1', at))
        .then(nd.submitted('T1', '教学实践', 'nd-ev-1', at));
    });
  });

  describe('with the Yueyang rulebook (no online gate; chosen points only)', () => {
    const yy = enrollmentWorld('yueyang-2.0');
    const yyPicked = [
      yy.seats('S1', 1),
      ...yy.enrolled('T1', '2021-06-02T09:00:00+08:00'),
      yy.selected('T1', ['B1'], '2021-06-03T09:00:00+08:00'),
    ];
    const at = '2021-07-01T09:00:00+08:00';

    it('takes evidence before any online hours', () => {
      specFor(yy.decider)(...yyPicked)
        .when(yy.submit('T1', 'B1', 'yy-ev-1', at))
        .then(yy.submitted('T1', 'B1', 'yy-ev-1', at));
    });

    it('refuses a point not chosen (POINT_NOT_CHOSEN)', () => {
      specFor(yy.decider)(...yyPicked)
        .when(yy.submit('T1', 'B2', 'yy-ev-1', at))
        .thenRefuses('POINT_NOT_CHOSEN');
    });
  });
});

describe('Peer review', () => {
  it('records a comment on a pushed video', () => {
    given(...onlinePassed)
      .when(js.review('T1', 'V-7', '板书与课件配合很好', MARCH))
      .then(js.reviewed('T1', 'V-7', '板书与课件配合很好', MARCH));
  });

  it('appends nothing for the same comment again', () => {
    given(...onlinePassed, js.reviewed('T1', 'V-7', '好', MARCH))
      .when(js.review('T1', 'V-7', '好', MARCH))
      .thenNothingHappens();
  });

  it('records a changed comment on the same video', () => {
    given(...onlinePassed, js.reviewed('T1', 'V-7', '好', MARCH))
      .when(js.review('T1', 'V-7', '很好', MARCH))
      .then(js.reviewed('T1', 'V-7', '很好', MARCH));
  });

  it('refuses a teacher not enrolled (NOT_ENROLLED) and at a closed school (SCHOOL_CLOSED)', () => {
    given()
      .when(js.review('T1', 'V-7', '好', MARCH))
      .thenRefuses('NOT_ENROLLED');
    given(...atClosedSchool)
      .when(js.review('T4', 'V-7', '好', MARCH))
      .thenRefuses('SCHOOL_CLOSED');
  });
});

describe('Returning evidence', () => {
  const submitted = [...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH), js.submitted('T1', 'A1', 'ev-2', MARCH)];

  it('sends back every piece of the point awaiting assessment', () => {
    given(...submitted)
      .when(js.sendBack('T1', 'A1', '缺少教学设计', MARCH))
      .then(js.returned('T1', 'A1', ['ev-1', 'ev-2'], '缺少教学设计', MARCH));
  });

  it('refuses when nothing was submitted for the point (EVIDENCE_MISSING)', () => {
    given(...submitted)
      .when(js.sendBack('T1', 'B2', '缺少', MARCH))
      .thenRefuses('EVIDENCE_MISSING', { abilityPoint: 'B2', reason: 'nothing-submitted' });
  });

  it('refuses when the point’s evidence is graded (EVIDENCE_MISSING)', () => {
    given(
      ...submitted,
      js.assessed('T1', 'A1', ['ev-1', 'ev-2'], { grade: 'pass', pointGrade: 'pass', overallGrade: null }, MARCH),
    )
      .when(js.sendBack('T1', 'A1', '缺少', MARCH))
      .thenRefuses('EVIDENCE_MISSING', { reason: 'already-assessed' });
  });

  it('refuses when it was returned already (EVIDENCE_MISSING)', () => {
    given(...submitted, js.returned('T1', 'A1', ['ev-1', 'ev-2'], '缺少', MARCH))
      .when(js.sendBack('T1', 'A1', '缺少', MARCH))
      .thenRefuses('EVIDENCE_MISSING', { reason: 'returned' });
  });

  it('refuses at a closed school (SCHOOL_CLOSED)', () => {
    given(...atClosedSchool)
      .when(js.sendBack('T4', 'A1', '缺少', MARCH))
      .thenRefuses('SCHOOL_CLOSED');
  });
});

describe('Assessing practice', () => {
  const both = [...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH), js.submitted('T1', 'B2', 'ev-2', MARCH)];

  describe('with the Jiangsu rulebook', () => {
    it('refuses before online study passed (ONLINE_NOT_PASSED)', () => {
      given(...picked)
        .when(js.assess('T1', 'pass', MARCH))
        .thenRefuses('ONLINE_NOT_PASSED', { required: 25, credited: 0 });
    });

    it('refuses when no evidence was submitted (EVIDENCE_MISSING)', () => {
      given(...onlinePassed)
        .when(js.assess('T1', 'pass', MARCH))
        .thenRefuses('EVIDENCE_MISSING', { reason: 'nothing-submitted' });
    });

    it('grades every point awaiting assessment, one event per point, the last with the overall grade', () => {
      given(...both)
        .when(js.assess('T1', 'excellent', MARCH))
        .then(
          js.assessed('T1', 'A1', ['ev-1'], { grade: 'excellent', pointGrade: 'excellent', overallGrade: null }, MARCH),
          js.assessed(
            'T1',
            'B2',
            ['ev-2'],
            { grade: 'excellent', pointGrade: 'excellent', overallGrade: 'excellent' },
            MARCH,
          ),
        );
    });

    it('grades one point when it is named', () => {
      given(...both)
        .when(js.assess('T1', 'pass', MARCH, 'B2'))
        .then(js.assessed('T1', 'B2', ['ev-2'], { grade: 'pass', pointGrade: 'pass', overallGrade: null }, MARCH));
    });

    it('refuses a named point with nothing awaiting assessment (EVIDENCE_MISSING)', () => {
      given(...both)
        .when(js.assess('T1', 'pass', MARCH, 'C1'))
        .thenRefuses('EVIDENCE_MISSING', { abilityPoint: 'C1', reason: 'nothing-submitted' });
    });

    it('refuses when everything is graded already (EVIDENCE_MISSING)', () => {
      given(
        ...both,
        js.assessed('T1', 'A1', ['ev-1'], { grade: 'pass', pointGrade: 'pass', overallGrade: null }, MARCH),
        js.assessed('T1', 'B2', ['ev-2'], { grade: 'pass', pointGrade: 'pass', overallGrade: 'pass' }, MARCH),
      )
        .when(js.assess('T1', 'excellent', MARCH))
        .thenRefuses('EVIDENCE_MISSING', { reason: 'already-assessed' });
    });

    it('leaves returned evidence out', () => {
      given(...both, js.returned('T1', 'B2', ['ev-2'], '重拍', MARCH))
        .when(js.assess('T1', 'pass', MARCH))
        .then(js.assessed('T1', 'A1', ['ev-1'], { grade: 'pass', pointGrade: 'pass', overallGrade: null }, MARCH));
    });

    it('grades new evidence on a graded point as its next attempt, whose grade the point now has', () => {
      const firstExcellent = [
        ...both,
        js.assessed('T1', 'A1', ['ev-1'], { grade: 'excellent', pointGrade: 'excellent', overallGrade: null }, MARCH),
      ];
      given(...firstExcellent, js.submitted('T1', 'A1', 'ev-3', MARCH))
        .when(js.assess('T1', 'pass', MARCH, 'A1'))
        .then(
          js.assessed(
            'T1',
            'A1',
            ['ev-3'],
            { grade: 'pass', pointGrade: 'pass', overallGrade: null, attempt: 2 },
            MARCH,
          ),
        );
    });

    it('lets the last grade count: a failed attempt after an excellent one fails the point and the teacher', () => {
      const gradedB2 = js.assessed(
        'T1',
        'B2',
        ['ev-2'],
        { grade: 'excellent', pointGrade: 'excellent', overallGrade: null },
        MARCH,
      );
      given(
        ...both,
        gradedB2,
        js.assessed(
          'T1',
          'A1',
          ['ev-1'],
          { grade: 'excellent', pointGrade: 'excellent', overallGrade: 'excellent' },
          MARCH,
        ),
        js.submitted('T1', 'A1', 'ev-3', MARCH),
      )
        .when(js.assess('T1', 'fail', MARCH))
        .then(
          js.assessed(
            'T1',
            'A1',
            ['ev-3'],
            { grade: 'fail', pointGrade: 'fail', overallGrade: 'fail', attempt: 2 },
            MARCH,
          ),
        );
    });

    it('passes a teacher with one excellent and one passed point', () => {
      given(
        ...both,
        js.assessed('T1', 'A1', ['ev-1'], { grade: 'excellent', pointGrade: 'excellent', overallGrade: null }, MARCH),
      )
        .when(js.assess('T1', 'pass', MARCH))
        .then(js.assessed('T1', 'B2', ['ev-2'], { grade: 'pass', pointGrade: 'pass', overallGrade: 'pass' }, MARCH));
    });

    it('refuses at a closed school (SCHOOL_CLOSED)', () => {
      given(...atClosedSchool)
        .when(js.assess('T4', 'pass', MARCH))
        .thenRefuses('SCHOOL_CLOSED');
    });
  });

  describe('with the Ningde rulebook (no online gate)', () => {
    const nd = enrollmentWorld('ningde-1.0');
    const at = '2016-06-01T09:00:00+08:00';

    it('grades the practice before the online hours', () => {
      specFor(nd.decider)(
        nd.seats('S1', 1),
        ...nd.enrolled('T1', '2016-04-05T09:00:00+08:00'),
        nd.submitted('T1', '教学实践', 'nd-ev-1', at),
      )
        .when(nd.assess('T1', 'pass', at))
        .then(
          nd.assessed('T1', '教学实践', ['nd-ev-1'], { grade: 'pass', pointGrade: 'pass', overallGrade: 'pass' }, at),
        );
    });
  });
});

describe('Offline hours', () => {
  describe('with the Jiangsu rulebook (evidence and peer review first; within a week after the school finished)', () => {
    const ready = [...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH), js.reviewed('T1', 'V-7', '好', MARCH)];
    const entered = '2021-06-02T10:00:00+08:00';

    it('refuses without evidence and peer review, naming both (PEER_REVIEW_MISSING)', () => {
      given(...onlinePassed)
        .when(js.offline('T1', 25, entered))
        .thenRefuses('PEER_REVIEW_MISSING', { missing: ['evidence', 'peer-review'] });
    });

    it('refuses with evidence but no peer review (PEER_REVIEW_MISSING)', () => {
      given(...onlinePassed, js.submitted('T1', 'A1', 'ev-1', MARCH))
        .when(js.offline('T1', 25, entered))
        .thenRefuses('PEER_REVIEW_MISSING', { missing: ['peer-review'] });
    });

    it('refuses with a peer review but only returned evidence (PEER_REVIEW_MISSING)', () => {
      given(
        ...onlinePassed,
        js.submitted('T1', 'A1', 'ev-1', MARCH),
        js.returned('T1', 'A1', ['ev-1'], '重拍', MARCH),
        js.reviewed('T1', 'V-7', '好', MARCH),
      )
        .when(js.offline('T1', 25, entered))
        .thenRefuses('PEER_REVIEW_MISSING', { missing: ['evidence'] });
    });

    it('records the hours in the offline category, with who entered them', () => {
      given(...ready)
        .when(js.offline('T1', 25, entered))
        .then(js.offlineRecorded('T1', 'offline', 25, entered));
    });

    it('appends nothing for the same hours again, and replaces them with new hours', () => {
      given(...ready, js.offlineRecorded('T1', 'offline', 25, entered))
        .when(js.offline('T1', 25, entered))
        .thenNothingHappens();
      given(...ready, js.offlineRecorded('T1', 'offline', 25, entered))
        .when(js.offline('T1', 28, entered))
        .then(js.offlineRecorded('T1', 'offline', 28, entered));
    });

    it('accepts hours up to a week after the school finished', () => {
      given(...ready)
        .when(js.offline('T1', 25, '2021-06-08T12:00:00+08:00'))
        .then(js.offlineRecorded('T1', 'offline', 25, '2021-06-08T12:00:00+08:00'));
    });

    it('refuses hours later than that (DEADLINE_PASSED)', () => {
      given(...ready)
        .when(js.offline('T1', 25, '2021-06-08T12:00:01+08:00'))
        .thenRefuses('DEADLINE_PASSED', {
          deadline: '2021-06-08T04:00:00.000Z',
          schoolFinishedAt: '2021-06-01T12:00:00+08:00',
        });
    });

    it('runs no deadline while the school has not finished', () => {
      const unfinished = enrollmentWorld('jiangsu-2.0');
      specFor(unfinished.decider)(...ready)
        .when(unfinished.offline('T1', 25, '2021-10-01T09:00:00+08:00'))
        .then(unfinished.offlineRecorded('T1', 'offline', 25, '2021-10-01T09:00:00+08:00'));
    });

    it('refuses the online category (UNKNOWN_HOURS_CATEGORY)', () => {
      given(...ready)
        .when(js.offline('T1', 25, entered, 'online'))
        .thenRefuses('UNKNOWN_HOURS_CATEGORY', { category: 'online', categories: ['offline'] });
    });

    it.each([0, -1, 201])('refuses %p hours (BAD_HOURS)', (hours) => {
      given(...ready)
        .when(js.offline('T1', hours, entered))
        .thenRefuses('BAD_HOURS');
    });

    it('refuses a teacher not enrolled (NOT_ENROLLED) and at a closed school (SCHOOL_CLOSED)', () => {
      given()
        .when(js.offline('T1', 25, entered))
        .thenRefuses('NOT_ENROLLED');
      given(...atClosedSchool)
        .when(js.offline('T4', 25, entered))
        .thenRefuses('SCHOOL_CLOSED');
    });
  });

  describe('with the Lianyungang rulebook (two city-platform categories, no prerequisites)', () => {
    const lyg = enrollmentWorld('lianyungang-1.0', { schoolFinishedAt: { S1: '2016-05-01T12:00:00+08:00' } });
    const lygEnrolled = [lyg.seats('S1', 1), ...lyg.enrolled('T1', '2016-03-15T09:00:00+08:00')];
    const at = '2017-06-01T09:00:00+08:00';

    it('refuses hours without a category (UNKNOWN_HOURS_CATEGORY)', () => {
      specFor(lyg.decider)(...lygEnrolled)
        .when(lyg.offline('T1', 90, at))
        .thenRefuses('UNKNOWN_HOURS_CATEGORY', { category: null, categories: ['application-integration', 'practice'] });
    });

    it('records each category without evidence, peer review or entry deadline', () => {
      specFor(lyg.decider)(...lygEnrolled)
        .when(lyg.offline('T1', 90, at, 'application-integration'))
        .then(lyg.offlineRecorded('T1', 'application-integration', 90, at));
      specFor(lyg.decider)(...lygEnrolled)
        .when(lyg.offline('T1', 20, at, 'practice'))
        .then(lyg.offlineRecorded('T1', 'practice', 20, at));
    });
  });

  describe('with the Ningde rulebook (evidence first, no peer review)', () => {
    const nd = enrollmentWorld('ningde-1.0');
    const ndEnrolled = [nd.seats('S1', 1), ...nd.enrolled('T1', '2016-04-05T09:00:00+08:00')];
    const at = '2016-09-01T09:00:00+08:00';

    it('refuses hours without evidence (EVIDENCE_MISSING)', () => {
      specFor(nd.decider)(...ndEnrolled)
        .when(nd.offline('T1', 30, at))
        .thenRefuses('EVIDENCE_MISSING', { reason: 'nothing-submitted' });
    });

    it('records the practice hours once evidence is in', () => {
      specFor(nd.decider)(...ndEnrolled, nd.submitted('T1', '教学实践', 'nd-ev-1', at))
        .when(nd.offline('T1', 30, at))
        .then(nd.offlineRecorded('T1', 'practice', 30, at));
    });
  });

  describe('with the Yueyang rulebook (two school-based categories; the workshop is the platform’s)', () => {
    const yy = enrollmentWorld('yueyang-2.0');
    const yyEnrolled = [yy.seats('S1', 1), ...yy.enrolled('T1', '2021-06-02T09:00:00+08:00')];
    const at = '2021-11-01T09:00:00+08:00';

    it('records school-based hours without prerequisites', () => {
      specFor(yy.decider)(...yyEnrolled)
        .when(yy.offline('T1', 10, at, 'school-based'))
        .then(yy.offlineRecorded('T1', 'school-based', 10, at));
    });

    it('refuses the school admin the workshop category, which the county records (403)', () => {
      const world = fold(yy.decider, yyEnrolled);
      expect(() => yy.decider.decide(yy.offline('T1', 10, at, 'workshop'), world)).toThrow(NotPermitted);
    });

    it('refuses a category the rulebook does not have (UNKNOWN_HOURS_CATEGORY)', () => {
      specFor(yy.decider)(...yyEnrolled)
        .when(yy.offline('T1', 10, at, 'seminar'))
        .thenRefuses('UNKNOWN_HOURS_CATEGORY', { categories: ['school-based', 'school-based-assessment'] });
    });
  });
});

/** The Jiangsu batch under another (custom) rulebook. */
function withRulebook(rulebook: Rulebook) {
  if (js.batch.status !== 'scheduled') throw new Error('the spec world schedules its batch');
  const {
    status: _status,
    scheduledEndsOn: _end,
    extensions: _extensions,
    ownerUnitId: _owner,
    ...scheduled
  } = js.batch;
  return fold(batchEvolver, [{ type: 'BatchScheduled', data: { ...scheduled, rulebook } }]);
}
