import { enrollmentRulesOf, presetRulebook } from '@tip/domain';
import { RecordedEvent } from '@tip/event-store';

/** Events as the deciders append them, on the streams they live on: the projectors' test fixtures. */
export const BATCH = 'B1';
const rulebook = presetRulebook('jiangsu-2.0');
const rules = enrollmentRulesOf(rulebook);

let position = 0;
export function event(
  streamId: string,
  type: string,
  data: Record<string, unknown>,
  businessTime = '2021-01-12T09:00:00+08:00',
): RecordedEvent {
  position += 1;
  return {
    streamId,
    type,
    data,
    revision: 0,
    position,
    metadata: {
      eventId: `e-${position}`,
      businessTime: new Date(businessTime).toISOString(),
      recordedTime: '2026-11-22T00:00:00.000Z',
      actor: { sub: 'someone', role: 'system' },
      commandId: `c-${position}`,
      correlationId: `c-${position}`,
      causationId: `c-${position}`,
      schemaVersion: 1,
    },
  };
}

export const unit = (unitId: string, kind: string, ancestry: string[]) =>
  event(`org-unit-${unitId}`, 'OrgUnitRegistered', {
    unitId,
    kind,
    name: `单位${unitId}`,
    parentId: ancestry.at(-1),
    ancestry,
  });
export const transfer = (from: string, to: string, seats: number) => [
  event(`quota-${BATCH}:1:${from}`, 'QuotaAllocated', {
    batchId: BATCH,
    periodId: '1',
    fromUnitId: from,
    toUnitId: to,
    seats,
  }),
  event(`quota-${BATCH}:1:${to}`, 'QuotaReceived', {
    batchId: BATCH,
    periodId: '1',
    fromUnitId: from,
    toUnitId: to,
    seats,
  }),
];
export const onRecord = (teacherId: string, type: string, data: Record<string, unknown>, at?: string) =>
  event(`enrollment-${BATCH}:${teacherId}`, type, { batchId: BATCH, teacherId, ...data }, at);
export const enrolled = (teacherId: string, schoolId: string, at?: string) => [
  event(`quota-${BATCH}:1:${schoolId}`, 'SeatTaken', { batchId: BATCH, periodId: '1', schoolId, teacherId }, at),
  onRecord(
    teacherId,
    'TeacherEnrolled',
    { periodId: '1', schoolId, fullTime: true, enrolledAt: '2021-01-12T01:00:00.000Z', rules },
    at,
  ),
];
export const online = (teacherId: string, recordId: string, hours: number, at?: string) =>
  onRecord(
    teacherId,
    'OnlineHoursRecorded',
    { recordId, courseId: 'C', category: 'online', hours, recordedAt: '2021-01-13T01:00:00.000Z' },
    at,
  );

export const scheduled = () => {
  const batch = {
    programmeId: 'PG',
    batchId: BATCH,
    name: '第一批',
    startsOn: '2021-01-11',
    endsOn: '2021-12-31',
    sharePercent: 20,
    periods: [{ periodId: '1', startsOn: '2021-01-11', endsOn: '2021-02-28' }],
    rulebook,
  };
  return [
    event(
      'programme-PG',
      'ProgrammeLaunched',
      { programmeId: 'PG', name: '提升工程2.0', provinceId: 'P', rulebook },
      '2021-01-05T09:00:00+08:00',
    ),
    event('programme-PG', 'BatchScheduled', batch, '2021-01-05T09:00:00+08:00'),
    event(`batch-${BATCH}`, 'BatchScheduled', batch, '2021-01-05T09:00:00+08:00'),
  ];
};

export const world = () => [
  ...scheduled(),
  unit('P', 'province', []),
  unit('C', 'city', ['P']),
  unit('X', 'county', ['P', 'C']),
  unit('S1', 'school', ['P', 'C', 'X']),
  unit('S2', 'school', ['P', 'C', 'X']),
  ...transfer('P', 'C', 20),
  ...transfer('C', 'X', 20),
  ...transfer('X', 'S1', 10),
  ...transfer('X', 'S2', 10),
];
