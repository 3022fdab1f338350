import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  authorizeAudit,
  parseAsOf,
  parseLogPage,
  STREAM_CATEGORIES,
  streamCategoryOf,
  streamStateAsOf,
} from '@tip/application';
import type { EventStore, RecordedEvent, VerificationReport } from '@tip/event-store';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

@Injectable()
export class AuditorsOnly implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    authorizeAudit(context.switchToHttp().getRequest<AuthenticatedRequest>().actor);
    return true;
  }
}

/** An event as stored: metadata untouched, so anyone can recompute its hash from this answer. */
const logEntry = ({ streamId, revision, position, type, data, metadata }: RecordedEvent) => ({
  streamId,
  revision,
  position,
  type,
  data,
  metadata,
});

/** The auditors' window on the log: streams as stored, state at a past business time, the whole log, the hash chains. */
@Controller('audit')
@UseGuards(AuthGuard, AuditorsOnly)
export class AuditController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('streams/:streamId')
  async stream(@Param('streamId') streamId: string) {
    const events = await this.store.readStreamForAudit(streamId);
    if (events.length === 0) throw noStream(streamId);
    return { streamId, events: events.map(({ streamId: _streamId, ...event }) => event) };
  }

  @Get('streams/:streamId/state')
  async state(@Param('streamId') streamId: string, @Query('asOf') asOf: unknown) {
    const at = parseAsOf(asOf);
    const category = streamCategoryOf(streamId);
    if (!category) {
      const known = STREAM_CATEGORIES.map((each) => `${each.prefix}…`).join(', ');
      throw new NotFoundException(`"${streamId}" is in no known stream category (${known})`);
    }
    // Read as the deciders see it (upcast), unlike the listing above, which shows what is stored.
    const events = await this.store.readStream(streamId);
    if (events.length === 0) throw noStream(streamId);
    const history = events.map(({ type, data, revision, metadata }) => ({
      type,
      data,
      revision,
      businessTime: metadata.businessTime,
    }));
    return streamStateAsOf(streamId, category, history, at);
  }

  @Get('events')
  async events(@Query('fromPosition') fromPosition: unknown, @Query('limit') limit: unknown) {
    const page = parseLogPage({ fromPosition, limit });
    const events = await this.store.readAll({ fromPosition: page.fromPosition, maxCount: page.limit });
    const last = events.at(-1);
    return { events: events.map(logEntry), nextPosition: last ? last.position + 1 : page.fromPosition };
  }

  /** 200 whether intact or not: the report is the answer, `ok` says which. */
  @Get('verify')
  verify(): Promise<VerificationReport> {
    return this.store.verify();
  }
}

function noStream(streamId: string): NotFoundException {
  return new NotFoundException(`There is no stream "${streamId}"`);
}
