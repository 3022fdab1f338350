import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Actor, enrollmentRulesOf, enrollmentStreamId, presetRulebook } from '@tip/domain';
import { EventStore } from '@tip/event-store';
import { ApiUnderTest } from '../../api/support/api-under-test';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');

/**
 * What the parked-event suites (in process and on the Kafka path) share: one school S1 in county
 * X of a Jiangsu 2.0 batch B, and the poison — an enrollment at S-GONE, a school nobody
 * registered, written through the event store port as an import from an older platform would.
 */
export function parkedEventScenario(api: () => ApiUnderTest) {
  const system: Actor = { sub: 'importer', role: 'system' };

  /** A command as the system, accepted (200, no error); gives the position of its last event. */
  const ok = async (name: string, body: Record<string, unknown>) =>
    Number((await api().accepted(system, name, body)).body.position);

  /** The `tip` CLI against the API's database: its exit code and what it printed. */
  const tip = (...args: string[]) =>
    run(process.execPath, ['-r', './scripts/register.js', 'apps/cli/src/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: api().database.url },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  /** The province, city, county and school S1, the programme and batch B. */
  async function registerSchoolAndBatch(): Promise<void> {
    await ok('RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '省' });
    await ok('RegisterOrgUnit', { unitId: 'C', kind: 'city', name: '市', parentId: 'P' });
    await ok('RegisterOrgUnit', { unitId: 'X', kind: 'county', name: '区', parentId: 'C' });
    await ok('RegisterOrgUnit', { unitId: 'S1', kind: 'school', name: '学校', parentId: 'X', fullTimeTeachers: 3 });
    await ok('LaunchProgramme', { programmeId: 'PG', name: '提升工程', provinceId: 'P', rulebook: 'jiangsu-2.0' });
    await ok('ScheduleBatch', {
      programmeId: 'PG',
      batchId: 'B',
      name: '第一批',
      startsOn: '2026-01-05',
      endsOn: '2026-12-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2026-01-05', endsOn: '2026-12-31' }],
    });
  }

  /** Appends the poison (teacher T-LOST enrolled at S-GONE); gives its position. */
  async function appendPoison(store: EventStore): Promise<number> {
    const commandId = randomUUID();
    const { lastPosition } = await store.appendToStream(enrollmentStreamId('B', 'T-LOST'), [
      {
        type: 'TeacherEnrolled',
        data: {
          batchId: 'B',
          teacherId: 'T-LOST',
          periodId: '1',
          schoolId: 'S-GONE',
          fullTime: true,
          enrolledAt: '2026-01-06T01:00:00.000Z',
          rules: enrollmentRulesOf(presetRulebook('jiangsu-2.0')),
        },
        metadata: {
          eventId: randomUUID(),
          businessTime: '2026-01-06T01:00:00.000Z',
          actor: { sub: 'old-platform', role: 'system' },
          commandId,
          correlationId: commandId,
          causationId: commandId,
        },
      },
    ]);
    return lastPosition;
  }

  return { system, ok, tip, registerSchoolAndBatch, appendPoison };
}
