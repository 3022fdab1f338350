import { Controller, HttpCode, HttpException, HttpStatus, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import {
  BatchAnswer,
  CommandGateway,
  CommandRequest,
  CommandValidationFailed,
  contractCommands,
  Forbidden,
} from '@tip/application';
import { activeTraceparent, inSpan, TipMetrics } from '@tip/observability';
import { AuthenticatedRequest, AuthGuard } from '../auth/auth.guard';
import { errorCodeOf } from '../http/error.filter';
import { chineseMessage, prefersChinese } from '../http/messages.zh-CN';
import { METRICS } from '../infrastructure/event-store.provider';
import { COMMAND_GATEWAY } from './command-bus';

/** Records a request may carry: one atomic append, a few hundred milliseconds at most. */
export const FEED_MAX_RECORDS = 5000;
/** An NDJSON body larger than this is refused before it is parsed (5,000 records need about 1 MB). */
const NDJSON_MAX_BYTES = 4 * 1024 * 1024;
const NDJSON = /^application\/(x-)?ndjson\b/i;

const recordOnlineHours = contractCommands.find((command) => command.name === 'RecordOnlineHours');

/** The field of the record a refusal is about, by its code: what the caller must look at. */
const FIELD_OF_CODE: Readonly<Record<string, string>> = {
  UNKNOWN_BATCH: 'batchId',
  UNKNOWN_TEACHER: 'teacherId',
  NOT_ENROLLED: 'teacherId',
  SCHOOL_CLOSED: 'teacherId',
  FORBIDDEN: 'teacherId',
  BAD_HOURS: 'hours',
  OUTSIDE_STUDY_WINDOW: 'at',
};

export interface FeedRecordAnswer {
  /** The record's place in the batch, from 0. */
  index: number;
  /** NDJSON: the line it was on, from 1. */
  line?: number;
  recordId?: string;
  /** accepted: recorded now; duplicate: this recordId was already recorded (nothing appended); refused: see code. */
  outcome: 'accepted' | 'duplicate' | 'refused';
  /** Global position of the batch's last event, for views' minPosition (accepted only). */
  position?: number;
  code?: string;
  message?: string;
  /** Each field of the record at fault and the rule it breaks. */
  problems?: { field: string; rule: string }[];
  details?: unknown;
}

/**
 * The course platform's hour feed: many RecordOnlineHours at once, as JSON (`{"records": […]}`)
 * or NDJSON (one record a line). Each record is decided exactly as the single command would be
 * and answered on its own — accepted, duplicate (its recordId is on record: idempotent) or
 * refused with its code, field and rule — and every accepted record is appended in one write.
 */
@Controller('feeds')
@UseGuards(AuthGuard)
export class FeedsController {
  constructor(
    @Inject(COMMAND_GATEWAY) private readonly gateway: CommandGateway,
    @Inject(METRICS) private readonly metrics: TipMetrics,
  ) {}

  @Post('online-hours')
  @HttpCode(200)
  async onlineHours(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    if (recordOnlineHours === undefined) throw new Error('RecordOnlineHours is not in the contract');
    const { actor } = request;
    if (actor.role !== 'system' && !recordOnlineHours.roles.includes(actor.role))
      throw new Forbidden(`A ${actor.role} may not RecordOnlineHours: the hour feed is the course platform's (system)`);
    const { records, lines } = await recordsOf(request);
    const traceparent = activeTraceparent() ?? headerOf(request, 'traceparent');
    const requests: CommandRequest[] = records.map((body) => ({
      name: recordOnlineHours.name,
      body,
      caller: actor,
      traceparent,
    }));
    const answers = await this.metrics.timeCommand(
      'RecordOnlineHours.feed',
      () =>
        inSpan('feed online-hours', { 'tip.records': records.length }, () =>
          this.gateway.runBatch(recordOnlineHours, requests),
        ),
      errorCodeOf,
    );
    const chinese = prefersChinese(headerOf(request, 'accept-language'));
    response.vary('Accept-Language');
    if (chinese) response.setHeader('Content-Language', 'zh-CN');
    const answered = answers.map((answer, index) => answerOf(answer, index, records[index], lines?.[index], chinese));
    const count = (outcome: FeedRecordAnswer['outcome']) =>
      answered.filter((answer) => answer.outcome === outcome).length;
    return {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      refused: count('refused'),
      records: answered,
    };
  }
}

function headerOf(request: AuthenticatedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const badRequest = (field: string, rule: string) => new CommandValidationFailed([{ field, rule }]);

/** The records sent, and for NDJSON the line of each. A record that is not JSON is kept as is, to be refused on its own. */
async function recordsOf(request: AuthenticatedRequest): Promise<{ records: unknown[]; lines?: number[] }> {
  let records: unknown[];
  let lines: number[] | undefined;
  if (NDJSON.test(headerOf(request, 'content-type') ?? '')) {
    const text = await bodyText(request);
    records = [];
    lines = [];
    for (const [at, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      records.push(parsedLine(line));
      lines.push(at + 1);
    }
  } else {
    const body: unknown = request.body;
    const listed = body !== null && typeof body === 'object' ? (body as { records?: unknown }).records : undefined;
    if (!Array.isArray(listed))
      throw badRequest(
        'records',
        'must be an array of hour records ({"records": […]}), or send application/x-ndjson, one record a line',
      );
    records = listed;
  }
  if (records.length === 0) throw badRequest('records', 'must hold at least one record');
  if (records.length > FEED_MAX_RECORDS)
    throw badRequest('records', `must hold at most ${FEED_MAX_RECORDS} records a request; send the rest in another`);
  return { records, lines };
}

/** A line that is not JSON stays a string: the command's envelope refuses it as "must be a JSON object". */
function parsedLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

async function bodyText(request: AuthenticatedRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > NDJSON_MAX_BYTES)
      throw new HttpException(`The body is over ${NDJSON_MAX_BYTES / 1024 / 1024} MB`, HttpStatus.PAYLOAD_TOO_LARGE);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answerOf(
  answer: BatchAnswer,
  index: number,
  record: unknown,
  line: number | undefined,
  chinese: boolean,
): FeedRecordAnswer {
  const recordId =
    record !== null && typeof record === 'object' && typeof (record as { recordId?: unknown }).recordId === 'string'
      ? (record as { recordId: string }).recordId
      : undefined;
  const where = { index, ...(line === undefined ? {} : { line }), ...(recordId === undefined ? {} : { recordId }) };
  if (answer.outcome === 'accepted') {
    return answer.result.events.length > 0
      ? { ...where, outcome: 'accepted', position: answer.result.position }
      : { ...where, outcome: 'duplicate' };
  }
  const { refusal } = answer;
  const code = errorCodeOf(refusal);
  const details = refusal instanceof CommandValidationFailed ? refusal.problems : undefined;
  const message = (chinese ? chineseMessage(code, details) : undefined) ?? refusal.message;
  if (refusal instanceof CommandValidationFailed)
    return { ...where, outcome: 'refused', code, message, problems: refusal.problems };
  const ruleDetails = 'details' in refusal ? refusal.details : undefined;
  return {
    ...where,
    outcome: 'refused',
    code,
    message,
    problems: [{ field: FIELD_OF_CODE[code] ?? 'body', rule: message }],
    ...(ruleDetails === undefined ? {} : { details: ruleDetails }),
  };
}
