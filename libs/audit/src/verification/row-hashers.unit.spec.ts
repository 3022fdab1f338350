import { defaultHashWorkers } from './row-hashers';

describe('hashing threads by default', () => {
  it('are every core but two, up to four; one on two cores; none on one', () => {
    expect([1, 2, 3, 4, 6, 8, 64].map((cores) => defaultHashWorkers(cores))).toEqual([0, 1, 1, 2, 4, 4, 4]);
  });
});
