import { mapAhead } from './concurrently';

async function* numbers(count: number, read: number[]) {
  for (let index = 0; index < count; index++) {
    read.push(index);
    yield index;
  }
}

describe('mapAhead', () => {
  it('maps every item, in order', async () => {
    const mapped: string[] = [];
    for await (const item of mapAhead(numbers(5, []), 2, (n) => `item ${n}`)) mapped.push(item);
    expect(mapped).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
  });

  it('maps up to `ahead` items before they are asked for, in later turns of the event loop', async () => {
    const mappedAt: number[] = [];
    const iterator = mapAhead(numbers(10, []), 2, (n) => {
      mappedAt.push(n);
      return n;
    });
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    // While the consumer works on item 0, items 1 and 2 are mapped, and no further.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(mappedAt).toEqual([0, 1, 2]);
    await iterator.return(undefined);
  });

  it('throws a failure when its item is reached, after the items before it', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const item of mapAhead(numbers(5, []), 3, (n) => {
        if (n === 2) throw new Error('item 2 is bad');
        return n;
      })) {
        seen.push(item);
      }
    };
    await expect(run()).rejects.toThrow('item 2 is bad');
    expect(seen).toEqual([0, 1]);
  });

  it('passes on a failure of the source', async () => {
    async function* failing() {
      yield 1;
      throw new Error('source broke');
    }
    const seen: number[] = [];
    const run = async () => {
      for await (const item of mapAhead(failing(), 1, (n) => n)) seen.push(item);
    };
    await expect(run()).rejects.toThrow('source broke');
    expect(seen).toEqual([1]);
  });
});
