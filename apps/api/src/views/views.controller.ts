import {
  Controller,
  Get,
  Header,
  Inject,
  Logger,
  Param,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { Clock, CLOCK, identifier, minPosition, parseQuery, printable, wholeNumber } from '@tip/application';
import {
  FundingViews,
  InspectionViews,
  NoticeSource,
  inspectionsReadModel,
  parseIsoWeek,
  ProgressViews,
  progressReadModel,
  ReadModelHost,
  renderNoticeCsv,
  renderNoticeHtml,
  renderNoticeXlsx,
  TRAINING_STATUSES,
  TrainingStatus,
  WeeklyNotice,
  WeeklyNoticeQuery,
} from '@tip/projections';
import { isCalendarDate } from '@tip/domain';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { READ_MODEL_HOST } from './read-models.provider';
import { AUDIT_LOG, RunningAuditLog } from '../audit/audit-log.provider';
import { ViewAccess } from './view-access';

const inBatch = z.object({ batchId: identifier, minPosition });
const anyBatch = z.object({ batchId: identifier.optional(), minPosition });
const justPosition = z.object({ minPosition });
const unitPath = z.object({ unitId: identifier });
const batchPath = z.object({ batchId: identifier });
const teacherPath = z.object({ teacherId: identifier });
const samplePath = z.object({ sampleId: identifier });
const noticeQuery = z.object({
  unitId: identifier,
  batchId: identifier,
  week: z
    .string()
    .refine((week) => parseIsoWeek(week) !== undefined, 'must be an ISO week that exists, such as 2021-W03'),
  format: z.enum(['json', 'csv', 'xlsx', 'html']).default('json'),
  // 文号 as the office numbers its documents, e.g. 连教办师〔2016〕9号: printed as given.
  documentNumber: printable(60).optional(),
  issuedOn: z
    .string()
    .refine((date) => isCalendarDate(date), 'must be a date such as 2021-01-25')
    .optional(),
  minPosition,
});
const teacherListQuery = z.object({
  batchId: identifier,
  status: z
    .string()
    .transform((text) => text.split(',').map((each) => each.trim()))
    .refine(
      (statuses) => statuses.every((each) => (TRAINING_STATUSES as readonly string[]).includes(each)),
      `must be one or more of ${TRAINING_STATUSES.join(', ')}, separated by commas`,
    )
    .transform((statuses) => statuses as TrainingStatus[])
    .optional(),
  page: wholeNumber.refine((page) => page >= 1, 'must be 1 or more').default('1'),
  pageSize: wholeNumber.refine((size) => size >= 1 && size <= 500, 'must be between 1 and 500').default('50'),
  minPosition,
});

/**
 * Downloads are named by unit, batch and week: the Chinese names for browsers that read RFC 5987
 * (every current one), the ids in plain ASCII for the rest.
 */
function noticeDisposition(notice: WeeklyNotice, format: 'csv' | 'xlsx'): string {
  const safe = (text: string) => text.replace(/[\\/:*?"<>|\p{Cc}]/gu, '_').trim();
  const name = `${safe(notice.unit.name)}-${safe(notice.batchName)}-${notice.week}-周通报.${format}`;
  const ascii = `weekly-notice-${notice.unit.unitId}-${notice.batchId}-${notice.week}.${format}`.replace(
    /[^\w.-]/g,
    '_',
  );
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
} as const;

/**
 * The read side: every answer comes from a read model, once it has reached `minPosition`, read in
 * one snapshot, with `degraded: true` when that read model parked an event. Who may read is
 * settled first (ViewAccess), before any wait or look-up in a read model.
 */
@Controller()
@UseGuards(AuthGuard)
export class ViewsController {
  constructor(
    @Inject(READ_MODEL_HOST) private readonly host: ReadModelHost,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_LOG) private readonly audit: RunningAuditLog,
    private readonly access: ViewAccess,
  ) {}

  @Get('views/units/:unitId/progress')
  async unitProgress(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.progress(minPosition, (views) => views.unitProgress(unitId, batchId, this.clock.now().getTime()));
  }

  @Get('views/units/:unitId/teachers')
  async unitTeachers(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, status, page, pageSize, minPosition } = parseQuery(teacherListQuery, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.progress(minPosition, (views) =>
      views.unitTeachers(unitId, batchId, { statuses: status, page, pageSize }),
    );
  }

  @Get('views/batches/:batchId/progress')
  async batchProgress(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { batchId } = parseQuery(batchPath, params);
    const { minPosition } = parseQuery(justPosition, query);
    await this.access.batch(request.actor, batchId);
    return this.progress(minPosition, (views) => views.batchProgress(batchId, this.clock.now().getTime()));
  }

  @Get('views/teachers/:teacherId/transcript')
  async transcript(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { teacherId } = parseQuery(teacherPath, params);
    const { batchId, minPosition } = parseQuery(anyBatch, query);
    await this.access.transcript(request.actor, teacherId);
    return this.progress(minPosition, (views) => views.transcript(teacherId, batchId));
  }

  @Get('views/units/:unitId/quota')
  async unitQuota(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.progress(minPosition, (views) => views.unitQuota(unitId, batchId));
  }

  @Get('views/units/:unitId/funding')
  async unitFunding(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { unitId } = parseQuery(unitPath, params);
    const { batchId, minPosition } = parseQuery(inBatch, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    return this.progress(minPosition, (_views, manager) => new FundingViews(manager).unitFunding(unitId, batchId));
  }

  @Get('notices/weekly')
  @Header('cache-control', 'no-store')
  async weeklyNotice(
    @Query() query: unknown,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { unitId, batchId, week, format, documentNumber, issuedOn, minPosition } = parseQuery(noticeQuery, query);
    await this.access.unit(request.actor, unitId);
    await this.access.batchConcerning(request.actor, batchId);
    await this.host.waitFor(progressReadModel, minPosition);
    const { notice, position, degraded } = await this.host.read(
      progressReadModel,
      async (manager, position, degraded) => ({
        notice: await new WeeklyNoticeQuery(manager).notice(unitId, batchId, week, { documentNumber, issuedOn }),
        position,
        degraded,
      }),
    );
    notice.source = await this.sourceOf(position);
    // Every format says so; JSON in the body too.
    response.setHeader('tip-degraded', String(degraded));
    if (format === 'json') return { ...notice, degraded };
    response.type(CONTENT_TYPES[format]);
    if (format === 'html') return renderNoticeHtml(notice);
    response.setHeader('content-disposition', noticeDisposition(notice, format));
    return format === 'csv' ? renderNoticeCsv(notice) : new StreamableFile(await renderNoticeXlsx(notice));
  }

  /** The signed head of exactly the history a notice's figures were computed from. */
  private async sourceOf(position: number): Promise<NoticeSource | undefined> {
    try {
      const head = await this.audit.log.heads.headOfPrefix(position);
      return {
        position,
        treeSize: head.treeSize,
        rootHash: head.rootHash.toString('hex'),
        signedAt: new Date(head.timestamp).toISOString(),
        keyId: head.keyId,
      };
    } catch (error) {
      // The notice is still right; it only cannot name its history yet (the tree is behind).
      new Logger('Notices').warn(`No signed head for position ${position}: ${String(error)}`);
      return undefined;
    }
  }

  @Get('inspections/:sampleId')
  async inspection(@Param() params: unknown, @Query() query: unknown, @Req() request: AuthenticatedRequest) {
    const { sampleId } = parseQuery(samplePath, params);
    const { minPosition } = parseQuery(justPosition, query);
    await this.access.sample(request.actor, sampleId);
    await this.host.waitFor(inspectionsReadModel, minPosition);
    return this.host.read(inspectionsReadModel, async (manager, position, degraded) => ({
      ...(await new InspectionViews(manager).sample(sampleId)),
      position,
      degraded,
    }));
  }

  /** A progress view once its read model reached minPosition, with the position it was read at. */
  private async progress<T extends object>(
    minPosition: number | undefined,
    read: (views: ProgressViews, manager: EntityManager) => Promise<T>,
  ): Promise<T & { position: number; degraded: boolean }> {
    await this.host.waitFor(progressReadModel, minPosition);
    return this.host.read(progressReadModel, async (manager, position, degraded) => ({
      ...(await read(new ProgressViews(manager), manager)),
      position,
      degraded,
    }));
  }
}
