import { InvalidAppendError } from './errors';
import { LoggedEvent } from './event';
import { LogLoadChecks, LogRowsWriter } from './log-load';
import { decodeLogRows } from './log-rows';

const logged = (overrides: Partial<LoggedEvent> = {}): LoggedEvent => ({
  position: 7,
  streamId: 'teacher-南京-1',
  revision: 0,
  eventId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  type: 'TeacherEnrolled',
  schemaVersion: 2,
  businessTime: '2021-01-04T02:00:00.123456Z',
  recordedTime: '2021-01-04T02:00:01.000000Z',
  data: '{"name":"张伟 \\"Zhang\\" \\\\ {x}","emoji":"😀","nested":{"a":[1,2.5,null]}}',
  metadata: '{"actor":{"role":"school-admin","sub":"a"},"eventId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}',
  hash: 'ab'.repeat(32),
  ...overrides,
});

describe('LogRowsWriter', () => {
  it('writes events as the log rows decodeLogRows reads back unchanged, texts byte for byte', () => {
    const events = [
      logged(),
      logged({ position: 9, revision: 1, eventId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c' }),
      // Outside the years a reader formats itself: the instant goes as its text.
      logged({ position: 12, streamId: 'old', businessTime: '1899-12-31T23:59:59.000001Z' }),
    ];
    const writer = new LogRowsWriter();
    events.forEach((event, index) => writer.add(event, index));
    const rows = writer.take();
    expect(rows.count).toBe(3);
    expect(decodeLogRows(rows)).toEqual(events);
    expect(writer.take().count).toBe(0);
  });

  it('refuses a field not in a stored form, naming the event', () => {
    const writer = new LogRowsWriter();
    expect(() => writer.add(logged({ eventId: '0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B' }), 4)).toThrow(
      new InvalidAppendError('log[4].eventId', 'must be a lower-case UUID'),
    );
    expect(() => writer.add(logged({ hash: 'zz'.repeat(32) }), 5)).toThrow(/log\[5\]\.hash/);
    expect(() => writer.add(logged({ businessTime: '2021-02-30T00:00:00Z' }), 6)).toThrow(/log\[6\]\.businessTime/);
  });
});

describe('LogLoadChecks', () => {
  it('takes each stream from revision 0 without a gap, positions rising, and keeps its end', () => {
    const checks = new LogLoadChecks();
    checks.check(logged());
    checks.check(logged({ position: 8, streamId: 'other', hash: 'cd'.repeat(32) }));
    checks.check(logged({ position: 10, revision: 1, hash: 'ef'.repeat(32) }));
    expect(checks.heads.get('teacher-南京-1')).toEqual({ revision: 1, hash: 'ef'.repeat(32), prior: 'ab'.repeat(32) });
    expect(() => checks.check(logged({ position: 10, revision: 2 }))).toThrow(/log\[3\]\.position/);
    expect(() => checks.check(logged({ position: 11, revision: 3 }))).toThrow(
      /log\[3\]\.revision: must be 2: stream "teacher-南京-1" is at revision 1/,
    );
    expect(() => checks.check(logged({ position: 11, streamId: 'new', revision: 1 }))).toThrow(/starts here/);
  });
});
