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
  ReadModel,
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
  week: z.string().refine((week) => parseIsoWeek(week) !== undefined, 'must be an ISO week that exists, such as 2021-W03'),
  format: z.enum(['json', 'csv', 'xlsx', 'html']).default('json'),
  minPosition,
});

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
} as const;

/** The read side: every answer comes from a read model, once it has reached `minPosition`. */
@Controller()
@UseGuards(AuthGuard)
export class ViewsController {
  constructor(
    @Inject(READ_MODEL_HOST) private readonly host: ReadModelHost,
    private readonly progress: ProgressViews,
    private readonly notices: WeeklyNoticeQuery,
    private readonly inspections: InspectionViews,
  ) {}

  @Get('views/units/:unitId/progress')
  async unitProgress(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.host.waitFor(progressReadModel, minPosition);
    assertMayReadUnit(request.actor, await this.progress.schoolAncestry(unitId));
    return this.positioned(progressReadModel, () => this.progress.unitProgress(unitId, batchId));
  }

  @Get('views/batches/:batchId/progress')
  async batchProgress(@Param('batchId') batchId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { minPosition } = parseQuery(justPosition, query);
    await this.host.waitFor(progressReadModel, minPosition);
    const batch = await this.progress.batch(batchId);
    assertMayReadUnit(request.actor, [batch.provinceId]);
    return this.positioned(progressReadModel, () => this.progress.batchProgress(batchId));
  }

  @Get('views/teachers/:teacherId/transcript')
  async transcript(@Param('teacherId') teacherId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(anyBatch, query);
    await this.host.waitFor(progressReadModel, minPosition);
    const teacher = await this.progress.teacher(teacherId);
    assertMayReadTranscript(request.actor, teacherId, await this.progress.schoolAncestry(teacher.schoolId));
    return this.positioned(progressReadModel, () => this.progress.transcript(teacherId, batchId));
  }

  @Get('views/units/:unitId/quota')
  async unitQuota(@Param('unitId') unitId: string, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.host.waitFor(progressReadModel, minPosition);
    assertMayReadUnit(request.actor, await this.progress.schoolAncestry(unitId));
    return this.positioned(progressReadModel, () => this.progress.unitQuota(unitId, batchId));
  }

  @Get('notices/weekly')
  @Header('cache-control', 'no-store')
  async weeklyNotice(@Query() query: unknown, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    const { unitId, batchId, week, format, minPosition } = parseQuery(noticeQuery, query);
    await this.host.waitFor(progressReadModel, minPosition);
    assertMayReadUnit(request.actor, await this.progress.schoolAncestry(unitId));
    const notice = await this.notices.notice(unitId, batchId, week);
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
    const position = await this.host.position(inspectionsReadModel);
    const sample = await this.inspections.sample(sampleId);
    assertMayReadUnit(request.actor, await this.progress.schoolAncestry(sample.scopeUnitId));
    return { ...sample, position };
  }

  /** Tells the caller how far the answer reaches at least: the position as read before the view was. */
  private async positioned<T extends object>(readModel: ReadModel, read: () => Promise<T>): Promise<T & { position: number }> {
    const position = await this.host.position(readModel);
    return { ...(await read()), position };
  }
}
