/**
 * Server settings for an event store on a small (2-core) machine. Durability stays on: a
 * commit that returned has reached disk. Callers override any of them via options.settings.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  // Only loopback TCP: /var/run/postgresql may not exist or be writable, so no Unix socket.
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  max_connections: '200',
  shared_buffers: '256MB',
  wal_buffers: '16MB',
  max_wal_size: '2GB',
  checkpoint_timeout: '15min',
  synchronous_commit: 'on',
  fsync: 'on',
  log_min_messages: 'warning',
});

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Command line for the postmaster; later `-c` options win, so overrides come last. */
export function postgresArguments(
  dataDirectory: string,
  port: number,
  overrides: Readonly<Record<string, string>> = {},
): string[] {
  const args = ['-D', dataDirectory, '-p', String(port)];
  for (const [name, value] of Object.entries({ ...DEFAULT_SETTINGS, ...overrides })) {
    if (!SETTING_NAME.test(name)) {
      throw new TypeError(`"${name}" is not a PostgreSQL setting name (check options.settings)`);
    }
    args.push('-c', `${name}=${value}`);
  }
  return args;
}

export function connectionString(user: string, password: string, port: number, database: string): string {
  return (
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}` +
    `@127.0.0.1:${port}/${encodeURIComponent(database)}`
  );
}
