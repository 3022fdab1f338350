import { Client, ClientConfig, Pool, PoolConfig } from 'pg';

/**
 * A pooled connection that survives its server going away. node-postgres emits 'error' on a
 * checked-out client that has no query running (between the statements of a transaction, say,
 * when the server shuts down: 57P01), and pg-pool listens only while the client is idle; with
 * no listener the process dies. Here the loss is swallowed and the next query on the client
 * fails instead, which its caller answers (503) like any other lost connection.
 */
export class ConnectionLossTolerantClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** A pool whose connections may all be lost (a database restart) without taking the process down. */
export function createPool(config: PoolConfig, onConnectionLost: (error: Error) => void): Pool {
  const pool = new Pool({ ...config, Client: ConnectionLossTolerantClient });
  pool.on('error', onConnectionLost);
  return pool;
}
