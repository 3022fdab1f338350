import { ReadModel } from './engine/read-model';
import { inspectionsReadModel } from './inspections/inspections.read-model';
import { progressReadModel } from './progress/progress.read-model';

export { inspectionsReadModel } from './inspections/inspections.read-model';
export { progressReadModel } from './progress/progress.read-model';

/** Every read model TIP keeps, by name (what `tip rebuild <name>` accepts): one line each registers it. */
export const READ_MODELS: readonly ReadModel[] = [progressReadModel, inspectionsReadModel];

export function readModelNamed(name: string): ReadModel | undefined {
  return READ_MODELS.find((readModel) => readModel.projection.name === name);
}
