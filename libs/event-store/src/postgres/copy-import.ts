import { finished } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { GENESIS_HASH_HEX } from '../port/hash-chain';
import { chainFrom, NO_STREAM, PreparedAppend } from './append-payload';

/** What a chunk written with COPY amounts to. */
export interface CopiedChunk {
  eventCount: number;
  lastPosition: number;
}

/**
 * COPY text format: a backslash starts an escape, so JSON's own backslashes are doubled; JSON
 * text holds no raw tab, newline or carriage return (JSON.stringify escapes them).
 */
const copyJson = (text: string) => (text.includes('\\') ? text.replace(/\\/g, '\\\\') : text);

/** Any other text: stream ids and types (no control characters), business times (checked only by Date.parse). */
const copyText = (text: string) => (/[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (special) => COPY_ESCAPES[special]) : text);
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Rows go to the server in pieces of about this many characters. */
const PIECE = 1 << 16;

/**
 * The bulk path: the same reservation and expected-revision checks as every append
 * (`tip_reserve_import`), then the events streamed in with COPY, all in one transaction. The
 * hash chain is computed here, once: streams that start in this chunk (no_stream) are chained
 * from the genesis hash before the reservation, which stores their head; any other stream is
 * chained from the head the reservation hands back, and its new head is stored before commit.
 */
export async function copyAppend(pool: Pool, append: PreparedAppend): Promise<CopiedChunk> {
  const chains = append.streams.map((stream) =>
    stream.expected === NO_STREAM && stream.events.length > 0 ? chainFrom(GENESIS_HASH_HEX, stream.events) : undefined,
  );
  const streamsJson = append.streams
    .map((stream, index) => {
      const chain = chains[index];
      const last = chain ? `,"last":"${chain[chain.length - 1]}"` : '';
      return `{"streamId":${JSON.stringify(stream.streamId)},"expected":${stream.expected},"n":${stream.events.length}${last}}`;
    })
    .join(',');
  const client = await pool.connect();
  try {
    await client.query('begin');
    try {
      const { rows } = await client.query<{ transaction_id: string; first_position: string; start_revisions: string[]; start_hashes: (Buffer | null)[] }>({
        name: 'tip_reserve_import',
        text: 'select transaction_id::text, first_position, start_revisions, start_hashes from tip_reserve_import($1::jsonb, $2)',
        values: [`[${streamsJson}]`, append.eventCount],
      });
      const { transaction_id: transactionId, start_revisions: startRevisions, start_hashes: startHashes } = rows[0];
      const firstPosition = Number(rows[0].first_position);
      // Streams whose head the reservation could not store: it is known only now.
      const heads: { streamIds: string[]; hashes: string[] } = { streamIds: [], hashes: [] };
      append.streams.forEach((stream, index) => {
        if (stream.events.length === 0) return;
        if (chains[index] === undefined) {
          const start = startHashes[index];
          if (!start) throw new Error(`tip_reserve_import gave no start hash for stream ${stream.streamId}`);
          const chain = chainFrom(start.toString('hex'), stream.events);
          chains[index] = chain;
          heads.streamIds.push(stream.streamId);
          heads.hashes.push(chain[chain.length - 1]);
        } else if (Number(startRevisions[index]) !== -1) {
          throw new Error(`tip_reserve_import appended to stream ${stream.streamId}, which a no_stream append expected to create`);
        }
      });
      const copy = client.query(
        copyFrom(
          'copy tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type, schema_version, ' +
            'data, metadata, business_time, recorded_time, hash) from stdin',
        ),
      );
      let position = firstPosition;
      let text = '';
      append.streams.forEach((stream, index) => {
        const chain = chains[index];
        if (chain === undefined) return;
        // Between a row's position and its revision: the transaction id and the stream id.
        const streamColumns = `\t${transactionId}\t${copyText(stream.streamId)}\t`;
        let revision = Number(startRevisions[index]);
        let type = '';
        let typeText = '';
        for (let eventIndex = 0; eventIndex < stream.events.length; eventIndex++) {
          const event = stream.events[eventIndex];
          if (event.type !== type) {
            type = event.type;
            typeText = copyText(type);
          }
          revision += 1;
          text +=
            position +
            streamColumns +
            revision +
            '\t' +
            event.eventId +
            '\t' +
            typeText +
            '\t' +
            event.schemaVersion +
            '\t' +
            copyJson(event.dataJson) +
            '\t' +
            copyJson(event.metadataJson) +
            '\t' +
            copyText(event.businessTime) +
            '\t' +
            event.recordedTime +
            '\t\\\\x' +
            chain[eventIndex] +
            '\n';
          position += 1;
          // Written in pieces: one string for a whole chunk of large events could pass V8's limit.
          if (text.length >= PIECE) {
            copy.write(text);
            text = '';
          }
        }
      });
      if (text.length > 0) copy.write(text);
      copy.end();
      await finished(copy);
      if (heads.streamIds.length > 0) {
        const { rowCount } = await client.query({
          name: 'tip_import_heads',
          text: `update tip_streams t set last_hash = decode(h.hash, 'hex')
                 from unnest($1::text[], $2::text[]) as h(stream_id, hash) where t.stream_id = h.stream_id`,
          values: [heads.streamIds, heads.hashes],
        });
        if (rowCount !== heads.streamIds.length) throw new Error(`stored ${rowCount} of ${heads.streamIds.length} stream heads`);
      }
      await client.query('commit');
      return { eventCount: append.eventCount, lastPosition: position - 1 };
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    client.release();
  }
}
