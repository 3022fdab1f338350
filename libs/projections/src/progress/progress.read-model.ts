import { ReadModel } from '../engine/read-model';
import { progressEntities } from './progress.entities';
import {
  ProgressExemptions1764900000002,
  ProgressIssuingOffices1764900000001,
  ProgressNoticeWeeks1765100000002,
  ProgressReadModel1763800000000,
  ProgressRecordText1765200000000,
  ProgressRegions1765000000000,
  ProgressStaffing1765100000000,
  ProgressStaffingIndexes1765100000001,
  ProgressTargets1764900000000,
} from './progress.migrations';
import { progressProjection } from './progress.projection';

/** Progress per unit and batch, transcripts, quota ledgers, targets (schema rm_progress). */
export const progressReadModel: ReadModel = {
  projection: progressProjection,
  entities: progressEntities,
  migrations: [
    ProgressReadModel1763800000000,
    ProgressTargets1764900000000,
    ProgressIssuingOffices1764900000001,
    ProgressExemptions1764900000002,
    ProgressRegions1765000000000,
    ProgressStaffing1765100000000,
    ProgressStaffingIndexes1765100000001,
    ProgressNoticeWeeks1765100000002,
    ProgressRecordText1765200000000,
  ],
};
