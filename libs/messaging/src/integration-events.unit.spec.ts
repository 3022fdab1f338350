import { RecordedEvent } from '@tip/event-store';
import {
  eventHeading,
  eventMessage,
  HEADERS,
  INTEGRATION_FORMAT,
  receivedMessage,
  watermarkMessages,
} from './integration-events';

const registered: RecordedEvent = {
  streamId: 'teacher-T-1',
  type: 'TeacherRegistered',
  revision: 0,
  position: 42,
  data: {
    teacherId: 'T-1',
    schoolId: 'S-1',
    name: '王芳',
    idNumberMasked: '320102********123X',
    idNumberProtected: 'v1:ciphertext',
  },
  metadata: {
    eventId: '0192f3e4-0000-7000-8000-000000000001',
    businessTime: '2021-01-04T01:00:00.000Z',
    recordedTime: '2026-11-22T00:00:00.000Z',
    actor: { sub: 's-admin', role: 'school-admin', unitId: 'S-1' },
    commandId: 'c-1',
    correlationId: 'c-1',
    causationId: 'c-1',
    schemaVersion: 1,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
};

describe('integration events on Kafka', () => {
  it('carry the event keyed by its stream, with id, position, type, schema version and trace context in headers', () => {
    const message = eventMessage(registered);
    expect(message.key).toBe('teacher-T-1');
    expect(message.partition).toBeUndefined();
    expect(message.headers).toEqual({
      [HEADERS.format]: INTEGRATION_FORMAT,
      [HEADERS.messageId]: registered.metadata.eventId,
      [HEADERS.position]: '42',
      [HEADERS.streamId]: 'teacher-T-1',
      [HEADERS.type]: 'TeacherRegistered',
      [HEADERS.schemaVersion]: '1',
      [HEADERS.traceparent]: registered.metadata.traceparent,
    });
    expect(JSON.parse(message.value)).toMatchObject({
      format: INTEGRATION_FORMAT,
      id: registered.metadata.eventId,
      position: 42,
      revision: 0,
      metadata: { actor: { role: 'school-admin' } },
    });
  });

  it("leave a teacher's protected ID number at home, and read back as the event otherwise", () => {
    const message = eventMessage(registered);
    expect(message.value).not.toContain('ciphertext');
    const received = receivedMessage({ offset: 7, key: message.key, value: message.value, headers: message.headers });
    const { idNumberProtected: _left, ...published } = registered.data;
    expect(received).toEqual({ kind: 'event', offset: 7, event: { ...registered, data: published } });
  });

  it('send a watermark to every partition, telling how far the log is published', () => {
    const watermarks = watermarkMessages(42, 3);
    expect(watermarks.map((message) => message.partition)).toEqual([0, 1, 2]);
    expect(
      receivedMessage({ offset: 9, key: null, value: watermarks[1].value, headers: watermarks[1].headers }),
    ).toEqual({ kind: 'watermark', offset: 9, position: 42 });
  });

  it("tell an event's stream, type and position from the headers alone: a value that is not JSON is never read", () => {
    const { headers } = eventMessage(registered);
    expect(eventHeading({ offset: 7, key: 'teacher-T-1', value: 'not JSON', headers })).toEqual({
      streamId: 'teacher-T-1',
      type: 'TeacherRegistered',
      position: 42,
    });
    // A watermark is no event; headers that do not say (another producer, a bad position) send the reader to the value.
    const [watermark] = watermarkMessages(42, 1);
    expect(eventHeading({ offset: 9, key: null, value: watermark.value, headers: watermark.headers })).toBeUndefined();
    expect(
      eventHeading({ offset: 7, key: 'x', value: '{}', headers: { ...headers, [HEADERS.position]: 'x' } }),
    ).toBeUndefined();
    const { [HEADERS.streamId]: _stream, ...withoutStream } = headers;
    expect(eventHeading({ offset: 7, key: 'x', value: '{}', headers: withoutStream })).toBeUndefined();
    expect(eventHeading({ offset: 7, key: 'x', value: '{}', headers: {} })).toBeUndefined();
  });

  it('refuse a message that TIP did not publish, rather than guess at it', () => {
    expect(() => receivedMessage({ offset: 3, key: 'x', value: '{}', headers: {} })).toThrow(
      /offset 3 is not in format tip.event\/1/,
    );
  });
});
