import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Actor, enrollmentRulesOf, enrollmentStreamId, presetRulebook } from '@tip/domain';
import { createPostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { parsePrometheusText, Sample, valueOf } from './support/prometheus';

/**
 * GET /api/metrics as Prometheus scrapes it: every figure the operator is promised is there,
 * and moves when the system does.
 */
const system: Actor = { sub: 'importer', role: 'system' };
const cityAdmin: Actor = { sub: 'city', role: 'city-admin', unitId: '320700' };

describe('metrics over HTTP', () => {
  let api: ApiUnderTest;

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${api.tip.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  const moved = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
    (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);

  beforeAll(async () => {
    api = await startApiUnderTest();
    const province = await api.send(system, 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
    expect(province.status).toBe(200);
  });
  afterAll(() => api?.stop());

  it('counts and times commands by name and outcome, the error code being the outcome', async () => {
    const before = await scrape();
    const city = { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' };
    expect((await api.send(system, 'RegisterOrgUnit', city)).status).toBe(200);
    expect((await api.send(system, 'RegisterOrgUnit', { unitId: '', kind: 'city' })).status).toBe(400);
    // A city's admin may not register a city beside its own.
    expect((await api.send(cityAdmin, 'RegisterOrgUnit', { ...city, unitId: '320800' })).status).toBe(403);
    expect((await api.send(system, 'NoSuchCommand', {})).status).toBe(404);
    const after = await scrape();

    for (const outcome of ['ok', 'VALIDATION_FAILED', 'FORBIDDEN']) {
      const labels = { command: 'RegisterOrgUnit', outcome };
      expect({ outcome, counted: moved(before, after, 'tip_commands_total', labels) }).toEqual({ outcome, counted: 1 });
      expect(moved(before, after, 'tip_command_duration_seconds_count', labels)).toBe(1);
      expect(moved(before, after, 'tip_command_duration_seconds_sum', labels)).toBeGreaterThan(0);
    }
    // A name from the URL that is no command never becomes a label.
    expect(after.filter((sample) => sample.labels.command === 'NoSuchCommand')).toEqual([]);
  });

  it('times appends and sizes them, per caller and per group-commit transaction', async () => {
    const before = await scrape();
    const county = { unitId: '320703', kind: 'county', name: '连云区', parentId: '320700' };
    const schools = Array.from({ length: 8 }, (_, index) => ({
      unitId: `S-${index}`,
      kind: 'school',
      name: `学校${index}`,
      parentId: '320703',
    }));
    expect((await api.send(system, 'RegisterOrgUnit', county)).status).toBe(200);
    const answers = await Promise.all(schools.map((school) => api.send(system, 'RegisterOrgUnit', school)));
    expect(answers.map((answer) => answer.status)).toEqual(schools.map(() => 200));
    const after = await scrape();

    expect(moved(before, after, 'tip_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(9);
    expect(moved(before, after, 'tip_append_duration_seconds_sum', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(moved(before, after, 'tip_append_events_sum')).toBeGreaterThanOrEqual(9);
    const transactions = moved(before, after, 'tip_append_transaction_appends_count');
    expect(transactions).toBeGreaterThanOrEqual(1);
    // Every caller's append was committed in some transaction, alone or with others.
    expect(moved(before, after, 'tip_append_transaction_appends_sum')).toBeGreaterThanOrEqual(9);
    expect(moved(before, after, 'tip_append_transaction_events_sum')).toBeGreaterThanOrEqual(9);
    expect(moved(before, after, 'tip_append_transaction_duration_seconds_count')).toBe(transactions);
    expect(valueOf(after, 'tip_event_store_head_position')).toBeGreaterThanOrEqual(
      Math.max(...answers.map((answer) => Number(answer.body.position))),
    );
  });

  it('shows events held back by an open transaction and the read models falling behind, then catching up', async () => {
    const blocker = new Client({ connectionString: api.database.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select pg_current_xact_id()');
      const answer = await api.send(system, 'RegisterOrgUnit', {
        unitId: '321100',
        kind: 'city',
        name: '镇江市',
        parentId: '320000',
      });
      expect(answer.status).toBe(200);
      const held = await scrape();
      expect(valueOf(held, 'tip_event_store_held_back_events')).toBeGreaterThanOrEqual(1);
      expect(valueOf(held, 'tip_event_store_oldest_open_transaction_seconds')).toBeGreaterThan(0);
      expect(valueOf(held, 'tip_event_store_safe_position')).toBeLessThan(Number(answer.body.position));
      for (const readModel of ['progress', 'inspections']) {
        expect(valueOf(held, 'tip_read_model_lag_positions', { read_model: readModel })).toBeGreaterThanOrEqual(1);
        expect(valueOf(held, 'tip_read_model_position', { read_model: readModel })).toBeLessThan(
          Number(answer.body.position),
        );
      }
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    const deadline = Date.now() + 20_000;
    let after = await scrape();
    while (valueOf(after, 'tip_read_model_lag_positions') !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await scrape();
    }
    expect(valueOf(after, 'tip_event_store_held_back_events')).toBe(0);
    expect(valueOf(after, 'tip_read_model_lag_positions', { read_model: 'progress' })).toBe(0);
    expect(valueOf(after, 'tip_read_model_lag_positions', { read_model: 'inspections' })).toBe(0);
  });

  it('counts the events a read model parked, per read model', async () => {
    const ok = async (name: string, body: Record<string, unknown>) =>
      Number((await api.accepted(system, name, body)).body.position);
    await ok('RegisterOrgUnit', { unitId: 'PK', kind: 'province', name: '停省' });
    await ok('LaunchProgramme', { programmeId: 'PK-PG', name: '提升工程', provinceId: 'PK', rulebook: 'jiangsu-2.0' });
    await ok('ScheduleBatch', {
      programmeId: 'PK-PG',
      batchId: 'PK-B',
      name: '第一批',
      startsOn: '2026-01-05',
      endsOn: '2026-12-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2026-01-05', endsOn: '2026-12-31' }],
    });
    const before = await scrape();
    expect(valueOf(before, 'tip_read_model_parked_events', { read_model: 'progress' })).toBe(0);

    // An enrollment at a school nobody registered, as an import from an older platform may hold:
    // the progress projector parks it (test/faults/parked-event.e2e.spec.ts follows it further).
    const store = await createPostgresEventStore({ connectionString: api.database.url });
    const commandId = randomUUID();
    const enrolledAt = '2026-01-06T01:00:00.000Z';
    await store
      .appendToStream(enrollmentStreamId('PK-B', 'T-LOST'), [
        {
          type: 'TeacherEnrolled',
          data: {
            batchId: 'PK-B',
            teacherId: 'T-LOST',
            periodId: '1',
            schoolId: 'S-GONE',
            fullTime: true,
            enrolledAt,
            rules: enrollmentRulesOf(presetRulebook('jiangsu-2.0')),
          },
          metadata: {
            eventId: randomUUID(),
            businessTime: enrolledAt,
            actor: { sub: 'old-platform', role: 'system' },
            commandId,
            correlationId: commandId,
            causationId: commandId,
          },
        },
      ])
      .finally(() => store.close());
    // A later write read back through the view: the projector has passed (and parked) the poison.
    const later = await ok('RegisterOrgUnit', { unitId: 'PK-C', kind: 'city', name: '停市', parentId: 'PK' });
    const view = await api.get(system, `/views/units/PK-C/progress?batchId=PK-B&minPosition=${later}`);
    expect(view).toMatchObject({ status: 200, body: { degraded: true } });

    const after = await scrape();
    expect(valueOf(after, 'tip_read_model_parked_events', { read_model: 'progress' })).toBe(1);
    expect(valueOf(after, 'tip_read_model_parked_events', { read_model: 'inspections' })).toBe(0);
  });

  it("reports each database pool's use, the process's memory and its event-loop delay", async () => {
    const samples = await scrape();
    for (const pool of ['api', 'event-store', 'read-model:progress', 'read-model:inspections']) {
      for (const state of ['total', 'idle', 'waiting'])
        expect({ pool, state, value: valueOf(samples, 'tip_db_pool_connections', { pool, state }) }).toEqual({
          pool,
          state,
          value: expect.any(Number),
        });
      expect(valueOf(samples, 'tip_db_pool_connections', { pool, state: 'total' })).toBeGreaterThanOrEqual(1);
    }
    expect(valueOf(samples, 'tip_db_pool_max_connections', { pool: 'api' })).toBe(4);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_eventloop_lag_p99_seconds')).toEqual(expect.any(Number));
    // Names are never repeated in one scrape (two registries of one process would clash silently).
    const help = (await (await fetch(`${api.tip.url}/metrics`)).text()).match(/^# HELP \S+/gm) ?? [];
    expect(new Set(help).size).toBe(help.length);
  });
});
