import { ReadModel } from './engine/read-model';
import { InspectionsReadModel1763800000001 } from './inspections/inspections.migrations';
import { inspectionEntities } from './inspections/inspections.entities';
import { inspectionsProjection } from './inspections/inspections.projection';
import {
  ProgressIssuingOffices1764900000001,
  ProgressReadModel1763800000000,
  ProgressTargets1764900000000,
} from './progress/progress.migrations';
import { progressEntities } from './progress/progress.entities';
import { progressProjection } from './progress/progress.projection';

export const progressReadModel: ReadModel = {
  projection: progressProjection,
  entities: progressEntities,
  migrations: [ProgressReadModel1763800000000, ProgressTargets1764900000000, ProgressIssuingOffices1764900000001],
};

export const inspectionsReadModel: ReadModel = {
  projection: inspectionsProjection,
  entities: inspectionEntities,
  migrations: [InspectionsReadModel1763800000001],
};

/** Every read model TIP keeps, by name (what `tip rebuild <name>` accepts). */
export const READ_MODELS: readonly ReadModel[] = [progressReadModel, inspectionsReadModel];

export function readModelNamed(name: string): ReadModel | undefined {
  return READ_MODELS.find((readModel) => readModel.projection.name === name);
}
