import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import { BatchState } from '../programme/batch';
import { isSameData } from '../programme/plain-data';
import { isSampleRateAllowed } from '../programme/rulebook-queries';
import {
  DrawInspectionSample,
  INSPECTION_OUTCOMES,
  InspectionCommand,
  InspectionOutcome,
  RecordInspectionFinding,
} from './inspection.commands';
import {
  invalidField,
  notInSample,
  nothingToSample,
  rateTooLow,
  sampleAlreadyDrawn,
  unknownBatch,
  unknownSample,
} from './inspection.errors';
import {
  InspectionEvent,
  InspectionFindingRecorded,
  InspectionSampleDrawn,
  InspectionSampleDrawnData,
} from './inspection.events';
import { drawSample, InspectionCandidate, InspectionDraw } from './sampling';

/** One stream per sample. */
export function inspectionStreamId(sampleId: string): string {
  return `inspection-${sampleId}`;
}

/** A school's current finding: the latest recorded for it. */
export interface InspectionFinding {
  schoolId: string;
  outcome: InspectionOutcome;
  notes: string;
}

export type DrawnInspectionSample = { status: 'drawn'; findings: InspectionFinding[] } & InspectionSampleDrawnData;
export type InspectionState = { status: 'not-drawn' } | DrawnInspectionSample;

/**
 * What the handler loads for DrawInspectionSample besides the sample's stream: the batch stream
 * (`batch-{batchId}`, folded with batchEvolver) and the candidate schools — every school under
 * `scopeUnitId` taking part in the batch (closed ones included: inspection is not the school's act),
 * each with its parent unit as `countyId`, in any order. A missing lookup is the handler's bug.
 */
export interface InspectionLookups {
  batch?: BatchState;
  candidates?: readonly InspectionCandidate[];
}

export function inspectionDecider(
  lookups: InspectionLookups = {},
): Decider<InspectionCommand, InspectionEvent, InspectionState> {
  return {
    decide: (command, state) => {
      switch (command.type) {
        case 'DrawInspectionSample':
          return decideDrawInspectionSample(
            command,
            state,
            required(lookups.batch, 'batch'),
            required(lookups.candidates, 'candidates'),
          );
        case 'RecordInspectionFinding':
          return decideRecordInspectionFinding(command, state);
        default:
          return assertNever(command);
      }
    },
    evolve: evolveInspection,
    initialState: () => ({ status: 'not-drawn' }),
  };
}

export function evolveInspection(state: InspectionState, event: InspectionEvent): InspectionState {
  switch (event.type) {
    case 'InspectionSampleDrawn':
      return { status: 'drawn', ...event.data, findings: [] };
    case 'InspectionFindingRecorded': {
      if (state.status !== 'drawn') return state;
      const { schoolId, outcome, notes } = event.data;
      const others = state.findings.filter((finding) => finding.schoolId !== schoolId);
      return { ...state, findings: [...others, { schoolId, outcome, notes }] };
    }
    default:
      return assertNever(event);
  }
}

/**
 * Refuses SAMPLE_ALREADY_DRAWN (the same request again appends nothing), UNKNOWN_BATCH,
 * VALIDATION_FAILED (rate not in (0, 100], seed neither text nor a finite number), RATE_TOO_LOW
 * (below the rulebook's minimum; a rulebook without one allows any rate), then NOTHING_TO_SAMPLE.
 */
export function decideDrawInspectionSample(
  command: DrawInspectionSample,
  state: InspectionState,
  batch: BatchState,
  candidates: readonly InspectionCandidate[],
): InspectionSampleDrawn[] {
  const { sampleId, batchId, scopeUnitId, ratePercent, seed } = command.data;
  if (state.status === 'drawn') {
    const sameRequest = isSameData(
      {
        sampleId: state.sampleId,
        batchId: state.batchId,
        scopeUnitId: state.scopeUnitId,
        ratePercent: state.ratePercent,
        seed: state.seed,
      },
      { sampleId, batchId, scopeUnitId, ratePercent, seed },
    );
    if (sameRequest) return [];
    throw sampleAlreadyDrawn(sampleId);
  }
  if (batch.status !== 'scheduled') throw unknownBatch(batchId);
  if (typeof ratePercent !== 'number' || !(ratePercent > 0 && ratePercent <= 100)) {
    throw invalidField('ratePercent', 'must be above 0 and at most 100');
  }
  if (!(typeof seed === 'string' ? seed.length > 0 : typeof seed === 'number' && Number.isFinite(seed))) {
    throw invalidField('seed', 'must be non-empty text or a finite number');
  }
  const { rulebook } = batch;
  if (!isSampleRateAllowed(rulebook, ratePercent))
    throw rateTooLow(ratePercent, rulebook.inspectionMinSamplePercent, rulebook.id);
  if (candidates.length === 0) throw nothingToSample(batchId, scopeUnitId);
  const draw = drawSample(candidates, ratePercent, seed);
  return [
    {
      type: 'InspectionSampleDrawn',
      data: {
        sampleId,
        batchId,
        scopeUnitId,
        ratePercent,
        seed,
        rule: { rulebookId: rulebook.id, minimumPercent: rulebook.inspectionMinSamplePercent },
        algorithm: draw.algorithm,
        candidates: draw.candidates,
        size: draw.size,
        allocation: draw.allocation,
        drawn: draw.drawn,
      },
    },
  ];
}

/**
 * Refuses UNKNOWN_SAMPLE, VALIDATION_FAILED (an outcome off the scale), then NOT_IN_SAMPLE. The
 * school's current finding again appends nothing; a different one supersedes it. A closed school
 * is still inspected: 结项后学校不可再进行任何操作 freezes the school's own acts, not the experts'.
 */
export function decideRecordInspectionFinding(
  command: RecordInspectionFinding,
  state: InspectionState,
): InspectionFindingRecorded[] {
  const { sampleId, schoolId, outcome, notes } = command.data;
  if (state.status !== 'drawn') throw unknownSample(sampleId);
  if (!(INSPECTION_OUTCOMES as readonly string[]).includes(outcome)) {
    throw invalidField('outcome', `must be one of ${INSPECTION_OUTCOMES.join(', ')}`);
  }
  if (!state.drawn.some((school) => school.schoolId === schoolId)) throw notInSample(sampleId, schoolId);
  const current = state.findings.find((finding) => finding.schoolId === schoolId);
  if (current !== undefined && current.outcome === outcome && current.notes === notes) return [];
  return [{ type: 'InspectionFindingRecorded', data: { sampleId, schoolId, outcome, notes } }];
}

/**
 * The auditor's check: drawing again from the event's recorded candidates, rate and seed gives
 * exactly the recorded size, allocation and schools. False for an algorithm this code does not know
 * and for a record no draw could have produced.
 */
export function isSampleReproducible(recorded: InspectionSampleDrawnData): boolean {
  let draw: InspectionDraw;
  try {
    draw = drawSample(recorded.candidates, recorded.ratePercent, recorded.seed);
  } catch {
    // A record that cannot be drawn from (a school twice, a rate out of range) was altered.
    return false;
  }
  return (
    draw.algorithm === recorded.algorithm &&
    isSameData(draw.candidates, recorded.candidates) &&
    draw.size === recorded.size &&
    isSameData(draw.allocation, recorded.allocation) &&
    isSameData(draw.drawn, recorded.drawn)
  );
}

function required<T>(value: T | undefined, name: keyof InspectionLookups): T {
  if (value === undefined) throw new Error(`The handler must supply the ${name} lookup for this command`);
  return value;
}
