import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogRows } from '@tip/event-store';
import { hashLogRows, ROW_RESULT_BYTES } from './row-hashes';
import type { RowHashReady, RowHashReply, RowHashRequest } from './row-hash.worker';

/** Log rows with what row-hashes.ts works out for each. */
export interface HashedRows {
  rows: LogRows;
  results: Buffer;
  /** Hands the page's buffers back for another page, once nothing reads them any more. */
  release?(): void;
}

/**
 * Worker threads by default: every core but two (the thread that chains, and PostgreSQL sending
 * the rows), up to four; one on two cores, where it measured 1.43× hashing on the one thread
 * quietly (province bench at BENCH_SCALE=0.1: 195,776 events/s against 137,218) once its buffers
 * were used again. None on one core.
 */
export function defaultHashWorkers(cores = availableParallelism()): number {
  return cores < 2 ? 0 : Math.min(4, Math.max(1, cores - 2));
}

/**
 * Hashes pages of log rows in worker threads, round robin; `hash` answers in whatever order the
 * workers finish, so the caller keeps its own order. With no workers, pages are hashed at once,
 * on the caller's thread.
 */
export class RowHashers {
  private readonly workers: Worker[] = [];
  /** The workers that have said they are ready, in the order they did. */
  private readonly ready: Worker[] = [];
  private readonly waiting = new Map<number, { resolve(value: HashedRows): void; reject(error: Error): void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private results = Buffer.alloc(0);
  /**
   * Buffers back from the workers, for the next pages: a page is megabytes, and a new one each
   * time is an allocation, a copy into fresh memory and, later, a collection.
   */
  private readonly spare: { bytes: ArrayBuffer[]; results: ArrayBuffer[] } = { bytes: [], results: [] };

  constructor(workers: number) {
    for (let index = 0; index < workers; index++) this.workers.push(this.spawn());
  }

  get threads(): number {
    return this.workers.length;
  }

  /** The threads started and ready for pages (until one is, pages are hashed on the caller's thread). */
  get threadsReady(): number {
    return this.ready.length;
  }

  hash(rows: LogRows): Promise<HashedRows> {
    if (this.workers.length === 0) {
      // Read before the next page is hashed (the verifier drains each page at once): one buffer for all.
      if (this.results.length < rows.count * ROW_RESULT_BYTES)
        this.results = Buffer.alloc(rows.count * ROW_RESULT_BYTES);
      hashLogRows(rows.bytes, rows.count, this.results);
      return Promise.resolve({ rows, results: this.results });
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // A copy of its own, sent by transfer: the scan reuses the page's buffer for the next page.
    const own = spareOf(this.spare.bytes, rows.bytes.length);
    new Uint8Array(own, 0, rows.bytes.length).set(rows.bytes);
    const results = spareOf(this.spare.results, rows.count * ROW_RESULT_BYTES);
    if (this.ready.length === 0) {
      // No thread has started yet (loading its compiler takes a few hundred ms): this one hashes
      // the page meanwhile, instead of waiting with the first pages in flight.
      hashLogRows(
        Buffer.from(own, 0, rows.bytes.length),
        rows.count,
        Buffer.from(results, 0, rows.count * ROW_RESULT_BYTES),
      );
      return Promise.resolve(this.hashed({ id, bytes: own, length: rows.bytes.length, count: rows.count, results }));
    }
    return new Promise<HashedRows>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: RowHashRequest = { id, bytes: own, length: rows.bytes.length, count: rows.count, results };
      this.ready[id % this.ready.length].postMessage(request, [own, results]);
    });
  }

  /** A page hashed, its buffers handed back once it is released. */
  private hashed({ bytes, length, count, results }: RowHashRequest): HashedRows {
    const release = () => {
      this.spare.bytes.push(bytes);
      this.spare.results.push(results);
    };
    const rows = { bytes: Buffer.from(bytes, 0, length), count };
    return { rows, results: Buffer.from(results, 0, count * ROW_RESULT_BYTES), release };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
    this.ready.length = 0;
  }

  private spawn(): Worker {
    const worker = new Worker(workerFile(), workerOptions());
    worker.unref();
    worker.on('message', (reply: RowHashReply | RowHashReady) => {
      if (reply === 'ready') {
        this.ready.push(worker);
        return;
      }
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) {
        waiting.reject(new Error(reply.error));
        return;
      }
      waiting.resolve(this.hashed(reply));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (this.waiting.size > 0) this.fail(new Error(`a hashing worker thread stopped (exit code ${code})`));
    });
    return worker;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** A spare buffer of at least `length` bytes, or a new one with room to spare (pages vary a little). */
function spareOf(spares: ArrayBuffer[], length: number): ArrayBuffer {
  for (let index = 0; index < spares.length; index++) {
    if (spares[index].byteLength >= length) return spares.splice(index, 1)[0];
  }
  return new ArrayBuffer(Math.ceil(length * 1.25));
}

/**
 * The worker's source. TIP runs from its TypeScript sources (scripts/register.js): a worker
 * thread loads the same compiler, found from here, with the same project file.
 */
function workerFile(): string {
  return path.join(__dirname, __filename.endsWith('.ts') ? 'row-hash.worker.ts' : 'row-hash.worker.js');
}

function workerOptions(): { execArgv?: string[]; env?: NodeJS.ProcessEnv } {
  if (!__filename.endsWith('.ts')) return {};
  let project = process.env.SWC_NODE_PROJECT;
  for (let folder = __dirname; !project && path.dirname(folder) !== folder; folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, 'tsconfig.base.json'))) project = path.join(folder, 'tsconfig.base.json');
  }
  return {
    execArgv: ['--require', require.resolve('@swc-node/register')],
    env: { ...process.env, ...(project ? { SWC_NODE_PROJECT: project } : {}) },
  };
}
