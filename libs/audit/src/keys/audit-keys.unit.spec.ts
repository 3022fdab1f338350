import { generateKeyPairSync, verify } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ed25519PublicKey } from '../checkpoints/checkpoint';
import { openCheckpointSigner } from './audit-keys';
import { KeyFileError } from './secret-files';

describe('The tree-head signing key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tip-keys-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is made once in the keys directory, for its owner alone, and found again', async () => {
    const keysDir = path.join(dir, 'keys');
    const made = await openCheckpointSigner({ keysDir }, { create: true });
    expect(made.createdFile).toBe(path.join(keysDir, 'checkpoint-signing-key.pem'));
    expect((await stat(keysDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(keysDir, 'checkpoint-signing-key.pem'))).mode & 0o777).toBe(0o600);
    const again = await openCheckpointSigner({ keysDir }, { create: false });
    expect(again.createdFile).toBeUndefined();
    expect(again.signer.publicKey.equals(made.signer.publicKey)).toBe(true);
    const message = Buffer.from('tree head');
    expect(verify(null, message, ed25519PublicKey(made.signer.publicKey), await again.signer.sign(message))).toBe(true);
  });

  it('is not made by tools that only verify, and is refused when others may read it', async () => {
    const keysDir = path.join(dir, 'keys');
    await expect(openCheckpointSigner({ keysDir }, { create: false })).rejects.toThrow(
      /There is no tree-head signing key/,
    );
    await openCheckpointSigner({ keysDir }, { create: true });
    await chmod(path.join(keysDir, 'checkpoint-signing-key.pem'), 0o644);
    await expect(openCheckpointSigner({ keysDir }, { create: false })).rejects.toThrow(KeyFileError);
    await expect(openCheckpointSigner({ keysDir }, { create: false })).rejects.toThrow(/mode 644.*chmod 600/);
  });

  it('comes from a KMS module when one is named, and no key file is made', async () => {
    // A stand-in for a KMS: the private key stays inside the module.
    const module = path.join(dir, 'kms.js');
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await writeFile(
      module,
      `const crypto = require('node:crypto');
       const key = crypto.createPrivateKey(${JSON.stringify(pem)});
       const publicKey = Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x, 'base64url');
       exports.createCheckpointSigner = async () => ({
         keyId: crypto.createHash('sha256').update(publicKey).digest('hex'),
         publicKey,
         sign: async (message) => crypto.sign(null, message, key),
       });`,
    );
    const keysDir = path.join(dir, 'keys');
    const { signer, createdFile } = await openCheckpointSigner({ keysDir, kmsModule: module }, { create: true });
    expect(createdFile).toBeUndefined();
    expect(await readdir(dir)).toEqual(['kms.js']);
    const message = Buffer.from('tree head');
    expect(verify(null, message, ed25519PublicKey(signer.publicKey), await signer.sign(message))).toBe(true);
  });
});
