import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { keyIdOf, rawEd25519PublicKey } from '../checkpoints/checkpoint';
import { KeyFileError, readSecretFile, writeSecretFile } from './secret-files';

/**
 * What signs tree heads: an Ed25519 key whose private half never enters the database. The
 * embedded default keeps it in a file; a KMS or HSM fits behind the same interface (see
 * TIP_KMS_MODULE in the README).
 */
export interface CheckpointSigner {
  /** Hex SHA-256 of the raw public key. */
  readonly keyId: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  sign(message: Buffer): Promise<Buffer>;
}

class KeyObjectSigner implements CheckpointSigner {
  readonly publicKey: Buffer;
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = rawEd25519PublicKey(createPublicKey(privateKey));
    this.keyId = keyIdOf(this.publicKey);
  }

  async sign(message: Buffer): Promise<Buffer> {
    return sign(null, message, this.privateKey);
  }
}

/**
 * The signer of a PKCS#8 PEM key file (mode 0600). With `create`, a missing file is generated;
 * otherwise a missing file is an error that says where the key was looked for.
 */
export async function fileCheckpointSigner(
  file: string,
  options: { create: boolean },
): Promise<{ signer: CheckpointSigner; created: boolean }> {
  const pem = await readSecretFile(file);
  if (pem) {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new KeyFileError(
        `${file} is not a PEM private key: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new KeyFileError(`${file} holds a ${key.asymmetricKeyType} key; tree heads are signed with Ed25519`);
    }
    return { signer: new KeyObjectSigner(key), created: false };
  }
  if (!options.create) {
    throw new KeyFileError(`There is no tree-head signing key at ${file}`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const exported = privateKey.export({ format: 'pem', type: 'pkcs8' });
  // Another process may have made one meanwhile: then that one is the key.
  try {
    await writeSecretFile(file, Buffer.from(exported), { exclusive: true });
  } catch (error) {
    if (error instanceof KeyFileError && /exists already/.test(error.message))
      return fileCheckpointSigner(file, options);
    throw error;
  }
  return { signer: new KeyObjectSigner(privateKey), created: true };
}
