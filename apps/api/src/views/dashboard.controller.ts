import { Controller, Get, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { Clock, CLOCK, identifier, minPosition, parseQuery } from '@tip/application';
import { DashboardViews, ProgressViews, progressReadModel, ReadModelHost } from '@tip/projections';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { READ_MODEL_HOST } from './read-models.provider';
import { readsEverything, ViewAccess } from './view-access';

const inBatch = z.object({ batchId: identifier, minPosition });
const justPosition = z.object({ minPosition });
const unitPath = z.object({ unitId: identifier });

/**
 * What the web app's dashboards read: the batches to pick from, a unit's children for the bar
 * chart, its weekly trend, its pilot schools. Like every view, who may read is settled first
 * (ViewAccess), and the answer says `degraded` while the progress read model has parked an event.
 */
@Controller('views')
@UseGuards(AuthGuard)
export class DashboardController {
  constructor(
    @Inject(READ_MODEL_HOST) private readonly host: ReadModelHost,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: ViewAccess,
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
  async children(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.read(minPosition, async (views) => {
      // The path down from the caller's own unit: nothing above it is named.
      const from = readsEverything(request.actor) ? undefined : request.actor.unitId;
      return views.children(unitId, batchId, this.clock.now().getTime(), from);
    });
  }

  @Get('units/:unitId/trend')
  async trend(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.read(minPosition, async (views) => {
      return views.trend(unitId, batchId, this.clock.now().getTime());
    });
  }

  @Get('units/:unitId/pilot-schools')
  async pilotSchools(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.read(minPosition, async (views) => {
      return views.pilotSchools(unitId, batchId, this.clock.now().getTime());
    });
  }

  private async read<T extends object>(
    minPosition: number | undefined,
    read: (views: DashboardViews, manager: ConstructorParameters<typeof DashboardViews>[0]) => Promise<T>,
  ): Promise<T & { position: number; degraded: boolean }> {
    await this.host.waitFor(progressReadModel, minPosition);
    return this.host.read(progressReadModel, async (manager, position, degraded) => ({
      ...(await read(new DashboardViews(manager), manager)),
      position,
      degraded,
    }));
  }
}
