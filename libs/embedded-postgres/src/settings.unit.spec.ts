import { connectionString, DEFAULT_SETTINGS, postgresArguments } from './settings';

function settingsOf(args: string[]): Map<string, string> {
  const result = new Map<string, string>();
  args.forEach((arg, i) => {
    if (args[i - 1] !== '-c') return;
    const eq = arg.indexOf('=');
    // Like PostgreSQL: a later -c for the same name wins.
    result.set(arg.slice(0, eq), arg.slice(eq + 1));
  });
  return result;
}

describe('postgresArguments', () => {
  it('listens on loopback TCP only and keeps durability on by default', () => {
    const args = postgresArguments('/data/pg', 5555);
    expect(args.slice(0, 4)).toEqual(['-D', '/data/pg', '-p', '5555']);
    const settings = settingsOf(args);
    expect(settings.get('listen_addresses')).toBe('127.0.0.1');
    expect(settings.get('unix_socket_directories')).toBe('');
    expect(settings.get('fsync')).toBe('on');
    expect(settings.get('synchronous_commit')).toBe('on');
    expect(settings.get('max_connections')).toBe('200');
  });

  it('lets options.settings override defaults and add new settings', () => {
    const settings = settingsOf(postgresArguments('/data/pg', 5555, { shared_buffers: '32MB', work_mem: '8MB' }));
    expect(settings.get('shared_buffers')).toBe('32MB');
    expect(settings.get('work_mem')).toBe('8MB');
    expect(settings.get('wal_buffers')).toBe(DEFAULT_SETTINGS.wal_buffers);
  });

  it('rejects a name that is not a setting instead of passing it to the server', () => {
    expect(() => postgresArguments('/data/pg', 5555, { 'fsync=off -c x': 'y' })).toThrow(/not a PostgreSQL setting/);
  });
});

describe('connectionString', () => {
  it('builds a loopback URL and escapes the password', () => {
    expect(connectionString('tip', 'p@ss/word', 5555, 'postgres')).toBe(
      'postgresql://tip:p%40ss%2Fword@127.0.0.1:5555/postgres',
    );
  });
});
