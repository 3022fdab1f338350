import { InvalidAppendError } from './errors';

/**
 * A canonical JSON encoding (object keys sorted by UTF-16 code units, no white space, as in
 * RFC 8785 for the values TIP stores) so a hash does not depend on how a database
 * reorders keys: PostgreSQL's jsonb, for one, does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** Deeper than any event TIP writes; also how a cycle shows up without tracking every object. */
const MAX_DEPTH = 64;

/** Carries the path of a refused value outwards; paths are built only when something is refused. */
class RefusedValue {
  readonly segments: string[] = [];
  constructor(readonly rule: string) {}
}

/**
 * The canonical encoding of data an event is about to store, refusing in the same walk what
 * JSON cannot carry faithfully; `field` names where the offending value is.
 */
export function canonicalJsonOfEventData(value: unknown, field: string): string {
  try {
    return encodeChecked(value, 0);
  } catch (error) {
    if (error instanceof RefusedValue) throw new InvalidAppendError(field + error.segments.reverse().join(''), error.rule);
    throw error;
  }
}

function encodeChecked(item: unknown, depth: number): string {
  switch (typeof item) {
    case 'string':
      // PostgreSQL's jsonb cannot hold U+0000; refuse it everywhere so every adapter behaves alike.
      if (item.includes('\u0000')) throw new RefusedValue('must not contain the character U+0000');
      // A lone surrogate (text cut inside an emoji) is not Unicode; PostgreSQL refuses it.
      if (!item.isWellFormed()) throw new RefusedValue('must be well-formed Unicode (no lone surrogates)');
      return JSON.stringify(item);
    case 'boolean':
      return item ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(item)) throw new RefusedValue('must be a finite number');
      return JSON.stringify(item);
    case 'object': {
      if (item === null) return 'null';
      if (depth >= MAX_DEPTH) throw new RefusedValue(`must not be circular or nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(item)) return encodeArray(item, depth);
      const prototype = Object.getPrototypeOf(item);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new RefusedValue('must be plain JSON data (no class instances, dates or buffers)');
      }
      return encodeObject(item as Record<string, unknown>, depth);
    }
    default:
      throw new RefusedValue(`must be JSON data, not ${typeof item}`);
  }
}

function encodeArray(items: unknown[], depth: number): string {
  let encoded = '[';
  for (let index = 0; index < items.length; index++) {
    if (index > 0) encoded += ',';
    try {
      encoded += encodeChecked(items[index], depth + 1);
    } catch (error) {
      if (error instanceof RefusedValue) error.segments.push(`[${index}]`);
      throw error;
    }
  }
  return `${encoded}]`;
}

function encodeObject(record: Record<string, unknown>, depth: number): string {
  let keys = Object.keys(record);
  // Most objects are built with their keys in order already; sort only those that are not.
  for (let index = 1; index < keys.length; index++) {
    if (keys[index - 1] > keys[index]) {
      keys = keys.sort();
      break;
    }
  }
  let encoded = '{';
  for (const key of keys) {
    const member = record[key];
    // A member set to undefined is simply absent, as in JSON.stringify.
    if (member === undefined) continue;
    if (key.includes('\u0000') || !key.isWellFormed()) throw new RefusedValue('must have well-formed keys without U+0000');
    if (encoded.length > 1) encoded += ',';
    try {
      encoded += `${JSON.stringify(key)}:${encodeChecked(member, depth + 1)}`;
    } catch (error) {
      if (error instanceof RefusedValue) error.segments.push(`.${key}`);
      throw error;
    }
  }
  return `${encoded}}`;
}
