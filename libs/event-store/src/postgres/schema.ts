import { Migration } from './migrations';

/** Held for microseconds while a transaction takes its id and reserves its positions. */
export const POSITION_LOCK = 7_461_231;
/** Key space (first half of a two-int advisory lock) for subscription leases. */
export const SUBSCRIPTION_LEASE_SPACE = 1952;
export const NOTIFY_CHANNEL = 'tip_events_appended';
export const WRONG_EXPECTED_REVISION_SQLSTATE = 'TS409';

export const eventStoreMigrations: Migration[] = [
  {
    version: 1,
    name: 'event store',
    sql: /* sql */ `
      create sequence tip_event_position_seq as bigint minvalue 1 start 1 cache 1;

      create table tip_streams (
        stream_id  text primary key,
        revision   bigint not null,
        last_hash  bytea not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      -- position is unique and, because it is reserved together with the writing transaction's
      -- id, it grows with transaction_id: readers that only see rows of transactions older than
      -- their snapshot's xmin never skip an event that commits late.
      create table tip_events (
        position        bigint primary key,
        transaction_id  xid8 not null,
        stream_id       text not null,
        stream_revision bigint not null,
        event_id        uuid not null,
        event_type      text not null,
        schema_version  integer not null,
        data            jsonb not null,
        metadata        jsonb not null,
        business_time   timestamptz not null,
        recorded_time   timestamptz not null,
        hash            bytea not null,
        constraint tip_events_stream_revision_key unique (stream_id, stream_revision),
        constraint tip_events_event_id_key unique (event_id)
      );

      create table tip_subscription_checkpoints (
        name       text primary key,
        position   bigint not null,
        updated_at timestamptz not null default now()
      );

      -- One call appends to one or more streams: p_streams = [{streamId, expected}] where expected
      -- is -1 any, -2 no_stream, -3 stream_exists or an exact revision; p_events = [{s (index into
      -- p_streams), id, type, v, data, metadata, ch (content hash, hex)}] in append order.
      create function tip_append(p_streams jsonb, p_events jsonb)
      returns table (first_position bigint, next_revisions bigint[])
      language plpgsql as $fn$
      declare
        v_event_count  int := jsonb_array_length(p_events);
        v_stream_count int := jsonb_array_length(p_streams);
        v_tx           xid8;
        v_first        bigint;
        v_revision     bigint[] := array_fill(-1::bigint, array[v_stream_count]);
        v_hash         bytea[]  := array_fill(null::bytea, array[v_stream_count]);
        v_existed      boolean[] := array_fill(false, array[v_stream_count]);
        v_event_revs   bigint[] := array_fill(0::bigint, array[v_event_count]);
        v_event_hashes bytea[]  := array_fill(null::bytea, array[v_event_count]);
        v_stream       record;
        v_event        record;
        v_s            int;
        v_current      bigint;
        v_current_hash bytea;
      begin
        -- Take the transaction id and reserve positions as one step, so positions follow ids.
        begin
          perform pg_advisory_lock(${POSITION_LOCK});
          v_tx := pg_current_xact_id();
          v_first := nextval('tip_event_position_seq');
          if v_event_count > 1 then
            perform setval('tip_event_position_seq', v_first + v_event_count - 1);
          end if;
          perform pg_advisory_unlock(${POSITION_LOCK});
        exception when others then
          perform pg_advisory_unlock(${POSITION_LOCK});
          raise;
        end;

        -- Lock the streams in one order (by id) so multi-stream appends cannot deadlock.
        for v_stream in
          select (s.ordinality)::int as idx, s.value->>'streamId' as stream_id, (s.value->>'expected')::bigint as expected
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          select t.revision, t.last_hash into v_current, v_current_hash
          from tip_streams t where t.stream_id = v_stream.stream_id for update;
          if found then
            v_existed[v_stream.idx] := true;
            v_revision[v_stream.idx] := v_current;
            v_hash[v_stream.idx] := v_current_hash;
          else
            v_revision[v_stream.idx] := -1;
            v_hash[v_stream.idx] := decode(repeat('00', 32), 'hex');
          end if;
          if not (v_stream.expected = -1
                  or (v_stream.expected = -2 and v_revision[v_stream.idx] = -1)
                  or (v_stream.expected = -3 and v_revision[v_stream.idx] >= 0)
                  or v_stream.expected = v_revision[v_stream.idx]) then
            raise exception using
              errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
              message = 'wrong expected revision',
              detail = json_build_object('streamId', v_stream.stream_id, 'actual', v_revision[v_stream.idx])::text;
          end if;
        end loop;

        for v_event in
          select (e.ordinality)::int as idx, (e.value->>'s')::int + 1 as s, decode(e.value->>'ch', 'hex') as ch
          from jsonb_array_elements(p_events) with ordinality e
        loop
          v_s := v_event.s;
          v_revision[v_s] := v_revision[v_s] + 1;
          v_hash[v_s] := sha256(v_hash[v_s] || v_event.ch);
          v_event_revs[v_event.idx] := v_revision[v_s];
          v_event_hashes[v_event.idx] := v_hash[v_s];
        end loop;

        for v_s in 1 .. v_stream_count loop
          if v_existed[v_s] then
            update tip_streams set revision = v_revision[v_s], last_hash = v_hash[v_s], updated_at = now()
            where stream_id = p_streams->(v_s - 1)->>'streamId';
          elsif v_revision[v_s] >= 0 then
            insert into tip_streams (stream_id, revision, last_hash)
            values (p_streams->(v_s - 1)->>'streamId', v_revision[v_s], v_hash[v_s]);
          end if;
        end loop;

        insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type,
                                schema_version, data, metadata, business_time, recorded_time, hash)
        select v_first + e.ordinality - 1, v_tx, p_streams->((e.value->>'s')::int)->>'streamId', r.rev,
               (e.value->>'id')::uuid, e.value->>'type', (e.value->>'v')::int, e.value->'data', e.value->'metadata',
               (e.value->'metadata'->>'businessTime')::timestamptz, (e.value->'metadata'->>'recordedTime')::timestamptz, r.hash
        from jsonb_array_elements(p_events) with ordinality e
        join unnest(v_event_revs, v_event_hashes) with ordinality r(rev, hash, ord) on r.ord = e.ordinality;

        first_position := v_first;
        next_revisions := v_revision;
        return next;
      end
      $fn$;
    `,
  },
];
