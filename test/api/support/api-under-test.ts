import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mintToken } from '@tip/auth';
import { Actor } from '@tip/domain';
import { Clock } from '@tip/application';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { RunningTip, startTip } from '../../../apps/api/src/bootstrap';
import { loadConfig } from '../../../apps/api/src/config';

export interface CommandResponse {
  status: number;
  body: Record<string, unknown> & {
    events?: Record<string, unknown>[];
    error?: { code: string; message?: string; details?: unknown };
  };
}

/** The API in this process, on a fresh database, with a secret of its own. */
export interface ApiUnderTest {
  tip: RunningTip;
  database: TestDatabase;
  secret: string;
  /** The API's own keys directory (tree-head signing key), removed by stop(). */
  keysDir: string;
  token(actor: Actor): Promise<string>;
  send(
    actor: Actor | undefined,
    name: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<CommandResponse>;
  /** The command as the actor, which must be accepted (200, no error): a refusal fails the test naming the command. */
  accepted(actor: Actor | undefined, name: string, body: unknown): Promise<CommandResponse>;
  /** GET a path under /api as the actor (no token when undefined); JSON bodies parsed, others as text. */
  get<T = Record<string, unknown>>(
    actor: Actor | undefined,
    path: string,
  ): Promise<{ status: number; body: T; headers: Headers; bytes: Buffer }>;
  stop(): Promise<void>;
}

/** Commands and views over HTTP against a running API at `url` (…/api), tokens minted with its secret at `clock`'s time. */
export function apiClient(
  url: string,
  secret: string,
  clock?: Clock,
): Pick<ApiUnderTest, 'token' | 'send' | 'accepted' | 'get'> {
  const token = (actor: Actor) => mintToken(secret, actor, '12h', { now: clock?.now() });
  const send: ApiUnderTest['send'] = async (actor, name, body, headers = {}) => {
    const authorization: Record<string, string> = actor ? { authorization: `Bearer ${await token(actor)}` } : {};
    const response = await fetch(`${url}/commands/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as CommandResponse['body'] };
  };
  return {
    token,
    send,
    async accepted(actor, name, body) {
      const response = await send(actor, name, body);
      expect({ name, status: response.status, error: response.body.error }).toEqual({
        name,
        status: 200,
        error: undefined,
      });
      return response;
    },
    async get(actor: Actor | undefined, path: string) {
      const headers: Record<string, string> = actor ? { authorization: `Bearer ${await token(actor)}` } : {};
      const response = await fetch(`${url}${path}`, { headers });
      const bytes = Buffer.from(await response.arrayBuffer());
      const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
      return {
        status: response.status,
        headers: response.headers,
        bytes,
        body: (json ? JSON.parse(bytes.toString('utf8')) : bytes.toString('utf8')) as never,
      };
    },
  };
}

export async function startApiUnderTest(
  environment: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<ApiUnderTest> {
  const secret = randomBytes(32).toString('hex');
  const database = await createTestDatabase();
  const keysDir = await mkdtemp(path.join(tmpdir(), 'tip-api-keys-'));
  const tip = await startTip(
    loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      TIP_JWT_SECRET: secret,
      TIP_LOG_LEVEL: 'warn',
      TIP_KEYS_DIR: keysDir,
      ...environment,
    }),
    // Hashing at production cost (0.3 s a password here) would be most of an account test's time.
    { scrypt: { N: 2 ** 12, r: 8, p: 1 }, ...options },
  );
  return {
    tip,
    database,
    secret,
    keysDir,
    ...apiClient(tip.url, secret, options.clock),
    async stop() {
      await tip.stop();
      await database.drop();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
