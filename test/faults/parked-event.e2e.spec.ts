import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';
import { parkedEventScenario } from './support/parked-event';

/**
 * An accepted event the progress projector cannot handle (an enrollment at a school nobody
 * registered, as history imported from elsewhere may hold) no longer stops the read models: it is
 * parked, the views go on and say `degraded`, health names it, and `tip projections retry`
 * applies it once the school exists.
 */
describe('a parked event over HTTP and the CLI', () => {
  let api: ApiUnderTest;
  let store: PostgresEventStore;
  let poisonPosition = 0;
  const { system, ok, tip, registerSchoolAndBatch, appendPoison } = parkedEventScenario(() => api);

  beforeAll(async () => {
    api = await startApiUnderTest({ TIP_VIEW_WAIT_MS: '5000' });
    store = await createPostgresEventStore({ connectionString: api.database.url });
    await registerSchoolAndBatch();
    poisonPosition = await appendPoison(store);
  });
  afterAll(async () => {
    await store?.close();
    await api?.stop();
  });

  it('goes on past it: a later write is readable, and the view says degraded', async () => {
    const later = await ok('RegisterOrgUnit', { unitId: 'S2', kind: 'school', name: '学校二', parentId: 'X' });
    const view = await api.get(system, `/views/units/S2/progress?batchId=B&minPosition=${later}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ degraded: true });
    expect(Number(view.body.position)).toBeGreaterThanOrEqual(later);
    const notice = await api.get(system, `/notices/weekly?unitId=P&batchId=B&week=2026-W02&format=csv`);
    expect(notice.headers.get('tip-degraded')).toBe('true');
  });

  it('turns health degraded naming the read model, the position and the error; ready says no; live says yes', async () => {
    const health = await api.get(undefined, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'degraded',
      readModels: {
        views: { progress: { parked: 1 }, inspections: { parked: 0 } },
        parked: [
          {
            readModel: 'progress',
            position: poisonPosition,
            eventType: 'TeacherEnrolled',
            error: 'org unit S-GONE is not registered in the read model yet',
            attempts: 1,
          },
        ],
      },
    });
    const ready = await api.get(undefined, '/health/ready');
    expect(ready).toMatchObject({
      status: 503,
      body: { status: 'not-ready', reasons: ['read model progress parked 1 event(s)'] },
    });
    expect(await api.get(undefined, '/health/live')).toMatchObject({ status: 200, body: { status: 'live' } });
    // Nothing about where the database is.
    const port = new URL(api.database.url).port;
    for (const body of [health.bytes, ready.bytes]) {
      expect(body.toString()).not.toContain(port);
      expect(body.toString()).not.toMatch(/127\.0\.0\.1|localhost|postgres/i);
    }
  });

  it('is listed by tip projections parked, and applied by tip projections retry once the school exists', async () => {
    const listed = await tip('projections', 'parked');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      `progress\tposition ${poisonPosition}\tTeacherEnrolled\tstream enrollment-B:T-LOST`,
    );
    expect(listed.stdout).toContain('1 parked event.');

    const early = await tip('projections', 'retry');
    expect(early.code).toBe(1);
    expect(early.stdout).toContain(`still parked: org unit S-GONE is not registered in the read model yet`);

    const fixed = await ok('RegisterOrgUnit', { unitId: 'S-GONE', kind: 'school', name: '学校三', parentId: 'X' });
    // The retry reads the read model: let it take the school in first.
    expect((await api.get(system, `/views/units/S-GONE/progress?batchId=B&minPosition=${fixed}`)).status).toBe(200);
    const retried = await tip('projections', 'retry', 'progress', '--position', String(poisonPosition));
    expect(retried.stdout).toContain(`progress\tposition ${poisonPosition}\tapplied`);
    expect(retried.code).toBe(0);

    expect((await tip('projections', 'parked')).stdout).toContain('No parked events.');
    const health = await api.get(undefined, '/health');
    expect(health.body).toMatchObject({ status: 'ok', readModels: { parked: [] } });
    expect((await api.get(undefined, '/health/ready')).status).toBe(200);
    const school = await api.get(system, `/views/units/S-GONE/progress?batchId=B`);
    expect(school.body).toMatchObject({ degraded: false, teachers: { enrolled: 1 } });
  }, 120_000);

  it('refuses an unknown read model by name, changing nothing', async () => {
    const unknown = await tip('projections', 'parked', 'nonsense');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('Unknown read model "nonsense"');
  });
});
