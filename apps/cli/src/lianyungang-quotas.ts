import { parse } from 'csv-parse/sync';
import { BilingualError } from './language';

/** One row of a quota table: a unit's seats in one period (the Lianyungang 2016 notice's shape). */
export interface QuotaRow {
  period: string;
  periodStart: string;
  periodEnd: string;
  unit: string;
  unitKind: 'county' | 'school';
  quota: number;
  /** The CSV line it was read from. */
  line: number;
}

/** A table refused whole, naming the line (in English as `.message`, or in Chinese). */
export class QuotaTableError extends BilingualError {}

const HEADER = ['period', 'period_start', 'period_end', 'unit', 'unit_kind', 'quota'];

/** Reads the CSV and refuses it whole, naming the line, if any row is off. */
export function parseQuotaTable(text: string): QuotaRow[] {
  const records = parse(text, {
    bom: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...rows] = records;
  if (!header || header.record.join(',') !== HEADER.join(',')) {
    throw new QuotaTableError(`The first line must be "${HEADER.join(',')}"`, `第一行须为 "${HEADER.join(',')}"`);
  }
  return rows.map(({ record: row, info }) => {
    const line = info.lines;
    const refuse = (english: string, chinese: string) =>
      new QuotaTableError(`Line ${line}: ${english}`, `第 ${line} 行：${chinese}`);
    if (row.length !== HEADER.length) {
      throw refuse(
        `expected ${HEADER.length} columns, found ${row.length}`,
        `应有 ${HEADER.length} 列，实有 ${row.length} 列`,
      );
    }
    const [period, periodStart, periodEnd, unit, unitKind, quota] = row;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(periodStart) || !/^\d{4}-\d{2}-\d{2}$/.test(periodEnd)) {
      throw refuse('period dates must be YYYY-MM-DD', '学习期起止日期须为 YYYY-MM-DD');
    }
    if (unitKind !== 'county' && unitKind !== 'school') {
      throw refuse('unit_kind must be county or school', '单位类型（unit_kind）须为 county 或 school');
    }
    if (!/^\d+$/.test(quota)) throw refuse('quota must be a whole number', '名额须为非负整数');
    if (!unit) throw refuse('unit is empty', '单位为空');
    return { period, periodStart, periodEnd, unit, unitKind, quota: Number(quota), line };
  });
}

export interface ImportTarget {
  programmeId: string;
  batchId: string;
  provinceId: string;
  cityId: string;
  /** Acts for the city when the city hands seats on; the province admin when it grants them. */
  cityAdmin: string;
  provinceAdmin: string;
  /**
   * The city runs the programme itself (LaunchProgramme with `ownerUnitId` = the city): its seats
   * start at the city, so there is no grant from the province, and the city schedules the batch.
   */
  cityRuns?: boolean;
}

export interface PlannedCommand {
  name: string;
  body: Record<string, unknown>;
  /**
   * Same row, same key: rerunning an import appends nothing twice. Only allocations carry one:
   * a key keeps its first answer, a refusal too, so a registration or the batch refused because
   * a step before the import was missing would stay refused after that step is done. Those two
   * need none — the same data again appends nothing.
   */
  idempotencyKey?: string;
  /** The CSV line the command comes from (the first row of its unit or period). */
  line: number;
}

/**
 * The commands that replay a quota table: the units (counties and city-direct schools under
 * the city), the batch with one period per table period, then per period the province's grant
 * to the city (none where the city runs the programme) and the city's allocation to each unit,
 * each at its period's first day, as the admin who did it. The units are registered as of the
 * first period's first day too: a notice of those weeks lists them.
 */
export function planQuotaImport(rows: QuotaRow[], target: ImportTarget): PlannedCommand[] {
  // Header values are Latin-1, and unit names are Chinese: the key is URI-encoded.
  const key = (...parts: string[]) => encodeURIComponent(['quota-import', target.batchId, ...parts].join('|'));
  const periods = [
    ...new Map(
      rows.map((row) => [row.period, { periodId: row.period, startsOn: row.periodStart, endsOn: row.periodEnd }]),
    ).values(),
  ];
  const units = [...new Map(rows.map((row) => [row.unit, row])).values()];
  const firstDay = `${periods.map((period) => period.startsOn).sort()[0]}T00:00:00+08:00`;
  const provinceAdmin = { sub: target.provinceAdmin, role: 'province-admin', unitId: target.provinceId };
  const cityAdmin = { sub: target.cityAdmin, role: 'city-admin', unitId: target.cityId };
  const commands: PlannedCommand[] = units.map((row) => ({
    name: 'RegisterOrgUnit',
    body: { unitId: row.unit, kind: row.unitKind, name: row.unit, parentId: target.cityId, at: firstDay },
    line: rows.find((candidate) => candidate.unit === row.unit)?.line ?? row.line,
  }));
  commands.push({
    name: 'ScheduleBatch',
    body: {
      programmeId: target.programmeId,
      batchId: target.batchId,
      name: target.batchId,
      startsOn: periods.map((period) => period.startsOn).sort()[0],
      endsOn: periods
        .map((period) => period.endsOn)
        .sort()
        .reverse()[0],
      sharePercent: 100,
      periods,
      at: firstDay,
      // The programme's owner schedules its batches.
      actor: target.cityRuns ? cityAdmin : provinceAdmin,
    },
    line: rows[0]?.line ?? 2,
  });
  for (const period of periods) {
    const at = `${period.startsOn}T00:00:00+08:00`;
    const periodRows = rows.filter((row) => row.period === period.periodId);
    const transfer = (fromUnitId: string, toUnitId: string, seats: number) => ({
      batchId: target.batchId,
      periodId: period.periodId,
      fromUnitId,
      toUnitId,
      seats,
    });
    // A city running its own programme is where its seats start: the province grants none (and would be refused).
    if (!target.cityRuns) {
      commands.push({
        name: 'AllocateQuota',
        body: {
          ...transfer(
            target.provinceId,
            target.cityId,
            periodRows.reduce((sum, row) => sum + row.quota, 0),
          ),
          at,
          actor: provinceAdmin,
        },
        idempotencyKey: key('grant', period.periodId, target.provinceId, target.cityId),
        line: periodRows[0].line,
      });
    }
    for (const row of periodRows) {
      if (row.quota === 0) continue;
      commands.push({
        name: 'AllocateQuota',
        body: {
          ...transfer(target.cityId, row.unit, row.quota),
          at,
          actor: cityAdmin,
        },
        idempotencyKey: key('allocate', period.periodId, target.cityId, row.unit),
        line: row.line,
      });
    }
  }
  return commands;
}

/**
 * When a command of the import was refused because a step the import relies on is missing (the
 * city registered under the province, the programme launched): which step, and what to do, in
 * both languages. Undefined for any other refusal.
 */
export function missingStepBehind(
  command: PlannedCommand,
  body: unknown,
  target: ImportTarget,
): BilingualError | undefined {
  const code = errorCodeOf(body);
  const again = 'then run import-quotas again (what it has imported already is not imported twice).';
  const againZh = '然后重新运行 import-quotas（已导入的不会重复导入）。';
  const { provinceId, cityId, programmeId } = target;
  if (command.name === 'RegisterOrgUnit' && code === 'UNKNOWN_PARENT') {
    return new BilingualError(
      `The city ${cityId} is not registered. Register the province ${provinceId} and the city ${cityId} under it ` +
        `first (RegisterOrgUnit, as the README's "Start here" shows), ${again}`,
      `市 ${cityId} 尚未登记。请先登记省 ${provinceId} 及其下的市 ${cityId}（RegisterOrgUnit，见 README 的 "Start here"），${againZh}`,
    );
  }
  if (command.name === 'RegisterOrgUnit' && code === 'BAD_HIERARCHY') {
    return new BilingualError(
      `${cityId} is registered, but not as a city: the table's counties and schools go under a city. ${again}`,
      `${cityId} 已登记，但不是市：表中的县区和学校须登记在市之下。${againZh}`,
    );
  }
  if (command.name === 'ScheduleBatch' && (code === 'UNKNOWN_PROGRAMME' || code === 'FORBIDDEN')) {
    return new BilingualError(
      `The programme ${programmeId} is not launched in the province ${provinceId}. Launch it first ` +
        `(LaunchProgramme with one of the rulebooks \`tip rulebooks\` lists), ${again}`,
      `项目 ${programmeId} 尚未在省 ${provinceId} 启动。请先启动（LaunchProgramme，规则集见 \`tip rulebooks\`），${againZh}`,
    );
  }
  if (command.name === 'AllocateQuota' && code === 'NOT_A_CHILD') {
    return new BilingualError(
      `The seats go from the province ${provinceId} to the city ${cityId}, then to the table's units, but one of ` +
        `them is not directly under the other. Check --province and --city, ${again}`,
      `名额由省 ${provinceId} 下达到市 ${cityId}，再到表中各单位，但其中有一级并非直属下级。请检查 --province 和 --city，${againZh}`,
    );
  }
  return undefined;
}

/**
 * The unit that runs a programme, from its stream as GET /api/audit/streams/programme-{id} gives it
 * (the ProgrammeLaunched event's `ownerUnitId`); null when it names none (its province runs it) or
 * the programme is not launched (ScheduleBatch then says so).
 */
export function programmeOwnerOf(stream: unknown): string | null {
  if (typeof stream !== 'object' || stream === null || !('events' in stream) || !Array.isArray(stream.events))
    return null;
  const launched = (stream.events as { type?: unknown; data?: { ownerUnitId?: unknown } }[]).find(
    (event) => event.type === 'ProgrammeLaunched',
  );
  const owner = launched?.data?.ownerUnitId;
  return typeof owner === 'string' ? owner : null;
}

function errorCodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const { error } = body;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
