import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { EmbeddedPostgres } from '@tip/embedded-postgres';

/** The server globalSetup started, handed to globalTeardown (both run in Jest's main process). */
export interface StartedTestServer {
  readonly server: EmbeddedPostgres;
  /** Temp directory holding its data, removed at teardown. */
  readonly dir: string;
  /** Undoes stopOnAbort once teardown takes over. */
  readonly release: () => void;
}

const KEY = Symbol.for('tip.testing.embeddedPostgres');
const slots = globalThis as unknown as Record<symbol, StartedTestServer | undefined>;

export function setTestServer(started: StartedTestServer): void {
  slots[KEY] = started;
}

export function takeTestServer(): StartedTestServer | undefined {
  const started = slots[KEY];
  slots[KEY] = undefined;
  return started;
}

const ABORT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Jest skips globalTeardown when it is interrupted (Ctrl-C) or exits early, and the server runs
 * in its own process group, so it would outlive the run. On those paths, tell it to shut down
 * and leave a small detached job that removes the directory once it has. Returns the undo.
 */
export function stopOnAbort(pgDir: string, dir: string): () => void {
  const pid = Number(readFileSync(`${pgDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const shutDownNow = (): void => {
    release();
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return;
    }
    // Waits at most 30 s; an unreaped (zombie) postmaster counts as gone.
    const script =
      'i=0; while [ $i -lt 300 ] && [ -e "/proc/$1" ] && ! grep -q ") Z" "/proc/$1/stat" 2>/dev/null; ' +
      'do sleep 0.1; i=$((i+1)); done; rm -rf "$2"';
    spawn('/bin/sh', ['-c', script, 'sh', String(pid), dir], { detached: true, stdio: 'ignore' }).unref();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    shutDownNow();
    // Our listener is gone now, so this ends the process the way the signal would have.
    process.kill(process.pid, signal);
  };
  const release = (): void => {
    process.off('exit', shutDownNow);
    for (const signal of ABORT_SIGNALS) process.off(signal, onSignal);
  };
  process.once('exit', shutDownNow);
  for (const signal of ABORT_SIGNALS) process.once(signal, onSignal);
  return release;
}
