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

/** Thrown when a sorted copy cannot be built as a plain object (see `ordered`): the slow encoder takes over. */
const UNORDERABLE = Symbol('unorderable');

/**
 * The canonical encoding of data an event is about to store, refusing in the same walk what
 * JSON cannot carry faithfully; `field` (and `fieldSuffix`, joined only when needed) names where
 * the offending value is.
 *
 * One walk checks every value and finds the objects whose keys are out of canonical order; only
 * those are copied with their keys sorted, and the engine's own `JSON.stringify` writes the text,
 * which is byte for byte what `canonicalJson` gives for data that passes the checks.
 */
export function canonicalJsonOfEventData(value: unknown, field: string, fieldSuffix = ''): string {
  try {
    // A toJSON hook on a built-in prototype would change what JSON.stringify writes.
    if (jsonHooked()) return encodeChecked(value, 0);
    return JSON.stringify(ordered(value, 0));
  } catch (error) {
    if (error instanceof RefusedValue)
      throw new InvalidAppendError(field + fieldSuffix + error.segments.reverse().join(''), error.rule);
    if (error === UNORDERABLE) return canonicalJsonOfEventDataSlowly(value, field + fieldSuffix);
    throw error;
  }
}

/** JSON.stringify asks objects (not primitives) for toJSON; Array.prototype's chain covers Object.prototype. */
function jsonHooked(): boolean {
  return 'toJSON' in Array.prototype;
}

function canonicalJsonOfEventDataSlowly(value: unknown, field: string): string {
  try {
    return encodeChecked(value, 0);
  } catch (error) {
    if (error instanceof RefusedValue)
      throw new InvalidAppendError(field + error.segments.reverse().join(''), error.rule);
    throw error;
  }
}

/** A string as `canonicalJsonOfEventData` encodes it (and refuses it) inside data at `field`. */
export function canonicalJsonOfString(text: string, field: string): string {
  try {
    checkString(text);
  } catch (error) {
    if (error instanceof RefusedValue) throw new InvalidAppendError(field, error.rule);
    throw error;
  }
  return JSON.stringify(text);
}

function checkString(text: string): void {
  // PostgreSQL's jsonb cannot hold U+0000; refuse it everywhere so every adapter behaves alike.
  if (text.includes('\u0000')) throw new RefusedValue('must not contain the character U+0000');
  // A lone surrogate (text cut inside an emoji) is not Unicode; PostgreSQL refuses it.
  if (!text.isWellFormed()) throw new RefusedValue('must be well-formed Unicode (no lone surrogates)');
}

/**
 * Checks a value as `encodeChecked` does and gives it back with every object's keys in canonical
 * order: the value itself when they already are (nothing is copied), else a copy of the objects
 * out of order and of their parents.
 */
function ordered(item: unknown, depth: number): unknown {
  switch (typeof item) {
    case 'string':
      checkString(item);
      return item;
    case 'boolean':
      return item;
    case 'number':
      if (!Number.isFinite(item)) throw new RefusedValue('must be a finite number');
      return item;
    case 'object': {
      if (item === null) return item;
      if (depth >= MAX_DEPTH) throw new RefusedValue(`must not be circular or nested deeper than ${MAX_DEPTH} levels`);
      const prototype = Object.getPrototypeOf(item);
      if (Array.isArray(item)) {
        // An array of a subclass could bring its own toJSON.
        if (prototype !== Array.prototype) throw UNORDERABLE;
        return orderedArray(item, depth);
      }
      if (prototype !== Object.prototype && prototype !== null) {
        throw new RefusedValue('must be plain JSON data (no class instances, dates or buffers)');
      }
      return orderedObject(item as Record<string, unknown>, depth);
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new RefusedValue(`must be JSON data, not ${typeof item}`);
  }
}

function orderedArray(items: unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    let result: unknown;
    try {
      result = ordered(item, depth + 1);
    } catch (error) {
      if (error instanceof RefusedValue) error.segments.push(`[${index}]`);
      throw error;
    }
    if (result !== item) {
      copy ??= items.slice();
      copy[index] = result;
    }
  }
  return copy ?? items;
}

function orderedObject(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const keys = Object.keys(record);
  let sorted = true;
  // Members replaced by sorted copies, by index in `keys`; allocated only when there is one.
  let replaced: unknown[] | undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    if (index > 0 && keys[index - 1] > key) sorted = false;
    const member = record[key];
    // A member set to undefined is simply absent, as in JSON.stringify.
    if (member === undefined) continue;
    if (key.includes('\u0000') || !key.isWellFormed())
      throw new RefusedValue('must have well-formed keys without U+0000');
    let result: unknown;
    try {
      result = ordered(member, depth + 1);
    } catch (error) {
      if (error instanceof RefusedValue) error.segments.push(`.${key}`);
      throw error;
    }
    if (result !== member) {
      replaced ??= [];
      replaced[index] = result;
    }
  }
  if (sorted && replaced === undefined) return record;
  for (const key of keys) {
    // Assigning __proto__ would set the copy's prototype instead of adding a member. And an
    // object lists keys that look like array indexes first, in numeric order, whatever the order
    // they were added in, so a copy cannot put them in canonical order.
    if (key === '__proto__') throw UNORDERABLE;
    if (!sorted) {
      const first = key.charCodeAt(0);
      if (first >= 48 && first <= 57) throw UNORDERABLE;
    }
  }
  if (!sorted) sortKeys(keys, replaced);
  const copy: Record<string, unknown> = {};
  for (let index = 0; index < keys.length; index++) {
    const member = replaced?.[index] ?? record[keys[index]];
    if (member !== undefined) copy[keys[index]] = member;
  }
  return copy;
}

/**
 * Sorts keys by UTF-16 code units, moving their replaced members along. Objects have few keys:
 * an insertion sort in place allocates nothing, where Array.prototype.sort allocates its work
 * arrays every time.
 */
function sortKeys(keys: string[], replaced: unknown[] | undefined): void {
  if (keys.length > 32) {
    const order = keys.map((_, index) => index).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    const sortedKeys = order.map((index) => keys[index]);
    const sortedReplaced = replaced && order.map((index) => replaced[index]);
    for (let index = 0; index < keys.length; index++) {
      keys[index] = sortedKeys[index];
      if (replaced && sortedReplaced) replaced[index] = sortedReplaced[index];
    }
    return;
  }
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index];
    const member = replaced?.[index];
    let at = index - 1;
    for (; at >= 0 && keys[at] > key; at--) {
      keys[at + 1] = keys[at];
      if (replaced) replaced[at + 1] = replaced[at];
    }
    keys[at + 1] = key;
    if (replaced) replaced[at + 1] = member;
  }
}

function encodeChecked(item: unknown, depth: number): string {
  switch (typeof item) {
    case 'string':
      checkString(item);
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
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
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
    if (key.includes('\u0000') || !key.isWellFormed())
      throw new RefusedValue('must have well-formed keys without U+0000');
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
