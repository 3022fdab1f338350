import { decision, each, one } from './decision';
import { Command, DomainEvent } from './messages';
import { extendHistory, foldStream, streamType } from './stream';

type Counted = DomainEvent<'Counted', { by: number }>;
type Named = DomainEvent<'Named', { name: string }>;
const counter = streamType<number, Counted>({
  category: 'counter',
  eventTypes: { Counted: true },
  evolve: (total, event) => total + event.data.by,
  initialState: () => 0,
});
const names = streamType<string[], Named>({
  category: 'names',
  eventTypes: { Named: true },
  evolve: (all, event) => [...all, event.data.name],
  initialState: () => [],
});

type Count = Command<'Count', { id: string; by: number }>;
const metadata = { now: '2020-11-02T09:00:00.000Z', actor: { sub: 's', role: 'system' as const } };
const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });
const named = (name: string): Named => ({ type: 'Named', data: { name } });

/**
 * Stage one reads the names of `id`; stage two reads one counter per name (its id follows from
 * what stage one holds); the decision counts each of them and keeps a copy of the first.
 */
const countEach = decision<Count, { also: number }>()
  .reads(({ data }) => ({
    names: one(names, `names-${data.id}`, { guard: true }),
    copy: one(counter, `counter-copy-${data.id}`, { mirror: true }),
    unused: one(counter, undefined),
  }))
  .then((_command, roles, read) => ({
    counters: each(counter, Object.fromEntries(read(roles.names).map((name) => [name, `counter-${name}`]))),
  }))
  .decides(
    ({ data }, roles, read, facts) => {
      const counters = read(roles.counters);
      return {
        counters: Object.fromEntries(Object.keys(counters).map((name) => [name, [counted(data.by + facts.also)]])),
        copy: Object.keys(counters).length > 0 ? [counted(data.by)] : [],
      };
    },
    { about: (roles) => roles.names },
  );

describe('A decision over streams', () => {
  const plan = countEach.plan({ type: 'Count', data: { id: 'x', by: 2 }, metadata }, { also: 1 });

  it('names its streams stage by stage, each stage from what the earlier ones hold', () => {
    const read = new Map<string, readonly DomainEvent[]>();
    expect(plan.missing(read)).toEqual(['names-x', 'counter-copy-x']);
    read.set('names-x', [named('a'), named('b')]).set('counter-copy-x', []);
    expect(plan.missing(read)).toEqual(['counter-a', 'counter-b']);
    read.set('counter-a', [counted(5)]).set('counter-b', []);
    expect(plan.missing(read)).toEqual([]);
  });

  it('appends each role its events, marks copies, and guards what it rests on but does not write', () => {
    const read = new Map<string, readonly DomainEvent[]>([
      ['names-x', [named('a'), named('b')]],
      ['counter-copy-x', []],
      ['counter-a', [counted(5)]],
      ['counter-b', []],
    ]);
    expect(plan.decide(read)).toEqual({
      about: 'names-x',
      appends: [
        { streamId: 'counter-a', events: [counted(3)], mirror: false },
        { streamId: 'counter-b', events: [counted(3)], mirror: false },
        { streamId: 'counter-copy-x', events: [counted(2)], mirror: true },
      ],
      guards: ['names-x'],
    });
  });

  it('places its later stages again when a stream they follow from changed since it was asked (a batch decided one by one)', () => {
    const fresh = countEach.plan({ type: 'Count', data: { id: 'x', by: 2 }, metadata }, { also: 1 });
    const read = new Map<string, readonly DomainEvent[]>([
      ['names-x', [named('a')]],
      ['counter-copy-x', []],
      ['counter-a', []],
    ]);
    expect(fresh.missing(read)).toEqual([]);
    // Another command of the batch named b meanwhile: the same plan now reads b's counter too.
    read.set('names-x', extendHistory(read.get('names-x') ?? [], [named('b')]));
    expect(fresh.missing(read)).toEqual(['counter-b']);
    read.set('counter-b', [counted(1)]);
    expect(fresh.decide(read).appends.map((append) => append.streamId)).toEqual([
      'counter-a',
      'counter-b',
      'counter-copy-x',
    ]);
    // A stream read afresh as another array holding the same events places the same roles.
    read.set('names-x', [named('a'), named('b')]);
    expect(fresh.missing(read)).toEqual([]);
  });

  it('refuses to decide before every stage is read', () => {
    expect(() => plan.decide(new Map([['names-x', [named('a')]]]))).toThrow(/before every stream/);
  });

  it('refuses events for a role whose stream it never named', () => {
    const careless = decision<Count>()
      .reads(() => ({ some: one(counter, 'counter-some'), nothing: one(counter, undefined) }))
      .decides(() => ({ nothing: [counted(1)] }), { about: (roles) => roles.some });
    const carelessPlan = careless.plan({ type: 'Count', data: { id: 'x', by: 1 }, metadata }, undefined);
    expect(() => carelessPlan.decide(new Map([['counter-some', []]]))).toThrow(
      'Count decided events for nothing, which names no stream',
    );
  });
});

describe('A stream type', () => {
  it('folds its own events, and refuses one it does not hold', () => {
    expect(foldStream(counter, [counted(1), counted(2)])).toBe(3);
    expect(() => foldStream(counter, [named('a')])).toThrow('A counter stream does not hold Named events');
  });

  it('folds the same array of events once', () => {
    let evolved = 0;
    const watched = streamType<number, Counted>({
      category: 'watched',
      eventTypes: { Counted: true },
      evolve: (total, event) => (evolved++, total + event.data.by),
      initialState: () => 0,
    });
    const events = [counted(1), counted(2)];
    expect(watched.fold(events) + watched.fold(events)).toBe(6);
    expect(evolved).toBe(2);
  });
});
