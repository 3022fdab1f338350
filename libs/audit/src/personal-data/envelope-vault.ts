import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { IdNumberVault } from '@tip/application';
import { migrateAs } from '@tip/event-store';
import { KeyEncryptionKey, KeyEncryptionKeys } from './key-encryption-keys';
import { PERSONAL_DATA_MIGRATIONS_TABLE, personalDataGrants, personalDataMigrations } from './personal-data-schema';

const CIPHERTEXT_VERSION = 'v1';

/** A rotation that cannot go on: a key it must re-wrap cannot be read. */
export class KeyRotationError extends Error {}

export interface RotationReport {
  /** The KEK every live data key is wrapped under now. */
  kekId: string;
  rewrapped: number;
  /** The KEKs destroyed: nothing they wrapped, in any WAL segment or backup, decrypts any more. */
  destroyed: string[];
}

/** Creates or updates the vault's tables as the owner (or the pool's role without one), after the API's own. */
export function migratePersonalDataTables(pool: Pool, ownerConnectionString?: string): Promise<void> {
  return migrateAs(
    ownerConnectionString,
    pool,
    personalDataMigrations,
    PERSONAL_DATA_MIGRATIONS_TABLE,
    personalDataGrants,
  );
}

/**
 * Teachers' personal data (ID number, phone) encrypted with a data key of each teacher's own
 * (AES-256-GCM, the teacher id bound in), kept in `tip_teacher_keys` only wrapped by a
 * key-encryption key that lives outside the database: a dump of the database decrypts nothing.
 * Forgetting a teacher deletes the wrapped key; rotating re-wraps every live key under a new KEK
 * and destroys the old one, after which no copy of a forgotten key — a WAL segment, a backup, a
 * dead row — can be unwrapped.
 */
export class EnvelopeVault implements IdNumberVault {
  /** The current KEK, as this process last read it from tip_kek_state. */
  private current: KeyEncryptionKey | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly keks: KeyEncryptionKeys,
  ) {}

  /**
   * Makes the first KEK when there is none, and wraps the data keys an older release kept in
   * plain (their old copies stay in WAL and backups from before: see the README).
   */
  async open(): Promise<void> {
    const current = await this.currentKek();
    const { rows } = await this.pool.query<{ teacher_id: string; key: Buffer }>(
      'select teacher_id, key from tip_teacher_keys where key is not null',
    );
    for (let at = 0; at < rows.length; at += 1000) {
      const batch = rows.slice(at, at + 1000);
      await this.pool.query(
        `update tip_teacher_keys t set wrapped_key = u.wrapped, kek_id = $3, key = null
         from unnest($1::text[], $2::bytea[]) as u(teacher_id, wrapped) where t.teacher_id = u.teacher_id`,
        [batch.map((row) => row.teacher_id), batch.map((row) => current.wrap(row.key, row.teacher_id)), current.id],
      );
    }
  }

  async protect(teacherId: string, value: string): Promise<string> {
    const key = await this.dataKeyOf(teacherId, true);
    if (!key) throw new Error(`No data key could be made for teacher ${teacherId}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The teacher id is bound in, so a value copied onto another teacher does not decrypt.
    cipher.setAAD(Buffer.from(teacherId));
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${CIPHERTEXT_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  async reveal(teacherId: string, protectedValue: string): Promise<string | undefined> {
    const [version, payload] = protectedValue.split(':');
    if (version !== CIPHERTEXT_VERSION || !payload) return undefined;
    const key = await this.dataKeyOf(teacherId, false);
    if (!key) return undefined;
    const bytes = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(teacherId));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Erases the teacher's personal data: the wrapped data key goes; the ciphertexts in events stay, unreadable. */
  async forget(teacherId: string): Promise<void> {
    await this.pool.query('delete from tip_teacher_keys where teacher_id = $1', [teacherId]);
  }

  /**
   * Re-wraps every live data key under a new KEK in one transaction (new data keys wait for it),
   * then destroys every other KEK.
   */
  async rotate(): Promise<RotationReport> {
    const next = await this.keks.create();
    const client = await this.pool.connect();
    let broken = true;
    let rewrapped = 0;
    try {
      await client.query('begin');
      await client.query('select current_kek_id from tip_kek_state for update');
      for (let after = ''; ;) {
        const { rows } = await client.query<{
          teacher_id: string;
          key: Buffer | null;
          wrapped_key: Buffer | null;
          kek_id: string | null;
        }>(
          `select teacher_id, key, wrapped_key, kek_id from tip_teacher_keys where teacher_id > $1
           order by teacher_id limit 5000`,
          [after],
        );
        if (rows.length === 0) break;
        const wrapped: Buffer[] = [];
        for (const row of rows) wrapped.push(next.wrap(await this.plainKeyOf(row, client), row.teacher_id));
        await client.query(
          `update tip_teacher_keys t set wrapped_key = u.wrapped, kek_id = $3, key = null
           from unnest($1::text[], $2::bytea[]) as u(teacher_id, wrapped) where t.teacher_id = u.teacher_id`,
          [rows.map((row) => row.teacher_id), wrapped, next.id],
        );
        rewrapped += rows.length;
        after = rows[rows.length - 1].teacher_id;
      }
      await client.query('update tip_kek_state set current_kek_id = $1, rotated_at = now()', [next.id]);
      await client.query('commit');
      broken = false;
    } finally {
      client.release(broken);
      if (broken) await this.keks.destroy(next.id).catch(() => undefined);
    }
    this.current = next;
    const destroyed: string[] = [];
    for (const id of await this.keks.list()) {
      if (id === next.id) continue;
      await this.keks.destroy(id);
      destroyed.push(id);
    }
    return { kekId: next.id, rewrapped, destroyed };
  }

  private async plainKeyOf(
    row: { teacher_id: string; key: Buffer | null; wrapped_key: Buffer | null; kek_id: string | null },
    client: PoolClient,
  ): Promise<Buffer> {
    if (row.key) return row.key;
    const kek = row.kek_id ? await this.keks.get(row.kek_id) : undefined;
    const key = row.wrapped_key && kek?.unwrap(row.wrapped_key, row.teacher_id);
    if (!key) {
      await client.query('rollback').catch(() => undefined);
      throw new KeyRotationError(
        `The data key of teacher ${row.teacher_id} is wrapped under key-encryption key ${row.kek_id ?? '(none)'}, ` +
          'which cannot be read: restore that key file (TIP_KEYS_DIR/personal-data) before rotating, or the key is lost',
      );
    }
    return key;
  }

  /** The teacher's data key: made (wrapped under the current KEK) when `create` and there is none. */
  private async dataKeyOf(teacherId: string, create: boolean): Promise<Buffer | undefined> {
    if (create) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const kek = await this.currentKek();
        const fresh = randomBytes(32);
        // Holding the KEK state row shared, a rotation cannot commit between reading it and the insert.
        const { rows } = await this.pool.query<{ current: string; added: boolean }>(
          `with state as (select current_kek_id from tip_kek_state for share),
                added as (insert into tip_teacher_keys (teacher_id, wrapped_key, kek_id)
                          select $1, $2, $3 from state where current_kek_id = $3
                          on conflict (teacher_id) do nothing returning 1)
           select (select current_kek_id from state) as current, exists (select 1 from added) as added`,
          [teacherId, kek.wrap(fresh, teacherId), kek.id],
        );
        if (rows[0].added) return fresh;
        if (rows[0].current === kek.id) break;
        // A rotation came in between: read the new KEK and try again.
        this.current = undefined;
      }
    }
    const { rows } = await this.pool.query<{ key: Buffer | null; wrapped_key: Buffer | null; kek_id: string | null }>(
      'select key, wrapped_key, kek_id from tip_teacher_keys where teacher_id = $1',
      [teacherId],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.key) return row.key;
    if (!row.wrapped_key || !row.kek_id) return undefined;
    const kek = this.current?.id === row.kek_id ? this.current : await this.keks.get(row.kek_id);
    return kek?.unwrap(row.wrapped_key, teacherId);
  }

  /** The KEK new data keys are wrapped under; the first one is made here. */
  private async currentKek(): Promise<KeyEncryptionKey> {
    const { rows } = await this.pool.query<{ current_kek_id: string }>('select current_kek_id from tip_kek_state');
    const id = rows[0]?.current_kek_id;
    if (id && this.current?.id === id) return this.current;
    if (id) {
      const kek = await this.keks.get(id);
      if (!kek) {
        throw new KeyRotationError(
          `The current key-encryption key ${id} cannot be read: restore TIP_KEYS_DIR/personal-data/${id}.key ` +
            '(or the KMS module), or no teacher’s personal data can be read or written',
        );
      }
      this.current = kek;
      return kek;
    }
    const made = await this.keks.create();
    const { rowCount } = await this.pool.query(
      'insert into tip_kek_state (current_kek_id) values ($1) on conflict do nothing',
      [made.id],
    );
    // Another process made the first one at the same moment: use theirs.
    if (!rowCount) {
      await this.keks.destroy(made.id);
      return this.currentKek();
    }
    this.current = made;
    return made;
  }
}
