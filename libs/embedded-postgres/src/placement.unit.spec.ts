import { serviceDirName } from './placement';

describe('serviceDirName', () => {
  it('names the data directory by its path, readably, with a hash of the whole path', () => {
    expect(serviceDirName('/root/tip/data/postgres')).toMatch(/^root-tip-data-postgres-[0-9a-f]{8}$/);
  });

  it('gives two data directories two names, even when their readable parts agree', () => {
    expect(serviceDirName('/root/a-b/data')).not.toBe(serviceDirName('/root/a/b-data'));
    expect(serviceDirName('/root/tip/data')).toBe(serviceDirName('/root/tip/./data/'));
  });

  it('keeps to safe characters and a bounded length, keeping the tail that tells clones apart', () => {
    const name = serviceDirName(`/home/李雷/${'deep/'.repeat(30)}克隆 1/data`);
    expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{8}$/);
    expect(name.length).toBeLessThanOrEqual(69);
    expect(name).toContain('_1-data-');
  });

  it('has a name for the root directory too', () => {
    expect(serviceDirName('/')).toMatch(/^root-[0-9a-f]{8}$/);
  });
});
