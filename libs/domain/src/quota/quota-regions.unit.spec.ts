import { RuleViolation } from '../shared/rule-violation';
import { CommandMetadata } from '../shared/messages';
import { AllocateQuota, QuotaTransferData, RevokeQuota } from './quota.commands';
import { decideAllocateQuota, decideRevokeQuota, QuotaTransferContext } from './quota.decider';
import { evolveQuotaLedger, initialQuotaLedger, QuotaLedger } from './quota.ledger';
import { QuotaEvent } from './quota.events';

// Lianyungang's own programme (连教办师〔2016〕9号): the city hands its 3,600 seats a period to its
// counties and city-direct schools; the province plays no part.
const metadata: CommandMetadata = {
  now: '2016-03-10T09:00:00+08:00',
  actor: { sub: 'lyg-admin', role: 'city-admin', unitId: '320700' },
};
const transfer = (fromUnitId: string, toUnitId: string, seats: number): QuotaTransferData => ({
  batchId: 'LYG-2016',
  periodId: '1',
  fromUnitId,
  toUnitId,
  seats,
});
const allocate = (from: string, to: string, seats: number): AllocateQuota => ({
  type: 'AllocateQuota',
  data: transfer(from, to, seats),
  metadata,
});
const revoke = (from: string, to: string, seats: number): RevokeQuota => ({
  type: 'RevokeQuota',
  data: transfer(from, to, seats),
  metadata,
});
const ledger = (...events: QuotaEvent[]): QuotaLedger => events.reduce(evolveQuotaLedger, initialQuotaLedger());
const cityRun = { ownerUnitId: '320700', quotas: true };

function refusal(decide: () => unknown): { code: string; details: unknown } {
  try {
    decide();
  } catch (error) {
    if (error instanceof RuleViolation) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('The decision was not refused');
}

describe('Quotas of a city-run programme', () => {
  const fromCity = (from: QuotaLedger = ledger()): QuotaTransferContext => ({
    from,
    to: ledger(),
    fromKind: 'city',
    toParentId: '320700',
    programme: cityRun,
    fromPath: ['320000', '320700'],
  });

  it('lets the city that runs it issue 赣榆区’s 906 seats without having received any (the origin)', () => {
    expect(decideAllocateQuota(allocate('320700', '320707', 906), fromCity())).toEqual({
      from: [{ type: 'QuotaAllocated', data: transfer('320700', '320707', 906) }],
      to: [{ type: 'QuotaReceived', data: transfer('320700', '320707', 906) }],
    });
  });

  it('caps a county below the city by what it received (QUOTA_EXCEEDED)', () => {
    const county: QuotaTransferContext = {
      from: ledger({ type: 'QuotaReceived', data: transfer('320700', '320707', 906) }),
      to: ledger(),
      fromKind: 'county',
      toParentId: '320707',
      programme: cityRun,
      fromPath: ['320000', '320700', '320707'],
    };
    expect(refusal(() => decideAllocateQuota(allocate('320707', 'GY-01', 907), county))).toEqual({
      code: 'QUOTA_EXCEEDED',
      details: { left: 906, requested: 907 },
    });
  });

  it('refuses the province, which does not run it (OUTSIDE_PROGRAMME)', () => {
    const province: QuotaTransferContext = {
      from: ledger(),
      to: ledger(),
      fromKind: 'province',
      toParentId: '320000',
      programme: cityRun,
      fromPath: ['320000'],
    };
    expect(refusal(() => decideAllocateQuota(allocate('320000', '320700', 3600), province))).toEqual({
      code: 'OUTSIDE_PROGRAMME',
      details: { batchId: 'LYG-2016', unitId: '320000', ownerUnitId: '320700' },
    });
  });

  it('refuses another city of the province (OUTSIDE_PROGRAMME)', () => {
    const suzhou: QuotaTransferContext = { ...fromCity(), toParentId: '320500', fromPath: ['320000', '320500'] };
    expect(refusal(() => decideAllocateQuota(allocate('320500', '320505', 10), suzhou)).code).toBe('OUTSIDE_PROGRAMME');
  });

  it('keeps a province-run programme’s province as the origin', () => {
    const provinceRun: QuotaTransferContext = {
      from: ledger(),
      to: ledger(),
      fromKind: 'province',
      toParentId: '320000',
      programme: { ownerUnitId: '320000', quotas: true },
      fromPath: ['320000'],
    };
    expect(decideAllocateQuota(allocate('320000', '320700', 3600), provinceRun).from).toHaveLength(1);
  });
});

describe('Programmes without quotas (Ningde, Yueyang) hand out no seats', () => {
  const noQuotas: QuotaTransferContext = {
    from: ledger(),
    to: ledger(),
    fromKind: 'city',
    toParentId: '350900',
    programme: { ownerUnitId: '350900', quotas: false },
    fromPath: ['350000', '350900'],
  };

  it('refuses an allocation (NO_QUOTAS)', () => {
    expect(refusal(() => decideAllocateQuota(allocate('350900', '350981', 100), noQuotas))).toEqual({
      code: 'NO_QUOTAS',
      details: { batchId: 'LYG-2016' },
    });
  });

  it('refuses a revocation (NO_QUOTAS)', () => {
    expect(refusal(() => decideRevokeQuota(revoke('350900', '350981', 1), noQuotas)).code).toBe('NO_QUOTAS');
  });
});
