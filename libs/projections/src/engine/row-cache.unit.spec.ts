import { RowCache } from './row-cache';
import { Row, RowNotLoaded, ViewChange } from './view-changes';

const shapes = new Map([
  ['totals', { primaryKeys: ['unitId', 'week'] }],
  ['schools', { primaryKeys: ['unitId'] }],
  ['allTime', { primaryKeys: ['unitId'] }],
]);
const sorted = (rows: Row[] | undefined) =>
  [...(rows ?? [])].sort((a, b) =>
    `${String(a.unitId)}${String(a.week)}`.localeCompare(`${String(b.unitId)}${String(b.week)}`),
  );

describe('RowCache', () => {
  it('rolls a counter row up into its ancestors once handed over, as adding to each of them would', () => {
    const ancestry = ['province', 'city', 'county'];
    const events: {
      unitId: string;
      week: string;
      enrolled: number;
      hours: number;
      bySubject: Record<string, number>;
    }[] = [
      { unitId: 'school-a', week: 'W1', enrolled: 1, hours: 0.1, bySubject: { math: 1 } },
      { unitId: 'school-a', week: 'W1', enrolled: 1, hours: 0.2, bySubject: { math: 2, art: 1 } },
      { unitId: 'school-b', week: 'W1', enrolled: -1, hours: 1.25, bySubject: { art: -1 } },
      { unitId: 'school-a', week: 'W2', enrolled: 1, hours: 3, bySubject: {} },
    ];
    // Rows take adds that do not roll up too (a ledger's seats count at its own unit alone).
    const own: ViewChange[] = [
      { op: 'add', table: 'totals', row: { unitId: 'county', week: 'W1', seats: 5 } },
      { op: 'add', table: 'totals', row: { unitId: 'school-a', week: 'W1', seats: 2 } },
    ];

    const rolled = new RowCache(shapes);
    for (const row of events)
      rolled.apply([{ op: 'add', table: 'totals', row, rollUp: { column: 'unitId', into: ancestry } }]);
    rolled.apply(own);

    const each = new RowCache(shapes);
    for (const row of events)
      each.apply(
        [...ancestry, row.unitId].map((unitId): ViewChange => ({
          op: 'add',
          table: 'totals',
          row: { ...row, unitId },
        })),
      );
    each.apply(own);

    const expected = sorted(each.takeChanges().counters.get('totals'));
    expect(expected).toHaveLength(9);
    expect(expected.find((row) => row.unitId === 'province' && row.week === 'W1')).toEqual({
      unitId: 'province',
      week: 'W1',
      enrolled: 1,
      hours: 1.55,
      bySubject: { math: 3, art: 0 },
    });
    expect(expected.find((row) => row.unitId === 'school-a' && row.week === 'W1')?.seats).toBe(2);
    expect(sorted(rolled.takeChanges().counters.get('totals'))).toEqual(expected);
    // Handed over once: nothing rolls up twice.
    expect(rolled.takeChanges().counters.size).toBe(0);
  });

  it("adds a weekly row's sum to its total of all time once handed over, rolled up alike, as adding to each would", () => {
    const ancestry = ['province', 'county'];
    const weeks = [
      { unitId: 'school-a', week: 'W1', enrolled: 1, hours: 0.1, bySubject: { math: 1 } },
      { unitId: 'school-a', week: 'W1', enrolled: 1, hours: 0.2, bySubject: { art: 1 } },
      { unitId: 'school-a', week: 'W2', enrolled: -1, hours: 1.25, bySubject: { math: -1 } },
      { unitId: 'school-b', week: 'W2', enrolled: 1, hours: 3, bySubject: {} },
    ];
    // A ledger's seats count at its own unit alone, in its week and all time.
    const seats = { unitId: 'county', week: 'W1', seats: 5 };
    const total = { table: 'allTime', over: 'week' };

    const totalled = new RowCache(shapes);
    for (const row of weeks)
      totalled.apply([{ op: 'add', table: 'totals', row, rollUp: { column: 'unitId', into: ancestry }, total }]);
    totalled.apply([{ op: 'add', table: 'totals', row: seats, total }]);

    const allTime = (row: Row, unitId: unknown): Row => {
      const sum: Row = { ...row, unitId };
      delete sum.week;
      return sum;
    };
    const each = new RowCache(shapes);
    for (const row of weeks)
      for (const unitId of [...ancestry, row.unitId])
        each.apply([
          { op: 'add', table: 'totals', row: { ...row, unitId } },
          { op: 'add', table: 'allTime', row: allTime(row, unitId) },
        ]);
    each.apply([
      { op: 'add', table: 'totals', row: seats },
      { op: 'add', table: 'allTime', row: allTime(seats, seats.unitId) },
    ]);

    const expected = each.takeChanges().counters;
    expect(expected.get('allTime')?.find((row) => row.unitId === 'province')).toEqual({
      unitId: 'province',
      enrolled: 2,
      hours: 4.55,
      bySubject: { math: 0, art: 1 },
    });
    const { counters } = totalled.takeChanges();
    expect(sorted(counters.get('totals'))).toEqual(sorted(expected.get('totals')));
    expect(sorted(counters.get('allTime'))).toEqual(sorted(expected.get('allTime')));
    expect(totalled.takeChanges().counters.size).toBe(0);
  });

  it('hands counter rows over in key order, or as merged for a writer alone (a rebuild copy): the same rows', () => {
    const changes: ViewChange[] = ['school-c', 'school-a', 'county', 'school-b', 'school-a'].map((unitId, index) => ({
      op: 'add',
      table: 'totals',
      row: { unitId, week: index % 2 === 0 ? 'W2' : 'W1', enrolled: 1 },
    }));
    const [ordered, unordered] = [new RowCache(shapes), new RowCache(shapes)];
    ordered.apply(changes);
    unordered.apply(changes);
    const inOrder = ordered.takeChanges().counters.get('totals') ?? [];
    expect(inOrder.map((row) => `${String(row.unitId)}/${String(row.week)}`)).toEqual([
      'county/W2',
      'school-a/W1',
      'school-a/W2',
      'school-b/W1',
      'school-c/W2',
    ]);
    const asMerged = unordered.takeChanges(false).counters.get('totals');
    expect(sorted(asMerged)).toEqual(sorted(inOrder));
    expect(unordered.takeCounters(false).size).toBe(0);
  });

  it('refuses a counter row rolled up into two different chains (it would count in units it is not under)', () => {
    const cache = new RowCache(shapes);
    const row = { unitId: 'school-a', week: 'W1', enrolled: 1 };
    cache.apply([{ op: 'add', table: 'totals', row, rollUp: { column: 'unitId', into: ['province', 'city'] } }]);
    cache.apply([{ op: 'add', table: 'totals', row, rollUp: { column: 'unitId', into: ['province', 'city'] } }]);
    expect(() =>
      cache.apply([
        { op: 'add', table: 'totals', row, rollUp: { column: 'unitId', into: ['province', 'other-city'] } },
      ]),
    ).toThrow(/rolled up into unitId province, city and into unitId province, other-city/);
  });

  it('says a row not held is absent when it holds every row there is, and asks for it otherwise', () => {
    const cache = new RowCache(shapes);
    cache.apply([{ op: 'put', table: 'schools', row: { unitId: 'school-a' } }]);
    expect(() => cache.get('schools', 'school-b')).toThrow(RowNotLoaded);
    cache.absentUnlessHeld = true;
    expect(cache.get('schools', 'school-b')).toBeUndefined();
    expect(cache.get('schools', 'school-a')).toEqual({ unitId: 'school-a' });
  });

  it("finds each composite key's row and counter sum whichever key came last (the last key's string is reused)", () => {
    const cache = new RowCache(shapes);
    cache.absentUnlessHeld = true;
    // Parts equal to the last key's but made afresh, then differing in one part or the other.
    const fresh = (text: string) => [...text].join('');
    const keys: [string, string][] = [
      ['school-a', 'W1'],
      [fresh('school-a'), fresh('W1')],
      ['school-a', 'W2'],
      ['school-b', 'W2'],
      ['school-b', 'W1'],
      ['school-a', 'W1'],
    ];
    const added = keys.map(([unitId, week], index) => ({ unitId, week, enrolled: index + 1 }));
    for (const row of added) {
      const held = cache.get<Row>('totals', row.unitId, row.week);
      cache.apply([
        { op: 'put', table: 'totals', row: { ...row, enrolled: Number(held?.enrolled ?? 0) + row.enrolled } },
        { op: 'add', table: 'allTime', row: { unitId: row.unitId, enrolled: row.enrolled } },
      ]);
    }
    expect(cache.get('totals', 'school-a', 'W1')).toEqual({ unitId: 'school-a', week: 'W1', enrolled: 1 + 2 + 6 });
    expect(cache.get('totals', 'school-a', 'W2')).toEqual({ unitId: 'school-a', week: 'W2', enrolled: 3 });
    expect(cache.get('totals', 'school-b', 'W2')).toEqual({ unitId: 'school-b', week: 'W2', enrolled: 4 });
    expect(cache.get('totals', 'school-b', 'W1')).toEqual({ unitId: 'school-b', week: 'W1', enrolled: 5 });
    expect(cache.get('totals', 'school-c', 'W1')).toBeUndefined();
    // A key array changed by its caller after use is not taken for the key it held.
    const key = ['school-a', 'W2'];
    cache.apply([{ op: 'delete', table: 'totals', key }]);
    key[1] = 'W1';
    expect(cache.get('totals', ...key)).toEqual({ unitId: 'school-a', week: 'W1', enrolled: 1 + 2 + 6 });
    cache.apply([{ op: 'put', table: 'totals', row: { unitId: 'school-a', week: 'W2', enrolled: 3 } }]);
    const { puts, counters } = cache.takeChanges();
    expect(puts.get('totals')).toHaveLength(4);
    expect(counters.get('allTime')).toEqual([
      { unitId: 'school-a', enrolled: 1 + 2 + 3 + 6 },
      { unitId: 'school-b', enrolled: 4 + 5 },
    ]);
  });
});
