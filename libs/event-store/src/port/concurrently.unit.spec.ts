import { forEachConcurrently, readAhead } from './concurrently';

async function* numbers(count: number, produced: number[], failAt = -1) {
  for (let index = 0; index < count; index++) {
    // A source that works for its items, giving the event loop a turn first.
    await new Promise((resolve) => setImmediate(resolve));
    if (index === failAt) throw new Error(`item ${index} is bad`);
    produced.push(index);
    yield index;
  }
}

describe('readAhead', () => {
  it('passes on every item, in order', async () => {
    const seen: number[] = [];
    for await (const item of readAhead(numbers(5, []), 2)) seen.push(item);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('has the source produce up to `ahead` items before they are asked for, and no more', async () => {
    const produced: number[] = [];
    const iterator = readAhead(numbers(10, produced), 2);
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    // While the consumer works on item 0, items 1 and 2 are produced: the source gets many turns
    // of the event loop (counted, not timed, so a busy machine cannot cut them short), and stops at 2.
    for (let turn = 0; turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(produced).toEqual([0, 1, 2]);
    await iterator.return(undefined);
  });

  it('throws a failure of the source when its place is reached, after the items before it', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const item of readAhead(numbers(5, [], 2), 3)) seen.push(item);
    };
    await expect(run()).rejects.toThrow('item 2 is bad');
    expect(seen).toEqual([0, 1]);
  });
});

describe('closing the source', () => {
  it('closes a source that readAhead stops reading early', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let index = 0; ; index++) yield index;
      } finally {
        closed = true;
      }
    }
    for await (const item of readAhead(source(), 2)) if (item === 3) break;
    expect(closed).toBe(true);
  });

  it('closes the source of forEachConcurrently when a worker fails', async () => {
    let closed = false;
    function* source() {
      try {
        for (let index = 0; ; index++) yield index;
      } finally {
        closed = true;
      }
    }
    const run = forEachConcurrently(source(), 2, async (item) => {
      if (item === 5) throw new Error('item 5 failed');
    });
    await expect(run).rejects.toThrow('item 5 failed');
    expect(closed).toBe(true);
  });
});
