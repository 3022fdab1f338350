import { createHash, randomUUID } from 'node:crypto';

/**
 * The fault suite's workload and its checks: 32 clients allocating seats from one county to its
 * schools as fast as the API answers, while something is killed; then, from the log alone,
 * whether every acknowledged command is there exactly once, positions only grow, every chain
 * verifies, and the views say what the events say.
 */

export const BATCH = 'FAULT-B';
export const COUNTY = 'FAULT-X';
export const SCHOOLS = Array.from({ length: 8 }, (_, index) => `FAULT-S${index + 1}`);

export interface Answer {
  status: number;
  code?: string;
}

export interface Acknowledged {
  commandId: string;
  position: number;
  events: ({ type: string } & Record<string, unknown>)[];
}

interface LoggedEvent {
  type: string;
  position: number;
  data: Record<string, unknown>;
  metadata: { eventId: string; commandId: string };
  streamId: string;
}

export class Api {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async command(name: string, body: unknown, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.url}/commands/${name}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.token}`,
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as T };
  }
}

/** Units, a programme, a batch and the county's seats: what the load allocates from. */
export async function prepareWorld(api: Api): Promise<void> {
  const ok = async (name: string, body: Record<string, unknown>) => {
    const { status, body: answer } = await api.command(
      name,
      body,
      // The same setup twice (a test started again on the same data) appends nothing new.
      `setup-${createHash('sha256')
        .update(`${name}${JSON.stringify(body)}`)
        .digest('hex')}`,
    );
    if (status !== 200) throw new Error(`${name} answered ${status}: ${JSON.stringify(answer)}`);
  };
  await ok('RegisterOrgUnit', { unitId: 'FAULT-P', kind: 'province', name: '省' });
  await ok('RegisterOrgUnit', { unitId: 'FAULT-C', kind: 'city', name: '市', parentId: 'FAULT-P' });
  await ok('RegisterOrgUnit', { unitId: COUNTY, kind: 'county', name: '区', parentId: 'FAULT-C' });
  for (const school of SCHOOLS)
    await ok('RegisterOrgUnit', {
      unitId: school,
      kind: 'school',
      name: '学校',
      parentId: COUNTY,
      fullTimeTeachers: 5,
    });
  await ok('LaunchProgramme', {
    programmeId: 'FAULT-PG',
    name: '提升工程',
    provinceId: 'FAULT-P',
    rulebook: 'jiangsu-2.0',
  });
  await ok('ScheduleBatch', {
    programmeId: 'FAULT-PG',
    batchId: BATCH,
    name: '第一批',
    startsOn: '2026-01-05',
    endsOn: '2026-12-31',
    sharePercent: 20,
    periods: [{ periodId: '1', startsOn: '2026-01-05', endsOn: '2026-12-31' }],
  });
  const seats = 1_000_000;
  await ok('AllocateQuota', { batchId: BATCH, periodId: '1', fromUnitId: 'FAULT-P', toUnitId: 'FAULT-C', seats });
  await ok('AllocateQuota', { batchId: BATCH, periodId: '1', fromUnitId: 'FAULT-C', toUnitId: COUNTY, seats });
}

export interface Load {
  /** Every answer, in the order they came. */
  answers: Answer[];
  acknowledged: Acknowledged[];
  /** Waits for at least this many more acknowledged commands. */
  acknowledgedMore(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `clients` loops, each allocating one seat at a time from the county to a school of its own. */
export function startLoad(api: () => Api, clients = 32): Load {
  const answers: Answer[] = [];
  const acknowledged: Acknowledged[] = [];
  let running = true;
  const waiters: { target: number; resolve(): void }[] = [];
  const client = async (index: number) => {
    const school = SCHOOLS[index % SCHOOLS.length];
    while (running) {
      try {
        const { status, body } = await api().command(
          'AllocateQuota',
          { batchId: BATCH, periodId: '1', fromUnitId: COUNTY, toUnitId: school, seats: 1 },
          randomUUID(),
        );
        answers.push({ status, code: (body.error as { code?: string } | undefined)?.code });
        if (status === 200) {
          acknowledged.push({
            commandId: String(body.commandId),
            position: Number(body.position),
            events: body.events as Acknowledged['events'],
          });
          for (const waiter of waiters.splice(0)) {
            if (acknowledged.length >= waiter.target) waiter.resolve();
            else waiters.push(waiter);
          }
        } else {
          // Refused or unavailable: breathe before the next try, as a client honouring Retry-After would.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } catch {
        // No answer at all (the process was killed, the socket reset): nothing acknowledged.
        answers.push({ status: 0 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, index) => client(index));
  return {
    answers,
    acknowledged,
    acknowledgedMore(count, timeoutMs = 120_000) {
      const target = acknowledged.length + count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`fewer than ${count} more commands acknowledged within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The whole log through the auditors' route, in the order it is delivered. */
export async function readLog(api: Api): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (let from = 0; ;) {
    const { status, body } = await api.get<{ events: LoggedEvent[]; nextPosition: number }>(
      `/audit/events?fromPosition=${from}&limit=1000`,
    );
    if (status !== 200) throw new Error(`/audit/events answered ${status}`);
    if (body.events.length === 0) return events;
    events.push(...body.events);
    from = body.nextPosition;
  }
}

/** Problems with the log given what was acknowledged; none when it holds. */
export function logProblems(log: LoggedEvent[], acknowledged: Acknowledged[]): string[] {
  const problems: string[] = [];
  for (let index = 1; index < log.length; index++) {
    if (log[index].position <= log[index - 1].position)
      problems.push(`position ${log[index].position} follows ${log[index - 1].position}`);
  }
  const ids = new Set<string>();
  for (const event of log) {
    if (ids.has(event.metadata.eventId)) problems.push(`event ${event.metadata.eventId} is in the log twice`);
    ids.add(event.metadata.eventId);
  }
  const byCommand = new Map<string, LoggedEvent[]>();
  for (const event of log)
    byCommand.set(event.metadata.commandId, [...(byCommand.get(event.metadata.commandId) ?? []), event]);
  for (const command of acknowledged) {
    const stored = [...(byCommand.get(command.commandId) ?? [])];
    // Each event the answer named is there once: matched one to one by type and data.
    for (const { type, ...data } of command.events) {
      const index = stored.findIndex(
        (event) => event.type === type && JSON.stringify(sortKeys(event.data)) === JSON.stringify(sortKeys(data)),
      );
      if (index < 0) problems.push(`acknowledged ${command.commandId} (${type}) is missing from the log`);
      else stored.splice(index, 1);
    }
    const twice = stored.filter((event) => command.events.some((answered) => answered.type === event.type));
    if (twice.length > 0) problems.push(`acknowledged ${command.commandId} has ${twice.length} extra event(s)`);
    if (!(byCommand.get(command.commandId) ?? []).some((event) => event.position === command.position))
      problems.push(
        `acknowledged ${command.commandId} named position ${command.position}, which holds none of its events`,
      );
  }
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** Waits until every read model has taken in the whole log (and parked nothing). */
export async function caughtUp(api: Api, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await api.get<{
      status: string;
      readModels: { views: Record<string, { behindBy: number | null; parked: number }> };
    }>('/health');
    const views = Object.values(health.body.readModels?.views ?? {});
    if (health.status === 200 && views.length > 0 && views.every((view) => view.behindBy === 0)) return health.body;
    if (Date.now() > deadline) throw new Error(`read models not caught up: ${JSON.stringify(health.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The county's quota view against the seats its QuotaAllocated events hand on, per school. */
export async function quotaViewProblems(api: Api, log: LoggedEvent[]): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const event of log) {
    if (event.type !== 'QuotaAllocated' || event.data.fromUnitId !== COUNTY) continue;
    const school = String(event.data.toUnitId);
    expected.set(school, (expected.get(school) ?? 0) + Number(event.data.seats));
  }
  const view = await api.get<{ periods: { handedOnTo: { unitId: string; seats: number }[] }[] }>(
    `/views/units/${COUNTY}/quota?batchId=${BATCH}`,
  );
  if (view.status !== 200) return [`the quota view answered ${view.status}`];
  const shown = new Map(view.body.periods[0].handedOnTo.map((row) => [row.unitId, row.seats]));
  const problems: string[] = [];
  for (const school of SCHOOLS) {
    if ((shown.get(school) ?? 0) !== (expected.get(school) ?? 0))
      problems.push(`${school}: the view shows ${shown.get(school) ?? 0} seats, the log ${expected.get(school) ?? 0}`);
  }
  return problems;
}

/** Answers a caller must never see under any fault: a 5xx other than 503 UNAVAILABLE / VIEW_BEHIND. */
export function forbiddenAnswers(answers: Answer[]): Answer[] {
  return answers.filter(
    (answer) =>
      answer.status >= 500 && !(answer.status === 503 && ['UNAVAILABLE', 'VIEW_BEHIND'].includes(answer.code ?? '')),
  );
}
