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

/**
 * The canonical encoding of data an event is about to store, refusing in the same walk what
 * JSON cannot carry faithfully; `field` names where the offending value is.
 */
export function canonicalJsonOfEventData(value: unknown, field: string): string {
  const seen = new Set<object>();
  const encode = (item: unknown, path: string): string => {
    switch (typeof item) {
      case 'string':
        // PostgreSQL's jsonb cannot hold U+0000; refuse it everywhere so every adapter behaves alike.
        if (item.includes('\u0000')) throw new InvalidAppendError(path, 'must not contain the character U+0000');
        return JSON.stringify(item);
      case 'boolean':
        return item ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(item)) throw new InvalidAppendError(path, 'must be a finite number');
        return JSON.stringify(item);
      case 'object': {
        if (item === null) return 'null';
        if (seen.has(item)) throw new InvalidAppendError(path, 'must not be circular');
        const prototype = Object.getPrototypeOf(item);
        if (!Array.isArray(item) && prototype !== Object.prototype && prototype !== null) {
          throw new InvalidAppendError(path, 'must be plain JSON data (no class instances, dates or buffers)');
        }
        seen.add(item);
        let encoded: string;
        if (Array.isArray(item)) {
          encoded = `[${item.map((element, index) => encode(element, `${path}[${index}]`)).join(',')}]`;
        } else {
          const record = item as Record<string, unknown>;
          const members: string[] = [];
          for (const key of Object.keys(record).sort()) {
            if (key.includes('\u0000')) throw new InvalidAppendError(path, 'must not contain the character U+0000');
            // A member set to undefined is simply absent, as in JSON.stringify.
            if (record[key] === undefined) continue;
            members.push(`${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`)}`);
          }
          encoded = `{${members.join(',')}}`;
        }
        seen.delete(item);
        return encoded;
      }
      default:
        throw new InvalidAppendError(path, `must be JSON data, not ${typeof item}`);
    }
  };
  return encode(value, field);
}
