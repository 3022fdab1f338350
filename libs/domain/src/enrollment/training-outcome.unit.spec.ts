import { presetRulebook } from '../programme/rulebook-presets';
import { EnrollmentEvent } from './enrollment.events';
import { enrollmentRulesOf } from './enrollment.rules';
import {
  evolveEnrollment,
  hoursCredited,
  initialEnrollment,
  isActiveEnrollment,
  onlinePassed,
  overallGrade,
} from './enrollment.state';
import { isTrained, recognisedHours, trainingOutcome } from './training-outcome';

const by = { sub: 'admin', role: 'school-admin' as const };
const at = '2021-03-01T01:00:00.000Z';

/** Given a teacher's record in a batch under a preset, then trained or not, and the hours recognised. */
function record(preset: string, ...events: EnrollmentEvent[]) {
  const enrolled: EnrollmentEvent = {
    type: 'TeacherEnrolled',
    data: {
      batchId: 'B',
      periodId: '1',
      teacherId: 'T',
      schoolId: 'S',
      fullTime: true,
      enrolledAt: at,
      rules: enrollmentRulesOf(presetRulebook(preset)),
    },
  };
  return [enrolled, ...events].reduce(evolveEnrollment, initialEnrollment());
}
const online = (hours: number, recordId = 'R1'): EnrollmentEvent => ({
  type: 'OnlineHoursRecorded',
  data: { batchId: 'B', teacherId: 'T', recordId, courseId: 'C', category: 'online', hours, recordedAt: at },
});
const offline = (category: string, hours: number): EnrollmentEvent => ({
  type: 'OfflineHoursRecorded',
  data: { batchId: 'B', teacherId: 'T', category, hours, recordedBy: by, recordedAt: at },
});
const evidence: EnrollmentEvent = {
  type: 'PracticeEvidenceSubmitted',
  data: { batchId: 'B', teacherId: 'T', abilityPoint: 'A1', evidenceRef: 'ev', submittedAt: at },
};
const points: EnrollmentEvent = {
  type: 'AbilityPointsSelected',
  data: { batchId: 'B', teacherId: 'T', points: ['A1'], selectedBy: by, selectedAt: at },
};
const graded = (grade: 'fail' | 'pass' | 'excellent'): EnrollmentEvent => ({
  type: 'PracticeAssessed',
  data: {
    batchId: 'B',
    teacherId: 'T',
    abilityPoint: 'A1',
    evidenceRefs: ['ev'],
    grade,
    pointGrade: grade,
    overallGrade: grade,
    assessedBy: by,
    assessedAt: at,
  },
});
const certificate = (totalHours: number): EnrollmentEvent => ({
  type: 'CertificateIssued',
  data: {
    certificateCode: 'C-1',
    batchId: 'B',
    periodId: '1',
    teacherId: 'T',
    schoolId: 'S',
    hours: {},
    totalHours,
    grade: null,
    issuedAt: at,
  },
});

describe('Training outcome', () => {
  describe('where practice is graded (Jiangsu: pass or better)', () => {
    const hours = [points, online(25), evidence, offline('offline', 25)];

    it('is not trained while ungraded, and recognises none of the 50 hours credited', () => {
      const state = record('jiangsu-2.0', ...hours);
      expect(isTrained(state)).toBe(false);
      expect(recognisedHours(state)).toBe(0);
    });

    it('is not trained when failed, and recognises no hours', () => {
      const state = record('jiangsu-2.0', ...hours, graded('fail'));
      expect(isTrained(state)).toBe(false);
      expect(recognisedHours(state)).toBe(0);
    });

    it.each(['pass', 'excellent'] as const)('is trained with %s, and recognises every hour credited', (grade) => {
      const state = record('jiangsu-2.0', ...hours, graded(grade));
      expect(isTrained(state)).toBe(true);
      expect(recognisedHours(state)).toBe(50);
    });

    it('is no longer trained once withdrawn', () => {
      const withdrawn: EnrollmentEvent = {
        type: 'TeacherWithdrawn',
        data: { batchId: 'B', periodId: '1', teacherId: 'T', schoolId: 'S', reason: '调离', withdrawnAt: at },
      };
      expect(isTrained(record('jiangsu-2.0', ...hours, graded('pass'), withdrawn))).toBe(false);
    });
  });

  describe('where nothing is graded (Lianyungang: the 30 + 90 + 20 hours and the certificate)', () => {
    const allHours = [online(30), offline('application-integration', 90), offline('practice', 20)];

    it('is not trained on hours alone: the certificate finishes the teacher', () => {
      const state = record('lianyungang-1.0', ...allHours);
      expect(isTrained(state)).toBe(false);
      expect(recognisedHours(state)).toBe(0);
    });

    it('is trained with the hours and the certificate, and recognises the 140 hours', () => {
      const state = record('lianyungang-1.0', ...allHours, certificate(140));
      expect(isTrained(state)).toBe(true);
      expect(recognisedHours(state)).toBe(140);
    });

    it('is not trained when a category falls short, certificate or not', () => {
      expect(
        isTrained(record('lianyungang-1.0', online(30), offline('application-integration', 90), certificate(120))),
      ).toBe(false);
    });
  });

  describe('worked out in one pass (trainingOutcome, what the progress read model asks after every event)', () => {
    const withdrawn: EnrollmentEvent = {
      type: 'TeacherWithdrawn',
      data: { batchId: 'B', periodId: '1', teacherId: 'T', schoolId: 'S', reason: '调离', withdrawnAt: at },
    };
    const jiangsu = [points, online(25), evidence, offline('offline', 25)];
    const lianyungang = [online(30), offline('application-integration', 90), offline('practice', 20)];
    it.each([
      ['Jiangsu, ungraded', record('jiangsu-2.0', ...jiangsu), false],
      ['Jiangsu, online short', record('jiangsu-2.0', points, online(5)), false],
      ['Jiangsu, failed', record('jiangsu-2.0', ...jiangsu, graded('fail')), false],
      ['Jiangsu, passed', record('jiangsu-2.0', ...jiangsu, graded('pass')), true],
      ['Jiangsu, excellent', record('jiangsu-2.0', ...jiangsu, graded('excellent')), true],
      ['Jiangsu, withdrawn', record('jiangsu-2.0', ...jiangsu, graded('pass'), withdrawn), false],
      ['Lianyungang, hours only', record('lianyungang-1.0', ...lianyungang), false],
      ['Lianyungang, certified', record('lianyungang-1.0', ...lianyungang, certificate(140)), true],
      ['Lianyungang, short', record('lianyungang-1.0', online(30), certificate(120)), false],
      ['never enrolled', initialEnrollment(), false],
    ])('agrees with overallGrade, hoursCredited and onlinePassed asked one by one: %s', (_, state, trained) => {
      const active = isActiveEnrollment(state);
      expect(trainingOutcome(state)).toEqual({
        grade: active ? overallGrade(state) : null,
        hoursCredited: active ? hoursCredited(state) : {},
        onlinePassed: active && onlinePassed(state),
        trained,
      });
    });

    it('tells the cases apart (the table above is not all one answer)', () => {
      const passed = trainingOutcome(record('jiangsu-2.0', ...jiangsu, graded('pass')));
      expect(passed).toMatchObject({ grade: 'pass', onlinePassed: true, trained: true });
      expect(passed.hoursCredited).toEqual({ online: 25, offline: 25 });
      expect(trainingOutcome(record('lianyungang-1.0', online(30), certificate(120)))).toMatchObject({
        grade: null,
        trained: false,
      });
    });
  });
});
