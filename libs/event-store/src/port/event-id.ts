import { randomFillSync } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

/** Randomness drawn a few kilobytes at a time (as crypto.randomUUID does), not one call per id. */
const entropy = Buffer.allocUnsafe(4096);
let entropyOffset = entropy.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A UUID version 7 (RFC 9562): a millisecond timestamp, then randomness. Ids that grow with
 * time land at the right edge of the event-id index instead of on random pages, which keeps
 * appends cheap as the log grows. A counter keeps ids from one process increasing within a
 * millisecond.
 */
export function newEventId(now: number = Date.now()): string {
  if (now <= lastMillis) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMillis += 1;
  } else {
    lastMillis = now;
    sequence = 0;
  }
  if (entropyOffset + 8 > entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const at = entropyOffset;
  entropyOffset += 8;
  const time = lastMillis.toString(16).padStart(12, '0');
  return (
    `${time.slice(0, 8)}-${time.slice(8)}-${HEX[0x70 | (sequence >> 8)]}${HEX[sequence & 0xff]}-` +
    `${HEX[(entropy[at] & 0x3f) | 0x80]}${HEX[entropy[at + 1]]}-` +
    `${HEX[entropy[at + 2]]}${HEX[entropy[at + 3]]}${HEX[entropy[at + 4]]}${HEX[entropy[at + 5]]}${HEX[entropy[at + 6]]}${HEX[entropy[at + 7]]}`
  );
}
