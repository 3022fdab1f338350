import * as path from 'node:path';
import { CheckpointSigner, fileCheckpointSigner } from './checkpoint-signer';

/** Where TIP's keys live: never in the database. */
export interface KeySettings {
  /** The keys directory: `$TIP_KEYS_DIR`, by default `$TIP_DATA_DIR/keys`. */
  keysDir: string;
  /**
   * A module (TIP_KMS_MODULE) that provides keys from a KMS or HSM instead of files: it may export
   * `createCheckpointSigner(settings)` and `createKeyEncryptionKeys(settings)`; what it leaves out
   * comes from the keys directory.
   */
  kmsModule?: string;
}

export const CHECKPOINT_KEY_FILE = 'checkpoint-signing-key.pem';

/** What a KMS module may provide. */
export interface KmsModule {
  createCheckpointSigner?(settings: KeySettings): Promise<CheckpointSigner> | CheckpointSigner;
  createKeyEncryptionKeys?(settings: KeySettings): unknown;
}

export function keySettingsFrom(
  environment: { TIP_KEYS_DIR?: string; TIP_KMS_MODULE?: string },
  dataDir: string,
): KeySettings {
  return {
    keysDir: path.resolve(environment.TIP_KEYS_DIR || path.join(dataDir, 'keys')),
    kmsModule: environment.TIP_KMS_MODULE ? path.resolve(environment.TIP_KMS_MODULE) : undefined,
  };
}

export function loadKmsModule(settings: KeySettings): KmsModule | undefined {
  if (!settings.kmsModule) return undefined;
  return require(settings.kmsModule) as KmsModule;
}

/**
 * The tree-head signer: the KMS module's if it has one, else the key file in the keys directory,
 * made on first use when `create` (the server does; tools that only verify do not).
 */
export async function openCheckpointSigner(
  settings: KeySettings,
  options: { create: boolean },
): Promise<{ signer: CheckpointSigner; createdFile?: string }> {
  const kms = loadKmsModule(settings);
  if (kms?.createCheckpointSigner) return { signer: await kms.createCheckpointSigner(settings) };
  const file = path.join(settings.keysDir, CHECKPOINT_KEY_FILE);
  const { signer, created } = await fileCheckpointSigner(file, options);
  return { signer, createdFile: created ? file : undefined };
}
