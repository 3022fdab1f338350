import { Pool } from 'pg';

/**
 * BENCH_PROVINCE_ORDER=time: the province's log renumbered into business-time order. The history
 * is decided and imported a county at a time, so its log is county after county and a teacher's
 * events sit close together; a real province's log interleaves every county's weeks, so a
 * teacher's events are spread over the whole log (what a rebuild holding a bounded number of rows
 * meets at full scale). Every stream keeps its own order: an event's key is the latest business
 * time of its stream up to it (a stream's events are decided in time order, but an event may be
 * stamped before the one it follows), ties by the old position. The rows are written again in
 * the new order (as a log appended in time order lies on disk), under the table's own name,
 * constraints and triggers. Returns the seconds it took.
 */
export async function renumberIntoTimeOrder(pool: Pool): Promise<number> {
  const started = Date.now();
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows: constraints } = await client.query<{ name: string; definition: string }>(
      `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'tip_events'::regclass`,
    );
    const { rows: triggers } = await client.query<{ definition: string }>(
      `select pg_get_triggerdef(oid) as definition from pg_trigger where tgrelid = 'tip_events'::regclass and not tgisinternal`,
    );
    const { rows: columns } = await client.query<{ name: string }>(
      `select attname as name from pg_attribute
        where attrelid = 'tip_events'::regclass and attnum > 0 and not attisdropped order by attnum`,
    );
    const others = columns.map(({ name }) => `"${name}"`).filter((name) => name !== '"position"');
    await client.query(`set local work_mem = '256MB'`);
    await client.query(
      `create temp table tip_renumbered on commit drop as
         select position as old, row_number() over (order by key, position) as new
         from (select position,
                      max(business_time) over (partition by stream_id order by stream_revision
                                               rows between unbounded preceding and current row) as key
               from tip_events) keyed`,
    );
    await client.query('create unique index on tip_renumbered (new)');
    await client.query('analyze tip_renumbered');
    await client.query('create table tip_events_timed (like tip_events including all)');
    await client.query(
      `insert into tip_events_timed (position, ${others.join(', ')})
         select renumbered.new, ${others.map((name) => `event.${name}`).join(', ')}
         from tip_renumbered renumbered join tip_events event on event.position = renumbered.old
         order by renumbered.new`,
    );
    // Every stream's events must still be in revision order, one after the other.
    const { rows: outOfOrder } = await client.query<{ stream_id: string; stream_revision: string; previous: string }>(
      `select stream_id, stream_revision, previous from (
         select stream_id, stream_revision,
                lag(stream_revision) over (partition by stream_id order by position) as previous
         from tip_events_timed) revisions
       where previous is not null and stream_revision <> previous + 1
       limit 5`,
    );
    if (outOfOrder.length > 0)
      throw new Error(
        `BENCH_PROVINCE_ORDER=time put streams' events out of order: ${outOfOrder
          .map((row) => `${row.stream_id} revision ${row.stream_revision} after ${row.previous}`)
          .join('; ')}`,
      );
    await client.query('drop table tip_events');
    await client.query('alter table tip_events_timed rename to tip_events');
    // The store tells conflicts apart by constraint name: the old names back.
    const { rows: made } = await client.query<{ name: string; definition: string }>(
      `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'tip_events'::regclass`,
    );
    for (const { name, definition } of constraints) {
      const same = made.find((each) => each.definition === definition);
      if (!same) throw new Error(`BENCH_PROVINCE_ORDER=time lost tip_events' constraint ${name} (${definition})`);
      if (same.name !== name)
        await client.query(`alter table tip_events rename constraint "${same.name}" to "${name}"`);
    }
    for (const { definition } of triggers) await client.query(definition);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
  return (Date.now() - started) / 1000;
}

/** How far apart a stream's events lie: the mean, over streams of more than one event, of last position less first. */
export async function streamSpread(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ spread: string }>(
    `select avg(last - first) as spread from (
       select min(position) as first, max(position) as last from tip_events group by stream_id having count(*) > 1) streams`,
  );
  return Number(rows[0].spread);
}
