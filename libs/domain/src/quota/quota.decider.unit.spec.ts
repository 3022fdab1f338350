import { specFor } from '../shared/given-when-then';
import { fold } from '../shared/decider';
import { RuleViolation } from '../shared/rule-violation';
import { decideAllocateQuota, decideRevokeQuota, quotaLedgerDecider } from './quota.decider';
import { handedOnTo, initialQuotaLedger, quotaStreamId, seatsHandedOn, seatsLeft, seatsUsed } from './quota.ledger';
import {
  allocate,
  allocated,
  BATCH,
  ledgerOf,
  metadata,
  OrgTree,
  PERIOD,
  quotaWorldDecider,
  releaseSeat,
  revoke,
  revoked,
  seatReleased,
  seatTaken,
  takeSeat,
} from './quota.spec-fixtures';

// 江苏 → 南京 → 玄武区 → schools; 南京外国语学校 hangs directly under the city (市直属学校).
const tree: OrgTree = {
  jiangsu: { kind: 'province' },
  nanjing: { kind: 'city', parentId: 'jiangsu' },
  suzhou: { kind: 'city', parentId: 'jiangsu' },
  xuanwu: { kind: 'county', parentId: 'nanjing' },
  gulou: { kind: 'county', parentId: 'nanjing' },
  'xuanwu-1': { kind: 'school', parentId: 'xuanwu' },
  'xuanwu-2': { kind: 'school', parentId: 'xuanwu' },
  nfls: { kind: 'school', parentId: 'nanjing' },
};

const given = specFor(quotaWorldDecider(tree));

/** The cascade most tests start from: 100 seats to the city, 40 of them to one county. */
const cityAndCounty = [...allocated('jiangsu', 'nanjing', 100), ...allocated('nanjing', 'xuanwu', 40)];

describe('Quota ledger', () => {
  describe('when nothing was received', () => {
    it('refuses to hand on any seat', () => {
      given()
        .when(allocate('nanjing', 'xuanwu', 5))
        .thenRefuses('QUOTA_EXCEEDED', { left: 0, requested: 5 });
    });

    it('refuses a seat to a teacher', () => {
      given().when(takeSeat('xuanwu-1', 'T-0001')).thenRefuses('NO_SEAT_LEFT', { schoolId: 'xuanwu-1', left: 0 });
    });

    it('releases nothing for a teacher who holds no seat', () => {
      given().when(releaseSeat('xuanwu-1', 'T-0001')).thenNothingHappens();
    });
  });

  describe('at a province, the origin of seats', () => {
    it('issues seats to a city without having received any', () => {
      given()
        .when(allocate('jiangsu', 'nanjing', 3600))
        .then(...allocated('jiangsu', 'nanjing', 3600));
    });

    it('issues again beyond anything it issued before', () => {
      given(...allocated('jiangsu', 'nanjing', 3600))
        .when(allocate('jiangsu', 'suzhou', 5000))
        .then(...allocated('jiangsu', 'suzhou', 5000));
    });

    it('refuses to give seats straight to a county', () => {
      given()
        .when(allocate('jiangsu', 'xuanwu', 10))
        .thenRefuses('NOT_A_CHILD', { fromUnitId: 'jiangsu', toUnitId: 'xuanwu', toParentId: 'nanjing' });
    });

    it('refuses to give seats to an unknown unit (UNKNOWN_UNIT)', () => {
      given()
        .when(allocate('jiangsu', 'atlantis', 10))
        .thenRefuses('UNKNOWN_UNIT', { unitId: 'atlantis' });
    });

    it('refuses seats from an unknown unit (UNKNOWN_UNIT)', () => {
      given()
        .when(revoke('atlantis', 'nanjing', 10))
        .thenRefuses('UNKNOWN_UNIT', { unitId: 'atlantis' });
    });

    it('refuses to give seats to itself', () => {
      given()
        .when(allocate('jiangsu', 'jiangsu', 10))
        .thenRefuses('NOT_A_CHILD');
    });
  });

  describe('when seats were received', () => {
    it('hands seats on to a county', () => {
      given(...allocated('jiangsu', 'nanjing', 100))
        .when(allocate('nanjing', 'xuanwu', 40))
        .then(...allocated('nanjing', 'xuanwu', 40));
    });

    it('hands seats on to a city-direct school', () => {
      given(...allocated('jiangsu', 'nanjing', 100))
        .when(allocate('nanjing', 'nfls', 12))
        .then(...allocated('nanjing', 'nfls', 12));
    });

    it('hands on exactly what is left', () => {
      given(...cityAndCounty)
        .when(allocate('nanjing', 'gulou', 60))
        .then(...allocated('nanjing', 'gulou', 60));
    });

    it('refuses to hand on more than is left', () => {
      given(...cityAndCounty)
        .when(allocate('nanjing', 'gulou', 61))
        .thenRefuses('QUOTA_EXCEEDED', { left: 60, requested: 61 });
    });

    it('counts every earlier allocation to the same child', () => {
      given(...cityAndCounty, ...allocated('nanjing', 'xuanwu', 60))
        .when(allocate('nanjing', 'xuanwu', 1))
        .thenRefuses('QUOTA_EXCEEDED', { left: 0, requested: 1 });
    });

    it('refuses to skip a level and give to a grandchild school', () => {
      given(...cityAndCounty)
        .when(allocate('nanjing', 'xuanwu-1', 5))
        .thenRefuses('NOT_A_CHILD', { toParentId: 'xuanwu' });
    });

    it('refuses to give seats upwards to its parent', () => {
      given(...cityAndCounty)
        .when(allocate('xuanwu', 'nanjing', 5))
        .thenRefuses('NOT_A_CHILD');
    });

    it.each([0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %p seats', (seats) => {
      given(...cityAndCounty)
        .when(allocate('nanjing', 'gulou', seats))
        .thenRefuses('BAD_SEATS', { seats });
    });

    it('refuses seats that are not a number at all', () => {
      const command = allocate('nanjing', 'gulou', 5);
      const smuggled = { ...command, data: { ...command.data, seats: '5' as unknown as number } };
      given(...cityAndCounty)
        .when(smuggled)
        .thenRefuses('BAD_SEATS', { seats: '5' });
    });

    it('checks the seats before how the units are related, even for a province', () => {
      given()
        .when(allocate('jiangsu', 'xuanwu', 0))
        .thenRefuses('BAD_SEATS');
    });

    it('keeps stray request fields out of the events', () => {
      const command = allocate('nanjing', 'gulou', 5);
      const padded = { ...command, data: { ...command.data, note: 'hello' } };
      given(...cityAndCounty)
        .when(padded)
        .then(...allocated('nanjing', 'gulou', 5));
    });
  });

  describe('when seats were handed on', () => {
    it('takes back seats the child still has', () => {
      given(...cityAndCounty)
        .when(revoke('nanjing', 'xuanwu', 15))
        .then(...revoked('nanjing', 'xuanwu', 15));
    });

    it('takes back exactly what the child has left', () => {
      given(...cityAndCounty, ...allocated('xuanwu', 'xuanwu-1', 30))
        .when(revoke('nanjing', 'xuanwu', 10))
        .then(...revoked('nanjing', 'xuanwu', 10));
    });

    it('refuses to take back seats the child handed on', () => {
      given(...cityAndCounty, ...allocated('xuanwu', 'xuanwu-1', 30))
        .when(revoke('nanjing', 'xuanwu', 11))
        .thenRefuses('QUOTA_IN_USE', { left: 10, requested: 11 });
    });

    it('refuses to take back seats teachers are using', () => {
      given(
        ...cityAndCounty,
        ...allocated('xuanwu', 'xuanwu-1', 3),
        seatTaken('xuanwu-1', 'T-0001'),
        seatTaken('xuanwu-1', 'T-0002'),
      )
        .when(revoke('xuanwu', 'xuanwu-1', 2))
        .thenRefuses('QUOTA_IN_USE', { left: 1, requested: 2 });
    });

    it('takes back a seat a teacher released', () => {
      given(
        ...cityAndCounty,
        ...allocated('xuanwu', 'xuanwu-1', 1),
        seatTaken('xuanwu-1', 'T-0001'),
        seatReleased('xuanwu-1', 'T-0001'),
      )
        .when(revoke('xuanwu', 'xuanwu-1', 1))
        .then(...revoked('xuanwu', 'xuanwu-1', 1));
    });

    it('refuses to take back more than it handed to that child', () => {
      given(...cityAndCounty, ...allocated('nanjing', 'gulou', 50))
        .when(revoke('nanjing', 'xuanwu', 41))
        .thenRefuses('REVOKE_EXCEEDS_ALLOCATION', { allocated: 40, requested: 41 });
    });

    it('refuses to take back from a child that never received anything', () => {
      given(...cityAndCounty)
        .when(revoke('nanjing', 'gulou', 1))
        .thenRefuses('REVOKE_EXCEEDS_ALLOCATION', { allocated: 0, requested: 1 });
    });

    it('refuses to take back from a unit that is not its child', () => {
      given(...cityAndCounty, ...allocated('xuanwu', 'xuanwu-1', 30))
        .when(revoke('nanjing', 'xuanwu-1', 5))
        .thenRefuses('NOT_A_CHILD', { toParentId: 'xuanwu' });
    });

    it('refuses to take back zero seats', () => {
      given(...cityAndCounty)
        .when(revoke('nanjing', 'xuanwu', 0))
        .thenRefuses('BAD_SEATS');
    });

    it('lets the province take back from a city like any other giver', () => {
      given(...cityAndCounty)
        .when(revoke('jiangsu', 'nanjing', 61))
        .thenRefuses('QUOTA_IN_USE', { left: 60, requested: 61 });
    });

    it('hands taken-back seats on again', () => {
      given(...cityAndCounty, ...revoked('nanjing', 'xuanwu', 40))
        .when(allocate('nanjing', 'gulou', 100))
        .then(...allocated('nanjing', 'gulou', 100));
    });

    it('refuses to take back twice what was handed on once', () => {
      given(...cityAndCounty, ...revoked('nanjing', 'xuanwu', 40))
        .when(revoke('nanjing', 'xuanwu', 1))
        .thenRefuses('REVOKE_EXCEEDS_ALLOCATION', { allocated: 0, requested: 1 });
    });
  });

  describe('when a school has seats', () => {
    const school = [...cityAndCounty, ...allocated('xuanwu', 'xuanwu-1', 2)];

    it('gives a teacher a seat', () => {
      given(...school)
        .when(takeSeat('xuanwu-1', 'T-0001'))
        .then(seatTaken('xuanwu-1', 'T-0001'));
    });

    it('gives a teacher who already holds a seat nothing more', () => {
      given(...school, seatTaken('xuanwu-1', 'T-0001'))
        .when(takeSeat('xuanwu-1', 'T-0001'))
        .thenNothingHappens();
    });

    it('still answers a retried seat when every seat is taken', () => {
      given(...school, seatTaken('xuanwu-1', 'T-0001'), seatTaken('xuanwu-1', 'T-0002'))
        .when(takeSeat('xuanwu-1', 'T-0002'))
        .thenNothingHappens();
    });

    it('refuses a seat when every seat is taken', () => {
      given(...school, seatTaken('xuanwu-1', 'T-0001'), seatTaken('xuanwu-1', 'T-0002'))
        .when(takeSeat('xuanwu-1', 'T-0003'))
        .thenRefuses('NO_SEAT_LEFT', { left: 0 });
    });

    it('releases a held seat', () => {
      given(...school, seatTaken('xuanwu-1', 'T-0001'))
        .when(releaseSeat('xuanwu-1', 'T-0001'))
        .then(seatReleased('xuanwu-1', 'T-0001'));
    });

    it('releases a seat only once', () => {
      given(...school, seatTaken('xuanwu-1', 'T-0001'), seatReleased('xuanwu-1', 'T-0001'))
        .when(releaseSeat('xuanwu-1', 'T-0001'))
        .thenNothingHappens();
    });

    it('gives a released seat to another teacher', () => {
      given(
        ...school,
        seatTaken('xuanwu-1', 'T-0001'),
        seatTaken('xuanwu-1', 'T-0002'),
        seatReleased('xuanwu-1', 'T-0001'),
      )
        .when(takeSeat('xuanwu-1', 'T-0003'))
        .then(seatTaken('xuanwu-1', 'T-0003'));
    });

    it('keeps each school’s seats to itself', () => {
      given(...school)
        .when(takeSeat('xuanwu-2', 'T-0001'))
        .thenRefuses('NO_SEAT_LEFT', { schoolId: 'xuanwu-2' });
    });
  });

  describe('along the chain province → city → county → school', () => {
    const chain = [
      ...allocated('jiangsu', 'nanjing', 3600),
      ...allocated('nanjing', 'xuanwu', 906),
      ...allocated('xuanwu', 'xuanwu-1', 11),
    ];

    it('seats a teacher in the school at the end of the chain', () => {
      given(...chain)
        .when(takeSeat('xuanwu-1', 'T-0001'))
        .then(seatTaken('xuanwu-1', 'T-0001'));
    });

    it('folds each level into its own ledger', () => {
      const world = fold(quotaWorldDecider(tree), [...chain, seatTaken('xuanwu-1', 'T-0001')]);
      const ledger = (unitId: string) => ledgerOf(world, quotaStreamId(BATCH, PERIOD, unitId));

      expect(ledger('jiangsu')).toEqual({ received: 0, handedOn: { nanjing: 3600 }, seatHolders: [] });
      expect(seatsLeft(ledger('nanjing'))).toBe(3600 - 906);
      expect(handedOnTo(ledger('nanjing'), 'xuanwu')).toBe(906);
      expect(seatsLeft(ledger('xuanwu'))).toBe(906 - 11);
      expect(seatsUsed(ledger('xuanwu-1'))).toBe(1);
      expect(seatsLeft(ledger('xuanwu-1'))).toBe(10);
    });

    it('seats a teacher in a city-direct school on the short chain city → school', () => {
      given(...allocated('jiangsu', 'nanjing', 3600), ...allocated('nanjing', 'nfls', 14))
        .when(takeSeat('nfls', 'T-0100'))
        .then(seatTaken('nfls', 'T-0100'));
    });
  });
});

describe('Quota ledger queries', () => {
  const world = fold(quotaWorldDecider(tree), [
    ...allocated('jiangsu', 'nanjing', 100),
    ...allocated('nanjing', 'xuanwu', 30),
    ...allocated('nanjing', 'gulou', 20),
    ...revoked('nanjing', 'gulou', 20),
  ]);
  const nanjing = ledgerOf(world, quotaStreamId(BATCH, PERIOD, 'nanjing'));

  it('answers what is out with each child, and 0 for a child with nothing', () => {
    expect(handedOnTo(nanjing, 'xuanwu')).toBe(30);
    expect(handedOnTo(nanjing, 'gulou')).toBe(0);
    expect(handedOnTo(nanjing, 'constructor')).toBe(0);
  });

  it('drops a child whose seats were all taken back', () => {
    expect(nanjing.handedOn).toEqual({ xuanwu: 30 });
  });

  it('answers what is left: received − handed on − used', () => {
    expect(seatsHandedOn(nanjing)).toBe(30);
    expect(seatsLeft(nanjing)).toBe(70);
  });

  it('names each ledger by batch, period and unit', () => {
    expect(quotaStreamId('B2020-1', 'P2', '320700')).toBe('quota-B2020-1:P2:320700');
  });
});

describe('Quota transfer decision', () => {
  const command = allocate('nanjing', 'xuanwu', 5);
  const world = fold(quotaWorldDecider(tree), allocated('jiangsu', 'nanjing', 10));
  const context = {
    from: ledgerOf(world, quotaStreamId(BATCH, PERIOD, 'nanjing')),
    to: initialQuotaLedger(),
    fromKind: 'city',
    toParentId: 'nanjing',
  } as const;

  it('returns one event for the giver and one for the child, for a single atomic append', () => {
    expect(decideAllocateQuota(command, context)).toEqual({
      from: [{ type: 'QuotaAllocated', data: command.data }],
      to: [{ type: 'QuotaReceived', data: command.data }],
    });
  });

  it('refuses a child whose org unit is unknown', () => {
    expect(() => decideAllocateQuota(command, { ...context, toParentId: undefined })).toThrow(RuleViolation);
  });

  it('caps a giver whose kind is unknown like any non-province', () => {
    expect(() => decideAllocateQuota(allocate('nanjing', 'xuanwu', 11), { ...context, fromKind: undefined })).toThrow(
      expect.objectContaining({ code: 'QUOTA_EXCEEDED', details: { left: 10, requested: 11 } }),
    );
  });

  it('returns a revocation the same way', () => {
    const handedOn = fold(quotaWorldDecider(tree), allocated('nanjing', 'xuanwu', 5));
    const giver = ledgerOf(handedOn, quotaStreamId(BATCH, PERIOD, 'nanjing'));
    const child = ledgerOf(handedOn, quotaStreamId(BATCH, PERIOD, 'xuanwu'));
    const back = revoke('nanjing', 'xuanwu', 5);
    expect(decideRevokeQuota(back, { from: giver, to: child, fromKind: 'city', toParentId: 'nanjing' })).toEqual({
      from: [{ type: 'QuotaRevoked', data: back.data }],
      to: [{ type: 'QuotaTakenBack', data: back.data }],
    });
  });
});

describe('School quota ledger, decided as one stream', () => {
  const given = specFor(quotaLedgerDecider);
  const data = { batchId: BATCH, periodId: PERIOD, schoolId: 'nfls', teacherId: 'T-0001' };
  const received = {
    type: 'QuotaReceived',
    data: { batchId: BATCH, periodId: PERIOD, fromUnitId: 'nanjing', toUnitId: 'nfls', seats: 1 },
  } as const;

  it('takes a seat out of what the school received', () => {
    given(received).when({ type: 'TakeSeat', data, metadata }).then({ type: 'SeatTaken', data });
  });

  it('refuses a second teacher the only seat', () => {
    given(received, { type: 'SeatTaken', data })
      .when({ type: 'TakeSeat', data: { ...data, teacherId: 'T-0002' }, metadata })
      .thenRefuses('NO_SEAT_LEFT', { left: 0 });
  });

  it('releases the seat of a withdrawn teacher', () => {
    given(received, { type: 'SeatTaken', data })
      .when({ type: 'ReleaseSeat', data, metadata })
      .then({ type: 'SeatReleased', data });
  });
});
