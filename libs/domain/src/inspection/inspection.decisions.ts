import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { requireSchool, requireUnit } from '../organisation/organisation.lookups';
import { orgUnitStream } from '../organisation/organisation.streams';
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
    scopeUnit: one(orgUnitStream, orgUnitStreamId(data.scopeUnitId)),
  }))
  .decides(
    (command, roles, read, facts) => {
      requireUnit(read(roles.scopeUnit), command.data.scopeUnitId);
      return { sample: decideDrawInspectionSample(command, read(roles.sample), read(roles.batch), facts.candidates) };
    },
    { about: (roles) => roles.sample },
  );

export const recordInspectionFindingDecision = decision<RecordInspectionFinding>()
  .reads(({ data }) => ({
    sample: one(inspectionStream, inspectionStreamId(data.sampleId)),
    school: one(orgUnitStream, orgUnitStreamId(data.schoolId)),
  }))
  .decides(
    (command, roles, read) => {
      requireSchool(read(roles.school), command.data.schoolId);
      return { sample: decideRecordInspectionFinding(command, read(roles.sample)) };
    },
    { about: (roles) => roles.sample },
  );
