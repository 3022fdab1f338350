import { parentPort } from 'node:worker_threads';
import { hashLogRows, ROW_RESULT_BYTES } from './row-hashes';

/** A worker thread of RowHashers: hashes each page of log rows it is sent, and sends both back. */
export interface RowHashRequest {
  id: number;
  bytes: ArrayBuffer;
  count: number;
}

export type RowHashReply =
  { id: number; bytes: ArrayBuffer; results: ArrayBuffer } | { id: number; bytes: ArrayBuffer; error: string };

parentPort?.on('message', ({ id, bytes, count }: RowHashRequest) => {
  const port = parentPort;
  if (!port) return;
  try {
    const results = new ArrayBuffer(count * ROW_RESULT_BYTES);
    hashLogRows(Buffer.from(bytes), count, Buffer.from(results));
    port.postMessage({ id, bytes, results } satisfies RowHashReply, [bytes, results]);
  } catch (error) {
    port.postMessage(
      { id, bytes, error: error instanceof Error ? error.message : String(error) } satisfies RowHashReply,
      [bytes],
    );
  }
});
