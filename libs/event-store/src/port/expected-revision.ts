/**
 * What the writer believes about the stream before appending:
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: it must have at least one event;
 * - `any`: no check;
 * - a number: the revision of the stream's last event (0-based) must be exactly this.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export function describeExpectedRevision(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? `revision ${expected}` : expected;
}

/** The stream's last revision, or -1 when it has no events. */
export function satisfiesExpectedRevision(expected: ExpectedRevision, actualRevision: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actualRevision === -1;
    case 'stream_exists':
      return actualRevision >= 0;
    default:
      return actualRevision === expected;
  }
}
