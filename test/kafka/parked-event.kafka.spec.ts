import { ChildProcess } from 'node:child_process';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { describeWithKafka, testKafkaBrokers } from '@tip/testing';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';
import { parkedEventScenario } from '../faults/support/parked-event';
import { exited, groupsStable, PARTITIONS, spawnWorker, uniqueTopic } from './kafka-support';

/**
 * The Kafka deployment's path for an event a projector cannot handle: the API publishes the log,
 * two projector worker processes (apps/projector) share its partitions, and one of them meets an
 * enrollment at a school nobody registered. It must wait only while another partition may still
 * bring the school, then park the event and go on; the API's views say degraded, health names it,
 * and `tip projections retry` applies it once the school exists, while the workers keep running.
 */
describeWithKafka('a parked event on the Kafka path, through projector worker processes', () => {
  let api: ApiUnderTest;
  let store: PostgresEventStore;
  let workers: ChildProcess[] = [];
  const topic = uniqueTopic();
  // Groups of this test's own: other suites' workers on the shared broker are no members of them.
  const groupPrefix = `${topic}-`;
  let poisonPosition = 0;

  const { system, ok, tip, registerSchoolAndBatch, appendPoison } = parkedEventScenario(() => api);
  const unitProgress = (unitId: string, minPosition: number) =>
    api.get(system, `/views/units/${unitId}/progress?batchId=B&minPosition=${minPosition}`);

  beforeAll(async () => {
    const brokers = testKafkaBrokers();
    api = await startApiUnderTest({
      TIP_PROJECTIONS: 'kafka',
      KAFKA_BROKERS: brokers,
      TIP_KAFKA_TOPIC: topic,
      TIP_KAFKA_PARTITIONS: String(PARTITIONS),
      // The workers are processes of their own on a loaded machine: give a view time to see them.
      TIP_VIEW_WAIT_MS: '30000',
    });
    workers = [1, 2].map(() => spawnWorker(api.database.url, brokers, topic, { TIP_KAFKA_GROUP_PREFIX: groupPrefix }));
    store = await createPostgresEventStore({ connectionString: api.database.url });
    await registerSchoolAndBatch();
    // Both workers in every group before the poison comes, so "the other partitions" are really another process's.
    await groupsStable(brokers, 2, 90_000, groupPrefix);
    poisonPosition = await appendPoison(store);
  }, 180_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map(exited));
    await store?.close();
    await api?.stop();
  }, 60_000);

  it('is parked by a worker, which goes on: a later write is readable and the view says degraded', async () => {
    const later = await ok('RegisterOrgUnit', { unitId: 'S2', kind: 'school', name: '学校二', parentId: 'X' });
    // Reaching `later` means every partition is past the poison: it was parked, not waited on.
    const view = await unitProgress('S2', later);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ degraded: true });
    expect(Number(view.body.position)).toBeGreaterThanOrEqual(later);
    expect(workers.map((worker) => worker.exitCode)).toEqual([null, null]);
  }, 120_000);

  it('turns health degraded naming the read model, the position and the error; ready says no', async () => {
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
          },
        ],
      },
    });
    const ready = await api.get(undefined, '/health/ready');
    expect(ready).toMatchObject({
      status: 503,
      body: { status: 'not-ready', reasons: ['read model progress parked 1 event(s)'] },
    });
  });

  it('is listed by tip projections parked and applied by tip projections retry once the school exists, the workers going on', async () => {
    const listed = await tip('projections', 'parked');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      `progress\tposition ${poisonPosition}\tTeacherEnrolled\tstream enrollment-B:T-LOST`,
    );
    expect(listed.stdout).toContain('1 parked event.');

    const early = await tip('projections', 'retry');
    expect(early.code).toBe(1);
    expect(early.stdout).toContain('still parked: org unit S-GONE is not registered in the read model yet');

    const fixed = await ok('RegisterOrgUnit', { unitId: 'S-GONE', kind: 'school', name: '学校三', parentId: 'X' });
    // The retry reads the read model: let the workers take the school in first.
    expect((await unitProgress('S-GONE', fixed)).status).toBe(200);
    const retried = await tip('projections', 'retry', 'progress', '--position', String(poisonPosition));
    expect(retried.stdout).toContain(`progress\tposition ${poisonPosition}\tapplied`);
    expect(retried.code).toBe(0);
    expect((await tip('projections', 'parked')).stdout).toContain('No parked events.');

    // The workers build on the retried rows: a later write at the same school lands beside it.
    const after = await ok('RegisterOrgUnit', { unitId: 'S3', kind: 'school', name: '学校四', parentId: 'X' });
    const school = await unitProgress('S-GONE', after);
    expect(school.body).toMatchObject({ degraded: false, teachers: { enrolled: 1 } });
    const county = await unitProgress('X', after);
    expect(county.body).toMatchObject({ degraded: false, teachers: { enrolled: 1 } });
    const health = await api.get(undefined, '/health');
    expect(health.body).toMatchObject({ status: 'ok', readModels: { parked: [] } });
    expect((await api.get(undefined, '/health/ready')).status).toBe(200);
    expect(workers.map((worker) => worker.exitCode)).toEqual([null, null]);
  }, 180_000);
});
