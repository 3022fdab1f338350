import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { KeySettings, loadKmsModule } from '../keys/audit-keys';
import { destroySecretFile, KeyFileError, readSecretFile, writeSecretFile } from '../keys/secret-files';

/**
 * A key-encryption key (KEK): it wraps each teacher's data key, so that what the database holds
 * decrypts nothing without it. It never enters the database.
 */
export interface KeyEncryptionKey {
  readonly id: string;
  /** The data key wrapped, bound to `context` (the teacher): a wrapped key copied to another teacher does not unwrap. */
  wrap(dataKey: Buffer, context: string): Buffer;
  /** The data key, or undefined when this KEK did not wrap it for this context. */
  unwrap(wrapped: Buffer, context: string): Buffer | undefined;
}

/** Where KEKs live: files under the keys directory by default, or a KMS (TIP_KMS_MODULE). */
export interface KeyEncryptionKeys {
  /** The KEK of that id, or undefined once it has been destroyed. */
  get(id: string): Promise<KeyEncryptionKey | undefined>;
  /** A new KEK, kept before this returns. */
  create(): Promise<KeyEncryptionKey>;
  /** Destroys a KEK for good: whatever it wrapped, wherever a copy lies, decrypts no more. */
  destroy(id: string): Promise<void>;
  /** The ids of every KEK still kept. */
  list(): Promise<string[]>;
}

const WRAP_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM key wrapping with a random IV: version ‖ IV ‖ tag ‖ wrapped key. */
export class AesKeyEncryptionKey implements KeyEncryptionKey {
  constructor(
    readonly id: string,
    private readonly key: Buffer,
  ) {
    if (key.length !== 32) throw new RangeError('a key-encryption key has 32 bytes');
  }

  wrap(dataKey: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(this.id, context));
    const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([Buffer.from([WRAP_VERSION]), iv, cipher.getAuthTag(), sealed]);
  }

  unwrap(wrapped: Buffer, context: string): Buffer | undefined {
    if (wrapped.length < 1 + IV_BYTES + TAG_BYTES || wrapped[0] !== WRAP_VERSION) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(aad(this.id, context));
    decipher.setAuthTag(wrapped.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

function aad(kekId: string, context: string): Buffer {
  return Buffer.from(`tip-data-key\u0000${kekId}\u0000${context}`);
}

const ID_PATTERN = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/;

/** KEKs as files `<keysDir>/personal-data/<id>.key` (32 random bytes, mode 0600); ids sort by creation. */
export class FileKeyEncryptionKeys implements KeyEncryptionKeys {
  private readonly dir: string;

  constructor(
    keysDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.dir = path.join(keysDir, 'personal-data');
  }

  async get(id: string): Promise<KeyEncryptionKey | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const bytes = await readSecretFile(this.fileOf(id));
    if (!bytes) return undefined;
    if (bytes.length !== 32) throw new KeyFileError(`${this.fileOf(id)} should hold 32 bytes, not ${bytes.length}`);
    return new AesKeyEncryptionKey(id, bytes);
  }

  async create(): Promise<KeyEncryptionKey> {
    const stamp = this.now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const id = `${stamp}-${randomBytes(3).toString('hex')}`;
    const key = randomBytes(32);
    await writeSecretFile(this.fileOf(id), key, { exclusive: true });
    return new AesKeyEncryptionKey(id, key);
  }

  async destroy(id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) throw new RangeError(`"${id}" is not a key-encryption key id`);
    await destroySecretFile(this.fileOf(id));
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names
      .filter((name) => name.endsWith('.key'))
      .map((name) => name.slice(0, -'.key'.length))
      .filter((id) => ID_PATTERN.test(id))
      .sort();
  }

  private fileOf(id: string): string {
    return path.join(this.dir, `${id}.key`);
  }
}

/** The KMS module's KEKs if it gives them, else the files of the keys directory. */
export async function openKeyEncryptionKeys(settings: KeySettings): Promise<KeyEncryptionKeys> {
  const kms = loadKmsModule(settings);
  if (kms?.createKeyEncryptionKeys) return (await kms.createKeyEncryptionKeys(settings)) as KeyEncryptionKeys;
  return new FileKeyEncryptionKeys(settings.keysDir);
}
