import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import {
  candidatesNear,
  createTestDatabase,
  TestDatabase,
  walSegmentsSince,
  WalWindow,
  walWindowFrom,
} from '@tip/testing';
import { EnvelopeVault, migratePersonalDataTables } from './envelope-vault';
import { FileKeyEncryptionKeys, KeyEncryptionKeys } from './key-encryption-keys';
import { createPool } from '@tip/event-store';

describe('Teachers’ personal data under envelope encryption', () => {
  let database: TestDatabase;
  let pool: Pool;
  let keysDir: string;
  let keks: KeyEncryptionKeys;
  let vault: EnvelopeVault;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 3 }, () => undefined);
    keysDir = await mkdtemp(path.join(tmpdir(), 'tip-vault-keys-'));
    keks = new FileKeyEncryptionKeys(keysDir);
    // A key table as an older release left it: one teacher's data key in plain.
    await pool.query(
      `create table tip_teacher_keys (teacher_id text primary key, key bytea not null, created_at timestamptz not null default now())`,
    );
    await migratePersonalDataTables(pool);
    vault = new EnvelopeVault(pool, keks);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('wraps a data key an older release kept in plain, and still reads what it encrypted', async () => {
    const legacyKey = randomBytes(32);
    await pool.query('insert into tip_teacher_keys (teacher_id, key) values ($1, $2)', ['T-OLD', legacyKey]);
    const older = new EnvelopeVault(pool, keks);
    // What the older release wrote: the same AES-256-GCM format, the key straight from the row.
    const protectedBefore = await older.protect('T-OLD', '320707198001011234');
    await vault.open();
    const { rows } = await pool.query('select key, wrapped_key, kek_id from tip_teacher_keys where teacher_id = $1', [
      'T-OLD',
    ]);
    expect(rows[0]).toMatchObject({ key: null, kek_id: (await keks.list())[0] });
    expect(rows[0].wrapped_key.includes(legacyKey)).toBe(false);
    expect(await vault.reveal('T-OLD', protectedBefore)).toBe('320707198001011234');
  });

  it('keeps only wrapped keys: a dump of the database decrypts nothing', async () => {
    const idNumber = await vault.protect('T-1', '320707199001011235');
    const phone = await vault.protect('T-1', '13800138000');
    expect(await vault.reveal('T-1', idNumber)).toBe('320707199001011235');
    expect(await vault.reveal('T-1', phone)).toBe('13800138000');
    expect(await vault.reveal('T-2', idNumber)).toBeUndefined();
    // Everything the database holds about the key, tried as a key: nothing opens the ciphertext.
    const { rows } = await pool.query<{ row: Buffer }>(
      "select convert_to(t::text, 'UTF8') as row from tip_teacher_keys t where teacher_id = 'T-1'",
    );
    const dumped = Buffer.concat([
      rows[0].row,
      ...(await pool.query('select wrapped_key from tip_teacher_keys')).rows.map((row) => row.wrapped_key as Buffer),
    ]);
    const withoutKek = new EnvelopeVault(
      pool,
      new FileKeyEncryptionKeys(await mkdtemp(path.join(tmpdir(), 'tip-empty-keys-'))),
    );
    expect(await withoutKek.reveal('T-1', idNumber)).toBeUndefined();
    expect(opensWithAnyWindow(dumped, 'T-1', idNumber)).toBe(false);
  });

  it('erases: the wrapped key goes, the ciphertext stays unreadable', async () => {
    const idNumber = await vault.protect('T-3', '320707199001011236');
    await vault.forget('T-3');
    expect(await vault.reveal('T-3', idNumber)).toBeUndefined();
  });

  it('rotates: every live key re-wrapped under a new KEK, the old one destroyed, live data still readable', async () => {
    const live = await vault.protect('T-4', '320707199001011237');
    const before = await keks.list();
    const report = await vault.rotate();
    expect(report.rewrapped).toBe((await pool.query('select count(*) from tip_teacher_keys')).rows[0].count * 1);
    expect(report.destroyed).toEqual(before);
    expect(await keks.list()).toEqual([report.kekId]);
    expect(await readdir(path.join(keysDir, 'personal-data'))).toEqual([`${report.kekId}.key`]);
    expect(await vault.reveal('T-4', live)).toBe('320707199001011237');
    // Another process that still holds the old KEK in memory finds the new one on its next write.
    const elsewhere = new EnvelopeVault(pool, keks);
    expect(await elsewhere.reveal('T-4', live)).toBe('320707199001011237');
    expect(await elsewhere.reveal('T-4', await elsewhere.protect('T-4', 'x'))).toBe('x');
  });

  describe('the WAL attack (issue 17: a key deleted by hand was recovered from pg_wal)', () => {
    let window: WalWindow;
    const teacherId = `T-WAL-${randomBytes(3).toString('hex')}`;
    let idNumber: string;
    let phone: string;

    beforeAll(async () => {
      window = await walWindowFrom(database.url);
      idNumber = await vault.protect(teacherId, '320707198502031238');
      phone = await vault.protect(teacherId, '13912345678');
      await vault.forget(teacherId);
    });

    it('recovers an erased number from the WAL while the key-encryption key that wrapped it is kept', async () => {
      // The window the README describes: after erasure and before the next rotation.
      const recovered = await recoverFromWal(window, teacherId, [idNumber, phone], keks);
      expect(recovered).toEqual(['320707198502031238', '13912345678']);
    });

    it('recovers nothing after a rotation, with every WAL segment and every key file that is left', async () => {
      await vault.rotate();
      expect(await recoverFromWal(window, teacherId, [idNumber, phone], keks)).toEqual([]);
    });
  });
});

/** Every 32-byte window of the bytes tried as the AES-256-GCM key of the teacher's ciphertext. */
function opensWithAnyWindow(bytes: Buffer, teacherId: string, protectedValue: string): boolean {
  return [...Array(Math.max(0, bytes.length - 31)).keys()].some(
    (at) => decrypt(bytes.subarray(at, at + 32), teacherId, protectedValue) !== undefined,
  );
}

function decrypt(key: Buffer, teacherId: string, protectedValue: string): string | undefined {
  const payload = Buffer.from(protectedValue.split(':')[1], 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, payload.subarray(0, 12));
  decipher.setAAD(Buffer.from(teacherId));
  decipher.setAuthTag(payload.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(payload.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The attack: every WAL segment written since the window opened, every wrapped key found next to
 * the teacher's id in them (a wrapped key is 61 bytes), tried with every key-encryption key still
 * kept; each data key found opens the ciphertexts (from the events, which the attacker has too).
 */
async function recoverFromWal(
  window: WalWindow,
  teacherId: string,
  ciphertexts: string[],
  keks: KeyEncryptionKeys,
): Promise<string[]> {
  const segments = await walSegmentsSince(window);
  const kept = (await Promise.all((await keks.list()).map((id) => keks.get(id)))).filter((kek) => kek !== undefined);
  for (const candidate of candidatesNear(segments, Buffer.from(teacherId), 61)) {
    for (const kek of kept) {
      const dataKey = kek.unwrap(Buffer.from(candidate), teacherId);
      if (!dataKey) continue;
      const plain = ciphertexts.map((each) => decrypt(dataKey, teacherId, each));
      if (plain.every((each) => each !== undefined)) return plain as string[];
    }
  }
  return [];
}
