import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EntityManager } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { Row, RowRef, TableKind } from './view-changes';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A statement and its parameters ($1, $2…). */
export interface Statement {
  text: string;
  values: unknown[];
  /**
   * A name for the text, where it is fixed by the table and its one parameter carries the rows
   * (a TableSql statement): a connection can PREPARE it once and EXECUTE it (see PreparedTexts).
   */
  name?: string;
}

async function run(manager: EntityManager, statement: Statement | undefined): Promise<void> {
  if (statement) await manager.query(statement.text, statement.values);
}

/**
 * The statement with its parameters written in as literals, to go with others in one simple
 * query (one round trip). Values are strings, numbers, booleans or null.
 */
export function inlined({ text, values }: Statement): string {
  return text.replace(/\$(\d+)/g, (_, index: string) => literal(values[Number(index) - 1]));
}

export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot write ${value} into a statement`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return quoted(value);
  throw new Error(`Cannot write a ${typeof value} into a statement`);
}

/**
 * What pg's escapeLiteral answers, by native replaces instead of its loop over every character:
 * a batch's rows as JSON run to many kilobytes (the loop was 2 % of a worker's CPU, profiled).
 */
function quoted(text: string): string {
  const doubled = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${doubled.replace(/\\/g, '\\\\')}'` : `'${doubled}'`;
}
const INTEGER_TYPES = new Set(['integer', 'int', 'int2', 'int4', 'int8', 'smallint', 'bigint']);

/**
 * One read-model table as the engine writes it: whole batches of rows in one statement each,
 * passed as a single JSON parameter (json_to_recordset), from the columns TypeORM knows.
 */
export class TableSql {
  readonly name: string;
  readonly primaryKeys: string[];
  private readonly columns: ColumnMetadata[];
  private readonly keyColumns: ColumnMetadata[];
  private readonly qualified: string;
  /** Each kind of statement's text and its name, made once (they depend on the table alone). */
  private readonly texts = new Map<string, { text: string; name: string }>();

  constructor(
    metadata: EntityMetadata,
    readonly kind: TableKind,
    private readonly schema: string,
  ) {
    this.name = metadata.tableName;
    this.columns = metadata.columns;
    this.keyColumns = metadata.primaryColumns;
    this.primaryKeys = this.keyColumns.map((column) => column.propertyName);
    this.qualified = `${quote(schema)}.${quote(this.name)}`;
  }

  async load(manager: EntityManager, keys: readonly RowRef['key'][]): Promise<Row[]> {
    const statement = this.loadStatement(keys);
    if (!statement) return [];
    return this.loaded(await manager.query(statement.text, statement.values));
  }

  /** The statement `load` sends; undefined when there is nothing to load. */
  loadStatement(keys: readonly RowRef['key'][]): Statement | undefined {
    if (keys.length === 0) return undefined;
    return {
      ...this.named('load', () => {
        const names = this.keyColumns.map((column) => quote(column.databaseName)).join(', ');
        // The columns named, not *: a statement prepared over a table a rebuild swaps for one with
        // a column more still answers what this code reads.
        const columns = this.columns.map((column) => quote(column.databaseName)).join(', ');
        return `select ${columns} from ${this.qualified} where (${names}) in (select ${names} from jsonb_to_recordset($1::jsonb) as k(${this.recordTypes(this.keyColumns)}))`;
      }),
      values: [
        JSON.stringify(
          keys.map((key) =>
            Object.fromEntries(this.keyColumns.map((column, index) => [column.databaseName, key[index]])),
          ),
        ),
      ],
    };
  }

  /** The rows `load` answers, from what its statement returned. */
  loaded(rows: readonly Record<string, unknown>[]): Row[] {
    return rows.map((row) => this.fromDatabase(row));
  }

  async put(manager: EntityManager, rows: readonly Row[]): Promise<void> {
    await run(manager, this.putStatement(rows));
  }

  async add(manager: EntityManager, rows: readonly Row[]): Promise<void> {
    await run(manager, this.addStatement(rows));
  }

  async delete(manager: EntityManager, keys: readonly unknown[][]): Promise<void> {
    await run(manager, this.deleteStatement(keys));
  }

  /** The statement `put` sends; undefined when there is nothing to write. */
  putStatement(rows: readonly Row[]): Statement | undefined {
    return this.insert(rows, 'put', () => {
      const updates = this.columns
        .filter((column) => !column.isPrimary)
        .map((column) => `${quote(column.databaseName)} = excluded.${quote(column.databaseName)}`);
      return updates.length ? `do update set ${updates.join(', ')}` : 'do nothing';
    });
  }

  /** The statement `add` sends; undefined when there is nothing to write. */
  addStatement(rows: readonly Row[]): Statement | undefined {
    return this.insert(rows, 'add', () => this.addConflict());
  }

  private addConflict(): string {
    const updates = this.columns
      .filter((column) => !column.isPrimary)
      .map((column) => {
        const name = quote(column.databaseName);
        const current = `${this.qualified}.${name}`;
        // An empty map adds nothing: the row keeps its map without a call of jsonb_add, a SQL
        // function planned again in every statement (most adds carry an empty map for one column
        // or both: a third of PostgreSQL's time for a Kafka worker's counters, by pg_stat_statements).
        if (column.type === 'jsonb')
          return `${name} = case when excluded.${name} = '{}'::jsonb and ${current} is not null then ${current} else ${quote(this.schema)}.jsonb_add(${current}, excluded.${name}) end`;
        // Instants keep the earliest (when a school first took part, whoever says it first).
        if (column.type === 'text') return `${name} = least(${current}, excluded.${name})`;
        if (INTEGER_TYPES.has(String(column.type))) return `${name} = ${current} + excluded.${name}`;
        // Rounded to hundredths as addRows does in memory: a double precision sum drifts
        // (0.1 + 0.2), and how far would depend on how the events were cut into batches.
        return `${name} = round((${current} + excluded.${name})::numeric, 2)::${String(column.type)}`;
      });
    return `do update set ${updates.join(', ')}`;
  }

  /** The statement `delete` sends; undefined when there is nothing to delete. */
  deleteStatement(keys: readonly unknown[][]): Statement | undefined {
    if (keys.length === 0) return undefined;
    return {
      ...this.named('delete', () => {
        const names = this.keyColumns.map((column) => quote(column.databaseName)).join(', ');
        return `delete from ${this.qualified} where (${names}) in (select ${names} from jsonb_to_recordset($1::jsonb) as k(${this.recordTypes(this.keyColumns)}))`;
      }),
      values: [
        JSON.stringify(
          keys.map((key) =>
            Object.fromEntries(this.keyColumns.map((column, index) => [column.databaseName, key[index]])),
          ),
        ),
      ],
    };
  }

  /**
   * Rows none of which the table holds yet, by COPY (a rebuild's fresh tables): no conflict to
   * check, no JSON recordset to unpack, and the rows stream while they are encoded.
   */
  async copy(client: ClientBase, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const names = this.columns.map((column) => quote(column.databaseName)).join(', ');
    await pipeline(
      Readable.from(this.copyText(rows)),
      client.query(copyFrom(`copy ${this.qualified} (${names}) from stdin`)),
    );
  }

  /** The rows in COPY's text format, in pieces of some 256 kB. */
  private *copyText(rows: readonly Row[]): Generator<string> {
    const encoders = this.columns.map((column) => copyEncoderOf(column));
    let piece = '';
    const zeros = this.columns.map((column) => this.zeroOf(column));
    for (const row of rows) {
      let line = '';
      // As toDatabase would have it, without an object per row.
      for (let index = 0; index < this.columns.length; index++) {
        const value = row[this.columns[index].propertyName] ?? zeros[index];
        line += (index === 0 ? '' : '\t') + (value === null || value === undefined ? '\\N' : encoders[index](value));
      }
      piece += line + '\n';
      if (piece.length > 1 << 18) {
        yield piece;
        piece = '';
      }
    }
    if (piece.length > 0) yield piece;
  }

  private insert(rows: readonly Row[], kind: 'put' | 'add', onConflict: () => string): Statement | undefined {
    if (rows.length === 0) return undefined;
    return {
      ...this.named(kind, () => {
        const names = this.columns.map((column) => quote(column.databaseName)).join(', ');
        const keys = this.keyColumns.map((column) => quote(column.databaseName)).join(', ');
        // json, not jsonb: a json column (a teacher's record, kilobytes) keeps the text as sent, as
        // the rebuild's COPY stores it, instead of being parsed into jsonb and printed back.
        return `insert into ${this.qualified} (${names}) select ${names} from json_to_recordset($1::json) as r(${this.recordTypes(this.columns)}) on conflict (${keys}) ${onConflict()}`;
      }),
      values: [JSON.stringify(rows.map((row) => this.toDatabase(row)))],
    };
  }

  private named(kind: string, text: () => string): { text: string; name: string } {
    let made = this.texts.get(kind);
    if (!made) {
      const built = text();
      // A digest of the text: the same name is the same statement on any connection.
      made = { text: built, name: `tip_${createHash('sha256').update(built).digest('hex').slice(0, 32)}` };
      this.texts.set(kind, made);
    }
    return made;
  }

  private recordTypes(columns: readonly ColumnMetadata[]): string {
    return columns.map((column) => `${quote(column.databaseName)} ${String(column.type)}`).join(', ');
  }

  private toDatabase(row: Row): Record<string, unknown> {
    // Counter rows may name only some figures: the rest add nothing.
    return Object.fromEntries(
      this.columns.map((column) => [column.databaseName, row[column.propertyName] ?? this.zeroOf(column)]),
    );
  }

  private fromDatabase(row: Record<string, unknown>): Row {
    return Object.fromEntries(
      this.columns.map((column) => {
        const value = row[column.databaseName];
        return [column.propertyName, column.type === 'bigint' && typeof value === 'string' ? Number(value) : value];
      }),
    );
  }

  private zeroOf(column: ColumnMetadata): unknown {
    if (this.kind !== 'counter' || column.isPrimary || column.type === 'text') return null;
    return column.type === 'jsonb' ? {} : 0;
  }
}

/** COPY's text format escapes backslash, tab, newline and carriage return in a value. */
const copyEscaped = (text: string) =>
  /[\\\t\n\r]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;

/** copyEscaped for JSON.stringify's text, which holds no raw tab, newline or carriage return (JSON escapes them). */
const copyEscapedJson = (json: string) => (json.includes('\\') ? json.replace(/\\/g, '\\\\') : json);

function copyEncoderOf(column: ColumnMetadata): (value: unknown) => string {
  if (column.type === 'jsonb' || column.type === 'json') return (value) => copyEscapedJson(JSON.stringify(value));
  if (column.type === 'boolean') return (value) => (value ? 't' : 'f');
  // What json_to_recordset makes of it: a JSON value in a text column is its JSON text.
  return (value) => (typeof value === 'object' ? copyEscapedJson(JSON.stringify(value)) : copyEscaped(String(value)));
}
