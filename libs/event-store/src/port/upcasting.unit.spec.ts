import { EventSchemaRegistry } from './upcasting';
import { RecordedEvent } from './event';

const recorded = (schemaVersion: number, data: Record<string, unknown>): RecordedEvent => ({
  type: 'TeacherRegistered',
  data,
  streamId: 'teacher-T-1',
  revision: 0,
  position: 1,
  metadata: {
    eventId: '00000000-0000-4000-8000-000000000001',
    businessTime: '2021-01-01T00:00:00.000Z',
    recordedTime: '2021-01-01T00:00:00.000Z',
    actor: { sub: 'a', role: 'system' },
    commandId: 'c',
    correlationId: 'c',
    causationId: 'c',
    schemaVersion,
  },
});

describe('EventSchemaRegistry', () => {
  const registry = new EventSchemaRegistry()
    .register({
      type: 'TeacherRegistered',
      fromVersion: 1,
      upcast: (data) => ({ ...data, gender: data.gender ?? 'unknown' }),
    })
    .register({
      type: 'TeacherRegistered',
      fromVersion: 2,
      upcast: ({ name, ...rest }) => ({ ...rest, fullName: name }),
    });

  it('knows the current version of each type, 1 for types without upcasters', () => {
    expect(registry.currentVersion('TeacherRegistered')).toBe(3);
    expect(registry.currentVersion('QuotaAllocated')).toBe(1);
  });

  it('lifts an old shape through every step to the current one', () => {
    const upcast = registry.upcast(recorded(1, { name: '王芳' }));
    expect(upcast.data).toEqual({ fullName: '王芳', gender: 'unknown' });
    expect(upcast.metadata.schemaVersion).toBe(3);
  });

  it('leaves current events untouched', () => {
    const current = recorded(3, { fullName: '李雷', gender: 'male' });
    expect(registry.upcast(current)).toBe(current);
  });

  it('refuses two upcasters for the same step and a gap in the steps', () => {
    expect(() => registry.register({ type: 'TeacherRegistered', fromVersion: 1, upcast: (data) => data })).toThrow(
      /already registered/,
    );
    const gappy = new EventSchemaRegistry().register({ type: 'X', fromVersion: 2, upcast: (data) => data });
    expect(() => gappy.upcast({ ...recorded(1, {}), type: 'X' })).toThrow(/No upcaster for X from v1/);
  });
});
