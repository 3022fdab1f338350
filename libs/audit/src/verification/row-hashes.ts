import { hash } from 'node:crypto';
import * as eventStore from '@tip/event-store';
import { EVENT_LEAF_VERSION } from '../merkle/event-leaf';

// Bound once: a name imported from a package's index is a getter, read again at every use.
const { canonicalInstant, LOG_ROW_FIELDS, logRowFields } = eventStore;
const POSITION = eventStore.LogRowField.position;
const STREAM_ID = eventStore.LogRowField.streamId;
const REVISION = eventStore.LogRowField.revision;
const EVENT_ID = eventStore.LogRowField.eventId;
const TYPE = eventStore.LogRowField.type;
const SCHEMA_VERSION = eventStore.LogRowField.schemaVersion;
const BUSINESS_MICROS = eventStore.LogRowField.businessMicros;
const BUSINESS_TEXT = eventStore.LogRowField.businessText;
const DATA = eventStore.LogRowField.data;
const METADATA = eventStore.LogRowField.metadata;
const HASH = eventStore.LogRowField.hash;

/**
 * What a verifier needs of each log row (LogRows) besides its chain, worked out from the stored
 * bytes as they are, without decoding data or metadata: its content hash, its Merkle leaf hash
 * and whether its columns agree with its metadata. Per event one cannot depend on another, so
 * worker threads work out pages of rows while the verifier chains the previous ones.
 *
 * Per row, ROW_RESULT_BYTES in `out`: the content hash (32 bytes), the leaf hash (32), a flag: 0
 * when the columns agree with the metadata, else 1: the verifier then checks that event the slow
 * way, decoded (to name what differs, or to fail as eventLeafHash does on what no leaf holds);
 * and where the row ends in the page (uint32, big-endian), so the verifier need not walk its fields.
 * A row flagged 0 has every fixed-size field of its size and a 32-byte hash, its last field.
 *
 * Written for the CPU it takes an event (a province's log is millions): every input is assembled
 * from the row's bytes into buffers kept from row to row, short runs copied byte by byte (a
 * call into Buffer's native copy costs more than copying 30 bytes), and hashes come back as
 * binary strings (a Buffer result would allocate a backing store of its own).
 */
export const ROW_RESULT_BYTES = 69;

const fields = new Int32Array(2 * LOG_ROW_FIELDS);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef');
const DATA_OPEN = Buffer.from('{"data":');
const METADATA_KEY = Buffer.from(',"metadata":');
const STREAM_ID_KEY = Buffer.from(',"streamId":"');
const TYPE_KEY = Buffer.from('","type":"');
const BUSINESS_TIME_KEY = Buffer.from('"businessTime":"');
const RECORDED_TIME_KEY = Buffer.from('"recordedTime":"');
const EVENT_ID_KEY = Buffer.from('"eventId":"');
/** Every instant formatted here (years 1900–2199) is 27 bytes: 2021-01-04T02:00:00.000000Z. */
const INSTANT_BYTES = 27;

/** The content hash's input: {"data":…,"metadata":…,"streamId":…,"type":…} (contentHashOfCanonical). */
let content = Buffer.allocUnsafe(64 * 1024);
DATA_OPEN.copy(content);
/** The leaf's input: 0x00 ‖ d, as eventLeafInput writes d from the decoded event. */
let leaf = Buffer.allocUnsafe(64 * 1024);
/** Each row's two instants as text, and the needles looked for in its metadata. */
const times = Buffer.alloc(2 * 64);
const timeLengths = [0, 0];
const needle = Buffer.alloc(64);
let schemaVersionNeedle = { version: NaN, bytes: Buffer.alloc(0) };
/** Where in the metadata, from its end, the event id and the schema version were found last: most rows alike. */
const fromEnd = { eventId: 0, schemaVersion: 0 };

export function hashLogRows(bytes: Buffer, count: number, out: Buffer): void {
  let at = 0;
  for (let row = 0; row < count; row++) {
    at = logRowFields(bytes, at, fields);
    hashRow(bytes, out, row * ROW_RESULT_BYTES);
    out.writeUInt32BE(at, row * ROW_RESULT_BYTES + 65);
  }
}

const start = (field: number) => fields[2 * field];
const length = (field: number) => fields[2 * field + 1];

function hashRow(bytes: Buffer, out: Buffer, resultAt: number): void {
  const dataLength = length(DATA);
  const metadataLength = length(METADATA);
  const streamIdLength = length(STREAM_ID);
  const typeLength = length(TYPE);
  const schemaVersion = bytes.readInt32BE(start(SCHEMA_VERSION));
  const positionHigh = bytes.readInt32BE(start(POSITION));
  const revisionHigh = bytes.readInt32BE(start(REVISION));
  // What a leaf cannot hold, or a text the fast encoding does not cover: left to eventLeafHash on
  // the decoded event, which says why (positions and revisions past 2^53 are past its numbers).
  if (
    length(POSITION) !== 8 ||
    length(REVISION) !== 8 ||
    length(EVENT_ID) !== 16 ||
    length(SCHEMA_VERSION) !== 4 ||
    length(HASH) !== 32 ||
    streamIdLength < 0 ||
    typeLength < 0 ||
    dataLength < 0 ||
    metadataLength < 0 ||
    positionHigh < 0 ||
    positionHigh >= 0x200000 ||
    revisionHigh < 0 ||
    revisionHigh >= 0x200000 ||
    schemaVersion < 0 ||
    streamIdLength >= 0x10000 ||
    typeLength >= 0x10000 ||
    !rowTime(bytes, 0) ||
    !rowTime(bytes, 1)
  ) {
    out[resultAt + 64] = 1;
    return;
  }
  const worst = 200 + 6 * (streamIdLength + typeLength) + dataLength + metadataLength;
  if (content.length < worst) {
    content = Buffer.allocUnsafe(Math.max(worst, content.length * 2));
    DATA_OPEN.copy(content);
    leaf = Buffer.allocUnsafe(content.length);
  }

  // The content hash. Data and metadata are copied as they are; the stream id and type go in as
  // JSON.stringify writes them, which is their bytes in quotes unless one needs escaping.
  let at = DATA_OPEN.length;
  at += bytes.copy(content, at, start(DATA), start(DATA) + dataLength);
  at = put(content, at, METADATA_KEY, 0, METADATA_KEY.length);
  at += bytes.copy(content, at, start(METADATA), start(METADATA) + metadataLength);
  if (plainJsonText(bytes, start(STREAM_ID), streamIdLength) && plainJsonText(bytes, start(TYPE), typeLength)) {
    at = put(content, at, STREAM_ID_KEY, 0, STREAM_ID_KEY.length);
    at = put(content, at, bytes, start(STREAM_ID), streamIdLength);
    at = put(content, at, TYPE_KEY, 0, TYPE_KEY.length);
    at = put(content, at, bytes, start(TYPE), typeLength);
    content[at++] = QUOTE;
    content[at++] = 0x7d; // }
  } else {
    const text = (field: number) => bytes.toString('utf8', start(field), start(field) + length(field));
    at += content.write(`,"streamId":${JSON.stringify(text(STREAM_ID))},"type":${JSON.stringify(text(TYPE))}}`, at);
  }
  putBinary(out, resultAt, hash('sha256', content.subarray(0, at), 'binary'));

  // The leaf: SHA-256(0x00 ‖ d). d ends with data and metadata, each after its 32-bit length:
  // the row holds exactly those bytes, one after the other, and they are copied in one piece.
  at = 0;
  leaf[at++] = 0;
  leaf[at++] = EVENT_LEAF_VERSION;
  at = put(leaf, at, bytes, start(POSITION), 8);
  leaf[at++] = streamIdLength >> 8;
  leaf[at++] = streamIdLength & 0xff;
  at = put(leaf, at, bytes, start(STREAM_ID), streamIdLength);
  at = put(leaf, at, bytes, start(REVISION), 8);
  leaf[at++] = 36;
  const eventIdAt = at;
  at = writeUuid(bytes, start(EVENT_ID), leaf, at);
  leaf[at++] = typeLength >> 8;
  leaf[at++] = typeLength & 0xff;
  at = put(leaf, at, bytes, start(TYPE), typeLength);
  at = put(leaf, at, bytes, start(SCHEMA_VERSION), 4);
  leaf[at++] = timeLengths[0];
  at = put(leaf, at, times, 0, timeLengths[0]);
  leaf[at++] = timeLengths[1];
  at = put(leaf, at, times, 64, timeLengths[1]);
  at += bytes.copy(leaf, at, start(DATA) - 4, start(METADATA) + metadataLength);
  putBinary(out, resultAt + 32, hash('sha256', leaf.subarray(0, at), 'binary'));

  out[resultAt + 64] = fieldsAgree(bytes, eventIdAt, schemaVersion) ? 0 : 1;
}

/** `count` bytes of `from` at `fromAt` into `to` at `at`: short runs by hand, long ones natively. */
function put(to: Buffer, at: number, from: Buffer, fromAt: number, count: number): number {
  if (count > 48) return at + from.copy(to, at, fromAt, fromAt + count);
  for (let index = 0; index < count; index++) to[at + index] = from[fromAt + index];
  return at + count;
}

/** A hash given as a binary string, into `out` at `at`. */
function putBinary(out: Buffer, at: number, binary: string): void {
  for (let index = 0; index < 32; index++) out[at + index] = binary.charCodeAt(index);
}

/** Whether JSON.stringify writes this UTF-8 text as its own bytes in quotes (no quote, backslash or control character). */
function plainJsonText(bytes: Buffer, from: number, count: number): boolean {
  for (let index = from; index < from + count; index++) {
    const byte = bytes[index];
    if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) return false;
  }
  return true;
}

/** A UUID's 16 bytes as lower-case 8-4-4-4-12 text. */
function writeUuid(bytes: Buffer, from: number, to: Buffer, at: number): number {
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) to[at++] = 0x2d;
    const byte = bytes[from + index];
    to[at++] = HEX[byte >> 4];
    to[at++] = HEX[byte & 15];
  }
  return at;
}

/**
 * The row's instant in `slot` (0 business, 1 recorded) as the log's text, into `times`: the text
 * PostgreSQL sent for years outside 1900–2199, else formatted here from the microseconds. False
 * when it does not fit a leaf's 8-bit length.
 */
function rowTime(bytes: Buffer, slot: 0 | 1): boolean {
  const text = BUSINESS_TEXT + slot;
  if (length(text) >= 0) {
    if (length(text) > 64 || length(text) >= 0x100) return false;
    timeLengths[slot] = put(times, 64 * slot, bytes, start(text), length(text)) - 64 * slot;
    // The date and instant formatted last are written over: the next instant formats its own.
    lastDay[slot] = NaN;
    lastMicros[2 * slot] = NaN;
    return true;
  }
  if (length(BUSINESS_MICROS + slot) !== 8) return false;
  const micros = start(BUSINESS_MICROS + slot);
  const high = bytes.readInt32BE(micros);
  const low = bytes.readUInt32BE(micros + 4);
  // The events of a command share their times, and an import's chunk its recorded time: the
  // instant formatted last is kept while the next row's is the same.
  if (timeLengths[slot] !== INSTANT_BYTES || high !== lastMicros[2 * slot] || low !== lastMicros[2 * slot + 1]) {
    formatMicros(high * 0x1_0000_0000 + low, slot);
    timeLengths[slot] = INSTANT_BYTES;
    lastMicros[2 * slot] = high;
    lastMicros[2 * slot + 1] = low;
  }
  return true;
}

/** The two 32-bit halves of the microseconds each slot formatted last (timeLengths says whether they are in `times`). */
const lastMicros = [NaN, NaN, NaN, NaN];

/** The date of the day formatted last, per slot: the events of a page mostly share their days. */
const lastDay = [NaN, NaN];

/** Microseconds since 2000-01-01 UTC (years 1900–2199) as 2021-01-04T02:00:00.000000Z, into `times` at slot. */
function formatMicros(micros: number, slot: 0 | 1): void {
  const at = 64 * slot;
  const days = Math.floor(micros / 86_400_000_000);
  let rest = micros - days * 86_400_000_000;
  if (days !== lastDay[slot]) {
    lastDay[slot] = days;
    writeDate(days, at);
  }
  const second = Math.floor(rest / 1_000_000);
  rest -= second * 1_000_000;
  times[at + 10] = 0x54; // T
  twoDigits(Math.floor(second / 3600), at + 11);
  times[at + 13] = 0x3a;
  twoDigits(Math.floor((second % 3600) / 60), at + 14);
  times[at + 16] = 0x3a;
  twoDigits(second % 60, at + 17);
  times[at + 19] = 0x2e;
  for (let digit = at + 25; digit > at + 19; digit--) {
    times[digit] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  times[at + 26] = 0x5a; // Z
}

/** YYYY-MM-DD of the day `days` after 2000-01-01 (H. Hinnant's civil_from_days). */
function writeDate(days: number, at: number): void {
  const z = days + 10_957 + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  twoDigits(Math.floor(year / 100), at);
  twoDigits(year % 100, at + 2);
  times[at + 4] = 0x2d;
  twoDigits(month, at + 5);
  times[at + 7] = 0x2d;
  twoDigits(day, at + 8);
}

function twoDigits(value: number, at: number): void {
  times[at] = 0x30 + Math.floor(value / 10);
  times[at + 1] = 0x30 + (value % 10);
}

/**
 * The checks of LogVerifier's checkFields, on the metadata's bytes; true only when they would
 * pass (anything else goes the slow way, which names the difference, so both give one report).
 * Every needle is ASCII, and no byte of a multi-byte UTF-8 character is, so a match is a match in
 * the UTF-8 text.
 */
function fieldsAgree(bytes: Buffer, eventIdAt: number, schemaVersion: number): boolean {
  const from = start(METADATA);
  const end = from + length(METADATA);
  // "eventId":"<the event_id column>" anywhere (metadata.includes): where the last row had it
  // first, compared where it lies; else looked for.
  if (!eventIdAtGuess(bytes, from, end, eventIdAt)) {
    let count = put(needle, 0, EVENT_ID_KEY, 0, EVENT_ID_KEY.length);
    count = put(needle, count, leaf, eventIdAt, 36);
    needle[count++] = QUOTE;
    if (!foundNear(bytes, from, end, needle, count, 'eventId')) return false;
  }
  if (schemaVersionNeedle.version !== schemaVersion)
    schemaVersionNeedle = { version: schemaVersion, bytes: Buffer.from(`"schemaVersion":${schemaVersion}`) };
  const version = schemaVersionNeedle.bytes;
  if (!foundNear(bytes, from, end, version, version.length, 'schemaVersion')) return false;
  return instantMembersAgree(bytes, from, end);
}

/** Whether "eventId":"<the leaf's event id>" lies where the last row had it, from the metadata's end. */
function eventIdAtGuess(bytes: Buffer, from: number, end: number, eventIdAt: number): boolean {
  const guess = end - fromEnd.eventId;
  const keyLength = EVENT_ID_KEY.length;
  return (
    guess >= from &&
    guess + keyLength + 37 <= end &&
    same(bytes, guess, EVENT_ID_KEY, 0, keyLength) &&
    same(bytes, guess + keyLength, leaf, eventIdAt, 36) &&
    bytes[guess + keyLength + 36] === QUOTE
  );
}

/** Both keys have their T here: "business and "recorded are 9 bytes. */
const KEY_T = 9;
const CAPITAL_T = 0x54;

/**
 * Whether the metadata's first "businessTime" and first "recordedTime" members (as LogVerifier's
 * stringMember finds them) are the row's instants. Both keys are found in one walk over the
 * metadata's capital Ts (a byte search, which costs a tenth of a search for a 16-byte needle):
 * every occurrence of a key has its T 9 bytes in, so the first T that completes a key is that
 * key's first occurrence.
 */
function instantMembersAgree(bytes: Buffer, from: number, end: number): boolean {
  let business = -1;
  let recorded = -1;
  let at = from + KEY_T;
  while (business < 0 || recorded < 0) {
    const t = bytes.indexOf(CAPITAL_T, at);
    // A key ends 7 bytes after its T, within the metadata.
    if (t < 0 || t + 7 > end) return false;
    at = t + 1;
    const keyAt = t - KEY_T;
    if (business < 0 && same(bytes, keyAt, BUSINESS_TIME_KEY, 0, BUSINESS_TIME_KEY.length)) business = keyAt;
    else if (recorded < 0 && same(bytes, keyAt, RECORDED_TIME_KEY, 0, RECORDED_TIME_KEY.length)) recorded = keyAt;
  }
  return (
    memberIsInstant(bytes, business + BUSINESS_TIME_KEY.length, end, 0) &&
    memberIsInstant(bytes, recorded + RECORDED_TIME_KEY.length, end, 1)
  );
}

/** Whether `needle`'s first `count` bytes occur in bytes[from, end): first where the last row had them. */
function foundNear(
  bytes: Buffer,
  from: number,
  end: number,
  needle: Buffer,
  count: number,
  slot: keyof typeof fromEnd,
): boolean {
  const guess = end - fromEnd[slot];
  if (guess >= from && guess + count <= end && same(bytes, guess, needle, 0, count)) return true;
  const found = bytes.indexOf(needle.subarray(0, count), from);
  if (found < 0 || found + count > end) return false;
  fromEnd[slot] = end - found;
  return true;
}

function same(a: Buffer, aAt: number, b: Buffer, bAt: number, count: number): boolean {
  for (let index = 0; index < count; index++) if (a[aAt + index] !== b[bAt + index]) return false;
  return true;
}

/**
 * Whether the member's text at `textAt` (up to its closing quote) is the row's instant in `slot`
 * once canonical. The usual forms (…:SS.fffZ, fewer or no fraction digits, Z) are compared byte
 * for byte with the column's text; any other goes through canonicalInstant.
 */
function memberIsInstant(bytes: Buffer, textAt: number, end: number, slot: 0 | 1): boolean {
  let close = textAt;
  while (close < end && bytes[close] !== QUOTE) close++;
  if (close >= end) return false;
  const textLength = close - textAt;
  const column = 64 * slot;
  const columnLength = timeLengths[slot];
  if (
    columnLength === INSTANT_BYTES &&
    textLength >= 20 &&
    textLength <= INSTANT_BYTES &&
    bytes[close - 1] === 0x5a &&
    same(bytes, textAt, times, column, 19) &&
    (textLength === 20 || (bytes[textAt + 19] === 0x2e && textLength >= 22))
  ) {
    // YYYY-MM-DDTHH:MM:SS(.f{1,6})?Z: its digits, then zeros, make the column's six.
    const digits = textLength === 20 ? 0 : textLength - 21;
    if (!same(bytes, textAt + 20, times, column + 20, digits)) return false;
    for (let index = column + 20 + digits; index < column + 26; index++) if (times[index] !== 0x30) return false;
    return true;
  }
  return (
    canonicalInstant(bytes.toString('latin1', textAt, close)) ===
    times.toString('latin1', column, column + columnLength)
  );
}
