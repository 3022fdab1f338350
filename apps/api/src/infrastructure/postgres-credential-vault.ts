import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CredentialVault } from '@tip/application';
import { decoyHash, hashPassword, verifyPassword } from '@tip/auth';
import { Pool } from 'pg';

const VERSION = 'v1';

/**
 * scrypt hashes sealed with AES-256-GCM under one key per account, kept in
 * `tip_credential_keys` — never in an event: the log shows auditors that a password was set,
 * never a hash to crack. Deleting an account's key row ends its password for good.
 */
export class PostgresCredentialVault implements CredentialVault {
  constructor(
    private readonly pool: Pool,
    private readonly scrypt?: { N: number; r: number; p: number },
  ) {}

  async seal(userId: string, password: string): Promise<string> {
    const key = await this.keyOf(userId, true);
    if (!key) throw new Error(`No key could be made for account ${userId}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // Bound to the account: a seal copied onto another account does not open.
    cipher.setAAD(Buffer.from(userId));
    const sealed = Buffer.concat([cipher.update(await hashPassword(password, this.scrypt), 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  async matches(userId: string, password: string, sealed: string): Promise<boolean> {
    const hash = await this.open(userId, sealed);
    if (hash === undefined) return this.matchesNothing(password);
    return verifyPassword(password, hash);
  }

  async matchesNothing(password: string): Promise<false> {
    await verifyPassword(password, await decoyHash(this.scrypt));
    return false;
  }

  private async open(userId: string, sealed: string): Promise<string | undefined> {
    const [version, payload] = sealed.split(':');
    if (version !== VERSION || !payload) return undefined;
    const key = await this.keyOf(userId, false);
    if (!key) return undefined;
    const bytes = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(userId));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private async keyOf(userId: string, create: boolean): Promise<Buffer | undefined> {
    if (create) {
      await this.pool.query(
        'insert into tip_credential_keys (user_id, key) values ($1, $2) on conflict (user_id) do nothing',
        [userId, randomBytes(32)],
      );
    }
    const { rows } = await this.pool.query<{ key: Buffer }>('select key from tip_credential_keys where user_id = $1', [
      userId,
    ]);
    return rows[0]?.key;
  }
}
