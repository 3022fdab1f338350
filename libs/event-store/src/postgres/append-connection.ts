import { Client, DatabaseError, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { EventStoreLogger } from '../port/logger';

export interface AppendConnectionOptions {
  connectionString: string;
  /** Server options for the session, as the pool's (`-c name=value ...`). */
  serverOptions: string;
  logger: EventStoreLogger;
}

/**
 * The one connection appends go through, in pipeline mode: a transaction is sent while the one
 * before it still runs, so PostgreSQL starts the next the moment it has committed the last,
 * without waiting for a round trip through Node. The appends still run one after another on one
 * server process, so they never contend with each other for index pages or the position lock.
 * A connection that fails is dropped; the next append opens another.
 */
export class AppendConnection {
  private client: Promise<Client> | undefined;
  private closed = false;

  constructor(private readonly options: AppendConnectionOptions) {}

  /**
   * Sends an idempotent query (an append carries its event ids). When the connection fails
   * under it, the query goes once more on a new one: whether the first commit happened or not,
   * the second attempt lands it, or finds it stored and reports it as a duplicate.
   */
  async query<Row extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<Row>> {
    try {
      return await this.send<Row>(config);
    } catch (error) {
      if (error instanceof DatabaseError || this.closed) throw error;
      return this.send<Row>(config);
    }
  }

  private async send<Row extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<Row>> {
    if (this.closed) throw new Error('The event store is closed');
    const client = (this.client ??= this.connect());
    try {
      return await (await client).query<Row>(config);
    } catch (error) {
      // Anything but the server's answer to the statement means the connection is not to be trusted.
      if (!(error instanceof DatabaseError)) this.discard(client);
      throw error;
    }
  }

  private discard(client: Promise<Client>): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.then((connected) => connected.end()).catch(() => undefined);
  }

  private connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: 'tip-event-store-appends',
      options: this.options.serverOptions,
      // Not in @types/pg yet: node-postgres 8.23 sends queued queries without waiting for the last result.
      ...({ pipeline: true } as object),
    });
    const connected = client.connect().then(() => client);
    client.on('error', (error: Error) => {
      this.options.logger.warn('event store append connection lost', { error: error.message });
      this.discard(connected);
    });
    client.on('end', () => this.discard(connected));
    connected.catch(() => this.discard(connected));
    return connected;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end();
  }
}
