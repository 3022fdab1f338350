import { DomainEvent } from './messages';
import { extendHistory, streamType } from './stream';

type Counted = DomainEvent<'Counted', { by: number }>;

describe('folding a history extended with events', () => {
  let evolved = 0;
  const counter = streamType<number, Counted>({
    category: 'counter',
    eventTypes: { Counted: true },
    initialState: () => 0,
    evolve: (state, event) => {
      evolved += 1;
      return state + event.data.by;
    },
  });
  const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });

  beforeEach(() => (evolved = 0));

  it('goes on from the shorter history fold, to the same state as folding the whole', () => {
    const history = [counted(1), counted(2), counted(3)];
    expect(counter.fold(history)).toBe(6);
    const longer = extendHistory(history, [counted(10)]);
    expect(counter.fold(longer)).toBe(16);
    expect(evolved).toBe(4);
    expect(counter.fold([...longer])).toBe(16);
    expect(history).toHaveLength(3);
  });

  it('folds from the start when the shorter history was never folded', () => {
    const longer = extendHistory([counted(1), counted(2)], [counted(3)]);
    expect(counter.fold(longer)).toBe(6);
    expect(evolved).toBe(3);
  });

  it('goes on from the last folded history when a history was extended twice before a fold', () => {
    const history = [counted(1), counted(2)];
    counter.fold(history);
    const twice = extendHistory(extendHistory(history, [counted(3)]), [counted(4)]);
    expect(counter.fold(twice)).toBe(10);
    expect(evolved).toBe(4);
  });

  it('still refuses an event the stream does not hold among the added ones', () => {
    const history = [counted(1)];
    counter.fold(history);
    const stranger = { type: 'Other', data: {} } as unknown as Counted;
    expect(() => counter.fold(extendHistory(history, [stranger]))).toThrow('does not hold Other');
  });
});
