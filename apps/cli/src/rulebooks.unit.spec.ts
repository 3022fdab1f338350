import { renderRulebooks } from './rulebooks';

// The shape GET /api/rulebooks answers with (test/api/rulebooks.e2e.spec.ts checks the API's side).
const jiangsu = {
  name: 'jiangsu-2.0',
  title: '江苏省中小学教师信息技术应用能力提升工程2.0专项培训',
  version: '2.0',
  source: { issuer: '江苏省教育厅办公室', documentNumber: '苏教办师函〔2020〕14号', issuedOn: null },
  hours: {
    minimumTotal: 50,
    categories: [
      { id: 'online', label: '线上课程学习', mode: 'online', minimumHours: 25 },
      { id: 'offline', label: '线下实践应用', mode: 'offline', minimumHours: 25 },
    ],
  },
  onlineStudyLimit: '1 months from enrollment',
  abilityPoints: { catalogue: 'moe-2.0', minPoints: 1, maxPoints: null, deadlineDays: 7 },
  planThresholdPercent: 90,
  closureThresholdPercent: 90,
  excellentVideosPercentOfFullTimeTeachers: 30,
  inspectionMinSamplePercent: 10,
  exemptYearsBeforeRetirement: null,
  fundingYuanPerHourPerTeacher: null,
  batchSharesPercent: [20, 40, 40],
  coverageTargets: [{ by: '2022-12-31', minPercent: 100 }],
};
const ningde = {
  ...jiangsu,
  name: 'ningde-1.0',
  title: '宁德市中小学教师信息技术应用能力提升工程培训',
  version: '1.0',
  abilityPoints: null,
  planThresholdPercent: null,
  closureThresholdPercent: null,
  excellentVideosPercentOfFullTimeTeachers: null,
  inspectionMinSamplePercent: null,
  exemptYearsBeforeRetirement: 5,
  fundingYuanPerHourPerTeacher: 3,
  batchSharesPercent: null,
};

describe('tip rulebooks', () => {
  const [first, second] = renderRulebooks({ rulebooks: [jiangsu, ningde] }).split('\n\n');

  it('starts each preset with the name LaunchProgramme takes, then its title', () => {
    expect(first.split('\n')[0]).toBe('jiangsu-2.0  江苏省中小学教师信息技术应用能力提升工程2.0专项培训');
    expect(second.split('\n')[0]).toBe('ningde-1.0  宁德市中小学教师信息技术应用能力提升工程培训');
  });

  it('shows the main figures, and leaves out the rules a rulebook does not have', () => {
    expect(first).toContain('hours ≥ 50: 线上课程学习 (online) ≥ 25, 线下实践应用 (offline) ≥ 25');
    expect(first).toContain('picked within 7 days of enrollment');
    expect(first).toContain('closure at 90% passed');
    expect(first).toContain('spot checks ≥ 10%');
    expect(first).toContain('batches 20% / 40% / 40% · targets 100% by 2022-12-31');
    expect(second).toContain('exempt < 5 years before retirement · 3 yuan per hour per teacher');
    expect(second).not.toContain('ability points');
    expect(second).not.toContain('batches');
  });

  it('refuses an answer of another shape, naming what is off', () => {
    expect(() => renderRulebooks({ rulebooks: [{ name: 'x' }] })).toThrow(/title/);
  });
});
