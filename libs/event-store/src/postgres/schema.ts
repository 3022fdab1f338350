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

      -- prior_hash is the chain's value before the last append: one UPDATE ... RETURNING then
      -- gives the appender where its events' chain starts, without a separate row lock.
      create table tip_streams (
        stream_id  text primary key,
        revision   bigint not null,
        last_hash  bytea not null,
        prior_hash bytea not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      ) with (fillfactor = 70);

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

      create function tip_chain(p_start bytea, p_hashes bytea[]) returns bytea
      language plpgsql immutable as $fn$
      declare
        v_hash bytea := p_start;
        v_i    int;
      begin
        for v_i in 1 .. coalesce(array_length(p_hashes, 1), 0) loop
          v_hash := sha256(v_hash || p_hashes[v_i]);
        end loop;
        return v_hash;
      end
      $fn$;

      -- The first half of every append, shared by tip_append and the COPY import: takes the
      -- transaction id and reserves positions together (so positions follow transaction ids),
      -- checks each stream's expected revision and moves its head past the new events.
      -- p_streams = [{streamId, expected, ch}]: expected is -1 any, -2 no_stream, -3 stream_exists
      -- or an exact revision; ch holds the content hashes (hex) of the stream's events, in order.
      -- Returns, per stream in the order given, the revision and hash the new events follow.
      create function tip_reserve(p_streams jsonb, p_event_count int,
                                  out transaction_id xid8, out first_position bigint,
                                  out start_revisions bigint[], out start_hashes bytea[])
      language plpgsql as $fn$
      declare
        v_genesis    constant bytea := decode(repeat('00', 32), 'hex');
        v_stream     record;
        v_count      int;
        v_start_rev  bigint;
        v_start_hash bytea;
        v_actual     bigint;
      begin
        start_revisions := array_fill(-1::bigint, array[jsonb_array_length(p_streams)]);
        start_hashes := array_fill(null::bytea, array[jsonb_array_length(p_streams)]);
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_reserve must be the first write of its transaction';
        end if;
        begin
          perform pg_advisory_lock(${POSITION_LOCK});
          transaction_id := pg_current_xact_id();
          first_position := nextval('tip_event_position_seq');
          if p_event_count > 1 then
            perform setval('tip_event_position_seq', first_position + p_event_count - 1);
          end if;
          perform pg_advisory_unlock(${POSITION_LOCK});
        exception when others or query_canceled then
          -- A session lock outlives the failed statement: let go, or every writer waits for ever.
          perform pg_advisory_unlock(${POSITION_LOCK});
          raise;
        end;

        -- Streams in one order (by id), so multi-stream appends cannot deadlock.
        for v_stream in
          select s.ordinality::int as idx, s.value->>'streamId' as stream_id, (s.value->>'expected')::bigint as expected,
                 array(select decode(h, 'hex') from jsonb_array_elements_text(s.value->'ch') h) as hashes
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          v_count := coalesce(array_length(v_stream.hashes, 1), 0);
          v_start_rev := null;
          -- A stream with no events is a guard: it must still be where the writer read it, and
          -- stays there until this transaction ends (FOR SHARE blocks a concurrent append to it).
          if v_count = 0 then
            v_actual := null;
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream.stream_id for share;
            v_actual := coalesce(v_actual, -1);
            if not (v_stream.expected = -1
                    or (v_stream.expected = -2 and v_actual = -1)
                    or (v_stream.expected = -3 and v_actual >= 0)
                    or v_stream.expected = v_actual) then
              raise exception using
                errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
                message = 'wrong expected revision',
                detail = json_build_object('streamId', v_stream.stream_id, 'actual', v_actual)::text;
            end if;
            start_revisions[v_stream.idx] := v_actual;
            continue;
          end if;
          for attempt in 1 .. 2 loop
            if v_stream.expected <> -2 then
              update tip_streams t
                 set revision = t.revision + v_count, prior_hash = t.last_hash,
                     last_hash = tip_chain(t.last_hash, v_stream.hashes), updated_at = now()
               where t.stream_id = v_stream.stream_id
                 and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
              returning t.revision - v_count, t.prior_hash into v_start_rev, v_start_hash;
            end if;
            exit when v_start_rev is not null or v_stream.expected not in (-1, -2);
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream.stream_id, v_count - 1, tip_chain(v_genesis, v_stream.hashes), v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
              v_start_hash := v_genesis;
            end if;
            -- A racing writer created the stream first: 'any' appends after it on the next pass.
            exit when v_start_rev is not null or v_stream.expected = -2;
          end loop;
          if v_start_rev is null then
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream.stream_id;
            raise exception using
              errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
              message = 'wrong expected revision',
              detail = json_build_object('streamId', v_stream.stream_id, 'actual', coalesce(v_actual, -1))::text;
          end if;
          start_revisions[v_stream.idx] := v_start_rev;
          start_hashes[v_stream.idx] := v_start_hash;
        end loop;
      end
      $fn$;

      -- One call appends to one or more streams: tip_reserve, then the events themselves.
      -- p_streams as for tip_reserve, plus offset: the stream's events are
      -- p_events[offset .. offset + len(ch) - 1]; p_events = [{s, id, type, v, bt, rt, data, metadata}]
      -- where bt and rt are the business and recorded times (also inside metadata).
      create function tip_append(p_streams jsonb, p_events jsonb)
      returns table (first_position bigint, next_revisions bigint[])
      language plpgsql as $fn$
      declare
        v_event_count  int := jsonb_array_length(p_events);
        v_reserved     record;
        v_next         bigint[] := array_fill(-1::bigint, array[jsonb_array_length(p_streams)]);
        v_event_revs   bigint[] := array_fill(0::bigint, array[v_event_count]);
        v_event_hashes bytea[]  := array_fill(null::bytea, array[v_event_count]);
        v_stream_ids   text[] := array(select s->>'streamId' from jsonb_array_elements(p_streams) s);
        v_stream       record;
        v_hash         bytea;
        v_i            int;
      begin
        select * into v_reserved from tip_reserve(p_streams, v_event_count);
        for v_stream in
          select s.ordinality::int as idx, (s.value->>'offset')::int as event_offset,
                 array(select decode(h, 'hex') from jsonb_array_elements_text(s.value->'ch') h) as hashes
          from jsonb_array_elements(p_streams) with ordinality s
        loop
          v_hash := v_reserved.start_hashes[v_stream.idx];
          for v_i in 1 .. coalesce(array_length(v_stream.hashes, 1), 0) loop
            v_hash := sha256(v_hash || v_stream.hashes[v_i]);
            v_event_revs[v_stream.event_offset + v_i] := v_reserved.start_revisions[v_stream.idx] + v_i;
            v_event_hashes[v_stream.event_offset + v_i] := v_hash;
          end loop;
          v_next[v_stream.idx] := v_reserved.start_revisions[v_stream.idx] + coalesce(array_length(v_stream.hashes, 1), 0);
        end loop;

        insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type,
                                schema_version, data, metadata, business_time, recorded_time, hash)
        select v_reserved.first_position + e.ord - 1, v_reserved.transaction_id, v_stream_ids[e.s + 1],
               v_event_revs[e.ord], e.id, e.type, e.v, e.data, e.metadata, e.bt, e.rt, v_event_hashes[e.ord]
        from rows from (jsonb_to_recordset(p_events)
               as (s int, id uuid, type text, v int, bt timestamptz, rt timestamptz, data jsonb, metadata jsonb))
             with ordinality as e(s, id, type, v, bt, rt, data, metadata, ord);

        first_position := v_reserved.first_position;
        next_revisions := v_next;
        return next;
      end
      $fn$;
    `,
  },
];
