import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IdNumberVault } from '@tip/application';
import { Pool } from 'pg';

const VERSION = 'v1';

/**
 * AES-256-GCM with one key per teacher, kept in `tip_teacher_keys` — never in an event, so
 * deleting a teacher's key row erases their number everywhere while the log stays intact.
 */
export class PostgresIdNumberVault implements IdNumberVault {
  constructor(private readonly pool: Pool) {}

  async protect(teacherId: string, idNumber: string): Promise<string> {
    const key = await this.keyOf(teacherId, true);
    if (!key) throw new Error(`No key could be made for teacher ${teacherId}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The teacher id is bound in, so a value copied onto another teacher does not decrypt.
    cipher.setAAD(Buffer.from(teacherId));
    const sealed = Buffer.concat([cipher.update(idNumber, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  async reveal(teacherId: string, protectedIdNumber: string): Promise<string | undefined> {
    const [version, payload] = protectedIdNumber.split(':');
    if (version !== VERSION || !payload) return undefined;
    const key = await this.keyOf(teacherId, false);
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

  async forget(teacherId: string): Promise<void> {
    await this.pool.query('delete from tip_teacher_keys where teacher_id = $1', [teacherId]);
  }

  private async keyOf(teacherId: string, create: boolean): Promise<Buffer | undefined> {
    if (create) {
      await this.pool.query(
        'insert into tip_teacher_keys (teacher_id, key) values ($1, $2) on conflict (teacher_id) do nothing',
        [teacherId, randomBytes(32)],
      );
    }
    const { rows } = await this.pool.query<{ key: Buffer }>('select key from tip_teacher_keys where teacher_id = $1', [
      teacherId,
    ]);
    return rows[0]?.key;
  }
}
