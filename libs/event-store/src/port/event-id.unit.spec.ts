import { newEventId } from './event-id';

describe('newEventId', () => {
  it('is a version 7 UUID', () => {
    expect(newEventId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('grows with time, and within one millisecond', () => {
    const ids = [
      newEventId(1_700_000_000_000),
      newEventId(1_700_000_000_000),
      newEventId(1_700_000_000_001),
      newEventId(1_700_000_000_500),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
  });

  it('carries its millisecond in the first 48 bits', () => {
    const id = newEventId(Date.UTC(2021, 0, 4));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2021, 0, 4));
  });
});
