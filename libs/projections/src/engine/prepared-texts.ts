import { ClientBase } from 'pg';
import { inlined, literal, Statement } from './table-sql';

/** The named statements each connection has prepared: PREPARE lasts the session, whatever its transactions do. */
const preparedOn = new WeakMap<ClientBase, Set<string>>();
/** Connections whose prepared statements could not be read after a failure: they inline every statement. */
const unknownOn = new WeakSet<ClientBase>();

/**
 * A worker's statements for one connection's one-text batches: a table's statement (a text fixed
 * by the table, its rows one JSON value) is PREPAREd once a connection and EXECUTEd from then on,
 * instead of PostgreSQL parsing and planning its kilobytes of text in every transaction (the
 * counter tables' upserts are 4 kB each; inlined, their parsing was most of PostgreSQL's extra
 * share on the Kafka path). Other statements go inlined.
 */
export class PreparedTexts {
  private readonly prepared: Set<string>;
  private readonly preparing = new Map<string, string>();
  private sending: string[] = [];

  constructor(private readonly client: ClientBase) {
    let prepared = preparedOn.get(client);
    if (!prepared) preparedOn.set(client, (prepared = new Set()));
    this.prepared = prepared;
  }

  /**
   * The statement as it goes into a one-text batch (its PREPARE comes from takePrepares, before
   * it). `prepare` false: EXECUTEd only when the connection has it already, inlined otherwise.
   */
  text(statement: Statement, prepare = true): string {
    const { name } = statement;
    if (name === undefined || statement.values.length !== 1) return inlined(statement);
    if (!this.prepared.has(name) && !this.preparing.has(name)) {
      if (!prepare || unknownOn.has(this.client)) return inlined(statement);
      // The one parameter as text: the statement casts it ($1::json, $1::jsonb).
      this.preparing.set(name, `prepare ${name}(text) as ${statement.text}`);
    }
    return `execute ${name}(${literal(statement.values[0])})`;
  }

  /** The PREPAREs the texts given since the last call need: to go first in the text they go in. */
  takePrepares(): string[] {
    const prepares = [...this.preparing.values()];
    this.sending.push(...this.preparing.keys());
    this.preparing.clear();
    return prepares;
  }

  /** The text went through: its PREPAREs hold for the connection's life. */
  sent(): void {
    for (const name of this.sending) this.prepared.add(name);
    this.sending = [];
  }

  /**
   * A text failed, maybe after some of its PREPAREs ran (they outlive the rollback), or because a
   * statement was prepared over a table since swapped for one of another shape (an EXECUTE of it
   * fails every time: "cached plan must not change result type"): ours are dropped (after the
   * rollback), to be prepared again. When that cannot be done, the connection prepares nothing
   * more: a PREPARE of a name it holds would fail every batch after.
   */
  async failed(): Promise<void> {
    const ours = [...this.prepared, ...this.sending];
    this.sending = [];
    this.preparing.clear();
    this.prepared.clear();
    try {
      const { rows } = await this.client.query<{ name: string }>(
        'select name from pg_prepared_statements where name = any($1::text[])',
        [ours],
      );
      if (rows.length > 0) await this.client.query(rows.map(({ name }) => `deallocate ${name}`).join(';\n'));
    } catch {
      unknownOn.add(this.client);
    }
  }
}
