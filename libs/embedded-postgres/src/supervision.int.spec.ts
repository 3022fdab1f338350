import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, startEmbeddedPostgres, Supervision } from './embedded-postgres';
import { parsePostmasterPid } from './processes';

const small = { shared_buffers: '32MB', max_connections: '20' };

describe('a supervised embedded PostgreSQL', () => {
  let workDir: string;
  const running: EmbeddedPostgres[] = [];
  let squatter: Server | undefined;
  const squatted: Socket[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'tip-supervised-pg-'));
    // Run as root, PostgreSQL runs as a service user, who must reach the data directories.
    await chmod(workDir, 0o755);
  });
  afterAll(async () => {
    for (const socket of squatted) socket.destroy();
    await new Promise((resolve) => (squatter ? squatter.close(resolve) : resolve(undefined)));
    for (const server of running) await server.stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  });

  async function postmasterPid(dataDir: string): Promise<number> {
    const lock = parsePostmasterPid(await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8'));
    if (!lock) throw new Error('no postmaster.pid');
    return lock.pid;
  }

  async function query(server: EmbeddedPostgres, sql: string): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: server.connectionString() });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  function watched(giveUpAfterMs?: number) {
    const seen: string[] = [];
    let restarted: () => void = () => undefined;
    let gaveUp: (error: Error) => void = () => undefined;
    const supervision: Supervision = {
      giveUpAfterMs,
      onRestarting: (attempt, reason) => seen.push(`restarting ${attempt}: ${reason}`),
      onRestarted: () => restarted(),
      onGiveUp: (error) => gaveUp(error),
    };
    return {
      seen,
      supervision,
      restarted: new Promise<void>((resolve) => (restarted = resolve)),
      gaveUp: new Promise<Error>((resolve) => (gaveUp = resolve)),
    };
  }

  it('starts it again on the same port after kill -9, with every committed row', async () => {
    const dataDir = path.join(workDir, 'restart');
    const watch = watched();
    const server = await startEmbeddedPostgres({ dataDir, settings: small, supervise: watch.supervision });
    running.push(server);
    await query(server, 'create table acknowledged (id int primary key)');
    await query(server, 'insert into acknowledged select generate_series(1, 1000)');

    const killed = await postmasterPid(dataDir);
    process.kill(killed, 'SIGKILL');
    await watch.restarted;

    expect(watch.seen[0]).toBe('restarting 1: was killed by SIGKILL');
    expect(await postmasterPid(dataDir)).not.toBe(killed);
    expect(await query(server, 'select count(*)::int as count from acknowledged')).toEqual([{ count: 1000 }]);
    await server.stop();
    // Stopped on purpose: not started again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(watch.seen).toHaveLength(1);
  });

  it('gives up, saying why, when it cannot come back in time', async () => {
    const dataDir = path.join(workDir, 'give-up');
    const watch = watched(1500);
    const server = await startEmbeddedPostgres({ dataDir, settings: small, supervise: watch.supervision });
    running.push(server);
    const pid = await postmasterPid(dataDir);
    process.kill(pid, 'SIGKILL');
    // Someone takes the port the moment it is free: PostgreSQL cannot listen there any more.
    squatter = createServer((socket) => squatted.push(socket));
    for (let tries = 0; ; tries++) {
      const bound = await new Promise<boolean>((resolve) => {
        squatter?.once('error', () => resolve(false));
        squatter?.listen(server.port, '127.0.0.1', () => resolve(true));
      });
      if (bound || tries > 200) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const error = await watch.gaveUp;
    expect(error.message).toMatch(/PostgreSQL was killed by SIGKILL and could not be started again within 2 s/);
    expect(watch.seen[0]).toBe('restarting 1: was killed by SIGKILL');
  });
});
