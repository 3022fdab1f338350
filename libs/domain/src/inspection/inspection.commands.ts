import { Command } from '../shared/messages';

export interface DrawInspectionSampleData {
  /**
   * The sample's stream is `inspection-{sampleId}`. The contract lets the caller omit it; the
   * handler then fills one in (e.g. from the command id) before deciding.
   */
  sampleId: string;
  batchId: string;
  /** The unit whose schools are sampled (the province, or a city the experts visit). */
  scopeUnitId: string;
  /** At least the rulebook's minimum (Jiangsu: 抽检率不低于10%); at most 100. */
  ratePercent: number;
  /** Chosen by the inspector (a lottery number, a date): the same seed redraws the same sample. */
  seed: string | number;
}
export type DrawInspectionSample = Command<'DrawInspectionSample', DrawInspectionSampleData>;

/**
 * What the experts found at a sampled school. The seed grades nothing, so the scale is ours:
 * satisfactory (the training was done as the rules say), needs-improvement (done, with defects
 * to put right), unsatisfactory (not done as the rules say).
 */
export const INSPECTION_OUTCOMES = ['satisfactory', 'needs-improvement', 'unsatisfactory'] as const;
export type InspectionOutcome = (typeof INSPECTION_OUTCOMES)[number];

export interface RecordInspectionFindingData {
  sampleId: string;
  schoolId: string;
  outcome: InspectionOutcome;
  notes: string;
}
export type RecordInspectionFinding = Command<'RecordInspectionFinding', RecordInspectionFindingData>;

export type InspectionCommand = DrawInspectionSample | RecordInspectionFinding;
