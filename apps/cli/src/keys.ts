import { createPool } from '@tip/event-store';
import { EnvelopeVault, KeySettings, openKeyEncryptionKeys } from '@tip/audit';
import { UsageError } from './verify';

/**
 * `tip keys rotate`: every live data key re-wrapped under a new key-encryption key, and the old
 * ones destroyed, so that no copy of an erased teacher's key — in a WAL segment, a backup, a dead
 * row — can be unwrapped any more.
 */
export async function rotateKeys(
  connectionString: string,
  keys: KeySettings,
  print: (line: string) => void = console.log,
): Promise<number> {
  const pool = createPool({ connectionString, max: 2, application_name: 'tip-keys' }, () => undefined);
  try {
    const { rows } = await pool.query<{ present: boolean }>(
      "select to_regclass('tip_kek_state') is not null as present",
    );
    if (!rows[0].present)
      throw new UsageError('There are no wrapped data keys in this database yet: start TIP once first.');
    const vault = new EnvelopeVault(pool, await openKeyEncryptionKeys(keys));
    const report = await vault.rotate();
    print(
      `Re-wrapped ${report.rewrapped} teachers' data keys under key-encryption key ${report.kekId}; ` +
        (report.destroyed.length > 0
          ? `destroyed ${report.destroyed.join(', ')}.`
          : 'there was no other key to destroy.'),
    );
    print(
      'Erased teachers’ keys in WAL segments and backups from before now decrypt nothing any more. Copies of the ' +
        'keys directory taken before now still hold the destroyed keys: destroy them too.',
    );
    return 0;
  } finally {
    await pool.end();
  }
}
