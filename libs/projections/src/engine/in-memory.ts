import { getMetadataArgsStorage } from 'typeorm';
import { RecordedEvent } from '@tip/event-store';
import { addRows, RowCache } from './row-cache';
import { ReadModel } from './read-model';
import { keyString, Row, RowNotLoaded } from './view-changes';

interface TableShape {
  primaryKeys: string[];
  /** What a counter row holds before anything is added: the columns' defaults. */
  zero: Row;
}

/** A read model's tables from the entities' decorators (no database needed), inherited columns included. */
export function tableShapes(readModel: ReadModel): Map<string, TableShape> {
  const storage = getMetadataArgsStorage();
  return new Map(
    readModel.entities.map((entity) => {
      const table = storage.tables.find((each) => each.target === entity);
      const columns = storage.columns.filter(
        ({ target }) => typeof target === 'function' && (target === entity || entity.prototype instanceof target),
      );
      const primaryKeys = columns.filter((column) => column.options.primary).map((column) => column.propertyName);
      const zero = Object.fromEntries(
        columns
          .filter((column) => column.options.default !== undefined)
          .map((column) => [column.propertyName, column.options.default]),
      );
      return [String(table?.name), { primaryKeys, zero }];
    }),
  );
}

/**
 * Runs a read model's projector over events with nothing but memory: what the tables would hold.
 * For given/when/then tests of projectors, and to compute a view from history independently.
 */
export function projectInMemory(readModel: ReadModel, events: readonly RecordedEvent[]): Map<string, Row[]> {
  const { projection } = readModel;
  const shapes = tableShapes(readModel);
  const cache = new RowCache(shapes, Number.MAX_SAFE_INTEGER);
  const tables = new Map<string, Map<string, Row>>();
  const keyOf = (table: string, row: Row) =>
    keyString((shapes.get(table)?.primaryKeys ?? []).map((column) => row[column]));
  for (const event of events.filter((each) => projection.handles(each))) {
    // Nothing exists but what the events made: every row not yet written is known absent.
    cache.loaded(cache.missing(projection.prefetch(event, cache)), new Map());
    for (;;) {
      try {
        cache.apply(projection.project(event, cache));
        break;
      } catch (error) {
        if (!(error instanceof RowNotLoaded)) throw error;
        cache.loaded([error.ref], new Map());
      }
    }
    const { puts, deletes, counters } = cache.takeChanges();
    for (const [table, rows] of puts) for (const row of rows) tableOf(tables, table).set(keyOf(table, row), row);
    for (const [table, keys] of deletes) for (const key of keys) tableOf(tables, table).delete(keyString(key));
    for (const [table, rows] of counters) {
      for (const row of rows) {
        const current = tableOf(tables, table).get(keyOf(table, row));
        tableOf(tables, table).set(keyOf(table, row), addRows(current ?? shapes.get(table)?.zero ?? {}, row));
      }
    }
  }
  return new Map([...tables].map(([table, rows]) => [table, [...rows.values()]]));
}

function tableOf(tables: Map<string, Map<string, Row>>, table: string): Map<string, Row> {
  let rows = tables.get(table);
  if (!rows) tables.set(table, (rows = new Map()));
  return rows;
}
