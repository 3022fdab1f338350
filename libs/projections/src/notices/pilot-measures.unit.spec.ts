import { presetRulebook } from '@tip/domain';
import type { MeasureUnit } from './notice-measures';
import { PilotAtInstant, pilotStandings } from './pilot-measures';

/** Yueyang's ask: 2 of the city's own, at least 2 per county, by 2021-12-31. */
const preset = presetRulebook('yueyang-2.0').pilotSchools;
if (preset === null) throw new Error('the Yueyang preset has lost its pilot schools');
const rule = preset;

const units: MeasureUnit[] = [
  { unitId: 'YY', name: '岳阳市', kind: 'city', parentId: 'HN' },
  { unitId: 'HR', name: '华容县', kind: 'county', parentId: 'YY' },
  { unitId: 'YX', name: '岳阳县', kind: 'county', parentId: 'YY' },
  { unitId: 'SZ12', name: '市十二中', kind: 'school', parentId: 'YY' },
  { unitId: 'DD', name: '洞氮小学', kind: 'school', parentId: 'YY' },
  { unitId: 'HR1', name: '华容一中', kind: 'school', parentId: 'HR' },
  { unitId: 'HR2', name: '华容实小', kind: 'school', parentId: 'HR' },
  { unitId: 'YX1', name: '岳阳县一中', kind: 'school', parentId: 'YX' },
];

const pilot = (schoolId: string, parent: string, scope: string, closedAt: string | null, finishBy = '2021-12-31') =>
  ({
    schoolId,
    ancestry: parent === 'YY' ? ['HN', 'YY'] : ['HN', 'YY', parent],
    finishBy,
    scope,
    closedAt,
  }) satisfies PilotAtInstant;

const pilots = [
  pilot('SZ12', 'YY', 'programme', '2021-12-20T01:00:00.000Z'), // closed in time
  pilot('DD', 'YY', 'programme', null), // not closed
  pilot('HR1', 'HR', 'county', '2022-01-05T01:00:00.000Z'), // closed, after its finishBy
  pilot('HR2', 'HR', 'county', null, '2022-06-30'), // re-dated by its county
  pilot('YX1', 'YX', 'county', null),
];

describe('Pilot schools against the rulebook (Yueyang: 2 of the city’s own, at least 2 per county)', () => {
  it('asks the owner for its own pilots and each county for its own, and finds 岳阳县 short', () => {
    const standings = pilotStandings(rule, 'YY', units, ['HN'], pilots, '2021-11-01T00:00:00.000Z');
    expect(standings.get('YY')).toEqual({
      total: 5,
      late: 0,
      required: 2,
      askedAs: 'owner',
      counted: 2,
      short: false,
      dueBy: '2021-12-31',
      finishBy: null,
    });
    expect(standings.get('HR')).toMatchObject({ total: 2, counted: 2, required: 2, askedAs: 'county', short: false });
    expect(standings.get('YX')).toMatchObject({ total: 1, counted: 1, required: 2, askedAs: 'county', short: true });
    expect(standings.get('HR2')).toMatchObject({ total: 1, required: null, short: false, finishBy: '2022-06-30' });
  });

  it('finds a pilot late once its finishBy has passed unclosed, or when it closed after it; not before', () => {
    const inTime = pilotStandings(rule, 'YY', units, ['HN'], pilots, '2021-12-31T15:59:59.000Z');
    expect(inTime.get('YY')?.late).toBe(0);
    // 2022-01-01 00:00 in 岳阳: 洞氮小学, 岳阳县一中 and 华容一中 (not closed as of then) are late.
    const newYear = pilotStandings(rule, 'YY', units, ['HN'], pilots, '2021-12-31T16:00:00.000Z');
    expect(['YY', 'HR', 'YX', 'DD', 'SZ12', 'HR1', 'HR2'].map((id) => newYear.get(id)?.late)).toEqual([
      3, 1, 1, 1, 0, 1, 0,
    ]);
    // Closed on 2022-01-05, after 2021-12-31: still late.
    const after = pilotStandings(rule, 'YY', units, ['HN'], pilots, '2022-02-01T00:00:00.000Z');
    expect(after.get('HR1')?.late).toBe(1);
    expect(after.get('SZ12')?.late).toBe(0);
  });

  it('asks nothing of a county outside the owner, and of a unit above it', () => {
    const province: MeasureUnit[] = [
      { unitId: 'HN', name: '湖南省', kind: 'province', parentId: null },
      ...units,
      { unitId: 'CS', name: '长沙市', kind: 'city', parentId: 'HN' },
      { unitId: 'CSX', name: '长沙县', kind: 'county', parentId: 'CS' },
    ];
    const standings = pilotStandings(rule, 'YY', province, [], pilots, '2021-11-01T00:00:00.000Z');
    expect(standings.get('HN')).toMatchObject({ total: 5, required: null, askedAs: null, short: false });
    expect(standings.get('CSX')).toMatchObject({ total: 0, required: null, short: false });
    expect(standings.get('YX')).toMatchObject({ required: 2, short: true });
  });

  it('counts only a county’s own pilots towards its ask, not the owner’s pilots inside it', () => {
    const owners = [pilot('HR1', 'HR', 'programme', null), pilot('HR2', 'HR', 'county', null)];
    const standings = pilotStandings(rule, 'YY', units, ['HN'], owners, '2021-11-01T00:00:00.000Z');
    expect(standings.get('HR')).toMatchObject({ total: 2, counted: 1, short: true });
    expect(standings.get('YY')).toMatchObject({ counted: 1, short: true });
  });
});
