import { batchStreamId } from '../programme/batch';
import { batchStream } from '../programme/programme.streams';
import { decision, one } from '../shared/decision';
import { DrawInspectionSample, RecordInspectionFinding } from './inspection.commands';
import { decideDrawInspectionSample, decideRecordInspectionFinding, inspectionStreamId } from './inspection.decider';
import { inspectionStream } from './inspection.streams';
import { InspectionCandidate } from './sampling';

/** What the application gathers before drawing: the schools taking part in the batch under the scope unit. */
export interface DrawInspectionSampleFacts {
  /** Each with its parent unit as `countyId`, closed schools included, in any order. */
  candidates: readonly InspectionCandidate[];
}

export const drawInspectionSampleDecision = decision<DrawInspectionSample, DrawInspectionSampleFacts>()
  .reads(({ data }) => ({
    sample: one(inspectionStream, inspectionStreamId(data.sampleId)),
    batch: one(batchStream, batchStreamId(data.batchId)),
  }))
  .decides(
    (command, roles, read, facts) => ({
      sample: decideDrawInspectionSample(command, read(roles.sample), read(roles.batch), facts.candidates),
    }),
    { about: (roles) => roles.sample },
  );

export const recordInspectionFindingDecision = decision<RecordInspectionFinding>()
  .reads(({ data }) => ({ sample: one(inspectionStream, inspectionStreamId(data.sampleId)) }))
  .decides((command, roles, read) => ({ sample: decideRecordInspectionFinding(command, read(roles.sample)) }), {
    about: (roles) => roles.sample,
  });
