import { hash } from 'node:crypto';
import * as eventStore from '@tip/event-store';
import { EVENT_LEAF_VERSION } from '../merkle/event-leaf';

// Bound once: a name imported from a package's index is a getter, read again at every use.
const { canonicalInstant, LOG_ROW_FIELDS, LogInstants, logRowFields, readInt64 } = eventStore;
const STREAM_ID = eventStore.LogRowField.streamId;
const TYPE = eventStore.LogRowField.type;
const DATA = eventStore.LogRowField.data;
const METADATA = eventStore.LogRowField.metadata;
const POSITION = eventStore.LogRowField.position;
const REVISION = eventStore.LogRowField.revision;
const EVENT_ID = eventStore.LogRowField.eventId;
const SCHEMA_VERSION = eventStore.LogRowField.schemaVersion;

/**
 * What a verifier needs of each log row (LogRows) besides its chain, worked out from the stored
 * bytes as they are, without decoding data or metadata: its content hash, its Merkle leaf hash
 * and whether its columns agree with its metadata. Per event one cannot depend on another, so
 * worker threads work out pages of rows while the verifier chains the previous ones.
 *
 * Per row, ROW_RESULT_BYTES in `out`: the content hash (32 bytes), the leaf hash (32), and a flag:
 * 0 when the columns agree with the metadata, else 1: the verifier then checks that event the
 * slow way, decoded (to name what differs, or to fail as eventLeafHash does on what no leaf holds).
 */
export const ROW_RESULT_BYTES = 65;

const fields = new Int32Array(2 * LOG_ROW_FIELDS);
const instants = new LogInstants();
const EVENT_ID_KEY = Buffer.from('"eventId":"');
const BUSINESS_TIME_KEY = Buffer.from('"businessTime":"');
const RECORDED_TIME_KEY = Buffer.from('"recordedTime":"');
const QUOTE = 0x22;
const needle = Buffer.alloc(64);
let schemaVersionNeedle = { version: NaN, bytes: Buffer.alloc(0) };
const lastCanonical = [
  { text: '', canonical: undefined as string | undefined },
  { text: '', canonical: undefined as string | undefined },
];
let scratch = Buffer.allocUnsafe(64 * 1024);
const DATA_OPEN = Buffer.from('{"data":');
const METADATA_OPEN = Buffer.from(',"metadata":');
const HEX = Buffer.from('0123456789abcdef');

export function hashLogRows(bytes: Buffer, count: number, out: Buffer): void {
  let at = 0;
  for (let row = 0; row < count; row++) {
    at = logRowFields(bytes, at, fields);
    hashRow(bytes, out, row * ROW_RESULT_BYTES);
  }
}

const start = (field: number) => fields[2 * field];
const length = (field: number) => fields[2 * field + 1];

function hashRow(bytes: Buffer, out: Buffer, resultAt: number): void {
  const dataLength = length(DATA);
  const metadataLength = length(METADATA);
  const streamIdLength = length(STREAM_ID);
  const typeLength = length(TYPE);
  const worst = 200 + 6 * (streamIdLength + typeLength) + dataLength + metadataLength;
  if (scratch.length < worst) scratch = Buffer.allocUnsafe(Math.max(worst, scratch.length * 2));
  const streamId = bytes.toString('utf8', start(STREAM_ID), start(STREAM_ID) + streamIdLength);
  const type = bytes.toString('utf8', start(TYPE), start(TYPE) + typeLength);

  // The content hash: {"data":…,"metadata":…,"streamId":…,"type":…} (contentHashOfCanonical).
  let at = DATA_OPEN.copy(scratch, 0);
  at += bytes.copy(scratch, at, start(DATA), start(DATA) + dataLength);
  at += METADATA_OPEN.copy(scratch, at);
  at += bytes.copy(scratch, at, start(METADATA), start(METADATA) + metadataLength);
  at += scratch.write(`,"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`, at, 'utf8');
  // Through a binary string: a Buffer result would allocate a backing store of its own.
  out.write(hash('sha256', scratch.subarray(0, at), 'binary'), resultAt, 32, 'latin1');

  // The leaf: SHA-256(0x00 ‖ d), d as eventLeafInput writes it from the decoded event.
  const position = readInt64(bytes, start(POSITION));
  const revision = readInt64(bytes, start(REVISION));
  const schemaVersion = bytes.readInt32BE(start(SCHEMA_VERSION));
  const businessTime = instants.ofRow(bytes, fields, 0);
  const recordedTime = instants.ofRow(bytes, fields, 1);
  // What a leaf cannot hold: left to eventLeafHash on the decoded event, which says why.
  if (
    !Number.isSafeInteger(position) ||
    position < 0 ||
    !Number.isSafeInteger(revision) ||
    revision < 0 ||
    schemaVersion < 0 ||
    streamIdLength >= 0x10000 ||
    typeLength >= 0x10000 ||
    businessTime.length >= 0x100 ||
    recordedTime.length >= 0x100
  ) {
    out[resultAt + 64] = 1;
    return;
  }
  at = 0;
  scratch[at++] = 0;
  scratch[at++] = EVENT_LEAF_VERSION;
  at += bytes.copy(scratch, at, start(POSITION), start(POSITION) + 8);
  at = scratch.writeUInt16BE(streamIdLength, at);
  at += bytes.copy(scratch, at, start(STREAM_ID), start(STREAM_ID) + streamIdLength);
  at += bytes.copy(scratch, at, start(REVISION), start(REVISION) + 8);
  scratch[at++] = 36;
  const eventIdAt = at;
  at = writeUuid(bytes, start(EVENT_ID), at);
  at = scratch.writeUInt16BE(typeLength, at);
  at += bytes.copy(scratch, at, start(TYPE), start(TYPE) + typeLength);
  at = scratch.writeUInt32BE(schemaVersion, at);
  at = writeShortText(businessTime, at);
  at = writeShortText(recordedTime, at);
  at = scratch.writeUInt32BE(dataLength, at);
  at += bytes.copy(scratch, at, start(DATA), start(DATA) + dataLength);
  at = scratch.writeUInt32BE(metadataLength, at);
  at += bytes.copy(scratch, at, start(METADATA), start(METADATA) + metadataLength);
  out.write(hash('sha256', scratch.subarray(0, at), 'binary'), resultAt + 32, 32, 'latin1');

  out[resultAt + 64] = fieldsAgree(bytes, eventIdAt, schemaVersion, businessTime, recordedTime) ? 0 : 1;
}

/** A UUID's 16 bytes as lower-case 8-4-4-4-12 text. */
function writeUuid(bytes: Buffer, from: number, at: number): number {
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) scratch[at++] = 0x2d;
    const byte = bytes[from + index];
    scratch[at++] = HEX[byte >> 4];
    scratch[at++] = HEX[byte & 15];
  }
  return at;
}

function writeShortText(text: string, at: number): number {
  const written = scratch.write(text, at + 1, 'utf8');
  scratch[at] = written;
  return at + 1 + written;
}

/**
 * The checks of LogVerifier's checkFields, on the metadata's bytes: every needle is ASCII, and no
 * byte of a multi-byte UTF-8 character is, so a match is a match in the UTF-8 text. Anything else
 * is left to the slow path, which names the difference.
 */
function fieldsAgree(
  bytes: Buffer,
  eventIdAt: number,
  schemaVersion: number,
  businessTime: string,
  recordedTime: string,
): boolean {
  const from = start(METADATA);
  const end = from + length(METADATA);
  // "eventId":"<the event_id column>"
  let at = EVENT_ID_KEY.copy(needle, 0);
  at += scratch.copy(needle, at, eventIdAt, eventIdAt + 36);
  needle[at++] = QUOTE;
  if (!within(bytes.indexOf(needle.subarray(0, at), from), at, end)) return false;
  if (schemaVersionNeedle.version !== schemaVersion)
    schemaVersionNeedle = { version: schemaVersion, bytes: Buffer.from(`"schemaVersion":${schemaVersion}`) };
  if (!within(bytes.indexOf(schemaVersionNeedle.bytes, from), schemaVersionNeedle.bytes.length, end)) return false;
  return (
    canonicalMember(bytes, from, end, BUSINESS_TIME_KEY, 0) === businessTime &&
    canonicalMember(bytes, from, end, RECORDED_TIME_KEY, 1) === recordedTime
  );
}

const within = (found: number, length: number, end: number) => found >= 0 && found + length <= end;

/** The canonical form of a top-level string member's value, found as LogVerifier's stringMember finds it. */
function canonicalMember(bytes: Buffer, from: number, end: number, key: Buffer, slot: 0 | 1): string | undefined {
  const at = bytes.indexOf(key, from);
  if (!within(at, key.length, end)) return undefined;
  const close = bytes.indexOf(QUOTE, at + key.length);
  if (!within(close, 1, end)) return undefined;
  const text = bytes.toString('latin1', at + key.length, close);
  const last = lastCanonical[slot];
  if (text !== last.text) {
    last.text = text;
    last.canonical = canonicalInstant(text);
  }
  return last.canonical;
}
