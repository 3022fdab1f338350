import { createReadStream } from 'node:fs';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  LogRowsWriter,
  type EventStore,
  type LoggedEvent,
  type LogRows,
  type LogScanItem,
} from '@tip/event-store';
import { Checkpoint, CheckpointError, parseCheckpoint } from '../checkpoints/checkpoint';
import { LogProblem, LogVerificationReport, verifyLog } from '../verification/log-verifier';
import { LOG_EXPORT_FORMAT } from './log-export';

/**
 * Loading an export (`tip export-log`, format tip-log/1) into a new, empty store: the other half
 * of the export, for moving a province to another server or restoring from an auditor's copy.
 *
 * Each event's data and metadata are taken as the text the line carries (the stored canonical
 * JSON, as a JSON string: JSON.parse of the line unescapes them and parses nothing inside), and
 * that very text is what is checked and what is stored. The checks are `tip verify`'s (verifyLog,
 * over the same event objects the store writes, as they are read): the content hash over the
 * text against the line's hash, each stream's chain, the events' fields against their metadata,
 * the store's record of each stream's end, and the Merkle tree over the log against every signed
 * head in the export (the signature with the key given, else the deployment's). Why a text that
 * is not the original cannot pass: the original store hashed the canonical text it made, and
 * stored and exported that text. An edited value, keys reordered or any other spelling of the
 * same JSON is another byte string, so its SHA-256 is not the line's hash (or, if the hash was
 * forged to fit, not the next event's link, or, if the whole chain was forged, not the signed
 * tree's leaf). Unlike `tip verify`, a head signed with the trusted key must cover every event
 * (chains alone can be made again over any text), unless the caller asks for an unsigned load. The store (EventStore.loadLog) checks the order and refuses before its commit when
 * any check failed: nothing is written.
 */

/** A refusal naming the export's line (1-based) and the check that failed; nothing was imported. */
export class LogImportError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly check: string,
    readonly detail: string,
  ) {
    super(`${line === undefined ? 'the export' : `line ${line}`}: [${check}] ${detail}; nothing was imported`);
  }
}

export interface LogImportOptions {
  /**
   * The only key heads may be signed with. Without `unsigned`, it is required and a head signed
   * with it must cover every event of the export.
   */
  trustedKey?: Buffer;
  /**
   * Loads an export no trusted signed head covers (the heads it carries are still checked, against
   * their own keys when no key is given): then only the hash chains vouch for it, and they can be
   * made again over any text, so nothing proves the log is the original.
   */
  unsigned?: boolean;
  onProgress?(eventsLoaded: number): void;
}

export interface LogImportResult {
  events: number;
  report: LogVerificationReport;
}

/** Events handed to the store and the verifier at a time. */
const PAGE = 2000;

/**
 * Reads the export `file` into `store` (which must be empty), verifying as it goes; refuses with
 * LogImportError naming the first line that fails a check, leaving the store as it was.
 */
export async function importAuditLog(
  file: string,
  store: EventStore,
  options: LogImportOptions = {},
): Promise<LogImportResult> {
  // Chains can be recomputed by anyone: only a head signed with a key trusted beforehand proves
  // the log is the one the old server wrote.
  if (!options.unsigned && options.trustedKey === undefined)
    throw new LogImportError(
      undefined,
      'signed-head',
      'no public key to check the signed heads against (give the old server’s, from `tip public-key` there)',
    );
  const reader = new ExportReader(file);
  const heads: (Checkpoint & { id: number })[] = [];
  const headLines: number[] = [];
  // The verifier reads what the store is given, page by page, from this queue.
  const queue = new ItemQueue();
  let verification: Promise<LogVerificationReport> | undefined;
  const startVerifying = (safePosition: number) => {
    // The rows hashed on this thread: on two cores the other is PostgreSQL's.
    verification = verifyLog({
      scan: queue.items(),
      heads,
      kept: [],
      trustedKey: options.trustedKey,
      maxProblems: 1,
      hashWorkers: 0,
    });
    // A verifier that fails reads no more: the reading must not wait for it.
    verification.catch(() => queue.end());
    queue.push({ kind: 'start', safePosition });
  };
  let declaredEvents: number | undefined;
  let streamHeads: { streamId: string; revision: number; lastHash: string }[] = [];
  const writer = new LogRowsWriter();
  let eventIndex = 0;
  async function* pages(): AsyncGenerator<LogRows> {
    // Each event is written as a log row at once (its texts encoded once): what the verifier
    // hashes and the store copies, so neither decodes nor encodes it again.
    let inPage = 0;
    const flush = async () => {
      const rows = writer.take();
      inPage = 0;
      await queue.push({ kind: 'rows', rows });
      return rows;
    };
    for await (const { line, number } of reader.lines()) {
      const value = parseLine(line, number);
      const kind = value.kind;
      if (kind === 'event') {
        if (!verification) throw new LogImportError(number, 'format', 'an event before the "start" line');
        writer.add(loggedEventOf(value, number), eventIndex++);
        if (++inPage >= PAGE) yield await flush();
        continue;
      }
      if (inPage > 0) yield await flush();
      if (kind === 'head') {
        if (verification) throw new LogImportError(number, 'format', 'a signed head after the "start" line');
        const { kind: _kind, ...checkpoint } = value;
        try {
          heads.push({ ...parseCheckpoint(checkpoint, `line ${number}`), id: heads.length });
        } catch (error) {
          if (error instanceof CheckpointError) throw new LogImportError(number, 'signed-head', error.message);
          throw error;
        }
        headLines.push(number);
      } else if (kind === 'start') {
        if (verification) throw new LogImportError(number, 'format', 'a second "start" line');
        if (!Number.isSafeInteger(value.safePosition))
          throw new LogImportError(number, 'format', 'safePosition must be a whole number');
        // An export is a closed snapshot: every event in it is a leaf and every head in it is
        // checked. The file's safePosition is not trusted (lowered, it would make the events and
        // heads above it go unchecked).
        startVerifying(Number.MAX_SAFE_INTEGER);
      } else if (kind === 'streamHead') {
        const { streamId, revision, lastHash } = value;
        if (typeof streamId !== 'string' || !Number.isSafeInteger(revision) || typeof lastHash !== 'string')
          throw new LogImportError(number, 'format', 'a stream head must give streamId, revision and lastHash');
        streamHeads.push({ streamId, revision: Number(revision), lastHash });
        if (streamHeads.length >= PAGE) {
          await queue.push({ kind: 'heads', heads: streamHeads });
          streamHeads = [];
        }
      } else if (kind === 'end') {
        declaredEvents = Number(value.events);
      } else if (kind !== 'leaves') {
        throw new LogImportError(number, 'format', `unknown line kind ${JSON.stringify(kind)}`);
      }
    }
    if (inPage > 0) yield await flush();
    if (streamHeads.length > 0) await queue.push({ kind: 'heads', heads: streamHeads });
  }
  let report: LogVerificationReport | undefined;
  try {
    const result = await store.loadLog(pages(), {
      onProgress: options.onProgress,
      beforeCommit: async () => {
        queue.end();
        if (!verification) throw new LogImportError(undefined, 'format', 'the export has no "start" line');
        if (declaredEvents === undefined)
          throw new LogImportError(undefined, 'format', 'the export has no "end" line: it was cut short');
        report = await verification;
        if (declaredEvents !== report.eventsChecked)
          throw new LogImportError(
            reader.lineCount,
            'format',
            `the "end" line counts ${declaredEvents} events, the export holds ${report.eventsChecked}`,
          );
        const problem = report.firstProblem;
        if (problem) {
          const line = await problemLine(file, problem, headLines, heads);
          throw new LogImportError(line, problem.check, `${problem.kind}: ${problem.message}`);
        }
        if (!options.unsigned) await requireCoveringHead(file, report);
      },
    });
    if (!report) throw new Error('the import committed without its verification');
    return { events: result.eventsImported, report };
  } catch (error) {
    queue.end();
    if (error instanceof InvalidAppendError) {
      // The store names the event by its index in the log: its line is found by reading again.
      const index = /^log\[(\d+)\]\.?(.*)$/.exec(error.field);
      const line = index ? await eventLine(file, (_, at) => at === Number(index[1])) : undefined;
      throw new LogImportError(line, 'order', error.message);
    }
    if (error instanceof DuplicateEventIdError && error.eventIds.length > 0) {
      // Found when the store's unique index is built: the line is the id's second event.
      const id = error.eventIds[0];
      let seen = 0;
      const line = await eventLine(file, (event) => event.eventId === id && ++seen === 2);
      throw new LogImportError(line, 'event-id', `event id ${id} is given twice: each event is stored once`);
    }
    throw error;
  }
}

/**
 * Refuses unless the newest head (its root matched and its signature was checked against the
 * trusted key, else a problem was reported before) covers every event: the events after it would
 * be vouched for by their recomputable chains alone.
 */
async function requireCoveringHead(file: string, report: LogVerificationReport): Promise<void> {
  const latest = report.latestHead;
  if (!latest || !latest.matches || !latest.signatureOk)
    throw new LogImportError(
      undefined,
      'signed-head',
      'the export carries no signed head that matches it: nothing proves it is the original log',
    );
  if (latest.treeSize < report.eventsChecked)
    throw new LogImportError(
      await eventLine(file, (_, index) => index === latest.treeSize),
      'signed-head',
      `the newest signed head covers the first ${latest.treeSize} of the ${report.eventsChecked} events: ` +
        'the events from this line on are vouched for by their hash chains only',
    );
}

/** The line of the event a problem names, else (a signed head's problem) the newest head's line. */
async function problemLine(
  file: string,
  problem: LogProblem,
  headLines: number[],
  heads: Checkpoint[],
): Promise<number | undefined> {
  if (problem.position !== undefined) return eventLine(file, (event) => event.position === problem.position);
  if (problem.streamId !== undefined)
    return eventLine(file, (event) => event.streamId === problem.streamId && event.revision === problem.revision);
  const named = heads.findIndex((head) => problem.message.includes(head.signedAt));
  return headLines[named >= 0 ? named : headLines.length - 1];
}

/** The line of the first event line that `matches` (given the event and its index among events). */
async function eventLine(
  file: string,
  matches: (event: Record<string, unknown>, index: number) => boolean,
): Promise<number | undefined> {
  let index = 0;
  for await (const { line, number } of new ExportReader(file).lines()) {
    // By the parsed kind: a file written again with its keys in another order loads as well.
    const event = parseLine(line, number);
    if (event.kind !== 'event') continue;
    if (matches(event, index)) return number;
    index += 1;
  }
  return undefined;
}

type LineValue = Record<string, unknown> & { kind?: unknown };

function parseLine(line: string, number: number): LineValue {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new LogImportError(number, 'format', `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(value)) throw new LogImportError(number, 'format', 'not a JSON object');
  return value;
}

function isRecord(value: unknown): value is LineValue {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The event a line gives, field by field (their forms are the store's to check). */
function loggedEventOf(value: LineValue, number: number): LoggedEvent {
  const {
    position,
    streamId,
    revision,
    eventId,
    type,
    schemaVersion,
    businessTime,
    recordedTime,
    data,
    metadata,
    hash,
  } = value;
  if (
    typeof position !== 'number' ||
    typeof streamId !== 'string' ||
    typeof revision !== 'number' ||
    typeof eventId !== 'string' ||
    typeof type !== 'string' ||
    typeof schemaVersion !== 'number' ||
    typeof businessTime !== 'string' ||
    typeof recordedTime !== 'string' ||
    typeof data !== 'string' ||
    typeof metadata !== 'string' ||
    typeof hash !== 'string'
  )
    throw new LogImportError(
      number,
      'format',
      'an event line gives position, streamId, revision, eventId, type, schemaVersion, businessTime, recordedTime, ' +
        'data, metadata (the stored JSON texts, as strings) and hash',
    );
  jsonText(data, 'data', number);
  jsonText(metadata, 'metadata', number);
  return {
    position,
    streamId,
    revision,
    eventId,
    type,
    schemaVersion,
    businessTime,
    recordedTime,
    data,
    metadata,
    hash,
  };
}

/** The store keeps data and metadata as JSON: a text that is not is refused here, naming its line. */
function jsonText(text: string, field: string, number: number): void {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new LogImportError(
      number,
      'format',
      `${field} is not JSON text (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/**
 * The export's lines, read a megabyte at a time and split on line ends (a line's bytes are decoded
 * once, whole: a character is never cut). The first must be the header of a format this release reads.
 */
class ExportReader {
  lineCount = 0;

  constructor(private readonly file: string) {}

  async *lines(): AsyncGenerator<{ line: string; number: number }> {
    let number = 0;
    for await (const batch of this.batches()) {
      for (const line of batch) {
        number += 1;
        if (number === 1) checkHeader(line);
        else if (line.length > 0) yield { line, number };
      }
    }
    this.lineCount = number;
    if (number === 0) throw new LogImportError(1, 'format', 'the file is empty');
  }

  private async *batches(): AsyncGenerator<string[]> {
    const stream = createReadStream(this.file, { highWaterMark: 1 << 20 });
    let rest: Buffer | undefined;
    for await (const chunk of stream) {
      if (!Buffer.isBuffer(chunk)) throw new Error('expected bytes');
      const bytes = rest ? Buffer.concat([rest, chunk]) : chunk;
      const last = bytes.lastIndexOf(10);
      if (last < 0) {
        rest = bytes;
        continue;
      }
      rest = last + 1 < bytes.length ? bytes.subarray(last + 1) : undefined;
      yield bytes.toString('utf8', 0, last).split('\n');
    }
    if (rest) yield [rest.toString('utf8')];
  }
}

function checkHeader(line: string): void {
  const header = parseLine(line, 1);
  if (header.kind !== 'header')
    throw new LogImportError(1, 'format', 'not a TIP log export (`tip export-log` writes a "header" line first)');
  if (header.format !== LOG_EXPORT_FORMAT)
    throw new LogImportError(
      1,
      'format',
      `the export's format is ${JSON.stringify(header.format)}; this release reads ${LOG_EXPORT_FORMAT}`,
    );
}

/**
 * What the verifier reads, in the order the store is given it. The producer waits while two
 * items are unread, so the two sides keep step and nothing piles up.
 */
class ItemQueue {
  private readonly waiting: LogScanItem[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;

  async push(item: LogScanItem): Promise<void> {
    if (this.ended) return;
    this.waiting.push(item);
    this.wake?.();
    if (this.waiting.length > 2) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  end(): void {
    this.ended = true;
    this.wake?.();
    this.drained?.();
  }

  async *items(): AsyncGenerator<LogScanItem> {
    for (;;) {
      const item = this.waiting.shift();
      if (item) {
        if (this.waiting.length <= 2) this.drained?.();
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
