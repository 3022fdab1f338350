import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

describe('tip import-teachers', () => {
  let api: ApiUnderTest;
  let dir: string;

  beforeAll(async () => {
    api = await startApiUnderTest();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tip-teachers-'));
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: 'S-1', kind: 'school', name: '外国语学校', parentId: '320700' },
    ]) {
      expect((await api.send({ sub: 'setup', role: 'system' }, 'RegisterOrgUnit', unit)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await api?.stop();
  });

  const importSheet = (file: string, ...options: string[]) =>
    run(
      process.execPath,
      [
        '-r',
        './scripts/register.js',
        'apps/cli/src/main.ts',
        'import-teachers',
        file,
        '--url',
        api.tip.url,
        ...options,
      ],
      {
        cwd: root,
        env: { ...process.env, TIP_JWT_SECRET: api.secret },
      },
    ).then(
      (done) => ({ code: 0, ...done }),
      (failed: { code: number; stdout: string; stderr: string }) => failed,
    );

  it('registers every good row, reports the refused ones, and a rerun changes nothing', async () => {
    const good = (n: number) => `3207071985031212${n}`;
    const sheet = [
      'teacher_id,school_id,name,id_number,gender,stage,subject,full_time',
      `T-1,S-1,王芳,${good(1)}${idNumberCheckCharacter(good(1))},女,初中,英语,是`,
      `T-2,S-1,李雷,${good(2)}${idNumberCheckCharacter(good(2))},男,初中,数学,是`,
      // A mistyped check digit: the API refuses this row alone.
      `T-3,S-1,韩梅梅,${good(3)}${idNumberCheckCharacter(good(3)) === '0' ? '1' : '0'},女,初中,语文,是`,
    ].join('\n');
    const file = path.join(dir, 'teachers.csv');
    await writeFile(file, sheet);
    const first = await importSheet(file);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('Registered 2 of 3 teachers.');
    // The refusal names the sheet's line: the header is line 1, T-3 line 4.
    expect(first.stderr).toContain('Line 4 (T-3): RegisterTeacher was refused (422 INVALID_ID_NUMBER)');
    const again = await importSheet(file);
    expect(again.stdout).toContain('Registered 2 of 3 teachers.');
    const retry = await api.send({ sub: 'x', role: 'system' }, 'RegisterTeacher', {
      teacherId: 'T-1',
      schoolId: 'S-1',
      name: '王芳',
      idNumber: `${good(1)}${idNumberCheckCharacter(good(1))}`,
      gender: 'female',
      stage: '初中',
      subject: '英语',
      fullTime: true,
      birthDate: '1985-03-12',
    });
    expect(retry.body.events).toEqual([]);
  });

  it('reports in Chinese with --lang zh (the API answering in Chinese too), naming the line', async () => {
    const bad = '320707198503121234';
    const sheet = [
      'teacher_id,school_id,name,id_number,gender,stage,subject,full_time',
      '',
      `T-9,S-1,赵敏,${bad.slice(0, 17)}${idNumberCheckCharacter(bad.slice(0, 17)) === '0' ? '1' : '0'},女,初中,语文,是`,
    ].join('\n');
    const file = path.join(dir, 'teachers-zh.csv');
    await writeFile(file, sheet);
    const refused = await importSheet(file, '--lang', 'zh');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('已登记 0 名教师，共 1 名。');
    expect(refused.stderr).toContain('第 3 行（T-9）：RegisterTeacher 被拒绝 (422 INVALID_ID_NUMBER): 身份证号无效');

    await writeFile(file, sheet.replace(',是', ',也许'));
    const unreadable = await importSheet(file, '--lang', 'zh');
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('第 3 行：是否专任（full_time）须为 是/否（或 yes/no）');
  });
});
