import { presetRulebook } from './rulebook-presets';
import {
  abilityPointChoiceProblems,
  abilityPointDeadline,
  excellentVideosRequired,
  hoursShortfall,
  isAbilityPointDeadlinePassed,
  isExemptFromTraining,
  isSampleRateAllowed,
  meetsClosureThreshold,
  meetsHoursRequirement,
  meetsPlanThreshold,
  retirementDateOf,
  sampleSize,
  trainingFundingYuan,
} from './rulebook-queries';

const jiangsu = presetRulebook('jiangsu-2.0');
const lianyungang = presetRulebook('lianyungang-1.0');
const ningde = presetRulebook('ningde-1.0');
const yueyang = presetRulebook('yueyang-2.0');

describe('Rulebook queries', () => {
  describe('hours', () => {
    it.each([
      ['jiangsu-2.0', { online: 25, offline: 25 }],
      ['lianyungang-1.0', { online: 30, 'application-integration': 90, practice: 20 }],
      ['ningde-1.0', { online: 50, practice: 30 }],
      ['yueyang-2.0', { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 }],
    ])('%s is met by exactly its minimums', (name, credited) => {
      expect(hoursShortfall(presetRulebook(name), credited)).toEqual([]);
    });

    it('names the missing category and the total (Jiangsu: 30 online but 20 offline)', () => {
      expect(hoursShortfall(jiangsu, { online: 30, offline: 20 })).toEqual([
        { category: 'offline', required: 25, credited: 20 },
      ]);
      expect(hoursShortfall(jiangsu, { online: 24 })).toEqual([
        { category: 'online', required: 25, credited: 24 },
        { category: 'offline', required: 25, credited: 0 },
        { category: 'total', required: 50, credited: 24 },
      ]);
    });

    it("counts only the rulebook's own categories (Ningde: 50 online and 30 elsewhere is not 80)", () => {
      expect(meetsHoursRequirement(ningde, { online: 50, workshop: 30 })).toBe(false);
      expect(meetsHoursRequirement(ningde, { online: 60, practice: 30 })).toBe(true);
    });

    it('holds Yueyang to 80 across three categories', () => {
      expect(hoursShortfall(yueyang, { workshop: 60, 'school-based': 10, 'school-based-assessment': 9 })).toEqual([
        { category: 'school-based-assessment', required: 10, credited: 9 },
        { category: 'total', required: 80, credited: 79 },
      ]);
    });
  });

  describe('thresholds', () => {
    it("lets Jiangsu's school plan upload once 90% have picked, and not before", () => {
      expect(meetsPlanThreshold(jiangsu, { picked: 9, enrolled: 10 })).toBe(true);
      expect(meetsPlanThreshold(jiangsu, { picked: 89, enrolled: 100 })).toBe(false);
      expect(meetsPlanThreshold(jiangsu, { picked: 0, enrolled: 0 })).toBe(false);
    });

    it("lets Jiangsu's school apply for closure at 90% of its 参考教师", () => {
      expect(meetsClosureThreshold(jiangsu, { passed: 27, candidates: 30 })).toBe(true);
      expect(meetsClosureThreshold(jiangsu, { passed: 26, candidates: 30 })).toBe(false);
      expect(meetsClosureThreshold(jiangsu, { passed: 0, candidates: 0 })).toBe(false);
    });

    it('counts every enrolled teacher, not only those graded: 9 of 10 graded pass, but 100 are enrolled', () => {
      expect(meetsClosureThreshold(jiangsu, { passed: 9, candidates: 100 })).toBe(false);
    });

    it('sets no plan or closure threshold where the seed has none (Ningde, Yueyang)', () => {
      expect(meetsPlanThreshold(ningde, { picked: 0, enrolled: 10 })).toBe(true);
      expect(meetsClosureThreshold(yueyang, { passed: 1, candidates: 10 })).toBe(true);
    });
  });

  describe('excellent videos and sampling', () => {
    it('asks a Jiangsu school for ⌈30%⌉ of its full-time teachers', () => {
      expect(excellentVideosRequired(jiangsu, 120)).toBe(36);
      expect(excellentVideosRequired(jiangsu, 7)).toBe(3);
      expect(excellentVideosRequired(jiangsu, 0)).toBe(0);
      expect(excellentVideosRequired(lianyungang, 120)).toBe(0);
    });

    it('refuses a Jiangsu sampling rate below 10% and allows any where the seed sets none', () => {
      expect(isSampleRateAllowed(jiangsu, 10)).toBe(true);
      expect(isSampleRateAllowed(jiangsu, 9.5)).toBe(false);
      expect(isSampleRateAllowed(ningde, 1)).toBe(true);
    });

    it('samples ⌈rate%⌉ of the population', () => {
      expect(sampleSize(23, 10)).toBe(3);
      expect(sampleSize(30, 10)).toBe(3);
      expect(sampleSize(0, 10)).toBe(0);
    });
  });

  describe('ability points', () => {
    const enrolledAt = '2020-11-02T10:00:00+08:00';

    it('gives a Jiangsu teacher seven days from enrollment', () => {
      expect(abilityPointDeadline(jiangsu, enrolledAt)).toBe('2020-11-09T02:00:00.000Z');
      expect(isAbilityPointDeadlinePassed(jiangsu, enrolledAt, '2020-11-09T10:00:00+08:00')).toBe(false);
      expect(isAbilityPointDeadlinePassed(jiangsu, enrolledAt, '2020-11-09T10:00:01+08:00')).toBe(true);
    });

    it('has no deadline where the seed names none (Yueyang) or no points at all (Ningde)', () => {
      expect(abilityPointDeadline(yueyang, enrolledAt)).toBeNull();
      expect(isAbilityPointDeadlinePassed(yueyang, enrolledAt, '2023-01-01T00:00:00+08:00')).toBe(false);
      expect(abilityPointDeadline(ningde, enrolledAt)).toBeNull();
    });

    it('accepts known points and names unknown and repeated ones', () => {
      const rule = jiangsu.abilityPoints;
      if (rule === null) throw new Error('jiangsu-2.0 has ability points');
      expect(abilityPointChoiceProblems(rule, ['A1', 'B3', 'C7'])).toEqual([]);
      expect(abilityPointChoiceProblems(rule, ['A1', 'A14', 'C8', 'A1'])).toEqual([
        { problem: 'unknown-points', points: ['A14', 'C8'] },
        { problem: 'repeated-points', points: ['A1'] },
      ]);
      expect(abilityPointChoiceProblems(rule, [])).toEqual([{ problem: 'too-few-points', minPoints: 1, chosen: 0 }]);
    });

    it("applies a caller's count and dimension rule", () => {
      const base = jiangsu.abilityPoints;
      if (base === null) throw new Error('jiangsu-2.0 has ability points');
      const points = base.catalogue.points.map((point, index) => ({
        ...point,
        dimension: ['learner-analysis', 'instructional-design', 'learning-guidance', 'assessment'][index % 4],
      }));
      const rule = {
        ...base,
        catalogue: { ...base.catalogue, points },
        choice: { minPoints: 3, maxPoints: 5, minDimensions: 3 },
      };
      // A1 learner-analysis, A2 instructional-design, A5 learner-analysis.
      expect(abilityPointChoiceProblems(rule, ['A1', 'A2', 'A5'])).toEqual([
        { problem: 'too-few-dimensions', minDimensions: 3, covered: ['learner-analysis', 'instructional-design'] },
      ]);
      expect(abilityPointChoiceProblems(rule, ['A1', 'A2', 'A3'])).toEqual([]);
      expect(abilityPointChoiceProblems(rule, ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'])).toEqual([
        { problem: 'too-many-points', maxPoints: 5, chosen: 6 },
      ]);
    });
  });

  describe('exemption (Ningde: 距退休不满五年)', () => {
    const man = { gender: 'male' as const, birthDate: '1961-06-15' };
    const woman = { gender: 'female' as const, birthDate: '1966-06-15' };

    it('retires men at 60 and women at 55', () => {
      expect(retirementDateOf(ningde, man)).toBe('2021-06-15');
      expect(retirementDateOf(ningde, woman)).toBe('2021-06-15');
    });

    it('exempts once fewer than five years remain, not on the day exactly five remain', () => {
      expect(isExemptFromTraining(ningde, man, '2016-06-15T12:00:00+08:00')).toBe(false);
      expect(isExemptFromTraining(ningde, man, '2016-06-16T00:00:00+08:00')).toBe(true);
      expect(isExemptFromTraining(ningde, woman, '2016-06-16T08:00:00+08:00')).toBe(true);
      expect(
        isExemptFromTraining(ningde, { gender: 'female', birthDate: '1971-06-15' }, '2016-06-16T08:00:00+08:00'),
      ).toBe(false);
    });

    it('reads the business time in China time (16:00 UTC is already the next day)', () => {
      expect(isExemptFromTraining(ningde, man, '2016-06-15T15:59:59Z')).toBe(false);
      expect(isExemptFromTraining(ningde, man, '2016-06-15T16:00:00Z')).toBe(true);
    });

    it('exempts nobody where the seed names no exemption (Jiangsu)', () => {
      expect(isExemptFromTraining(jiangsu, man, '2020-11-01T00:00:00+08:00')).toBe(false);
      expect(retirementDateOf(jiangsu, man)).toBeNull();
    });

    it('handles a birthday on 29 February', () => {
      expect(retirementDateOf(ningde, { gender: 'male', birthDate: '1960-02-29' })).toBe('2020-02-29');
      expect(retirementDateOf(ningde, { gender: 'female', birthDate: '1964-02-29' })).toBe('2019-02-28');
    });
  });

  describe('funding', () => {
    it("costs Ningde 3 yuan per hour per teacher: 240 yuan for one teacher's 80 hours", () => {
      expect(trainingFundingYuan(ningde, 1)).toBe(240);
      expect(trainingFundingYuan(ningde, 1000)).toBe(240_000);
      expect(trainingFundingYuan(jiangsu, 1000)).toBeNull();
    });
  });
});
