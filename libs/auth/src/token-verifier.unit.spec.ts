import { createHmac } from 'node:crypto';
import { mintToken } from './token-minter';
import { InvalidToken, TokenVerifier } from './token-verifier';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const NOW = new Date('2026-12-01T08:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;
const verifier = new TokenVerifier(SECRET, { clock: { now: () => NOW } });

/** Signs any claims as an issuer holding the secret would, however odd. */
function sign(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}
const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'feed',
  role: 'system',
  iat: nowSeconds,
  exp: nowSeconds + 3600,
  ...overrides,
});
const refusal = async (token: string) => {
  const error = await verifier.verify(token).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(InvalidToken);
  return (error as InvalidToken).message;
};

describe('Bearer tokens', () => {
  it('accepts a token the CLI mints, with its own jti', async () => {
    const token = await mintToken(SECRET, { sub: 'c-admin', role: 'city-admin', unitId: '320700' }, '8h', { now: NOW });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      actor: { sub: 'c-admin', role: 'city-admin', unitId: '320700' },
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      issuedAt: nowSeconds,
      expiresAt: nowSeconds + 8 * 3600,
    });
  });

  describe('lifetime (TIP_TOKEN_MAX_TTL, 12 h by default)', () => {
    it('refuses exp: 1e300', async () => {
      expect(await refusal(sign(claims({ exp: 1e300 })))).toMatch(/lives longer than the 43200 s/);
    });

    it('refuses a lifetime a second over the maximum, and takes one of exactly the maximum', async () => {
      expect(await refusal(sign(claims({ exp: nowSeconds + 12 * 3600 + 1 })))).toMatch(/lives longer/);
      await expect(verifier.verify(sign(claims({ exp: nowSeconds + 12 * 3600 })))).resolves.toBeDefined();
    });

    it('refuses a token without exp or iat', async () => {
      expect(await refusal(sign(claims({ exp: undefined })))).toMatch(/exp/);
      expect(await refusal(sign(claims({ iat: undefined })))).toMatch(/iat/);
    });

    it('follows a shorter maximum', async () => {
      const strict = new TokenVerifier(SECRET, { clock: { now: () => NOW }, maxTtlSeconds: 600 });
      await expect(strict.verify(sign(claims({ exp: nowSeconds + 601 })))).rejects.toThrow(/600 s/);
    });

    it('refuses an expired token by the injected clock', async () => {
      const token = sign(claims({ exp: nowSeconds + 60 }));
      const later = new TokenVerifier(SECRET, { clock: { now: () => new Date(NOW.getTime() + 61_000) } });
      await expect(later.verify(token)).rejects.toThrow('The token has expired');
    });
  });

  describe('iat', () => {
    it('allows 60 s of clock skew, and refuses a token issued further in the future', async () => {
      await expect(
        verifier.verify(sign(claims({ iat: nowSeconds + 60, exp: nowSeconds + 3600 }))),
      ).resolves.toBeDefined();
      expect(await refusal(sign(claims({ iat: nowSeconds + 61, exp: nowSeconds + 3600 })))).toMatch(/in the future/);
    });
  });

  describe('encoding', () => {
    const token = sign(claims());
    const [header, payload, signature] = token.split('.');
    // A signature whose base64url holds "-" or "_" (most do; find one by varying the subject).
    const withMarks = Array.from({ length: 50 }, (_, index) => sign(claims({ sub: `feed-${index}` }))).find(
      (candidate) => /[-_]/.test(candidate.split('.')[2]),
    ) as string;

    it('refuses a signature in standard base64 ("+", "/", "=")', async () => {
      const [h, p, s] = withMarks.split('.');
      const standard = Buffer.from(s, 'base64url').toString('base64');
      expect(standard).toMatch(/[+/=]/);
      expect(await refusal(`${h}.${p}.${standard}`)).toMatch(/base64url/);
      expect(await refusal(`${header}.${payload}.${signature}=`)).toMatch(/base64url/);
    });

    it('refuses a signature with stray bits in its last character (a second spelling of it)', async () => {
      // 32 bytes are 43 characters; the last carries 2 unused bits, which must be zero.
      const last = signature[signature.length - 1];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = alphabet[alphabet.indexOf(last) ^ 1];
      expect(Buffer.from(signature.slice(0, -1) + twin, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
      expect(await refusal(`${header}.${payload}.${signature.slice(0, -1)}${twin}`)).toMatch(/base64url/);
    });

    it('refuses other algorithms and other secrets', async () => {
      expect(await refusal(sign(claims(), { alg: 'none' }))).toBe('The token is not valid');
      const foreign = await mintToken('another-secret-of-at-least-32-chars!!', { sub: 'x', role: 'system' }, '1h');
      expect(await refusal(foreign)).toBe('The token is not valid');
    });
  });

  it('refuses unknown roles and long subjects', async () => {
    expect(await refusal(sign(claims({ role: 'root' })))).toMatch(/role/);
    expect(await refusal(sign(claims({ sub: 'x'.repeat(201) })))).toMatch(/sub/);
  });
});
