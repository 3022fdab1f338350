import { specFor } from '../shared/given-when-then';
import { noticeBatch, rulebookLike } from '../programme/batch.spec-fixtures';
import { AssessPractice, Grade, SubmitPracticeEvidence } from './enrollment.commands';
import { actors, foldRecord, recordDecider, recordOf, refOf } from './record.spec-fixtures';
import { attemptsOf, overallGrade, pointGrade } from './enrollment.state';
import { decideAssessPractice, decideSubmitPracticeEvidence } from './training.decider';

// Jiangsu batch 1 (2020-11-01 – 2021-10-31): T1 enrolled, picked A1, passed online, failed A1 once.
const jiangsu = noticeBatch('jiangsu-2.0');
const js = recordOf(jiangsu);
const { batchId } = js;
const MARCH = '2021-03-10T10:00:00+08:00';
const APRIL = '2021-04-01T10:00:00+08:00';
const MAY = '2021-05-10T10:00:00+08:00';

const submit = (abilityPoint: string, evidenceRef: string, at: string): SubmitPracticeEvidence => ({
  type: 'SubmitPracticeEvidence',
  data: { batchId, teacherId: 'T1', abilityPoint, evidenceRef },
  metadata: { now: at, actor: actors.teacher() },
});
const assess = (grade: Grade, at: string, abilityPoint?: string): AssessPractice => ({
  type: 'AssessPractice',
  data: { batchId, teacherId: 'T1', grade, ...(abilityPoint === undefined ? {} : { abilityPoint }) },
  metadata: { now: at, actor: actors.leader },
});

const ready = [
  js.enrolled('2020-11-02T09:00:00+08:00'),
  js.selected(['A1'], '2020-11-03T09:00:00+08:00'),
  js.online('R1', 25, '2020-11-20T09:00:00+08:00'),
  js.submitted('A1', 'ev-1', '2021-03-01T09:00:00+08:00'),
];
const failedOnce = [
  ...ready,
  js.assessed('A1', ['ev-1'], { grade: 'fail', attempt: 1, pointGrade: 'fail', overallGrade: 'fail' }, MARCH),
];

describe('Retakes: a failed point is retaken, the last grade counts, every attempt stays on record', () => {
  describe('under the Jiangsu rulebook (graded on evidence, no cap in the notice)', () => {
    const submitting = specFor(recordDecider(jiangsu, decideSubmitPracticeEvidence));
    const assessing = specFor(recordDecider(jiangsu, decideAssessPractice));

    it('takes new evidence for the failed point (a retake)', () => {
      submitting(...failedOnce)
        .when(submit('A1', 'ev-2', APRIL))
        .then(js.submitted('A1', 'ev-2', APRIL));
    });

    it('grades the retake as attempt 2, and its pass is the point’s and the teacher’s grade', () => {
      assessing(...failedOnce, js.submitted('A1', 'ev-2', APRIL))
        .when(assess('pass', MAY))
        .then(
          js.assessed('A1', ['ev-2'], { grade: 'pass', attempt: 2, pointGrade: 'pass', overallGrade: 'pass' }, MAY),
        );
    });

    it('keeps both attempts in the record, the fail and the pass, in order', () => {
      const record = foldRecord([
        ...failedOnce,
        js.submitted('A1', 'ev-2', APRIL),
        js.assessed('A1', ['ev-2'], { grade: 'pass', attempt: 2, pointGrade: 'pass', overallGrade: 'pass' }, MAY),
      ]);
      expect(attemptsOf(record, 'A1')).toEqual([
        {
          abilityPoint: 'A1',
          attempt: 1,
          grade: 'fail',
          evidenceRefs: ['ev-1'],
          assessedBy: refOf(actors.leader),
          assessedAt: MARCH,
        },
        {
          abilityPoint: 'A1',
          attempt: 2,
          grade: 'pass',
          evidenceRefs: ['ev-2'],
          assessedBy: refOf(actors.leader),
          assessedAt: MAY,
        },
      ]);
      expect(pointGrade(record, 'A1')).toBe('pass');
      expect(overallGrade(record)).toBe('pass');
    });

    it('leaves the teacher failed while the retake awaits its grade', () => {
      const record = foldRecord([...failedOnce, js.submitted('A1', 'ev-2', APRIL)]);
      expect(overallGrade(record)).toBe('fail');
    });

    it('sets no cap: a third and a fourth attempt are taken', () => {
      const failedThrice = [
        ...failedOnce,
        js.submitted('A1', 'ev-2', APRIL),
        js.assessed('A1', ['ev-2'], { grade: 'fail', attempt: 2, pointGrade: 'fail', overallGrade: 'fail' }, APRIL),
        js.submitted('A1', 'ev-3', APRIL),
        js.assessed('A1', ['ev-3'], { grade: 'fail', attempt: 3, pointGrade: 'fail', overallGrade: 'fail' }, APRIL),
      ];
      submitting(...failedThrice)
        .when(submit('A1', 'ev-4', MAY))
        .then(js.submitted('A1', 'ev-4', MAY));
    });

    it('appends nothing for the same evidence again', () => {
      submitting(...failedOnce)
        .when(submit('A1', 'ev-1', APRIL))
        .thenNothingHappens();
    });
  });

  describe('under a rulebook capping a point at two gradings (one retake)', () => {
    const capped = noticeBatch('jiangsu-2.0', {
      rulebook: rulebookLike('jiangsu-2.0', { assessment: { evidenceRequired: true, maxAttemptsPerPoint: 2 } }),
    });
    const record = recordOf(capped);
    const first = [
      record.enrolled('2020-11-02T09:00:00+08:00'),
      record.selected(['A1'], '2020-11-03T09:00:00+08:00'),
      record.online('R1', 25, '2020-11-20T09:00:00+08:00'),
      record.submitted('A1', 'ev-1', '2021-03-01T09:00:00+08:00'),
      record.assessed('A1', ['ev-1'], { grade: 'fail', attempt: 1, pointGrade: 'fail', overallGrade: 'fail' }, MARCH),
    ];
    const second = [
      ...first,
      record.submitted('A1', 'ev-2', APRIL),
      record.assessed('A1', ['ev-2'], { grade: 'fail', attempt: 2, pointGrade: 'fail', overallGrade: 'fail' }, APRIL),
    ];

    it('takes the one retake', () => {
      specFor(recordDecider(capped, decideSubmitPracticeEvidence))(...first)
        .when(submit('A1', 'ev-2', APRIL))
        .then(record.submitted('A1', 'ev-2', APRIL));
    });

    it('refuses new evidence once the point has failed twice (RETAKES_EXHAUSTED)', () => {
      specFor(recordDecider(capped, decideSubmitPracticeEvidence))(...second)
        .when(submit('A1', 'ev-3', MAY))
        .thenRefuses('RETAKES_EXHAUSTED', {
          abilityPoint: 'A1',
          attempts: 2,
          maxAttemptsPerPoint: 2,
          lastGrade: 'fail',
        });
    });

    it('refuses a third grading of evidence that came in before the cap (RETAKES_EXHAUSTED)', () => {
      // History from before the cap was checked at submission: the grading is the last guard.
      specFor(recordDecider(capped, decideAssessPractice))(...second, record.submitted('A1', 'ev-3', MAY))
        .when(assess('pass', MAY))
        .thenRefuses('RETAKES_EXHAUSTED', { attempts: 2 });
    });

    it('still takes new evidence for another point', () => {
      const twoPoints = [...second];
      twoPoints[1] = record.selected(['A1', 'B2'], '2020-11-03T09:00:00+08:00');
      specFor(recordDecider(capped, decideSubmitPracticeEvidence))(...twoPoints)
        .when(submit('B2', 'ev-b', MAY))
        .then(record.submitted('B2', 'ev-b', MAY));
    });
  });

  describe('under a Yueyang-like rulebook capping gradings without evidence', () => {
    const capped = noticeBatch('yueyang-2.0', {
      rulebook: rulebookLike('yueyang-2.0', { assessment: { evidenceRequired: false, maxAttemptsPerPoint: 2 } }),
    });
    const yy = recordOf(capped);
    const at = '2021-11-01T10:00:00+08:00';
    const yyAssess = (grade: Grade): AssessPractice => ({
      type: 'AssessPractice',
      data: { batchId: yy.batchId, teacherId: 'T1', grade, abilityPoint: 'B1' },
      metadata: { now: at, actor: actors.school() },
    });
    const twice = [
      yy.enrolled('2021-06-02T09:00:00+08:00'),
      yy.selected(['B1'], '2021-06-03T09:00:00+08:00'),
      yy.assessed(
        'B1',
        [],
        { grade: 'fail', attempt: 1, pointGrade: 'fail', overallGrade: 'fail' },
        at,
        actors.school(),
      ),
      yy.assessed(
        'B1',
        [],
        { grade: 'fail', attempt: 2, pointGrade: 'fail', overallGrade: 'fail' },
        at,
        actors.school(),
      ),
    ];

    it('refuses a third grading (RETAKES_EXHAUSTED)', () => {
      specFor(recordDecider(capped, decideAssessPractice))(...twice)
        .when(yyAssess('pass'))
        .thenRefuses('RETAKES_EXHAUSTED', { abilityPoint: 'B1', attempts: 2 });
    });
  });
});
