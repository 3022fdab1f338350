import { ClientBase, Pool } from 'pg';
import { CheckpointStore } from '../port/event-store';

/** Checkpoints of subscribers whose work lives outside this database (relays, mailers). */
export class PostgresCheckpointStore implements CheckpointStore {
  constructor(private readonly pool: Pool) {}

  async load(subscriptionName: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(
      'select position from tip_subscription_checkpoints where name = $1',
      [subscriptionName],
    );
    return rows[0] ? Number(rows[0].position) : undefined;
  }

  async store(subscriptionName: string, position: number): Promise<void> {
    await storeCheckpoint(this.pool, subscriptionName, position);
  }
}

/** Moves a checkpoint of this database's table over the given connection (a lease's own session). */
export async function storeCheckpoint(
  client: Pool | ClientBase,
  subscriptionName: string,
  position: number,
): Promise<void> {
  await client.query(
    `insert into tip_subscription_checkpoints (name, position) values ($1, $2)
     on conflict (name) do update set position = excluded.position, updated_at = now()`,
    [subscriptionName, position],
  );
}
