import { DomainEvent } from '../shared/messages';
import { RecordInspectionFindingData } from './inspection.commands';
import { InspectionCandidate, InspectionCountyAllocation } from './sampling';

/**
 * Everything needed to draw the sample again: seed, rate, algorithm and the sorted candidate list.
 * `drawSample(candidates, ratePercent, seed)` over these fields gives back `allocation` and `drawn`.
 */
export interface InspectionSampleDrawnData {
  sampleId: string;
  batchId: string;
  scopeUnitId: string;
  ratePercent: number;
  seed: string | number;
  /** The rule the rate was checked against; a null minimum means the rulebook sets none. */
  rule: { rulebookId: string; minimumPercent: number | null };
  algorithm: string;
  /** Every school the sample was drawn from, sorted by school id. */
  candidates: InspectionCandidate[];
  /** ⌈rate% × candidates⌉ */
  size: number;
  /** Per county (stratum), sorted by county id. */
  allocation: InspectionCountyAllocation[];
  /** The sampled schools, sorted by school id. */
  drawn: InspectionCandidate[];
}
export type InspectionSampleDrawn = DomainEvent<'InspectionSampleDrawn', InspectionSampleDrawnData>;

/** A later finding for the same school supersedes the earlier one; the stream keeps both. */
export type InspectionFindingRecorded = DomainEvent<'InspectionFindingRecorded', RecordInspectionFindingData>;

export type InspectionEvent = InspectionSampleDrawn | InspectionFindingRecorded;
