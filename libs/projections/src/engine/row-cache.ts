import { keyString, PeekRows, RollUp, Row, RowNotLoaded, RowRef, Total, ViewChange, ViewRows } from './view-changes';

interface TableShape {
  primaryKeys: readonly string[];
}

/**
 * The rows of one projector in memory: what was loaded (null = known absent), what the batch in
 * hand changed, and the counter deltas to add. The projector is the only writer of its tables
 * (it holds the subscription's lease), so rows kept between batches stay true.
 */
export class RowCache implements ViewRows, PeekRows {
  private readonly rows = new Map<string, Map<string, Row | null>>();
  private dirty = new Map<string, Map<string, { key: unknown[]; row: Row | null }>>();
  private counters = new Map<string, Map<string, Row>>();
  /**
   * The adds that roll up or go to a total too (see RollUp, Total), summed apart by table and key:
   * added to their row, to the rows they roll up into and to their totals when handed over. (The
   * same row may take adds that do neither.)
   */
  private rollingUp = new Map<string, Map<string, Rolling>>();

  constructor(
    private readonly shapes: ReadonlyMap<string, TableShape>,
    private readonly maxRowsPerTable = 200_000,
  ) {}

  /**
   * Every row there is, is held (a rebuild's fresh copy that has forgotten none): one not held is
   * absent, without a RowNotLoaded thrown and caught to say so.
   */
  absentUnlessHeld = false;

  /**
   * A fresh copy that has forgotten rows: the keys it has written, per table. A row neither held
   * nor written is absent; one written and not held is read back (RowNotLoaded).
   */
  absentUnlessWritten: ReadonlyMap<string, ReadonlySet<string>> | undefined;

  get<T = Row>(table: string, ...key: unknown[]): T | undefined {
    const found = this.table(table).get(this.idOf(key));
    if (found === undefined) {
      if (this.absentUnlessHeld) return undefined;
      const written = this.absentUnlessWritten?.get(table);
      if (written && !written.has(keyString(key))) return undefined;
      throw new RowNotLoaded({ table, key });
    }
    return (found ?? undefined) as T | undefined;
  }

  peek<T = Row>(table: string, ...key: unknown[]): T | undefined {
    return (this.table(table).get(keyString(key)) ?? undefined) as T | undefined;
  }

  /** Of the refs, those neither cached nor known absent, once each. */
  missing(refs: readonly RowRef[]): RowRef[] {
    const seen = new Set<string>();
    return refs.filter((ref) => {
      // Most refs are held: one key string for them, and no id.
      const key = keyString(ref.key);
      if (this.table(ref.table).has(key)) return false;
      const id = `${ref.table}\u0000${key}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  /** Rows fetched from the database; refs not found are remembered as absent. */
  loaded(refs: readonly RowRef[], found: ReadonlyMap<string, Row[]>): void {
    for (const ref of refs) {
      const rows = this.table(ref.table);
      if (!rows.has(keyString(ref.key))) rows.set(keyString(ref.key), null);
    }
    for (const [table, rows] of found) {
      const shape = this.shape(table);
      for (const row of rows) this.table(table).set(keyString(shape.primaryKeys.map((column) => row[column])), row);
    }
  }

  /**
   * The changes of one event. `written` false (a partition of a rebuild, for an event every
   * partition projects and another one writes): rows are kept to be read, nothing to write.
   */
  apply(changes: readonly ViewChange[], written = true): void {
    for (const change of changes) {
      if (change.op === 'add') {
        if (written) this.addCounter(change.table, change.row, change.rollUp, change.total);
        continue;
      }
      const key =
        change.op === 'put' ? this.shape(change.table).primaryKeys.map((column) => change.row[column]) : change.key;
      const value = change.op === 'put' ? change.row : null;
      const id = this.idOf(key);
      this.table(change.table).set(id, value);
      if (written) this.tableOf(this.dirty, change.table).set(id, { key, row: value });
    }
  }

  /** The batch's writes, handed over once: rows to put or delete per state table, deltas per counter table. */
  takeChanges(ordered = true): {
    puts: Map<string, Row[]>;
    deletes: Map<string, unknown[][]>;
    counters: Map<string, Row[]>;
  } {
    const puts = new Map<string, Row[]>();
    const deletes = new Map<string, unknown[][]>();
    for (const [table, rows] of this.dirty) {
      for (const { key, row } of rows.values()) {
        if (row) this.listOf(puts, table).push(row);
        else this.listOf(deletes, table).push(key);
      }
    }
    this.dirty = new Map();
    return { puts, deletes, counters: this.takeCounters(ordered) };
  }

  /**
   * The counter rows merged so far, handed over once (a rebuild's partition hands them to the
   * thread that writes them); in key order unless `ordered` is false (a rebuild's copy, which one
   * writer writes: sorting its rows was a twentieth of its CPU).
   */
  takeCounters(ordered = true): Map<string, Row[]> {
    this.rollUpCounters();
    if (!ordered) {
      const counters = new Map([...this.counters].map(([table, rows]) => [table, [...rows.values()]]));
      this.counters = new Map();
      return counters;
    }
    // Keys in one order in every worker: two transactions adding to the same rows lock them alike, never crosswise.
    const counters = new Map(
      [...this.counters]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([table, rows]) => [
          table,
          [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row),
        ]),
    );
    this.counters = new Map();
    return counters;
  }

  /** Rows held: cached (absent ones too) and counter rows merged, the measure of its memory. */
  get heldRows(): number {
    return this.cachedRows() + this.counterRows;
  }

  /** Rows cached, absent ones too, but those of `except`'s tables. */
  cachedRows(except: ReadonlySet<string> = new Set()): number {
    let count = 0;
    for (const [table, rows] of this.rows) if (!except.has(table)) count += rows.size;
    return count;
  }

  /** Counter rows merged and not handed over yet. */
  get counterRows(): number {
    let count = 0;
    for (const rows of this.counters.values()) count += rows.size;
    for (const sums of this.rollingUp.values()) count += sums.size;
    return count;
  }

  /**
   * Forgets the cached rows but those of `keep`'s tables, keeping the changes not handed over yet
   * (rebuilds, once what it held is written).
   */
  forgetRows(keep: ReadonlySet<string> = new Set()): void {
    for (const [table, rows] of this.rows) if (!keep.has(table)) rows.clear();
  }

  /** After a commit: keeps memory bounded by forgetting the biggest tables' rows. */
  trim(): void {
    for (const rows of this.rows.values()) if (rows.size > this.maxRowsPerTable) rows.clear();
  }

  /** After a failed write or when the tables changed under us: nothing cached can be trusted. */
  clear(): void {
    this.rows.clear();
    this.dirty = new Map();
    this.counters = new Map();
    this.rollingUp = new Map();
  }

  /**
   * keyString, the last composite key's string again when its parts are the same: an event reads
   * its row and then puts it, and the next event is often the same stream's (a string joined
   * afresh is copied and hashed again at every lookup).
   */
  private idOf(key: readonly unknown[]): string {
    if (key.length === 1) return String(key[0]);
    const last = this.lastKey;
    if (key.length === last.length) {
      let index = 0;
      while (index < key.length && key[index] === last[index]) index++;
      if (index === key.length) return this.lastId;
    }
    // The parts copied: the caller's array may change after.
    for (let index = 0; index < key.length; index++) last[index] = key[index];
    last.length = key.length;
    return (this.lastId = keyString(key));
  }

  private readonly lastKey: unknown[] = [];
  private lastId = '';

  private addCounter(table: string, delta: Row, rollUp?: RollUp, total?: Total): void {
    const key = keyOf(this.shape(table).primaryKeys, delta);
    // Adds that do not roll up are few (a ledger's seats count at its own unit): to the total at once.
    if (total && !rollUp) {
      this.addCounter(table, delta);
      this.addCounter(total.table, without(delta, total.over));
      return;
    }
    if (rollUp) {
      const sums = this.tableOf(this.rollingUp, table);
      const rolling = sums.get(key);
      if (!rolling) sums.set(key, { sum: mergeOwned({}, delta), rollUp, total });
      else if (!sameRollUp(rolling.rollUp, rollUp) || !sameTotal(rolling.total, total))
        throw new Error(
          `Counter row ${table}[${key}] is rolled up into ${describe(rolling)} and into ${describe({ rollUp, total })}`,
        );
      else mergeOwned(rolling.sum, delta);
      return;
    }
    const rows = this.tableOf(this.counters, table);
    const current = rows.get(key);
    // Counter rows, and the objects of numbers in them, are this cache's own until handed over
    // (takeChanges starts new ones): merged in place, with no new object per event.
    if (current) mergeOwned(current, delta);
    else rows.set(key, mergeOwned({}, delta));
  }

  /**
   * The adds that roll up, added to their own rows and to those they roll up into; their totals
   * summed first (a unit's weeks to its total), then rolled up in turn: one merge a row's sum, not
   * one for each unit above it.
   */
  private rollUpCounters(): void {
    const rolling = this.rollingUp;
    this.rollingUp = new Map();
    for (const [table, sums] of rolling)
      for (const { sum, rollUp, total } of sums.values()) {
        if (total) this.addCounter(total.table, without(sum, total.over), rollUp);
        this.addTo(table, sum, rollUp);
      }
    if (this.rollingUp.size > 0) this.rollUpCounters();
  }

  /** A sum added to its row and to the rows it rolls up into. */
  private addTo(table: string, sum: Row, rollUp: RollUp): void {
    this.addCounter(table, sum);
    for (const unit of rollUp.into) this.addCounter(table, { ...sum, [rollUp.column]: unit });
  }

  private shape(table: string): TableShape {
    const shape = this.shapes.get(table);
    if (!shape) throw new Error(`Unknown read-model table "${table}"`);
    return shape;
  }

  private table(table: string): Map<string, Row | null> {
    this.shape(table);
    return this.tableOf(this.rows, table);
  }

  private tableOf<V>(maps: Map<string, Map<string, V>>, table: string): Map<string, V> {
    let rows = maps.get(table);
    if (!rows) maps.set(table, (rows = new Map()));
    return rows;
  }

  private listOf<V>(lists: Map<string, V[]>, table: string): V[] {
    let list = lists.get(table);
    if (!list) lists.set(table, (list = []));
    return list;
  }
}

/** Counter arithmetic: numbers add (in hundredths, as hours do), objects of numbers add key by key, instants keep the earliest. */
export function addRows(current: Row, delta: Row): Row {
  const sum: Row = { ...current };
  mergeInto(sum, delta);
  return sum;
}

/** addRows in place. Nested objects are replaced, never changed: deltas share them. */
function mergeInto(row: Row, delta: Row): void {
  for (const column of Object.keys(delta)) {
    const value = delta[column];
    const before = row[column];
    if (typeof value === 'number') row[column] = typeof before === 'number' ? addNumbers(before, value) : value;
    else if (typeof value === 'string') row[column] = typeof before === 'string' && before < value ? before : value;
    else if (isNumberMap(value) && isNumberMap(before)) row[column] = addNumberMaps(before, value);
    else row[column] = value;
  }
}

/**
 * mergeInto for a row whose objects of numbers nobody else holds: those add in place, and one
 * taken from a delta (which other rows share) is copied first.
 */
function mergeOwned(row: Row, delta: Row): Row {
  for (const column in delta) {
    if (!Object.hasOwn(delta, column)) continue;
    const value = delta[column];
    const before = row[column];
    if (typeof value === 'number') row[column] = typeof before === 'number' ? addNumbers(before, value) : value;
    else if (typeof value === 'string') row[column] = typeof before === 'string' && before < value ? before : value;
    else if (isNumberMap(value)) {
      if (!isNumberMap(before)) row[column] = { ...value };
      else
        for (const key in value)
          if (Object.hasOwn(value, key))
            before[key] = addNumbers(Object.hasOwn(before, key) ? before[key] : 0, value[key]);
    } else row[column] = value;
  }
  return row;
}

interface Rolling {
  sum: Row;
  rollUp: RollUp;
  total?: Total;
}

function sameRollUp(a: RollUp, b: RollUp): boolean {
  if (a.into === b.into) return a.column === b.column;
  return (
    a.column === b.column && a.into.length === b.into.length && a.into.every((each, index) => each === b.into[index])
  );
}

const sameTotal = (a: Total | undefined, b: Total | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.table === b.table && a.over === b.over);

const describe = ({ rollUp, total }: Omit<Rolling, 'sum'>) =>
  `${rollUp.column} ${rollUp.into.join(', ')}${total ? ` with its total in ${total.table}` : ''}`;

/** The row but one column, as a new object (`delete` would turn it into a slow dictionary). */
function without(row: Row, column: string): Row {
  const rest: Row = {};
  for (const each in row) if (each !== column && Object.hasOwn(row, each)) rest[each] = row[each];
  return rest;
}

/** keyString of a row's key columns, without the array in between. */
function keyOf(columns: readonly string[], row: Row): string {
  let key = String(row[columns[0]]);
  for (let index = 1; index < columns.length; index++) key += `\u001f${String(row[columns[index]])}`;
  return key;
}

export function addNumberMaps(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = addNumbers(Object.hasOwn(sum, key) ? sum[key] : 0, value);
  return sum;
}

const addNumbers = (a: number, b: number) => Math.round((a + b) * 100) / 100;

// Counter columns hold numbers, instants or JSON objects of numbers: an object is one of those.
function isNumberMap(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
