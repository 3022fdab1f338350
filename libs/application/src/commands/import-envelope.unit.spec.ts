import { Actor } from '@tip/domain';
import { CommandValidationFailed, Forbidden } from './errors';
import { openEnvelope } from './import-envelope';

const clock = { now: () => new Date('2020-11-10T02:00:00.000Z') };
const system: Actor = { sub: 'platform', role: 'system' };
const teacher: Actor = { sub: 't1', role: 'teacher', unitId: 'S1' };
const record = { batchId: 'JS-1', teacherId: 'T1', recordId: 'R-1', hours: 0.5 };

describe('The import envelope', () => {
  it("takes a body without at or actor as the caller's own, now", () => {
    const envelope = openEnvelope({ name: 'RecordOnlineHours', body: record, caller: system }, clock);
    expect(envelope).toEqual({
      fields: record,
      actor: system,
      now: '2020-11-10T02:00:00.000Z',
      importedBy: undefined,
      traceparent: undefined,
    });
    expect(envelope.fields).not.toBe(record);
  });

  it('lets system import history at another time on behalf of another actor', () => {
    const envelope = openEnvelope(
      {
        name: 'RecordOnlineHours',
        body: { ...record, at: '2020-11-09T10:00:00+08:00', actor: teacher },
        caller: system,
      },
      clock,
    );
    expect(envelope).toMatchObject({
      fields: record,
      actor: teacher,
      now: '2020-11-09T02:00:00.000Z',
      importedBy: system,
    });
  });

  it('refuses at or actor from anyone but system, and names a malformed one', () => {
    expect(() =>
      openEnvelope({ name: 'RecordOnlineHours', body: { ...record, actor: system }, caller: teacher }, clock),
    ).toThrow(Forbidden);
    expect(() =>
      openEnvelope({ name: 'RecordOnlineHours', body: { ...record, at: 'yesterday' }, caller: system }, clock),
    ).toThrow(CommandValidationFailed);
    try {
      openEnvelope({ name: 'RecordOnlineHours', body: { ...record, at: 'yesterday' }, caller: system }, clock);
    } catch (error) {
      expect(new Set((error as CommandValidationFailed).problems.map((problem) => problem.field))).toEqual(
        new Set(['at']),
      );
    }
  });
});
