import { RuleViolation } from '../shared/rule-violation';
import { MOE_2_0_A13_B10_C7 } from './ability-point-catalogues';
import { Rulebook } from './rulebook';
import { PRESET_RULEBOOK_NAMES, presetRulebook } from './rulebook-presets';
import { RulebookProblem, validateRulebook } from './rulebook-validation';

function problemsOf(candidate: unknown): RulebookProblem[] {
  try {
    validateRulebook(candidate);
  } catch (error) {
    if (error instanceof RuleViolation && error.code === 'BAD_RULEBOOK')
      return (error.details?.problems ?? []) as RulebookProblem[];
    throw error;
  }
  return [];
}
const fieldsOf = (candidate: unknown) => problemsOf(candidate).map((problem) => problem.field);

/** A caller's own rulebook, derived from a preset (a plain, unfrozen copy). */
function customRulebook(changes: Partial<Rulebook> = {}): Rulebook {
  return {
    ...(JSON.parse(JSON.stringify(presetRulebook('jiangsu-2.0'))) as Rulebook),
    id: 'suqian-2.0-custom',
    ...changes,
  };
}

describe('Rulebook', () => {
  describe('presets', () => {
    it('are the four regions of the seeds', () => {
      expect(PRESET_RULEBOOK_NAMES).toEqual(['jiangsu-2.0', 'lianyungang-1.0', 'ningde-1.0', 'yueyang-2.0']);
    });

    it.each([
      ['jiangsu-2.0', '004_11342351f18261dc.txt', '2.0'],
      ['lianyungang-1.0', '000_4d09a489b45b9510.txt', '1.0'],
      ['ningde-1.0', '002_a970310a57472395.txt', '1.0'],
      ['yueyang-2.0', '003_672f569689167dd6.txt', '2.0'],
    ])('%s cites its seed %s, is version %s, and passes its own validation', (name, seed, version) => {
      const preset = presetRulebook(name);
      expect(preset.id).toBe(name);
      expect(preset.source.seed).toBe(seed);
      expect(preset.version).toBe(version);
      expect(validateRulebook(preset)).toEqual(preset);
    });

    it.each([
      ['jiangsu-2.0', { online: 25, offline: 25 }, 50],
      ['lianyungang-1.0', { online: 30, 'application-integration': 90, practice: 20 }, 140],
      ['ningde-1.0', { online: 50, practice: 30 }, 80],
      ['yueyang-2.0', { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 }, 80],
    ])('%s asks for hours %j, %i in total', (name, categories, total) => {
      const { hours } = presetRulebook(name);
      expect(Object.fromEntries(hours.categories.map((category) => [category.id, category.minimumHours]))).toEqual(
        categories,
      );
      expect(hours.minimumTotal).toBe(total);
    });

    it('gives Jiangsu its deadlines, thresholds, video rule, sampling minimum and batch shares', () => {
      const jiangsu = presetRulebook('jiangsu-2.0');
      expect(jiangsu.abilityPoints).toMatchObject({ deadlineDays: 7, afterDeadlinePickedBy: 'school-admin' });
      expect(jiangsu.onlineStudy).toEqual({
        categoryId: 'online',
        withinPeriod: true,
        limit: { amount: 1, unit: 'months', from: 'enrollment' },
        passBeforeOfflineAssessment: true,
      });
      expect(jiangsu.offlinePractice).toEqual({
        evidenceRequired: true,
        peerReviewRequired: true,
        groupSessionVideo: true,
        hoursEntryDeadlineDays: 7,
      });
      expect([
        jiangsu.planThresholdPercent,
        jiangsu.closureThresholdPercent,
        jiangsu.inspectionMinSamplePercent,
      ]).toEqual([90, 90, 10]);
      expect(jiangsu.excellentVideos).toEqual({ minPercentOfFullTimeTeachers: 30, everySubject: true });
      expect(jiangsu.batchSharesPercent).toEqual([20, 40, 40]);
      expect(jiangsu.exemption).toBeNull();
    });

    it('gives Lianyungang 40-day periods and no ability points', () => {
      const lianyungang = presetRulebook('lianyungang-1.0');
      expect(lianyungang.onlineStudy?.limit).toEqual({ amount: 40, unit: 'days', from: 'period-start' });
      expect(lianyungang.abilityPoints).toBeNull();
    });

    it('gives Ningde its retirement exemption, per-hour funding and coverage targets', () => {
      const ningde = presetRulebook('ningde-1.0');
      expect(ningde.exemption).toMatchObject({ yearsBeforeRetirement: 5, retirementAge: { male: 60, female: 55 } });
      expect(ningde.funding).toEqual({ yuanPerHourPerTeacher: 3 });
      expect(ningde.coverageTargets).toEqual([
        { by: '2016-12-31', minPercent: 30, aimPercent: 40 },
        { by: '2017-12-31', minPercent: 100, aimPercent: null },
      ]);
    });

    it('gives Yueyang ability points without a deadline, as its seed names none', () => {
      expect(presetRulebook('yueyang-2.0').abilityPoints).toMatchObject({
        deadlineDays: null,
        afterDeadlinePickedBy: null,
      });
    });

    it('say in notes where their seed is silent', () => {
      for (const name of PRESET_RULEBOOK_NAMES) expect(presetRulebook(name).notes.length).toBeGreaterThan(0);
      expect(presetRulebook('jiangsu-2.0').notes.join(' ')).toMatch(/does not say how many ability points/);
    });

    it('cannot be changed by whoever reads them', () => {
      const preset = presetRulebook('jiangsu-2.0');
      expect(Object.isFrozen(preset)).toBe(true);
      expect(Object.isFrozen(preset.hours.categories[0])).toBe(true);
    });

    it('refuse an unknown name (UNKNOWN_RULEBOOK)', () => {
      expect(() => presetRulebook('shanghai-2.0')).toThrow(expect.objectContaining({ code: 'UNKNOWN_RULEBOOK' }));
      expect(() => presetRulebook('toString')).toThrow(expect.objectContaining({ code: 'UNKNOWN_RULEBOOK' }));
    });
  });

  describe('the 2.0 ability-point catalogue', () => {
    it('splits 30 points as A1–A13, B1–B10, C1–C7 over three environments and four dimensions', () => {
      const count = (environment: string) =>
        MOE_2_0_A13_B10_C7.points.filter((point) => point.environment === environment).length;
      expect(MOE_2_0_A13_B10_C7.points).toHaveLength(30);
      expect([count('A'), count('B'), count('C')]).toEqual([13, 10, 7]);
      expect(MOE_2_0_A13_B10_C7.points.map((point) => point.code)).toContain('A13');
      expect(MOE_2_0_A13_B10_C7.dimensions.map((dimension) => dimension.name)).toEqual([
        '学情分析',
        '教学设计',
        '学法指导',
        '学业评价',
      ]);
      expect(MOE_2_0_A13_B10_C7.version).toBe('A13-B10-C7');
    });
  });

  describe('validateRulebook', () => {
    it("accepts a caller's own full rulebook and returns a copy", () => {
      const custom = customRulebook({ name: '宿迁市试行', planThresholdPercent: 80 });
      const validated = validateRulebook(custom);
      expect(validated).toEqual(custom);
      expect(validated).not.toBe(custom);
    });

    it('refuses something that is not an object', () => {
      expect(problemsOf('jiangsu-2.0')).toEqual([{ field: 'rulebook', problem: 'must be an object' }]);
      expect(problemsOf(null)).toEqual([{ field: 'rulebook', problem: 'must be an object' }]);
    });

    it('names every missing field and asks for null where a rule does not apply', () => {
      const { exemption: _exemption, notes: _notes, ...partial } = customRulebook();
      expect(problemsOf(partial)).toEqual([
        { field: 'rulebook.exemption', problem: 'is required (null where the rule does not apply)' },
        { field: 'rulebook.notes', problem: 'is required (null where the rule does not apply)' },
      ]);
    });

    it('names unknown fields, so a misspelt rule is not silently dropped', () => {
      expect(fieldsOf({ ...customRulebook(), closureThresholdPercnt: 90 })).toEqual([
        'rulebook.closureThresholdPercnt',
      ]);
    });

    it('names each bad field deep inside', () => {
      const custom = customRulebook();
      const broken = {
        ...custom,
        version: '',
        hours: {
          ...custom.hours,
          categories: [
            { ...custom.hours.categories[0], minimumHours: -1 },
            { ...custom.hours.categories[1], mode: 'remote' },
          ],
        },
        closureThresholdPercent: 120,
        source: { ...custom.source, issuedOn: '2020-02-30' },
        batchSharesPercent: [20, 0],
      };
      expect(fieldsOf(broken)).toEqual([
        'rulebook.version',
        'rulebook.source.issuedOn',
        'rulebook.hours.categories[0].minimumHours',
        'rulebook.hours.categories[1].mode',
        'rulebook.closureThresholdPercent',
        'rulebook.batchSharesPercent[1]',
      ]);
    });

    it('refuses a total below the sum of the category minimums', () => {
      expect(problemsOf(customRulebook({ hours: { ...customRulebook().hours, minimumTotal: 40 } }))).toEqual([
        { field: 'rulebook.hours.minimumTotal', problem: 'must be at least the sum of the category minimums (50)' },
      ]);
    });

    it('refuses repeated category ids and an online rule pointing at no category or an offline one', () => {
      const custom = customRulebook();
      const online = custom.onlineStudy ?? null;
      // The platform-fed category is then no longer the online one, which is named too.
      expect(fieldsOf({ ...custom, onlineStudy: online && { ...online, categoryId: 'web' } })).toEqual([
        'rulebook.hours.categories[0].recordedBy',
        'rulebook.onlineStudy.categoryId',
      ]);
      expect(fieldsOf({ ...custom, onlineStudy: online && { ...online, categoryId: 'offline' } })).toEqual([
        'rulebook.hours.categories[0].recordedBy',
        'rulebook.hours.categories[1].recordedBy',
        'rulebook.onlineStudy.categoryId',
      ]);
      expect(
        fieldsOf({
          ...custom,
          hours: { ...custom.hours, categories: [custom.hours.categories[0], custom.hours.categories[0]] },
        }),
      ).toEqual(['rulebook.hours.categories', 'rulebook.certificates[0].categories']);
    });

    it('refuses a dimension rule over points that name no dimension, and minimums beyond the catalogue', () => {
      const custom = customRulebook();
      const points = custom.abilityPoints;
      if (points === null) throw new Error('jiangsu-2.0 has ability points');
      expect(
        fieldsOf({
          ...custom,
          abilityPoints: { ...points, choice: { minPoints: 31, maxPoints: 3, minDimensions: 3 } },
        }),
      ).toEqual([
        'rulebook.abilityPoints.choice.minPoints',
        'rulebook.abilityPoints.choice.maxPoints',
        'rulebook.abilityPoints.choice.minDimensions',
      ]);
    });

    it('accepts a dimension rule once every point names its dimension', () => {
      const custom = customRulebook();
      const points = custom.abilityPoints;
      if (points === null) throw new Error('jiangsu-2.0 has ability points');
      const dimensions = points.catalogue.dimensions.map((dimension) => dimension.code);
      const catalogue = {
        ...points.catalogue,
        points: points.catalogue.points.map((point, index) => ({ ...point, dimension: dimensions[index % 4] })),
      };
      expect(
        problemsOf({
          ...custom,
          abilityPoints: { ...points, catalogue, choice: { minPoints: 3, maxPoints: null, minDimensions: 3 } },
        }),
      ).toEqual([]);
      const stray = {
        ...catalogue,
        points: [{ ...catalogue.points[0], environment: 'D', dimension: 'ethics' }, ...catalogue.points.slice(1)],
      };
      expect(fieldsOf({ ...custom, abilityPoints: { ...points, catalogue: stray } })).toEqual([
        'rulebook.abilityPoints.catalogue.points[0].environment',
        'rulebook.abilityPoints.catalogue.points[0].dimension',
      ]);
    });

    it('refuses batch shares above 100% in total', () => {
      expect(fieldsOf(customRulebook({ batchSharesPercent: [50, 40, 40] }))).toEqual(['rulebook.batchSharesPercent']);
    });

    it("refuses a changed rulebook that keeps a preset's id", () => {
      expect(problemsOf(customRulebook({ id: 'jiangsu-2.0', closureThresholdPercent: 80 }))).toEqual([
        {
          field: 'rulebook.id',
          problem: 'names the preset jiangsu-2.0 but differs from it; give a changed rulebook its own id',
        },
      ]);
    });

    it('refuses a deadline-less rulebook that still names who picks after the deadline', () => {
      const custom = customRulebook();
      const points = custom.abilityPoints;
      if (points === null) throw new Error('jiangsu-2.0 has ability points');
      expect(fieldsOf({ ...custom, abilityPoints: { ...points, deadlineDays: null } })).toEqual([
        'rulebook.abilityPoints.afterDeadlinePickedBy',
      ]);
    });

    it('throws BAD_RULEBOOK with the problems as details', () => {
      expect(() => validateRulebook({})).toThrow(
        expect.objectContaining({
          code: 'BAD_RULEBOOK',
          details: { problems: expect.arrayContaining([{ field: 'rulebook.id', problem: expect.any(String) }]) },
        }),
      );
    });
  });
});
