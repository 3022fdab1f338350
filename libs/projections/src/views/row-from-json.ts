import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * A row read back from `to_jsonb(row)` (a view that gathers several tables in one statement) as
 * the entity TypeORM would load: each column's value under its property name, through its
 * transformer where it has one.
 */
export function rowFromJson<T extends ObjectLiteral>(reader: EntityManager, entity: EntityTarget<T>, json: unknown): T {
  const stored = json as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const column of reader.connection.getMetadata(entity).columns) {
    const value = stored[column.databaseName];
    const transformer = column.transformer;
    row[column.propertyName] = transformer && !Array.isArray(transformer) ? transformer.from(value) : value;
  }
  return row as T;
}
