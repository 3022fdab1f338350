import { fold } from '../shared/decider';
import { presetRulebook } from '../programme/rulebook-presets';
import { enrollmentAfter, enrollmentWorld } from './enrollment.spec-fixtures';
import { isPracticeGraded, offlineHoursCategories, onlineMinimumBeforePractice } from './enrollment.rules';
import {
  assessedPoints,
  certificateOf,
  chosenAbilityPoints,
  enrollmentEvolver,
  enrollmentStreamId,
  hasCertificate,
  hasPeerReviewed,
  hasSubmittedEvidence,
  hoursCredited,
  initialEnrollment,
  isOpenEnrollment,
  onlineHoursCredited,
  onlinePassed,
  overallGrade,
  pointGrades,
  sumHours,
  totalHoursCredited,
} from './enrollment.state';

const js = enrollmentWorld('jiangsu-2.0');
const at = '2020-11-02T09:00:00+08:00';
const enrolled = js.enrolled('T1', at);
const stateOf = (...events: Parameters<typeof enrollmentAfter>[0]) => enrollmentAfter(events, js.stream('T1'));

describe('Enrollment record', () => {
  it('lives on one stream per teacher per batch', () => {
    expect(enrollmentStreamId('JS-2020-1', 'T-0001')).toBe('enrollment-JS-2020-1:T-0001');
  });

  describe('when not enrolled', () => {
    const nothing = initialEnrollment();

    it('answers every query with nothing', () => {
      expect(hoursCredited(nothing)).toEqual({});
      expect(onlineHoursCredited(nothing)).toBe(0);
      expect(totalHoursCredited(nothing)).toBe(0);
      expect(onlinePassed(nothing)).toBe(false);
      expect(overallGrade(nothing)).toBeNull();
      expect(pointGrades(nothing)).toEqual([]);
      expect(chosenAbilityPoints(nothing)).toEqual([]);
      expect(hasSubmittedEvidence(nothing)).toBe(false);
      expect(hasPeerReviewed(nothing)).toBe(false);
      expect(hasCertificate(nothing)).toBe(false);
      expect(certificateOf(nothing, 'X')).toBeUndefined();
      expect(isOpenEnrollment(nothing)).toBe(false);
    });

    it('ignores facts about a record that does not exist', () => {
      const stray = js.confirmed('T1', at);
      expect(stateOf(stray)).toEqual({ status: 'not-enrolled' });
      expect(fold(enrollmentEvolver, [stray.event])).toEqual({ status: 'not-enrolled' });
    });
  });

  describe('hours credited', () => {
    it('lists every category of the rulebook, 0 where nothing is credited', () => {
      expect(hoursCredited(stateOf(...enrolled))).toEqual({ online: 0, offline: 0 });
    });

    it('sums distinct online records in hundredths', () => {
      const state = stateOf(
        ...enrolled,
        js.onlineRecorded('T1', 'R1', 0.1, at),
        js.onlineRecorded('T1', 'R2', 0.2, at),
        js.onlineRecorded('T1', 'R1', 0.1, at),
      );
      expect(onlineHoursCredited(state)).toBe(0.3);
      expect(sumHours([0.1, 0.2])).toBe(0.3);
    });

    it('credits each category in hundredths too, online records beside offline entries', () => {
      const state = stateOf(
        ...enrolled,
        js.onlineRecorded('T1', 'R1', 0.1, at),
        js.onlineRecorded('T1', 'R2', 0.2, at),
        js.offlineRecorded('T1', 'offline', 0.7, at),
      );
      expect(hoursCredited(state)).toEqual({ online: 0.3, offline: 0.7 });
      expect(totalHoursCredited(state)).toBe(1);
    });

    it('takes the latest offline entry of a category', () => {
      const state = stateOf(
        ...enrolled,
        js.offlineRecorded('T1', 'offline', 20, at),
        js.offlineRecorded('T1', 'offline', 26, at),
      );
      expect(hoursCredited(state)).toEqual({ online: 0, offline: 26 });
      expect(totalHoursCredited(state)).toBe(26);
    });
  });

  describe('online passed', () => {
    it('passes a Jiangsu teacher at 25 online hours, not before', () => {
      expect(onlinePassed(stateOf(...enrolled, js.onlineRecorded('T1', 'R1', 24.5, at)))).toBe(false);
      expect(
        onlinePassed(
          stateOf(...enrolled, js.onlineRecorded('T1', 'R1', 24.5, at), js.onlineRecorded('T1', 'R2', 0.5, at)),
        ),
      ).toBe(true);
    });

    it('passes a Yueyang teacher at the 60 workshop hours', () => {
      const yy = enrollmentWorld('yueyang-2.0');
      const state = enrollmentAfter([...yy.enrolled('T1', at), yy.onlineRecorded('T1', 'Y1', 59, at)], yy.stream('T1'));
      expect(onlinePassed(state)).toBe(false);
      expect(
        onlinePassed(
          enrollmentAfter([...yy.enrolled('T1', at), yy.onlineRecorded('T1', 'Y1', 60, at)], yy.stream('T1')),
        ),
      ).toBe(true);
    });
  });

  describe('grades', () => {
    const picked = [...enrolled, js.selected('T1', ['A1', 'B2'], at)];

    it('has no grade before anything is assessed', () => {
      expect(overallGrade(stateOf(...picked, js.submitted('T1', 'A1', 'e1', at)))).toBeNull();
      expect(pointGrades(stateOf(...picked))).toEqual([
        { abilityPoint: 'A1', grade: null },
        { abilityPoint: 'B2', grade: null },
      ]);
    });

    it('keeps the last grade while new evidence (a retake) awaits assessment', () => {
      const state = stateOf(
        ...picked,
        js.submitted('T1', 'A1', 'e1', at),
        js.assessed('T1', 'A1', ['e1'], { grade: 'pass', pointGrade: 'pass', overallGrade: null }, at),
        js.submitted('T1', 'A1', 'e2', at),
      );
      expect(pointGrades(state)[0]).toEqual({ abilityPoint: 'A1', grade: 'pass' });
    });

    it('assesses the chosen points in 2.0, and the pieces of practice with evidence in 1.0', () => {
      expect(assessedPoints(stateOf(...picked, js.submitted('T1', 'A1', 'e1', at)))).toEqual(['A1', 'B2']);
      const nd = enrollmentWorld('ningde-1.0');
      const ndState = enrollmentAfter(
        [...nd.enrolled('T1', at), nd.submitted('T1', '教学实践', 'e1', at), nd.submitted('T1', '教学实践', 'e2', at)],
        nd.stream('T1'),
      );
      expect(assessedPoints(ndState)).toEqual(['教学实践']);
    });
  });

  describe('certificate', () => {
    const certified = [
      ...enrolled,
      ...js.issued('T1', 'C-1', at, { hours: { online: 25, offline: 25 }, totalHours: 50, grade: 'pass' }),
    ];

    it('is held until revoked', () => {
      expect(hasCertificate(stateOf(...certified))).toBe(true);
      expect(isOpenEnrollment(stateOf(...certified))).toBe(false);
      const revoked = stateOf(...certified, ...js.revoked('T1', 'C-1', '造假', at));
      expect(hasCertificate(revoked)).toBe(false);
      expect(certificateOf(revoked, 'C-1')?.revocation).toEqual({ reason: '造假', revokedAt: at });
      expect(isOpenEnrollment(revoked)).toBe(true);
    });
  });
});

describe('Enrollment rules per rulebook', () => {
  it.each([
    ['jiangsu-2.0', true, ['offline'], 25],
    ['lianyungang-1.0', false, ['application-integration', 'practice'], 0],
    ['ningde-1.0', true, ['practice'], 0],
    // The workshop's offline sessions are recorded by the county or city centre beside the platform feed.
    ['yueyang-2.0', true, ['workshop', 'school-based', 'school-based-assessment'], 0],
  ])(
    '%s: practice graded %p, offline categories %p, online hours before practice %p',
    (preset, graded, categories, online) => {
      const rulebook = presetRulebook(preset);
      expect(isPracticeGraded(rulebook)).toBe(graded);
      expect(offlineHoursCategories(rulebook).map((category) => category.id)).toEqual(categories);
      expect(onlineMinimumBeforePractice(rulebook)).toBe(online);
    },
  );
});
