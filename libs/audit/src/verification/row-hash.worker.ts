import { parentPort } from 'node:worker_threads';
import { hashLogRows, ROW_RESULT_BYTES } from './row-hashes';

/** A worker thread of RowHashers: hashes each page of log rows it is sent, and sends both back. */
export interface RowHashRequest {
  id: number;
  /** The page's rows in its first `length` bytes (a buffer is used again for later pages). */
  bytes: ArrayBuffer;
  length: number;
  count: number;
  /** Room for ROW_RESULT_BYTES a row. */
  results: ArrayBuffer;
}

export type RowHashReply =
  | { id: number; bytes: ArrayBuffer; length: number; count: number; results: ArrayBuffer }
  | { id: number; bytes: ArrayBuffer; error: string };

/** Told once the thread has loaded what it runs (its compiler, at first: a few hundred ms). */
export type RowHashReady = 'ready';
parentPort?.postMessage('ready' satisfies RowHashReady);

parentPort?.on('message', ({ id, bytes, length, count, results }: RowHashRequest) => {
  const port = parentPort;
  if (!port) return;
  try {
    hashLogRows(Buffer.from(bytes, 0, length), count, Buffer.from(results, 0, count * ROW_RESULT_BYTES));
    port.postMessage({ id, bytes, length, count, results } satisfies RowHashReply, [bytes, results]);
  } catch (error) {
    port.postMessage(
      { id, bytes, error: error instanceof Error ? error.message : String(error) } satisfies RowHashReply,
      [bytes],
    );
  }
});
