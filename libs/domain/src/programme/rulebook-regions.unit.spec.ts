import { fold } from '../shared/decider';
import { RuleViolation } from '../shared/rule-violation';
import { batchEvolver } from './batch';
import { BatchScheduled } from './programme.events';
import { Rulebook } from './rulebook';
import { presetRulebook } from './rulebook-presets';
import { trainingFundingYuan, fundingYuanForHours } from './rulebook-queries';
import { completeRulebook } from './rulebook-upgrade';
import { validateRulebook } from './rulebook-validation';

describe('The rules each notice sets, in its preset', () => {
  it.each([
    // preset, quotas, graded on evidence, cap, closure, credits, pilots
    [
      'jiangsu-2.0',
      true,
      { evidenceRequired: true, maxAttemptsPerPoint: null },
      { allAssessedFirst: true },
      null,
      null,
    ],
    ['lianyungang-1.0', true, null, null, null, null],
    ['ningde-1.0', false, { evidenceRequired: true, maxAttemptsPerPoint: null }, null, null, null],
    [
      'yueyang-2.0',
      false,
      { evidenceRequired: false, maxAttemptsPerPoint: null },
      { allAssessedFirst: true },
      1,
      { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' },
    ],
  ])(
    '%s: quotas %p, assessment %j, closure %j, credits per hour %p, pilots %j',
    (name, quotas, assessment, closure, credits, pilots) => {
      const rulebook = presetRulebook(name);
      expect(rulebook.quotas).toBe(quotas);
      expect(rulebook.assessment).toEqual(assessment);
      expect(rulebook.closure).toEqual(closure);
      expect(rulebook.creditsPerHour).toBe(credits);
      expect(rulebook.pilotSchools).toEqual(pilots);
    },
  );

  it.each([
    ['jiangsu-2.0', [['hours', ['school'], ['online', 'offline']]]],
    ['lianyungang-1.0', [['certificate', ['city'], ['online', 'application-integration', 'practice']]]],
    [
      'ningde-1.0',
      [
        ['online-proof', ['city'], ['online']],
        ['practice-proof', ['city'], ['practice']],
      ],
    ],
    ['yueyang-2.0', [['credits', ['county', 'city'], ['workshop', 'school-based', 'school-based-assessment']]]],
  ])('%s issues the certificates %j (kind, issuing levels, hours stated)', (name, kinds) => {
    expect(presetRulebook(name).certificates.map((each) => [each.kind, each.issuedBy, each.categories])).toEqual(kinds);
  });

  it('names Lianyungang’s certificate and Ningde’s proofs in the notices’ words', () => {
    expect(presetRulebook('lianyungang-1.0').certificates[0]).toMatchObject({
      name: '全市中小学教师教育技术能力（高级）培训合格证书',
      issuer: '连云港市教育局',
    });
    expect(presetRulebook('ningde-1.0').certificates.map((each) => each.name)).toEqual([
      '网络培训合格证明',
      '网络研修与教学实践合格证明',
    ]);
  });

  it.each([
    ['jiangsu-2.0', { online: ['platform'], offline: ['school'] }],
    [
      'yueyang-2.0',
      { workshop: ['platform', 'county', 'city'], 'school-based': ['school'], 'school-based-assessment': ['school'] },
    ],
  ])('%s has its hours recorded by %j', (name, recorders) => {
    const { categories } = presetRulebook(name).hours;
    expect(Object.fromEntries(categories.map((each) => [each.id, each.recordedBy]))).toEqual(recorders);
  });

  it('funds Ningde at 3 yuan per hour per teacher (3元/学时•人), and no other region', () => {
    expect(fundingYuanForHours(presetRulebook('ningde-1.0'), 80)).toBe(240);
    expect(fundingYuanForHours(presetRulebook('ningde-1.0'), 12.5)).toBe(37.5);
    expect(trainingFundingYuan(presetRulebook('ningde-1.0'), 1000)).toBe(240_000);
    for (const name of ['jiangsu-2.0', 'lianyungang-1.0', 'yueyang-2.0']) {
      expect(fundingYuanForHours(presetRulebook(name), 80)).toBeNull();
    }
  });
});

describe('Rulebooks from before these rules (a caller’s old shape, and every stored event)', () => {
  /** A rulebook as callers and events had it: without the fields added for the regions’ rules. */
  function beforeTheRules(rulebook: Rulebook, id: string): Record<string, unknown> {
    const {
      quotas: _quotas,
      assessment: _assessment,
      closure: _closure,
      certificates: _certificates,
      creditsPerHour: _credits,
      pilotSchools: _pilots,
      ...rest
    } = JSON.parse(JSON.stringify(rulebook)) as Rulebook;
    return {
      ...rest,
      id,
      hours: {
        ...rest.hours,
        categories: rest.hours.categories.map(({ recordedBy: _recordedBy, ...category }) => category),
      },
    };
  }

  it('completes a stored preset from the preset itself', () => {
    expect(completeRulebook(beforeTheRules(presetRulebook('ningde-1.0'), 'ningde-1.0'))).toEqual(
      presetRulebook('ningde-1.0'),
    );
  });

  it('completes a caller’s own rulebook with what the system did before', () => {
    const own = completeRulebook(beforeTheRules(presetRulebook('jiangsu-2.0'), 'suqian-2.0')) as Rulebook;
    expect(own).toMatchObject({
      quotas: true,
      assessment: { evidenceRequired: true, maxAttemptsPerPoint: null },
      closure: { allAssessedFirst: false },
      creditsPerHour: null,
      pilotSchools: null,
    });
    expect(own.certificates).toEqual([
      {
        kind: 'certificate',
        name: presetRulebook('jiangsu-2.0').name,
        issuer: '江苏省教育厅办公室',
        issuedBy: ['school'],
        categories: ['online', 'offline'],
      },
    ]);
    expect(own.hours.categories.map((each) => each.recordedBy)).toEqual([['platform'], ['school']]);
  });

  it('accepts such a rulebook at LaunchProgramme (the contract only grows)', () => {
    expect(() => validateRulebook(beforeTheRules(presetRulebook('jiangsu-2.0'), 'suqian-2.0'))).not.toThrow();
  });

  it('reads a batch scheduled before the rules with its rulebook completed and no owner', () => {
    const old = beforeTheRules(presetRulebook('lianyungang-1.0'), 'lianyungang-1.0') as unknown as Rulebook;
    const event: BatchScheduled = {
      type: 'BatchScheduled',
      data: {
        programmeId: 'LYG',
        batchId: 'LYG-2016',
        name: '全员培训',
        startsOn: '2016-03-10',
        endsOn: '2018-12-31',
        sharePercent: 100,
        periods: [{ periodId: '1', startsOn: '2016-03-10', endsOn: '2016-04-18' }],
        rulebook: old,
      },
    };
    expect(fold(batchEvolver, [event])).toMatchObject({
      ownerUnitId: null,
      rulebook: presetRulebook('lianyungang-1.0'),
      extensions: [],
    });
  });

  it('still names every bad field of a new field', () => {
    let problems: unknown;
    try {
      validateRulebook({ ...presetRulebook('jiangsu-2.0'), id: 'bad', quotas: 'yes', certificates: [] });
    } catch (error) {
      if (error instanceof RuleViolation) problems = error.details?.problems;
    }
    expect(problems).toEqual([
      { field: 'rulebook.quotas', problem: 'must be true or false' },
      { field: 'rulebook.certificates', problem: 'must not be empty' },
    ]);
  });
});
