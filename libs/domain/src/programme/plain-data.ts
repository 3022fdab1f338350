/**
 * Structural equality of plain, serializable data (what commands and events carry): arrays in
 * order, objects by key set, and a key holding undefined counts as absent, as after a JSON round trip.
 */
export function isSameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => isSameData(item, b[index]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keysOf = (record: Record<string, unknown>) => Object.keys(record).filter((key) => record[key] !== undefined);
    const keys = keysOf(a);
    return keys.length === keysOf(b).length && keys.every((key) => isSameData(a[key], b[key]));
  }
  return false;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Freezes nested plain data, so a shared preset cannot be changed by whoever reads it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
