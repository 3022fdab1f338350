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
  {
    version: 2,
    name: 'hash chains computed once',
    sql: /* sql */ `
      -- The COPY import's reservation: tip_reserve without the hashing. The importer chains the
      -- hashes itself (it must, to write them into its rows), so the database does not hash the
      -- same chain a second time. p_streams = [{streamId, expected, n, last}]: n events; last, in
      -- hex, the chain's end computed from the genesis hash, given with no_stream only. A stream
      -- created here takes last as its head hash; any other stream keeps its old head hash (also
      -- its prior_hash, returned as its start) until the importer sets the new one, in the same
      -- transaction, before it commits.
      create function tip_reserve_import(p_streams jsonb, p_event_count int,
                                         out transaction_id xid8, out first_position bigint,
                                         out start_revisions bigint[], out start_hashes bytea[])
      language plpgsql as $fn$
      declare
        v_genesis    constant bytea := decode(repeat('00', 32), 'hex');
        v_stream     record;
        v_start_rev  bigint;
        v_start_hash bytea;
        v_actual     bigint;
      begin
        start_revisions := array_fill(-1::bigint, array[jsonb_array_length(p_streams)]);
        start_hashes := array_fill(null::bytea, array[jsonb_array_length(p_streams)]);
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_reserve_import must be the first write of its transaction';
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
          perform pg_advisory_unlock(${POSITION_LOCK});
          raise;
        end;

        for v_stream in
          select s.ordinality::int as idx, s.value->>'streamId' as stream_id, (s.value->>'expected')::bigint as expected,
                 (s.value->>'n')::int as event_count, decode(s.value->>'last', 'hex') as last_hash
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          v_start_rev := null;
          if v_stream.event_count = 0 then
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
          if v_stream.expected = -2 and v_stream.last_hash is null then
            raise exception 'tip_reserve_import: a no_stream append must give the head hash (last)';
          end if;
          for attempt in 1 .. 2 loop
            if v_stream.expected <> -2 then
              update tip_streams t
                 set revision = t.revision + v_stream.event_count, prior_hash = t.last_hash, updated_at = now()
               where t.stream_id = v_stream.stream_id
                 and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
              returning t.revision - v_stream.event_count, t.prior_hash into v_start_rev, v_start_hash;
            end if;
            exit when v_start_rev is not null or v_stream.expected not in (-1, -2);
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream.stream_id, v_stream.event_count - 1, coalesce(v_stream.last_hash, v_genesis), v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
              v_start_hash := v_genesis;
            end if;
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

      -- The append path's function: tip_append's work in one function, with the events sent as
      -- texts rather than one JSON document (PostgreSQL parses each event's data and metadata
      -- once, as jsonb, and nothing else), and each chain hashed once, where that is cheapest.
      -- An appender that knows where a stream's chain starts (the genesis hash for no_stream, else
      -- the head it saw at its own last append to the stream) hashes the chain itself and sends it
      -- with the head it started from; the chain is stored only if that head is still the
      -- stream's head, checked under the row lock. Otherwise it is hashed here, from the content
      -- hashes, as tip_append does.
      --   p_streams   [{streamId, expected, offset, n, last, headRevision, headHash}]: expected as
      --               for tip_reserve; the stream's events are those at offset .. offset + n - 1;
      --               last (hex): the end of the chain the appender hashed, from the genesis hash
      --               with no_stream, else from the head given by headRevision and headHash (hex).
      --               A stream with n = 0 is a guard.
      --   p_stream_of the index in p_streams (from 0) of each event's stream, in event order;
      --   p_types, p_data, p_metadata  each event's type, data and metadata (canonical JSON),
      --               joined by the character U+001E (chr(30)), which none of them can hold
      --               (types have no control characters; JSON text escapes them). Event id,
      --               schema version, business and recorded time are read from the metadata.
      --   p_hashes    each event's chain hash (32 bytes, in event order) where the appender hashed
      --               the chain, anything else elsewhere; p_content each event's content hash.
      -- Returns the first position, each stream's next revision and its new head hash (hex).
      create function tip_append_events(p_streams jsonb, p_stream_of int[], p_types text, p_data text, p_metadata text,
                                        p_hashes bytea, p_content bytea)
      returns table (first_position bigint, next_revisions bigint[], last_hashes text[])
      language plpgsql as $fn$
      declare
        v_genesis        constant bytea := decode(repeat('00', 32), 'hex');
        v_event_count    int := coalesce(array_length(p_stream_of, 1), 0);
        v_stream_count   int := jsonb_array_length(p_streams);
        v_transaction_id xid8;
        v_first          bigint;
        v_next           bigint[] := array_fill(-1::bigint, array[v_stream_count]);
        v_lasts          text[] := array_fill(null::text, array[v_stream_count]);
        v_ids            text[] := array_fill(null::text, array[v_stream_count]);
        v_starts         bigint[] := array_fill(null::bigint, array[v_stream_count]);
        v_offsets        int[] := array_fill(0, array[v_stream_count]);
        v_given          boolean[] := array_fill(false, array[v_stream_count]);
        v_hashes         bytea[] := array_fill(null::bytea, array[v_event_count]);
        v_stream         record;
        v_count          int;
        v_start_rev      bigint;
        v_start_hash     bytea;
        v_content        bytea[];
        v_hash           bytea;
        v_actual         bigint;
        v_i              int;
      begin
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_append_events must be the first write of its transaction';
        end if;
        if length(p_hashes) <> 32 * v_event_count or length(p_content) <> 32 * v_event_count then
          raise exception 'tip_append_events: p_hashes and p_content must hold 32 bytes for each of the % events', v_event_count;
        end if;
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        begin
          perform pg_advisory_lock(${POSITION_LOCK});
          v_transaction_id := pg_current_xact_id();
          v_first := nextval('tip_event_position_seq');
          if v_event_count > 1 then
            perform setval('tip_event_position_seq', v_first + v_event_count - 1);
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
                 (s.value->>'offset')::int as event_offset, (s.value->>'n')::int as event_count,
                 decode(s.value->>'last', 'hex') as given_last, (s.value->>'headRevision')::bigint as head_revision,
                 decode(s.value->>'headHash', 'hex') as head_hash
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          v_ids[v_stream.idx] := v_stream.stream_id;
          v_offsets[v_stream.idx] := v_stream.event_offset;
          v_count := v_stream.event_count;
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
            v_next[v_stream.idx] := v_actual;
            continue;
          end if;
          if v_stream.given_last is not null and v_stream.expected = -2 then
            -- Hashed by the appender from the genesis hash: right for a stream that starts here.
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream.stream_id, v_count - 1, v_stream.given_last, v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
            end if;
          elsif v_stream.given_last is not null and v_stream.head_hash is not null then
            -- Hashed by the appender from the head it last saw: right if that is the head still.
            update tip_streams t
               set revision = t.revision + v_count, prior_hash = t.last_hash, last_hash = v_stream.given_last, updated_at = now()
             where t.stream_id = v_stream.stream_id
               and t.revision = v_stream.head_revision and t.last_hash = v_stream.head_hash
               and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
            returning t.revision - v_count into v_start_rev;
          end if;
          if v_start_rev is not null then
            v_given[v_stream.idx] := true;
            v_hash := v_stream.given_last;
          elsif not (v_stream.given_last is not null and v_stream.expected = -2) then
            -- Hashed here, from the head as it is, as tip_reserve and tip_append do.
            v_content := array(select substring(p_content from (v_stream.event_offset + i - 1) * 32 + 1 for 32)
                               from generate_series(1, v_count) i);
            for attempt in 1 .. 2 loop
              if v_stream.expected <> -2 then
                update tip_streams t
                   set revision = t.revision + v_count, prior_hash = t.last_hash,
                       last_hash = tip_chain(t.last_hash, v_content), updated_at = now()
                 where t.stream_id = v_stream.stream_id
                   and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
                returning t.revision - v_count, t.prior_hash into v_start_rev, v_start_hash;
              end if;
              exit when v_start_rev is not null or v_stream.expected not in (-1, -2);
              insert into tip_streams (stream_id, revision, last_hash, prior_hash)
              values (v_stream.stream_id, v_count - 1, tip_chain(v_genesis, v_content), v_genesis)
              on conflict (stream_id) do nothing;
              if found then
                v_start_rev := -1;
                v_start_hash := v_genesis;
              end if;
              -- A racing writer created the stream first: 'any' appends after it on the next pass.
              exit when v_start_rev is not null or v_stream.expected = -2;
            end loop;
            if v_start_rev is not null then
              v_hash := v_start_hash;
              for v_i in 1 .. v_count loop
                v_hash := sha256(v_hash || v_content[v_i]);
                v_hashes[v_stream.event_offset + v_i] := v_hash;
              end loop;
            end if;
          end if;
          if v_start_rev is null then
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream.stream_id;
            raise exception using
              errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
              message = 'wrong expected revision',
              detail = json_build_object('streamId', v_stream.stream_id, 'actual', coalesce(v_actual, -1))::text;
          end if;
          v_starts[v_stream.idx] := v_start_rev;
          v_next[v_stream.idx] := v_start_rev + v_count;
          v_lasts[v_stream.idx] := encode(v_hash, 'hex');
        end loop;

        -- OFFSET 0 keeps the subquery whole, so each text is parsed as jsonb once.
        insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type,
                                schema_version, data, metadata, business_time, recorded_time, hash)
        select v_first + e.ord - 1, v_transaction_id, v_ids[e.s + 1], v_starts[e.s + 1] + e.ord - v_offsets[e.s + 1],
               (e.metadata->>'eventId')::uuid, e.type, (e.metadata->>'schemaVersion')::int, e.data, e.metadata,
               (e.metadata->>'businessTime')::timestamptz, (e.metadata->>'recordedTime')::timestamptz,
               case when v_given[e.s + 1] then substring(p_hashes from (e.ord::int - 1) * 32 + 1 for 32) else v_hashes[e.ord] end
        from (select u.s, u.type, u.data::jsonb as data, u.metadata::jsonb as metadata, u.ord
              from unnest(p_stream_of, string_to_array(p_types, chr(30)), string_to_array(p_data, chr(30)),
                          string_to_array(p_metadata, chr(30)))
                   with ordinality as u(s, type, data, metadata, ord)
              offset 0) e;

        first_position := v_first;
        next_revisions := v_next;
        last_hashes := v_lasts;
        return next;
      end
      $fn$;
    `,
  },
  {
    version: 3,
    name: 'events stored as json text',
    sql: /* sql */ `
      -- Data and metadata are stored as the canonical JSON text the appender hashed, as json:
      -- PostgreSQL checks that it is JSON but does not build (on write) and print (on read) a
      -- jsonb tree, which was the largest part of its work per event. Nothing queries inside
      -- events in SQL; ->> works on json as well, and a jsonb cast is there for anyone who must.
      alter table tip_events alter column data type json using data::json,
                             alter column metadata type json using metadata::json;

      -- tip_append_events as in migration 2, except that event id, schema version and both times
      -- come as their own arguments instead of being read back out of each event's metadata.
      -- Times repeat (a command's events share them, an append's events share the recorded
      -- time), so p_times holds each distinct instant once, joined by chr(30), and each event
      -- names its business and recorded time by index (from 1): each is parsed once.
      -- The older signature stays (migrations do not drop), but this migration is no rolling
      -- deploy: the ALTER rewrites tip_events under an exclusive lock, and a process of the
      -- previous release would fail its prepared reads ("cached plan must not change result
      -- type") until it reconnects. Stop the old processes first.
      create function tip_append_events(p_streams jsonb, p_stream_of int[], p_event_ids uuid[], p_versions int[],
                                        p_types text, p_times text, p_business_time_of int[], p_recorded_time_of int[],
                                        p_data text, p_metadata text, p_hashes bytea, p_content bytea)
      returns table (first_position bigint, next_revisions bigint[], last_hashes text[])
      language plpgsql as $fn$
      declare
        v_genesis        constant bytea := decode(repeat('00', 32), 'hex');
        v_event_count    int := coalesce(array_length(p_stream_of, 1), 0);
        v_stream_count   int := jsonb_array_length(p_streams);
        v_transaction_id xid8;
        v_first          bigint;
        v_next           bigint[] := array_fill(-1::bigint, array[v_stream_count]);
        v_lasts          text[] := array_fill(null::text, array[v_stream_count]);
        v_ids            text[] := array_fill(null::text, array[v_stream_count]);
        v_starts         bigint[] := array_fill(null::bigint, array[v_stream_count]);
        v_offsets        int[] := array_fill(0, array[v_stream_count]);
        v_given          boolean[] := array_fill(false, array[v_stream_count]);
        v_hashes         bytea[] := array_fill(null::bytea, array[v_event_count]);
        v_times          timestamptz[] := string_to_array(p_times, chr(30))::timestamptz[];
        v_stream         record;
        v_count          int;
        v_start_rev      bigint;
        v_start_hash     bytea;
        v_content        bytea[];
        v_hash           bytea;
        v_actual         bigint;
        v_i              int;
      begin
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_append_events must be the first write of its transaction';
        end if;
        if length(p_hashes) <> 32 * v_event_count or length(p_content) <> 32 * v_event_count
           or coalesce(array_length(p_event_ids, 1), 0) <> v_event_count or coalesce(array_length(p_versions, 1), 0) <> v_event_count
           or coalesce(array_length(p_business_time_of, 1), 0) <> v_event_count
           or coalesce(array_length(p_recorded_time_of, 1), 0) <> v_event_count then
          raise exception 'tip_append_events: p_event_ids, p_versions, p_business_time_of and p_recorded_time_of must hold one value, p_hashes and p_content 32 bytes, for each of the % events', v_event_count;
        end if;
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        begin
          perform pg_advisory_lock(${POSITION_LOCK});
          v_transaction_id := pg_current_xact_id();
          v_first := nextval('tip_event_position_seq');
          if v_event_count > 1 then
            perform setval('tip_event_position_seq', v_first + v_event_count - 1);
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
                 (s.value->>'offset')::int as event_offset, (s.value->>'n')::int as event_count,
                 decode(s.value->>'last', 'hex') as given_last, (s.value->>'headRevision')::bigint as head_revision,
                 decode(s.value->>'headHash', 'hex') as head_hash
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          v_ids[v_stream.idx] := v_stream.stream_id;
          v_offsets[v_stream.idx] := v_stream.event_offset;
          v_count := v_stream.event_count;
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
            v_next[v_stream.idx] := v_actual;
            continue;
          end if;
          if v_stream.given_last is not null and v_stream.expected = -2 then
            -- Hashed by the appender from the genesis hash: right for a stream that starts here.
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream.stream_id, v_count - 1, v_stream.given_last, v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
            end if;
          elsif v_stream.given_last is not null and v_stream.head_hash is not null then
            -- Hashed by the appender from the head it last saw: right if that is the head still.
            update tip_streams t
               set revision = t.revision + v_count, prior_hash = t.last_hash, last_hash = v_stream.given_last, updated_at = now()
             where t.stream_id = v_stream.stream_id
               and t.revision = v_stream.head_revision and t.last_hash = v_stream.head_hash
               and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
            returning t.revision - v_count into v_start_rev;
          end if;
          if v_start_rev is not null then
            v_given[v_stream.idx] := true;
            v_hash := v_stream.given_last;
          elsif not (v_stream.given_last is not null and v_stream.expected = -2) then
            -- Hashed here, from the head as it is, as tip_reserve and tip_append do.
            v_content := array(select substring(p_content from (v_stream.event_offset + i - 1) * 32 + 1 for 32)
                               from generate_series(1, v_count) i);
            for attempt in 1 .. 2 loop
              if v_stream.expected <> -2 then
                update tip_streams t
                   set revision = t.revision + v_count, prior_hash = t.last_hash,
                       last_hash = tip_chain(t.last_hash, v_content), updated_at = now()
                 where t.stream_id = v_stream.stream_id
                   and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
                returning t.revision - v_count, t.prior_hash into v_start_rev, v_start_hash;
              end if;
              exit when v_start_rev is not null or v_stream.expected not in (-1, -2);
              insert into tip_streams (stream_id, revision, last_hash, prior_hash)
              values (v_stream.stream_id, v_count - 1, tip_chain(v_genesis, v_content), v_genesis)
              on conflict (stream_id) do nothing;
              if found then
                v_start_rev := -1;
                v_start_hash := v_genesis;
              end if;
              -- A racing writer created the stream first: 'any' appends after it on the next pass.
              exit when v_start_rev is not null or v_stream.expected = -2;
            end loop;
            if v_start_rev is not null then
              v_hash := v_start_hash;
              for v_i in 1 .. v_count loop
                v_hash := sha256(v_hash || v_content[v_i]);
                v_hashes[v_stream.event_offset + v_i] := v_hash;
              end loop;
            end if;
          end if;
          if v_start_rev is null then
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream.stream_id;
            raise exception using
              errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
              message = 'wrong expected revision',
              detail = json_build_object('streamId', v_stream.stream_id, 'actual', coalesce(v_actual, -1))::text;
          end if;
          v_starts[v_stream.idx] := v_start_rev;
          v_next[v_stream.idx] := v_start_rev + v_count;
          v_lasts[v_stream.idx] := encode(v_hash, 'hex');
        end loop;

        insert into tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type,
                                schema_version, data, metadata, business_time, recorded_time, hash)
        select v_first + e.ord - 1, v_transaction_id, v_ids[e.s + 1], v_starts[e.s + 1] + e.ord - v_offsets[e.s + 1],
               e.id, e.type, e.v, e.data::json, e.metadata::json, v_times[e.bt], v_times[e.rt],
               case when v_given[e.s + 1] then substring(p_hashes from (e.ord::int - 1) * 32 + 1 for 32) else v_hashes[e.ord] end
        from unnest(p_stream_of, p_event_ids, p_versions, string_to_array(p_types, chr(30)),
                    p_business_time_of, p_recorded_time_of,
                    string_to_array(p_data, chr(30)), string_to_array(p_metadata, chr(30)))
             with ordinality as e(s, id, v, type, bt, rt, data, metadata, ord);

        first_position := v_first;
        next_revisions := v_next;
        last_hashes := v_lasts;
        return next;
      end
      $fn$;
    `,
  },
  {
    version: 4,
    name: 'identifiers compared byte for byte',
    sql: /* sql */ `
      -- Stream ids and subscription names are identifiers, not words: the tables compare and
      -- index them byte for byte, whatever the database's default collation. A linguistic one
      -- (en_US, ICU) ties their unique indexes to the collation's version: an OS or ICU
      -- upgrade that reorders strings leaves them silently out of order. It also made every
      -- index step a locale-aware comparison (about 5% of PostgreSQL's work per appended event
      -- in an en-US database). Only the indexes are rebuilt, not the tables. Prepared statements of a
      -- running process were planned on the old columns: stop the previous release before
      -- starting this one, as for migration 3.
      alter table tip_streams alter column stream_id type text collate "C";
      alter table tip_events alter column stream_id type text collate "C";
      alter table tip_subscription_checkpoints alter column name type text collate "C";
    `,
  },
  {
    version: 5,
    name: 'events are append-only',
    sql: /* sql */ `
      -- The second line behind the application's role, which may only read and insert events:
      -- whoever may still change the table (its owner) meets this first. A migration that must
      -- rewrite rows drops the trigger and puts it back in the same transaction.
      create function tip_events_refuse_change() returns trigger language plpgsql as $fn$
      begin
        raise exception 'tip_events is append-only: % refused (events are never changed or removed)', tg_op
          using errcode = 'insufficient_privilege';
      end
      $fn$;
      create trigger tip_events_append_only before update or delete on tip_events
        for each row execute function tip_events_refuse_change();
      create trigger tip_events_no_truncate before truncate on tip_events
        for each statement execute function tip_events_refuse_change();
    `,
  },
  {
    version: 6,
    name: 'import heads written once',
    sql: /* sql */ `
      -- tip_reserve_import of migration 2, which rewrote an existing stream's row in tip_streams
      -- twice per chunk (revision here, the new head hash by the importer before commit): a
      -- province's appends are two or three events, mostly to streams that exist. An importer that
      -- knows where a stream's chain ends (it stored that head itself) hashes the new chain from it
      -- and sends it along: p_streams = [{streamId, expected, n, last, headRevision, headHash}],
      -- last and headHash in hex. Stored, in one write, only if headRevision and headHash are the
      -- stream's head still, checked under the row lock; its start hash is then returned as null
      -- (the importer's chain stands). Otherwise, or without a head given, as in migration 2: the
      -- start hash is returned and the importer sets the new head before it commits. Same
      -- arguments and answers as before, so a process of the previous release (which gives no
      -- head) keeps working while this one starts.
      create or replace function tip_reserve_import(p_streams jsonb, p_event_count int,
                                                    out transaction_id xid8, out first_position bigint,
                                                    out start_revisions bigint[], out start_hashes bytea[])
      language plpgsql as $fn$
      declare
        v_genesis    constant bytea := decode(repeat('00', 32), 'hex');
        v_stream     record;
        v_start_rev  bigint;
        v_start_hash bytea;
        v_actual     bigint;
      begin
        start_revisions := array_fill(-1::bigint, array[jsonb_array_length(p_streams)]);
        start_hashes := array_fill(null::bytea, array[jsonb_array_length(p_streams)]);
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_reserve_import must be the first write of its transaction';
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
          perform pg_advisory_unlock(${POSITION_LOCK});
          raise;
        end;

        for v_stream in
          select s.ordinality::int as idx, s.value->>'streamId' as stream_id, (s.value->>'expected')::bigint as expected,
                 (s.value->>'n')::int as event_count, decode(s.value->>'last', 'hex') as last_hash,
                 (s.value->>'headRevision')::bigint as head_revision, decode(s.value->>'headHash', 'hex') as head_hash
          from jsonb_array_elements(p_streams) with ordinality s
          order by s.value->>'streamId'
        loop
          v_start_rev := null;
          if v_stream.event_count = 0 then
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
          if v_stream.expected = -2 and v_stream.last_hash is null then
            raise exception 'tip_reserve_import: a no_stream append must give the head hash (last)';
          end if;
          if v_stream.expected <> -2 and v_stream.head_hash is not null and v_stream.last_hash is not null then
            -- Chained by the importer from the head it gave: stored if that is the head still.
            update tip_streams t
               set revision = t.revision + v_stream.event_count, prior_hash = t.last_hash,
                   last_hash = v_stream.last_hash, updated_at = now()
             where t.stream_id = v_stream.stream_id
               and t.revision = v_stream.head_revision and t.last_hash = v_stream.head_hash
               and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
            returning t.revision - v_stream.event_count into v_start_rev;
            if v_start_rev is not null then
              start_revisions[v_stream.idx] := v_start_rev;
              continue;
            end if;
          end if;
          for attempt in 1 .. 2 loop
            if v_stream.expected <> -2 then
              update tip_streams t
                 set revision = t.revision + v_stream.event_count, prior_hash = t.last_hash, updated_at = now()
               where t.stream_id = v_stream.stream_id
                 and (v_stream.expected in (-1, -3) or t.revision = v_stream.expected)
              returning t.revision - v_stream.event_count, t.prior_hash into v_start_rev, v_start_hash;
            end if;
            exit when v_start_rev is not null or v_stream.expected not in (-1, -2);
            -- A chain given with a head starts from that head, not from the genesis hash.
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream.stream_id, v_stream.event_count - 1,
                    case when v_stream.head_hash is null then coalesce(v_stream.last_hash, v_genesis) else v_genesis end,
                    v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
              v_start_hash := v_genesis;
            end if;
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
    `,
  },
  {
    version: 7,
    name: 'import creates streams by the run',
    sql: /* sql */ `
      -- tip_reserve_import of migration 6, except that the streams it creates (no_stream, with
      -- events and the chain's end given) go into tip_streams one INSERT a run instead of one a
      -- stream: a province's chunk of 5,000 events creates some 500 streams, and a statement
      -- each cost PostgreSQL 1.15-1.18 us an event (0.80-0.97 by the run). A run is streams next to
      -- each other in the order every writer takes streams in (by id, as tip_append_events), and
      -- its rows are inserted in that order, so writers still never wait on each other crosswise.
      -- Every other stream is handled one at a time, as before. Same arguments and answers: a
      -- stream of a run that is there already is refused as one at a time would have refused it
      -- (TS409, its revision). Replaces a function only: a running process keeps working.
      create or replace function tip_reserve_import(p_streams jsonb, p_event_count int,
                                                    out transaction_id xid8, out first_position bigint,
                                                    out start_revisions bigint[], out start_hashes bytea[])
      language plpgsql as $fn$
      declare
        v_genesis     constant bytea := decode(repeat('00', 32), 'hex');
        v_order       int[];
        v_ids         text[];
        v_expecteds   bigint[];
        v_counts      int[];
        v_lasts       bytea[];
        v_head_revs   bigint[];
        v_head_hashes bytea[];
        v_total       int;
        v_i           int;
        v_j           int;
        -- The first stream of the run of streams to create not inserted yet (0: no run).
        v_run         int := 0;
        v_created     text[];
        v_stream_id   text;
        v_expected    bigint;
        v_count       int;
        v_last        bytea;
        v_head_rev    bigint;
        v_head_hash   bytea;
        v_start_rev   bigint;
        v_start_hash  bytea;
        v_actual      bigint;
      begin
        start_revisions := array_fill(-1::bigint, array[jsonb_array_length(p_streams)]);
        start_hashes := array_fill(null::bytea, array[jsonb_array_length(p_streams)]);
        -- Positions follow transaction ids only if the id is taken here, under the lock.
        if pg_current_xact_id_if_assigned() is not null then
          raise exception 'tip_reserve_import must be the first write of its transaction';
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
          perform pg_advisory_unlock(${POSITION_LOCK});
          raise;
        end;

        -- The streams in the order they are locked in (as migration 6's loop), as arrays.
        -- Ordered by the position given too: the arrays stay aligned for a stream given twice.
        select array_agg(s.idx order by s.stream_id, s.idx), array_agg(s.stream_id order by s.stream_id, s.idx),
               array_agg(s.expected order by s.stream_id, s.idx), array_agg(s.event_count order by s.stream_id, s.idx),
               array_agg(s.last_hash order by s.stream_id, s.idx), array_agg(s.head_revision order by s.stream_id, s.idx),
               array_agg(s.head_hash order by s.stream_id, s.idx)
          into v_order, v_ids, v_expecteds, v_counts, v_lasts, v_head_revs, v_head_hashes
          from (select e.ordinality::int as idx, e.value->>'streamId' as stream_id, (e.value->>'expected')::bigint as expected,
                       (e.value->>'n')::int as event_count, decode(e.value->>'last', 'hex') as last_hash,
                       (e.value->>'headRevision')::bigint as head_revision, decode(e.value->>'headHash', 'hex') as head_hash
                  from jsonb_array_elements(p_streams) with ordinality e) s;
        v_total := coalesce(array_length(v_ids, 1), 0);

        -- One pass more than there are streams: the last ends any run still open.
        for v_i in 1 .. v_total + 1 loop
          if v_i <= v_total and v_expecteds[v_i] = -2 and v_counts[v_i] > 0 and v_lasts[v_i] is not null then
            if v_run = 0 then
              v_run := v_i;
            end if;
            continue;
          end if;
          if v_run > 0 then
            -- The run's streams, created from the chains' ends given, in the run's order. (Not a
            -- plain INSERT in an exception block: each block entered with a write is a
            -- subtransaction, and past 64 in a transaction every reader's snapshot overflows.)
            if v_i - v_run = 1 then
              -- A run of one: a statement without arrays costs less (a chunk alternating new and
              -- existing streams makes only such runs).
              insert into tip_streams (stream_id, revision, last_hash, prior_hash)
              values (v_ids[v_run], v_counts[v_run] - 1, v_lasts[v_run], v_genesis)
              on conflict (stream_id) do nothing
              returning array[stream_id] into v_created;
            else
              with created as (
                insert into tip_streams (stream_id, revision, last_hash, prior_hash)
                select r.stream_id, r.event_count - 1, r.last_hash, v_genesis
                  from unnest(v_ids[v_run:v_i - 1], v_counts[v_run:v_i - 1], v_lasts[v_run:v_i - 1])
                       with ordinality as r(stream_id, event_count, last_hash, ord)
                 order by r.ord
                on conflict (stream_id) do nothing
                returning stream_id)
              select array_agg(created.stream_id) into v_created from created;
            end if;
            if coalesce(array_length(v_created, 1), 0) < v_i - v_run then
              -- The first of the run that was there already (as one at a time would have refused
              -- it), else one given twice (its first part was there for the second).
              select r.stream_id into v_stream_id
                from unnest(v_ids[v_run:v_i - 1]) with ordinality as r(stream_id, ord)
               where r.stream_id <> all(coalesce(v_created, '{}'))
               order by r.ord
               limit 1;
              if v_stream_id is null then
                select r.stream_id into v_stream_id
                  from unnest(v_ids[v_run:v_i - 1]) with ordinality as r(stream_id, ord)
                 where r.stream_id in (select g from unnest(v_ids[v_run:v_i - 1]) g group by g having count(*) > 1)
                 order by r.ord
                 limit 1;
              end if;
              select t.revision into v_actual from tip_streams t where t.stream_id = v_stream_id;
              raise exception using
                errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
                message = 'wrong expected revision',
                detail = json_build_object('streamId', v_stream_id, 'actual', coalesce(v_actual, -1))::text;
            end if;
            for v_j in v_run .. v_i - 1 loop
              start_hashes[v_order[v_j]] := v_genesis;
            end loop;
            v_run := 0;
          end if;
          exit when v_i > v_total;

          -- Any other stream, as in migration 6.
          v_stream_id := v_ids[v_i];
          v_expected := v_expecteds[v_i];
          v_count := v_counts[v_i];
          v_last := v_lasts[v_i];
          v_head_rev := v_head_revs[v_i];
          v_head_hash := v_head_hashes[v_i];
          v_start_rev := null;
          if v_count = 0 then
            v_actual := null;
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream_id for share;
            v_actual := coalesce(v_actual, -1);
            if not (v_expected = -1
                    or (v_expected = -2 and v_actual = -1)
                    or (v_expected = -3 and v_actual >= 0)
                    or v_expected = v_actual) then
              raise exception using
                errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
                message = 'wrong expected revision',
                detail = json_build_object('streamId', v_stream_id, 'actual', v_actual)::text;
            end if;
            start_revisions[v_order[v_i]] := v_actual;
            continue;
          end if;
          if v_expected = -2 and v_last is null then
            raise exception 'tip_reserve_import: a no_stream append must give the head hash (last)';
          end if;
          if v_expected <> -2 and v_head_hash is not null and v_last is not null then
            -- Chained by the importer from the head it gave: stored if that is the head still.
            update tip_streams t
               set revision = t.revision + v_count, prior_hash = t.last_hash, last_hash = v_last, updated_at = now()
             where t.stream_id = v_stream_id
               and t.revision = v_head_rev and t.last_hash = v_head_hash
               and (v_expected in (-1, -3) or t.revision = v_expected)
            returning t.revision - v_count into v_start_rev;
            if v_start_rev is not null then
              start_revisions[v_order[v_i]] := v_start_rev;
              continue;
            end if;
          end if;
          for attempt in 1 .. 2 loop
            if v_expected <> -2 then
              update tip_streams t
                 set revision = t.revision + v_count, prior_hash = t.last_hash, updated_at = now()
               where t.stream_id = v_stream_id
                 and (v_expected in (-1, -3) or t.revision = v_expected)
              returning t.revision - v_count, t.prior_hash into v_start_rev, v_start_hash;
            end if;
            exit when v_start_rev is not null or v_expected not in (-1, -2);
            -- A chain given with a head starts from that head, not from the genesis hash.
            insert into tip_streams (stream_id, revision, last_hash, prior_hash)
            values (v_stream_id, v_count - 1,
                    case when v_head_hash is null then coalesce(v_last, v_genesis) else v_genesis end, v_genesis)
            on conflict (stream_id) do nothing;
            if found then
              v_start_rev := -1;
              v_start_hash := v_genesis;
            end if;
            exit when v_start_rev is not null or v_expected = -2;
          end loop;
          if v_start_rev is null then
            select t.revision into v_actual from tip_streams t where t.stream_id = v_stream_id;
            raise exception using
              errcode = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
              message = 'wrong expected revision',
              detail = json_build_object('streamId', v_stream_id, 'actual', coalesce(v_actual, -1))::text;
          end if;
          start_revisions[v_order[v_i]] := v_start_rev;
          start_hashes[v_order[v_i]] := v_start_hash;
        end loop;
      end
      $fn$;
    `,
  },
];

/**
 * What the application's role may do with the event store's tables: read and insert events
 * (never update, delete or truncate them), move stream heads and checkpoints, take positions.
 * Run by the owner after the migrations; `role` is a role name (quoted here).
 */
export function eventStoreGrants(role: string): string {
  const to = quoteIdentifier(role);
  return /* sql */ `
    grant usage on schema public to ${to};
    revoke all on tip_events from ${to};
    grant select, insert on tip_events to ${to};
    grant select, insert, update on tip_streams to ${to};
    grant select, insert, update, delete on tip_subscription_checkpoints to ${to};
    grant select on tip_schema_migrations to ${to};
    grant usage, select, update on sequence tip_event_position_seq to ${to};
  `;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
