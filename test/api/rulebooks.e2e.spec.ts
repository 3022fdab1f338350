import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PRESET_RULEBOOK_NAMES } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

interface Summary {
  name: string;
  hours: { minimumTotal: number };
  [figure: string]: unknown;
}

describe('the preset rulebooks: GET /api/rulebooks and tip rulebooks', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApiUnderTest();
    // A token's unit must be registered: the teacher below reads from a school of their own.
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: 'S-1', kind: 'school', name: '外国语学校', parentId: '320700' },
    ]) {
      expect((await api.send({ sub: 'setup', role: 'system' }, 'RegisterOrgUnit', unit)).status).toBe(200);
    }
  });
  afterAll(() => api?.stop());

  it('lists every preset LaunchProgramme takes by name, with its main figures, to any role', async () => {
    const { status, body } = await api.get<{ rulebooks: Summary[] }>(
      { sub: 't', role: 'teacher', unitId: 'S-1' },
      '/rulebooks',
    );
    expect(status).toBe(200);
    expect(body.rulebooks.map((rulebook) => rulebook.name)).toEqual([...PRESET_RULEBOOK_NAMES]);
    expect(body.rulebooks.find((rulebook) => rulebook.name === 'jiangsu-2.0')).toMatchObject({
      version: '2.0',
      source: { documentNumber: '苏教办师函〔2020〕14号' },
      hours: { minimumTotal: 50 },
      abilityPoints: { deadlineDays: 7 },
      closureThresholdPercent: 90,
      inspectionMinSamplePercent: 10,
      batchSharesPercent: [20, 40, 40],
    });
    expect(body.rulebooks.find((rulebook) => rulebook.name === 'ningde-1.0')).toMatchObject({
      hours: { minimumTotal: 80 },
      exemptYearsBeforeRetirement: 5,
      fundingYuanPerHourPerTeacher: 3,
      abilityPoints: null,
    });
  });

  it('shows one preset in full, and names the presets when asked for another', async () => {
    const system = { sub: 's', role: 'system' } as const;
    const full = await api.get<{ id: string; notes: string[] }>(system, '/rulebooks/lianyungang-1.0');
    expect(full.status).toBe(200);
    expect(full.body.id).toBe('lianyungang-1.0');
    expect(full.body.notes.length).toBeGreaterThan(0);
    const unknown = await api.get<{ error: { code: string; message: string } }>(system, '/rulebooks/beijing-2.0');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({
      code: 'NOT_FOUND',
      message: `No rulebook is named beijing-2.0; the presets are ${PRESET_RULEBOOK_NAMES.join(', ')}`,
    });
  });

  it('asks for a token', async () => {
    expect((await api.get(undefined, '/rulebooks')).status).toBe(401);
  });

  it('tip rulebooks prints each preset’s name first, then its figures', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', './scripts/register.js', 'apps/cli/src/main.ts', 'rulebooks', '--url', api.tip.url],
      { cwd: root, env: { ...process.env, TIP_JWT_SECRET: api.secret } },
    );
    const heads = stdout
      .trim()
      .split('\n\n')
      .map((block) => block.split(/\s+/)[0]);
    expect(heads).toEqual([...PRESET_RULEBOOK_NAMES]);
    expect(stdout).toContain('hours ≥ 140: 信息技术应用能力在线学习 (online) ≥ 30');
  });
});
