import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { QuotaUnitKind } from './quota.decider';
import { handedOnTo, quotaStreamId, seatsLeft } from './quota.ledger';
import {
  allocate,
  allocated,
  BATCH,
  ledgerOf,
  OrgTree,
  quotaWorldDecider,
  revoke,
  revoked,
  seatTaken,
  takeSeat,
} from './quota.spec-fixtures';

/**
 * The shape of fixtures/lianyungang-2016-quotas.csv (seed 000): every one of the 14 periods gives
 * the city 3,600 seats, split the same way among 9 counties and 14 city-direct schools.
 * Hard-coded here (a domain test reads no files); the rows are the CSV's period 1.
 */
const rows: ReadonlyArray<readonly [unit: string, kind: QuotaUnitKind, quota: number]> = [
  ['赣榆区', 'county', 906],
  ['灌云县', 'county', 546],
  ['灌南县', 'county', 464],
  ['东海县', 'county', 880],
  ['连云区', 'county', 123],
  ['海州区', 'county', 381],
  ['开发区', 'county', 62],
  ['徐圩新区', 'county', 33],
  ['景区', 'county', 19],
  ['苍梧小学', 'school', 11],
  ['一附小龙河校区', 'school', 11],
  ['一附小盐河校区', 'school', 7],
  ['二附小', 'school', 11],
  ['海州实验中学', 'school', 14],
  ['新海实验中学(延安校区)', 'school', 14],
  ['新海实验中学(东校区)', 'school', 12],
  ['新海高中', 'school', 21],
  ['外国语初中', 'school', 17],
  ['外国语高中', 'school', 8],
  ['连云港高中', 'school', 13],
  ['海州高中', 'school', 16],
  ['市特教中心', 'school', 3],
  ['市中专校', 'school', 28],
];
const periods = Array.from({ length: 14 }, (_, i) => `${i + 1}`);

const tree: OrgTree = {
  江苏省: { kind: 'province' },
  连云港市: { kind: 'city', parentId: '江苏省' },
  ...Object.fromEntries(rows.map(([unit, kind]) => [unit, { kind, parentId: '连云港市' }])),
  赣榆实验小学: { kind: 'school', parentId: '赣榆区' },
};

/** The province's 3,600 to the city, then the city's split: one period's quota table. */
function periodQuota(periodId: string) {
  const where = { batchId: BATCH, periodId };
  return [
    ...allocated('江苏省', '连云港市', 3600, where),
    ...rows.flatMap(([unit, , quota]) => allocated('连云港市', unit, quota, where)),
  ];
}

const given = specFor(quotaWorldDecider(tree, periods));
const period = (periodId: string) => ({ batchId: BATCH, periodId });
const teachersOf = (schoolId: string, count: number, periodId: string) =>
  Array.from({ length: count }, (_, i) => seatTaken(schoolId, `CW-${i + 1}`, period(periodId)));

describe('Quota ledger, Lianyungang 2016', () => {
  it('has a table that adds up to 3,600 seats a period', () => {
    expect(rows.reduce((sum, [, , quota]) => sum + quota, 0)).toBe(3600);
  });

  describe('when period 1 was split among the 23 units', () => {
    it('leaves the city no seat of period 1 to hand on', () => {
      given(...periodQuota('1'))
        .when(allocate('连云港市', '赣榆区', 1, period('1')))
        .thenRefuses('QUOTA_EXCEEDED', { left: 0, requested: 1 });
    });

    it('seats a teacher of a city-direct school in period 1', () => {
      given(...periodQuota('1'))
        .when(takeSeat('苍梧小学', 'CW-1', period('1')))
        .then(seatTaken('苍梧小学', 'CW-1', period('1')));
    });

    it('refuses that teacher a seat in period 2', () => {
      given(...periodQuota('1'))
        .when(takeSeat('苍梧小学', 'CW-1', period('2')))
        .thenRefuses('NO_SEAT_LEFT', { schoolId: '苍梧小学', left: 0 });
    });

    it('refuses the city period 2 seats out of what it received for period 1', () => {
      given(...periodQuota('1'), ...revoked('连云港市', '赣榆区', 906, period('1')))
        .when(allocate('连云港市', '赣榆区', 906, period('2')))
        .thenRefuses('QUOTA_EXCEEDED', { left: 0, requested: 906 });
    });

    it('lets a county hand period 1 seats to its school', () => {
      given(...periodQuota('1'))
        .when(allocate('赣榆区', '赣榆实验小学', 906, period('1')))
        .then(...allocated('赣榆区', '赣榆实验小学', 906, period('1')));
    });
  });

  describe('when periods 1 and 2 were both split', () => {
    const both = [...periodQuota('1'), ...periodQuota('2')];

    it('refuses a twelfth teacher of 苍梧小学 a seat in period 1', () => {
      given(...both, ...teachersOf('苍梧小学', 11, '1'))
        .when(takeSeat('苍梧小学', 'CW-12', period('1')))
        .thenRefuses('NO_SEAT_LEFT', { left: 0 });
    });

    it('seats the same twelfth teacher in period 2', () => {
      given(...both, ...teachersOf('苍梧小学', 11, '1'))
        .when(takeSeat('苍梧小学', 'CW-12', period('2')))
        .then(seatTaken('苍梧小学', 'CW-12', period('2')));
    });

    it('refuses to take back period 1 seats a county handed on', () => {
      given(...both, ...allocated('赣榆区', '赣榆实验小学', 906, period('1')))
        .when(revoke('连云港市', '赣榆区', 906, period('1')))
        .thenRefuses('QUOTA_IN_USE', { left: 0, requested: 906 });
    });

    it('takes back the same county’s period 2 seats, untouched by period 1', () => {
      given(...both, ...allocated('赣榆区', '赣榆实验小学', 906, period('1')))
        .when(revoke('连云港市', '赣榆区', 906, period('2')))
        .then(...revoked('连云港市', '赣榆区', 906, period('2')));
    });
  });

  describe('when all 14 periods were split', () => {
    const world = fold(quotaWorldDecider(tree, periods), periods.flatMap(periodQuota));
    const ledger = (unitId: string, periodId: string) => ledgerOf(world, quotaStreamId(BATCH, periodId, unitId));

    it('keeps one ledger per period, each with exactly that period’s seats', () => {
      for (const periodId of periods) {
        expect(handedOnTo(ledger('江苏省', periodId), '连云港市')).toBe(3600);
        expect(ledger('连云港市', periodId).received).toBe(3600);
        expect(seatsLeft(ledger('连云港市', periodId))).toBe(0);
        for (const [unit, , quota] of rows) expect(seatsLeft(ledger(unit, periodId))).toBe(quota);
      }
    });
  });
});
