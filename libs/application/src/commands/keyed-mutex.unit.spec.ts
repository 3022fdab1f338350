import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

  it('runs work on one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        mutex.run('ledger', async () => {
          log.push(`${name} start`);
          await pause();
          log.push(`${name} end`);
        }),
      ),
    );
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets different keys run together, and goes on after a failure', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const slow = mutex.run('x', async () => {
      log.push('x start');
      await pause();
      log.push('x end');
    });
    await mutex.run('y', async () => void log.push('y'));
    await slow;
    expect(log).toEqual(['x start', 'y', 'x end']);
    await expect(mutex.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('x', async () => 'after')).resolves.toBe('after');
  });
});
