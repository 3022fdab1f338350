import { Controller, Get, Header, Inject, Param, Query, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { identifier, minPosition, parseQuery } from '@tip/application';
import {
  InspectionViews,
  inspectionsReadModel,
  parseIsoWeek,
  ProgressViews,
  progressReadModel,
  ReadModelHost,
  renderNoticeCsv,
  renderNoticeHtml,
  renderNoticeXlsx,
  WeeklyNoticeQuery,
} from '@tip/projections';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';

import { READ_MODEL_HOST } from './read-models.provider';
import { assertMayReadTranscript, assertMayReadUnit } from './view-access';

const inBatch = z.object({ batchId: identifier, minPosition });
const anyBatch = z.object({ batchId: identifier.optional(), minPosition });
const justPosition = z.object({ minPosition });
const noticeQuery = z.object({
  unitId: identifier,
  batchId: identifier,
  week: z
    .string()
    .refine((week) => parseIsoWeek(week) !== undefined, 'must be an ISO week that exists, such as 2021-W03'),
  format: z.enum(['json', 'csv', 'xlsx', 'html']).default('json'),
  minPosition,
});

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
} as const;

/** The read side: every answer comes from a read model, once it has reached `minPosition`, read in one snapshot. */
@Controller()
@UseGuards(AuthGuard)
export class ViewsController {
  constructor(@Inject(READ_MODEL_HOST) private readonly host: ReadModelHost) {}

  @Get('views/units/:unitId/progress')
  async unitProgress(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    return this.progress(minPosition, async (views) => {
      assertMayReadUnit(request.actor, await views.schoolAncestry(unitId));
      return views.unitProgress(unitId, batchId);
    });
  }

  @Get('views/batches/:batchId/progress')
  async batchProgress(
    @Param('batchId') batchId: string,
    @Query() query: unknown,
    @Req() request: AuthenticatedRequest,
  ) {
    const { minPosition } = parseQuery(justPosition, query);
    return this.progress(minPosition, async (views) => {
      assertMayReadUnit(request.actor, [(await views.batch(batchId)).provinceId]);
      return views.batchProgress(batchId);
    });
  }

  @Get('views/teachers/:teacherId/transcript')
  async transcript(
    @Param('teacherId') teacherId: string,
    @Query() query: unknown,
    @Req() request: AuthenticatedRequest,
  ) {
    const { batchId, minPosition } = parseQuery(anyBatch, query);
    return this.progress(minPosition, async (views) => {
      const teacher = await views.teacher(teacherId);
      assertMayReadTranscript(request.actor, teacherId, await views.schoolAncestry(teacher.schoolId));
      return views.transcript(teacherId, batchId);
    });
  }

  @Get('views/units/:unitId/quota')
  async unitQuota(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    return this.progress(minPosition, async (views) => {
      assertMayReadUnit(request.actor, await views.schoolAncestry(unitId));
      return views.unitQuota(unitId, batchId);
    });
  }

  @Get('notices/weekly')
  @Header('cache-control', 'no-store')
  async weeklyNotice(
    @Query() query: unknown,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { unitId, batchId, week, format, minPosition } = parseQuery(noticeQuery, query);
    await this.host.waitFor(progressReadModel, minPosition);
    const notice = await this.host.read(progressReadModel, async (manager) => {
      assertMayReadUnit(request.actor, await new ProgressViews(manager).schoolAncestry(unitId));
      return new WeeklyNoticeQuery(manager).notice(unitId, batchId, week);
    });
    if (format === 'json') return notice;
    response.type(CONTENT_TYPES[format]);
    if (format === 'html') return renderNoticeHtml(notice);
    // Plain ASCII file names: the unit and batch ids are caller-chosen and may be any script.
    response.attachment(`weekly-notice-${week}.${format}`);
    return format === 'csv' ? renderNoticeCsv(notice) : new StreamableFile(await renderNoticeXlsx(notice));
  }

  @Get('inspections/:sampleId')
  async inspection(@Param('sampleId') sampleId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { minPosition } = parseQuery(justPosition, query);
    await this.host.waitFor(inspectionsReadModel, minPosition);
    const sample = await this.host.read(inspectionsReadModel, async (manager, position) => ({
      ...(await new InspectionViews(manager).sample(sampleId)),
      position,
    }));
    // The sample's scope is a unit of the progress read model.
    assertMayReadUnit(
      request.actor,
      await this.host.read(progressReadModel, (manager) =>
        new ProgressViews(manager).schoolAncestry(sample.scopeUnitId),
      ),
    );
    return sample;
  }

  /** A progress view once its read model reached minPosition, with the position it was read at. */
  private async progress<T extends object>(
    minPosition: number | undefined,
    read: (views: ProgressViews) => Promise<T>,
  ): Promise<T & { position: number }> {
    await this.host.waitFor(progressReadModel, minPosition);
    return this.host.read(progressReadModel, async (manager, position) => ({
      ...(await read(new ProgressViews(manager))),
      position,
    }));
  }
}
