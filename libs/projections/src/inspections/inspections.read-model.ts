import { ReadModel } from '../engine/read-model';
import { inspectionEntities } from './inspections.entities';
import { InspectionsReadModel1763800000001 } from './inspections.migrations';
import { inspectionsProjection } from './inspections.projection';

/** Spot-check samples and their findings (schema rm_inspections). */
export const inspectionsReadModel: ReadModel = {
  projection: inspectionsProjection,
  entities: inspectionEntities,
  migrations: [InspectionsReadModel1763800000001],
};
