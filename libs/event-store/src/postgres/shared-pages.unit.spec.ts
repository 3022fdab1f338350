import { RecordedEvent } from '../port/event';
import { SharedPages } from './postgres-subscription';

const event = (position: number) => ({ position }) as RecordedEvent;

describe("A store's shared pages", () => {
  function counted() {
    const reads: [number, number][] = [];
    const pages = new SharedPages(async (fromPosition, maxCount) => {
      reads.push([fromPosition, maxCount]);
      return [event(fromPosition)];
    });
    return { reads, pages };
  }

  it('reads a page once for every subscription asking for it while it is read and nothing moved', async () => {
    const { reads, pages } = counted();
    const [first, second] = await Promise.all([pages.read(11, 2000), pages.read(11, 2000)]);
    expect(second).toBe(first);
    expect(reads).toEqual([[11, 2000]]);
    // Read, the page may have grown without a word (a transaction that held readers back ended): read afresh.
    expect(await pages.read(11, 2000)).not.toBe(first);
    expect(reads).toEqual([
      [11, 2000],
      [11, 2000],
    ]);
  });

  it('reads again after an append or a notice, and for another page', async () => {
    const { reads, pages } = counted();
    const first = pages.read(11, 2000);
    pages.moved();
    const again = pages.read(11, 2000);
    const other = [pages.read(12, 2000), pages.read(12, 100)];
    await Promise.all([first, again, ...other]);
    expect(reads).toEqual([
      [11, 2000],
      [11, 2000],
      [12, 2000],
      [12, 100],
    ]);
  });

  it('does not keep a read that failed', async () => {
    let fail = true;
    const pages = new SharedPages(async (fromPosition) => {
      if (fail) throw new Error('the database went away');
      return [event(fromPosition)];
    });
    await expect(pages.read(1, 10)).rejects.toThrow('went away');
    fail = false;
    expect(await pages.read(1, 10)).toEqual([event(1)]);
  });
});
