import { fold } from '../shared/decider';
import { mulberry32 } from '../shared/seeded-random';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { QuotaCommand } from './quota.commands';
import { handedOnTo, holdsSeat, QuotaLedger, quotaStreamId, seatsHandedOn, seatsLeft, seatsUsed } from './quota.ledger';
import {
  allocate,
  BATCH,
  ledgerOf,
  OrgTree,
  QuotaWorld,
  quotaWorldDecider,
  releaseSeat,
  revoke,
  takeSeat,
} from './quota.spec-fixtures';

const tree: OrgTree = {
  js: { kind: 'province' },
  nj: { kind: 'city', parentId: 'js' },
  lyg: { kind: 'city', parentId: 'js' },
  'nj-k1': { kind: 'county', parentId: 'nj' },
  'nj-k2': { kind: 'county', parentId: 'nj' },
  'lyg-k1': { kind: 'county', parentId: 'lyg' },
  'nj-k1-s1': { kind: 'school', parentId: 'nj-k1' },
  'nj-k1-s2': { kind: 'school', parentId: 'nj-k1' },
  'nj-k2-s1': { kind: 'school', parentId: 'nj-k2' },
  'lyg-k1-s1': { kind: 'school', parentId: 'lyg-k1' },
  'nj-direct': { kind: 'school', parentId: 'nj' },
  'lyg-direct': { kind: 'school', parentId: 'lyg' },
};
const units = Object.keys(tree);
const edges = units.flatMap((child) => {
  const parentId = tree[child].parentId;
  return parentId === undefined ? [] : [{ parent: parentId, child }];
});
const schools = units.filter((unitId) => tree[unitId].kind === 'school');
const periods = ['P1', 'P2'];
const teachers = Array.from({ length: 12 }, (_, i) => `T-${String(i + 1).padStart(4, '0')}`);

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function seatsBetween(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** Mostly well-formed commands along real edges, with a share of wrong pairs and bad seat counts. */
function nextCommand(random: () => number): QuotaCommand {
  const where = { batchId: BATCH, periodId: pick(random, periods) };
  const roll = random();
  const edge = pick(random, edges);
  if (roll < 0.35) return allocate(edge.parent, edge.child, seatsBetween(random, 1, 40), where);
  if (roll < 0.5) return revoke(edge.parent, edge.child, seatsBetween(random, 1, 25), where);
  if (roll < 0.75) return takeSeat(pick(random, schools), pick(random, teachers), where);
  if (roll < 0.9) return releaseSeat(pick(random, schools), pick(random, teachers), where);
  if (roll < 0.95) return allocate(pick(random, units), pick(random, units), seatsBetween(random, 1, 10), where);
  return allocate(edge.parent, edge.child, pick(random, [0, -1, 1.5]), where);
}

/**
 * What must hold after every step, as a list of what broke (plain checks, not one `expect`
 * each: thousands of steps would otherwise spend their time in the matcher).
 */
function brokenInvariants(world: QuotaWorld): string[] {
  const broken: string[] = [];
  const check = (holds: boolean, what: string) => {
    if (!holds) broken.push(what);
  };
  const ledger = (unitId: string, periodId: string): QuotaLedger =>
    ledgerOf(world, quotaStreamId(BATCH, periodId, unitId));
  for (const periodId of periods) {
    let issued = 0;
    let heldBelow = 0;
    for (const unitId of units) {
      const own = ledger(unitId, periodId);
      if (tree[unitId].kind === 'province') {
        // The origin receives nothing; what it issued is what everyone below holds.
        check(own.received === 0, `${periodId} ${unitId} received seats`);
        issued += seatsHandedOn(own);
      } else {
        check(seatsLeft(own) >= 0, `${periodId} ${unitId} has ${seatsLeft(own)} left`);
        heldBelow += seatsLeft(own) + seatsUsed(own);
      }
      check(new Set(own.seatHolders).size === own.seatHolders.length, `${periodId} ${unitId} seats a teacher twice`);
      check(
        tree[unitId].kind === 'school' || seatsUsed(own) === 0,
        `${periodId} ${unitId} seats teachers but is no school`,
      );
      for (const childId of Object.keys(own.handedOn)) {
        check(tree[childId].parentId === unitId, `${periodId} ${unitId} handed seats to ${childId}, not its child`);
      }
    }
    for (const { parent, child } of edges) {
      const received = ledger(child, periodId).received;
      const handedOn = handedOnTo(ledger(parent, periodId), child);
      check(received === handedOn, `${periodId} ${child} received ${received} but ${parent} handed on ${handedOn}`);
    }
    for (const parent of units) {
      const children = edges.filter((edge) => edge.parent === parent);
      const receivedByChildren = children.reduce((sum, { child }) => sum + ledger(child, periodId).received, 0);
      const handedOn = seatsHandedOn(ledger(parent, periodId));
      check(
        receivedByChildren === handedOn,
        `${periodId} ${parent}'s children received ${receivedByChildren}, it handed on ${handedOn}`,
      );
    }
    check(heldBelow === issued, `${periodId} the province issued ${issued} but units hold ${heldBelow}`);
  }
  return broken;
}

/** Why a refusal was right, judged from the state before the command; `undefined` when it was. */
function wrongRefusal(world: QuotaWorld, command: QuotaCommand, refusal: RuleViolation): string | undefined {
  switch (command.type) {
    case 'AllocateQuota':
    case 'RevokeQuota': {
      const { periodId, fromUnitId, toUnitId, seats } = command.data;
      const from = ledgerOf(world, quotaStreamId(BATCH, periodId, fromUnitId));
      const to = ledgerOf(world, quotaStreamId(BATCH, periodId, toUnitId));
      const expected = !(Number.isSafeInteger(seats) && seats > 0)
        ? 'BAD_SEATS'
        : tree[toUnitId].parentId !== fromUnitId
          ? 'NOT_A_CHILD'
          : command.type === 'AllocateQuota'
            ? tree[fromUnitId].kind !== 'province' && seats > seatsLeft(from)
              ? 'QUOTA_EXCEEDED'
              : 'no refusal'
            : seats > handedOnTo(from, toUnitId)
              ? 'REVOKE_EXCEEDS_ALLOCATION'
              : seats > seatsLeft(to)
                ? 'QUOTA_IN_USE'
                : 'no refusal';
      return refusal.code === expected ? undefined : `expected ${expected}, got ${refusal.code}`;
    }
    case 'TakeSeat': {
      const own = ledgerOf(world, quotaStreamId(BATCH, command.data.periodId, command.data.schoolId));
      const right = refusal.code === 'NO_SEAT_LEFT' && seatsLeft(own) < 1 && !holdsSeat(own, command.data.teacherId);
      return right ? undefined : `refused a seat with ${refusal.code} and ${seatsLeft(own)} left`;
    }
    case 'ReleaseSeat':
      return `refused a release with ${refusal.code}`;
    default:
      return assertNever(command);
  }
}

describe('Quota ledgers over a long seeded history', () => {
  it.each([1, 42, 20160310, 20201101])(
    'never go below zero and always balance between parent and child (seed %p)',
    (seed) => {
      const random = mulberry32(seed);
      const decider = quotaWorldDecider(tree);
      let world = decider.initialState();
      const outcomes: Record<string, number> = {};

      for (let step = 0; step < 3000; step++) {
        const command = nextCommand(random);
        let outcome: string;
        try {
          const events = decider.decide(command, world);
          outcome = events.length === 0 ? `${command.type}:nothing` : `${command.type}:done`;
          world = events.reduce(decider.evolve, world);
        } catch (error) {
          if (!(error instanceof RuleViolation)) throw error;
          const wrong = wrongRefusal(world, command, error);
          if (wrong !== undefined) expect({ step, command, wrong }).toBeUndefined();
          outcome = error.code;
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        const broken = brokenInvariants(world);
        if (broken.length > 0) expect({ step, command, broken }).toEqual({ step, command, broken: [] });
      }

      // The history is only worth something if it went through every path, not just refusals.
      for (const path of [
        'AllocateQuota:done',
        'RevokeQuota:done',
        'TakeSeat:done',
        'TakeSeat:nothing',
        'ReleaseSeat:done',
        'ReleaseSeat:nothing',
        'QUOTA_EXCEEDED',
        'QUOTA_IN_USE',
        'REVOKE_EXCEEDS_ALLOCATION',
        'NO_SEAT_LEFT',
        'NOT_A_CHILD',
        'BAD_SEATS',
      ]) {
        expect({ path, taken: (outcomes[path] ?? 0) > 0 }).toEqual({ path, taken: true });
      }
    },
  );

  it('rebuilds the same ledgers from the events alone', () => {
    const random = mulberry32(7);
    const decider = quotaWorldDecider(tree);
    let world = decider.initialState();
    const history = [];
    for (let step = 0; step < 1000; step++) {
      try {
        const events = decider.decide(nextCommand(random), world);
        history.push(...events);
        world = events.reduce(decider.evolve, world);
      } catch (error) {
        if (!(error instanceof RuleViolation)) throw error;
      }
    }
    expect(fold(decider, history)).toEqual(world);
  });
});
