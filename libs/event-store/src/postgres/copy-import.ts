import { finished } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppendResult } from '../port/event-store';
import { chainHash } from '../port/hash-chain';
import { PreparedAppend, streamJson } from './append-payload';

/** COPY text format: a backslash starts an escape, so JSON's own backslashes are doubled. */
const copyText = (text: string) => (text.includes('\\') ? text.replace(/\\/g, '\\\\') : text);

/**
 * The bulk path: the same reservation and expected-revision checks as every append
 * (`tip_reserve`), then the events streamed in with COPY, all in one transaction. The hash
 * chain is extended here from the head `tip_reserve` hands back.
 */
export async function copyAppend(pool: Pool, append: PreparedAppend, recordedTime: string): Promise<AppendResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    try {
      let offset = 0;
      const streams = append.streams.map((stream) => {
        const json = streamJson(stream, offset);
        offset += stream.events.length;
        return json;
      });
      const { rows } = await client.query<{ transaction_id: string; first_position: string; start_revisions: string[]; start_hashes: Buffer[] }>(
        'select transaction_id::text, first_position, start_revisions, start_hashes from tip_reserve($1::jsonb, $2)',
        [`[${streams.join(',')}]`, append.eventCount],
      );
      const { transaction_id: transactionId, start_revisions: startRevisions, start_hashes: startHashes } = rows[0];
      let position = Number(rows[0].first_position);
      const result: AppendResult = { streams: [], events: [], lastPosition: 0 };
      const lines: string[] = [];
      append.streams.forEach((stream, index) => {
        let revision = Number(startRevisions[index]);
        let hash = startHashes[index];
        const streamId = copyText(stream.streamId);
        for (const event of stream.events) {
          revision += 1;
          hash = chainHash(hash, event.contentHash);
          lines.push(
            `${position}\t${transactionId}\t${streamId}\t${revision}\t${event.eventId}\t${copyText(event.type)}\t${event.schemaVersion}\t` +
              `${copyText(event.dataJson)}\t${copyText(event.metadataJson)}\t${event.businessTime}\t${recordedTime}\t\\\\x${hash.toString('hex')}\n`,
          );
          result.events.push({ streamId: stream.streamId, eventId: event.eventId, revision, position });
          position += 1;
        }
        result.streams.push({ streamId: stream.streamId, nextExpectedRevision: revision });
      });
      result.lastPosition = position - 1;
      const copy = client.query(
        copyFrom(
          'copy tip_events (position, transaction_id, stream_id, stream_revision, event_id, event_type, schema_version, ' +
            'data, metadata, business_time, recorded_time, hash) from stdin',
        ),
      );
      // Written in slices: one string for a whole chunk of large events could pass V8's limit.
      for (let start = 0; start < lines.length; start += 100) copy.write(lines.slice(start, start + 100).join(''));
      copy.end();
      await finished(copy);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    client.release();
  }
}
