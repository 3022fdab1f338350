import { specFor } from '../shared/given-when-then';
import { noticeBatch } from '../programme/batch.spec-fixtures';
import { AssessPractice, Grade } from './enrollment.commands';
import { actors, foldRecord, recordDecider, recordOf } from './record.spec-fixtures';
import { overallGrade } from './enrollment.state';
import { decideAssessPractice } from './training.decider';

const assessIn =
  (batchId: string) =>
  (grade: Grade, at: string, abilityPoint?: string): AssessPractice => ({
    type: 'AssessPractice',
    data: { batchId, teacherId: 'T1', grade, ...(abilityPoint === undefined ? {} : { abilityPoint }) },
    metadata: { now: at, actor: actors.school() },
  });

describe('Grading, as each rulebook grades', () => {
  describe('Lianyungang (nothing is graded: the certificate rests on hours alone)', () => {
    const batch = noticeBatch('lianyungang-1.0');
    const lyg = recordOf(batch);
    const at = '2016-09-01T10:00:00+08:00';

    it('refuses any grade with its own code, not EVIDENCE_MISSING (PRACTICE_NOT_GRADED)', () => {
      specFor(recordDecider(batch, decideAssessPractice))(lyg.enrolled('2016-03-15T09:00:00+08:00'))
        .when(assessIn(lyg.batchId)('pass', at))
        .thenRefuses('PRACTICE_NOT_GRADED', { rulebook: 'lianyungang-1.0' });
    });

    it('refuses it even with evidence submitted (PRACTICE_NOT_GRADED)', () => {
      specFor(recordDecider(batch, decideAssessPractice))(
        lyg.enrolled('2016-03-15T09:00:00+08:00'),
        lyg.submitted('研修', 'lyg-ev', at),
      )
        .when(assessIn(lyg.batchId)('pass', at))
        .thenRefuses('PRACTICE_NOT_GRADED');
    });
  });

  describe('Yueyang (校本应用考核: graded, without evidence the notice asks for)', () => {
    const batch = noticeBatch('yueyang-2.0');
    const yy = recordOf(batch);
    const assess = assessIn(yy.batchId);
    const at = '2021-11-01T10:00:00+08:00';
    const picked = [yy.enrolled('2021-06-02T09:00:00+08:00'), yy.selected(['B1', 'C2'], '2021-06-03T09:00:00+08:00')];
    const given = specFor(recordDecider(batch, decideAssessPractice));
    const by = actors.school();

    it('grades every chosen point without evidence, one attempt each', () => {
      given(...picked)
        .when(assess('pass', at))
        .then(
          yy.assessed('B1', [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: null }, at, by),
          yy.assessed('C2', [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' }, at, by),
        );
    });

    it('grades one named point', () => {
      given(...picked)
        .when(assess('excellent', at, 'C2'))
        .then(
          yy.assessed(
            'C2',
            [],
            { grade: 'excellent', attempt: 1, pointGrade: 'excellent', overallGrade: null },
            at,
            by,
          ),
        );
    });

    it('grades any evidence the teacher sent anyway with the point', () => {
      given(...picked, yy.submitted('B1', 'yy-ev', at))
        .when(assess('pass', at, 'B1'))
        .then(
          yy.assessed('B1', ['yy-ev'], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: null }, at, by),
        );
    });

    it('retakes a failed point as its next attempt; the last grade counts', () => {
      const failed = [
        ...picked,
        yy.assessed('B1', [], { grade: 'fail', attempt: 1, pointGrade: 'fail', overallGrade: null }, at, by),
        yy.assessed('C2', [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'fail' }, at, by),
      ];
      given(...failed)
        .when(assess('pass', at, 'B1'))
        .then(yy.assessed('B1', [], { grade: 'pass', attempt: 2, pointGrade: 'pass', overallGrade: 'pass' }, at, by));
      expect(overallGrade(foldRecord(failed))).toBe('fail');
    });

    it('appends nothing when the points already have that grade (a retried command)', () => {
      given(
        ...picked,
        yy.assessed('B1', [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: null }, at, by),
        yy.assessed('C2', [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' }, at, by),
      )
        .when(assess('pass', at))
        .thenNothingHappens();
    });

    it('refuses a point the teacher did not choose (POINT_NOT_CHOSEN)', () => {
      given(...picked)
        .when(assess('pass', at, 'A5'))
        .thenRefuses('POINT_NOT_CHOSEN', { abilityPoint: 'A5', chosen: ['B1', 'C2'] });
    });

    it('refuses a teacher who has chosen no points yet (POINT_NOT_CHOSEN)', () => {
      given(yy.enrolled('2021-06-02T09:00:00+08:00'))
        .when(assess('pass', at))
        .thenRefuses('POINT_NOT_CHOSEN', { chosen: [] });
    });
  });

  describe.each([
    ['jiangsu-2.0', '2021-03-10T10:00:00+08:00'],
    ['ningde-1.0', '2016-09-10T10:00:00+08:00'],
  ] as const)('%s (graded on evidence)', (preset, at) => {
    const batch = noticeBatch(preset);
    const record = recordOf(batch);

    it('still refuses a grade with nothing submitted (EVIDENCE_MISSING)', () => {
      specFor(recordDecider(batch, decideAssessPractice))(
        record.enrolled(`${batch.status === 'scheduled' ? batch.startsOn : ''}T09:00:00+08:00`),
        record.online('R1', 50, `${batch.status === 'scheduled' ? batch.startsOn : ''}T10:00:00+08:00`),
      )
        .when(assessIn(record.batchId)('pass', at))
        .thenRefuses('EVIDENCE_MISSING', { reason: 'nothing-submitted' });
    });
  });
});
