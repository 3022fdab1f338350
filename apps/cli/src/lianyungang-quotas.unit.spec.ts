import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  missingStepBehind,
  parseQuotaTable,
  planQuotaImport,
  programmeOwnerOf,
  QuotaTableError,
} from './lianyungang-quotas';

const fixture = path.resolve(__dirname, '../../../fixtures/lianyungang-2016-quotas.csv');
const target = {
  programmeId: 'LYG-1.0',
  batchId: 'LYG-2016',
  provinceId: '320000',
  cityId: '320700',
  provinceAdmin: 'p',
  cityAdmin: 'c',
};

describe('the Lianyungang 2016 quota table', () => {
  const rows = parseQuotaTable(readFileSync(fixture, 'utf8'));

  it('reads as-is: 14 periods × 23 units, 3,600 seats a period', () => {
    expect(rows).toHaveLength(14 * 23);
    const periods = new Set(rows.map((row) => row.period));
    expect(periods.size).toBe(14);
    expect(new Set(rows.map((row) => row.unit)).size).toBe(23);
    for (const period of periods) {
      expect(rows.filter((row) => row.period === period).reduce((sum, row) => sum + row.quota, 0)).toBe(3600);
    }
  });

  it('plans the units, the batch and, per period, a grant to the city and its allocations', () => {
    const commands = planQuotaImport(rows, target);
    expect(commands.filter((command) => command.name === 'RegisterOrgUnit')).toHaveLength(23);
    const batch = commands.find((command) => command.name === 'ScheduleBatch');
    expect(batch?.body).toMatchObject({ startsOn: '2016-03-10', endsOn: '2017-12-21' });
    expect((batch?.body.periods as unknown[]).length).toBe(14);
    const grants = commands.filter(
      (command) => command.name === 'AllocateQuota' && command.body.fromUnitId === '320000',
    );
    expect(grants.map((grant) => grant.body.seats)).toEqual(Array(14).fill(3600));
    expect(grants[0].body.at).toBe('2016-03-10T00:00:00+08:00');
    const allocations = commands.filter((command) => command.name === 'AllocateQuota');
    expect(new Set(allocations.map((command) => command.idempotencyKey)).size).toBe(allocations.length);
    expect(allocations.every((command) => command.idempotencyKey !== undefined)).toBe(true);
    // Registrations and the batch are idempotent by their data, and must not keep a refusal.
    expect(commands.filter((command) => command.idempotencyKey === undefined).map((command) => command.name)).toEqual([
      ...Array(23).fill('RegisterOrgUnit'),
      'ScheduleBatch',
    ]);
    // A refusal names the CSV line of the row the command comes from.
    const last = rows[rows.length - 1];
    const allocation = commands.find(
      (command) =>
        command.name === 'AllocateQuota' &&
        command.body.toUnitId === last.unit &&
        command.body.periodId === last.period,
    );
    expect([rows[0].line, last.line, allocation?.line]).toEqual([2, rows.length + 1, rows.length + 1]);
  });

  it('registers the units as of the first period’s first day, so the notices of those weeks list them', () => {
    const registrations = planQuotaImport(rows, target).filter((command) => command.name === 'RegisterOrgUnit');
    expect(new Set(registrations.map((command) => command.body.at))).toEqual(new Set(['2016-03-10T00:00:00+08:00']));
  });

  it('grants nothing from the province where the city runs the programme, and lets the city schedule the batch', () => {
    const commands = planQuotaImport(rows, { ...target, cityRuns: true });
    const allocations = commands.filter((command) => command.name === 'AllocateQuota');
    expect(allocations.filter((command) => command.body.fromUnitId === '320000')).toEqual([]);
    expect(allocations).toHaveLength(rows.filter((row) => row.quota > 0).length);
    expect(commands.find((command) => command.name === 'ScheduleBatch')?.body.actor).toEqual({
      sub: 'c',
      role: 'city-admin',
      unitId: '320700',
    });
    expect(planQuotaImport(rows, target).find((command) => command.name === 'ScheduleBatch')?.body.actor).toEqual({
      sub: 'p',
      role: 'province-admin',
      unitId: '320000',
    });
  });

  it('reads who runs the programme from its stream', () => {
    const launched = (data: Record<string, unknown>) => ({ events: [{ type: 'ProgrammeLaunched', data }] });
    expect(programmeOwnerOf(launched({ programmeId: 'LYG-1.0', ownerUnitId: '320700' }))).toBe('320700');
    expect(programmeOwnerOf(launched({ programmeId: 'LYG-1.0' }))).toBeNull();
    expect(programmeOwnerOf({ error: { code: 'NOT_FOUND' } })).toBeNull();
  });

  it('refuses a table whose rows are off, naming the line', () => {
    expect(() =>
      parseQuotaTable(
        'period,period_start,period_end,unit,unit_kind,quota\n1,2016-03-10,2016-04-18,赣榆区,county,many\n',
      ),
    ).toThrow('Line 2: quota must be a whole number');
    try {
      parseQuotaTable('period,period_start,period_end,unit,unit_kind,quota\n\n1,2016-03-10,2016-04-18,赣榆区,town,5\n');
    } catch (error) {
      expect((error as QuotaTableError).in('zh')).toBe('第 3 行：单位类型（unit_kind）须为 county 或 school');
    }
    expect.assertions(3);
    expect(() => parseQuotaTable('unit,quota\n')).toThrow(QuotaTableError);
  });
});

describe('a refused import command', () => {
  const commands = planQuotaImport(parseQuotaTable(readFileSync(fixture, 'utf8')), target);
  const first = (name: string) => {
    const command = commands.find((planned) => planned.name === name);
    if (!command) throw new Error(`no ${name} planned`);
    return command;
  };
  const refusal = (code: string) => ({ error: { code, message: 'refused' } });

  it('says to register the province and the city first when the city is unknown', () => {
    const missing = missingStepBehind(first('RegisterOrgUnit'), refusal('UNKNOWN_PARENT'), target);
    expect(missing?.in('en')).toMatch(
      /^The city 320700 is not registered\. Register the province 320000 and the city 320700 under it first/,
    );
    expect(missing?.in('zh')).toMatch(/^市 320700 尚未登记。请先登记省 320000 及其下的市 320700/);
  });

  it('says to launch the programme first when it is not launched (or not in that province)', () => {
    for (const code of ['UNKNOWN_PROGRAMME', 'FORBIDDEN']) {
      expect(missingStepBehind(first('ScheduleBatch'), refusal(code), target)?.in('en')).toMatch(
        /^The programme LYG-1\.0 is not launched in the province 320000\. Launch it first .*tip rulebooks/,
      );
    }
  });

  it('names no missing step for any other refusal', () => {
    expect(missingStepBehind(first('AllocateQuota'), refusal('QUOTA_EXCEEDED'), target)).toBeUndefined();
    expect(missingStepBehind(first('RegisterOrgUnit'), { unexpected: true }, target)).toBeUndefined();
  });
});
