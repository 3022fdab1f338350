import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import {
  authorizeAudit,
  CommandValidationFailed,
  parseAsOf,
  parseLogPage,
  STREAM_CATEGORIES,
  streamCategoryOf,
  streamStateAsOf,
} from '@tip/application';
import { exportAuditLog, LogVerificationReport, ProofRequestError, toCheckpoint } from '@tip/audit';
import type { EventStore, RecordedEvent } from '@tip/event-store';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { AUDIT_LOG, RunningAuditLog } from './audit-log.provider';
import { parseCheckpointPage, parseConsistencyQuery, parseInclusionQuery, parseKeptHead } from './audit-queries';

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
/** The auditors' window on the log: streams as stored, state at a past business time, the whole log, proofs, verification. */
@Controller('audit')
@UseGuards(AuthGuard, AuditorsOnly)
export class AuditController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_LOG) private readonly audit: RunningAuditLog,
  ) {}

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

  /**
   * The whole log against its tree and every signed head, and against the head the caller kept
   * (treeSize and rootHash). 200 whether intact or not: the report is the answer, `ok` says which.
   */
  @Get('verify')
  verify(@Query() query: Record<string, unknown>): Promise<LogVerificationReport> {
    const kept = parseKeptHead(query);
    return this.audit.log.verify({ against: kept ? [kept] : [], maxProblems: 100 });
  }

  /** Signs a head over the log as it is now (when it has grown since the last): a checkpoint to keep. */
  @Post('checkpoints')
  @HttpCode(200)
  async signNow() {
    return toCheckpoint(await this.audit.log.heads.sign('request'));
  }

  /** RFC 9162 PATH of one event in the tree of `treeSize` leaves, with the event as stored. */
  @Get('proofs/inclusion')
  inclusion(@Query() query: Record<string, unknown>) {
    const { position, treeSize } = parseInclusionQuery(query);
    return proofAnswer(() => this.audit.log.proofs.inclusion(position, treeSize));
  }

  /**
   * The whole log as NDJSON (tip-log/1) for tools/verify-log.py: events as stored, every signed
   * head and the stored leaves, after a fresh head is signed over it.
   */
  @Get('export')
  async export(@Res() response: Response): Promise<void> {
    const { log } = this.audit;
    response.status(200).type('application/x-ndjson');
    await exportAuditLog({ store: this.store, tree: log.tree, heads: log.heads, canSign: true }, async (line) => {
      if (!response.write(`${line}\n`)) await new Promise((resolve) => response.once('drain', resolve));
    });
    response.end();
  }
}

/**
 * What anyone may read: the signed tree heads with the log's public key, and consistency
 * proofs between heads. They show sizes and hashes, nothing of what the events say.
 */
@Controller('audit')
export class PublicAuditController {
  constructor(@Inject(AUDIT_LOG) private readonly audit: RunningAuditLog) {}

  @Get('checkpoints')
  async checkpoints(@Query() query: Record<string, unknown>) {
    const { limit, before } = parseCheckpointPage(query);
    const { log } = this.audit;
    const [latest, page] = await Promise.all([
      log.heads.latest(),
      log.heads.list({ limit: limit + 1, beforeId: before }),
    ]);
    return {
      algorithm: 'Ed25519',
      keyId: log.signer.keyId,
      publicKey: log.signer.publicKey.toString('base64'),
      latest: latest ? toCheckpoint(latest) : null,
      checkpoints: page.slice(0, limit).map((head) => ({ id: head.id, ...toCheckpoint(head) })),
      before: page.length > limit ? page[limit - 1].id : null,
    };
  }

  /** RFC 9162 PROOF that the tree of `to` leaves extends the tree of `from` leaves. */
  @Get('proofs/consistency')
  consistency(@Query() query: Record<string, unknown>) {
    const { from, to } = parseConsistencyQuery(query);
    return proofAnswer(() => this.audit.log.proofs.consistency(from, to));
  }
}

/** A proof the tree cannot give is the caller's 400 (or 404 for an event it does not hold), naming the field. */
async function proofAnswer<T>(prove: () => Promise<T>): Promise<T> {
  try {
    return await prove();
  } catch (error) {
    if (!(error instanceof ProofRequestError)) throw error;
    if (error.notFound) throw new NotFoundException(error.message);
    throw new CommandValidationFailed([{ field: error.field, rule: error.rule }], 'query');
  }
}

function noStream(streamId: string): NotFoundException {
  return new NotFoundException(`There is no stream "${streamId}"`);
}
