import { EntityManager, In } from 'typeorm';
import { completeRulebook, fundingYuanForHours, Rulebook } from '@tip/domain';
import { BatchRow, UnitProgressRow, UnitRow } from '../progress/progress.entities';
import { ViewNotFound } from './progress.views';

/**
 * Funding as a rulebook pays it (Ningde: 教师全员培训经费 3元/学时•人): the hours credited to a unit's
 * teachers (volunteers' included: they trained) × the rate, for the unit and each child unit. A
 * rulebook without a rate has no funding view.
 */
export class FundingViews {
  constructor(private readonly reader: EntityManager) {}

  async unitFunding(unitId: string, batchId: string) {
    const unit = await this.reader.getRepository(UnitRow).findOneBy({ unitId });
    if (!unit) throw new ViewNotFound(`No org unit ${unitId}`);
    const batch = await this.reader.getRepository(BatchRow).findOneBy({ batchId });
    if (!batch) throw new ViewNotFound(`No batch ${batchId}`);
    const rulebook = rulebookOf(batch);
    if (rulebook.funding === null) {
      throw new ViewNotFound(
        `Batch ${batchId} follows rulebook ${batch.rulebookId}, which sets no funding rate per hour: it has no funding view`,
      );
    }
    const children = await this.reader
      .getRepository(UnitRow)
      .find({ where: { parentId: unitId }, order: { unitId: 'ASC' } });
    const figures = await this.reader
      .getRepository(UnitProgressRow)
      .findBy({ batchId, unitId: In([unitId, ...children.map((child) => child.unitId)]) });
    const funded = (id: string) => {
      const hoursCredited = figures.find((row) => row.unitId === id)?.hoursCredited ?? 0;
      return { hoursCredited, yuan: fundingYuanForHours(rulebook, hoursCredited) ?? 0 };
    };
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      rulebookId: rulebook.id,
      yuanPerHourPerTeacher: rulebook.funding.yuanPerHourPerTeacher,
      ...funded(unitId),
      children: children.map((child) => ({
        unitId: child.unitId,
        name: child.name,
        kind: child.kind,
        ...funded(child.unitId),
      })),
    };
  }
}

/** The batch's own copy of its rulebook, as the read model keeps it (completed if it predates newer fields). */
function rulebookOf(batch: BatchRow): Rulebook {
  const completed: unknown = completeRulebook(batch.rulebook);
  return completed as Rulebook;
}
