import type { BatchExtensionEntry, BatchRow } from './progress.entities';

/** The batch's dates as a past week needs them: as scheduled, and each extension with its time. */
export type BatchDates = Pick<BatchRow, 'endsOn' | 'scheduledEndsOn' | 'extensions'>;

/** The extensions made before an instant (business time), oldest first. */
export function extensionsBefore(batch: BatchDates, atMs: number): BatchExtensionEntry[] {
  return (batch.extensions ?? []).filter((extension) => Date.parse(extension.at) < atMs);
}

/**
 * The batch's last day in force at an instant: as scheduled, or as the latest extension made
 * before then has it. A week's pace and target are judged by it, so a later ExtendBatch leaves
 * past weeks as they were.
 */
export function endsOnAt(batch: BatchDates, atMs: number): string {
  return extensionsBefore(batch, atMs).at(-1)?.endsOn ?? batch.scheduledEndsOn ?? batch.endsOn;
}
