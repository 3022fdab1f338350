import { Controller, Get, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { Clock, CLOCK, identifier, minPosition, parseQuery } from '@tip/application';
import { DashboardViews, ProgressViews, progressReadModel, ReadModelHost } from '@tip/projections';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { READ_MODEL_HOST } from './read-models.provider';
import { assertMayReadUnit, readsEverything } from './view-access';

const inBatch = z.object({ batchId: identifier, minPosition });
const justPosition = z.object({ minPosition });

/**
 * What the web app's dashboards read: the batches to pick from, a unit's children for the bar
 * chart, its weekly trend, its pilot schools.
 */
@Controller('views')
@UseGuards(AuthGuard)
export class DashboardController {
  constructor(
    @Inject(READ_MODEL_HOST) private readonly host: ReadModelHost,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('batches')
  async batches(@Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { minPosition } = parseQuery(justPosition, query);
    const { actor } = request;
    return this.read(minPosition, async (views, manager) => {
      if (readsEverything(actor) || actor.unitId === undefined) {
        return readsEverything(actor) ? views.batches('all') : { batches: [] };
      }
      return views.batches({ unitPath: await new ProgressViews(manager).schoolAncestry(actor.unitId) });
    });
  }

  @Get('units/:unitId/children')
  async children(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    return this.read(minPosition, async (views, manager) => {
      assertMayReadUnit(request.actor, await new ProgressViews(manager).schoolAncestry(unitId));
      // The path down from the caller's own unit: nothing above it is named.
      const from = readsEverything(request.actor) ? undefined : request.actor.unitId;
      return views.children(unitId, batchId, this.clock.now().getTime(), from);
    });
  }

  @Get('units/:unitId/trend')
  async trend(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    return this.read(minPosition, async (views, manager) => {
      assertMayReadUnit(request.actor, await new ProgressViews(manager).schoolAncestry(unitId));
      return views.trend(unitId, batchId, this.clock.now().getTime());
    });
  }

  @Get('units/:unitId/pilot-schools')
  async pilotSchools(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    return this.read(minPosition, async (views, manager) => {
      assertMayReadUnit(request.actor, await new ProgressViews(manager).schoolAncestry(unitId));
      return views.pilotSchools(unitId, batchId, this.clock.now().getTime());
    });
  }

  private async read<T extends object>(
    minPosition: number | undefined,
    read: (views: DashboardViews, manager: ConstructorParameters<typeof DashboardViews>[0]) => Promise<T>,
  ): Promise<T & { position: number }> {
    await this.host.waitFor(progressReadModel, minPosition);
    return this.host.read(progressReadModel, async (manager, position) => ({
      ...(await read(new DashboardViews(manager), manager)),
      position,
    }));
  }
}
