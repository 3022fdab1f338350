import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Pool } from 'pg';
import { AuditLog, KeySettings, migrateAuditTables, openCheckpointSigner } from '@tip/audit';
import {
  chainHashHex,
  contentHashHexOfCanonical,
  createPool,
  createPostgresEventStore,
  EventStore,
  LoggedEvent,
  NewEvent,
} from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { exportLog, importLog, UsageError, verifyEventStore } from './verify';

function event(type: string, data: Record<string, unknown>): NewEvent {
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      businessTime: '2016-03-10T01:00:00.000Z',
      actor: { sub: 'p-admin', role: 'province-admin' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

type Line = { kind: string } & Record<string, unknown>;
type EventLine = Line & LoggedEvent;
const isEvent = (line: Line): line is EventLine => line.kind === 'event';

describe('tip import-log', () => {
  let source: TestDatabase;
  let store: EventStore;
  let pool: Pool;
  let dir: string;
  let keys: KeySettings;
  let exported: string;
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    source = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: source.url });
    pool = createPool({ connectionString: source.url, max: 2 }, () => undefined);
    await migrateAuditTables(pool);
    dir = await mkdtemp(path.join(tmpdir(), 'tip-cli-import-'));
    keys = { keysDir: path.join(dir, 'keys') };
    const { signer } = await openCheckpointSigner(keys, { create: true });
    const audit = new AuditLog({ pool, store, signer });
    for (const unitId of ['320700', '320707', '320722']) {
      await store.appendToStream(`quota-B:1:${unitId}`, [
        event('QuotaReceived', { seats: 10, unit: unitId, note: '南京 "quoted" \\ {not a brace} \u2028 😀' }),
        event('QuotaReceived', { seats: 5, nested: { list: [1, 2.5, null, { b: true, a: 'x' }] } }),
      ]);
    }
    await audit.heads.sign('request');
    await store.appendToStream('quota-B:1:320700', [event('QuotaReceived', { seats: 1 })]);
    exported = path.join(dir, 'log.ndjson');
    expect(await exportLog(source.url, exported, keys, () => undefined)).toBe(0);
  });
  afterAll(async () => {
    await pool?.end();
    await store?.close();
    await source?.drop();
    for (const database of databases) await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A new server's database: migrated, as TIP leaves it when first started, and empty. */
  async function newDatabase(): Promise<string> {
    const database = await createTestDatabase();
    databases.push(database);
    const fresh = await createPostgresEventStore({ connectionString: database.url });
    await fresh.close();
    return database.url;
  }

  async function importInto(
    url: string,
    file: string,
    publicKey?: string,
    more: { unsigned?: boolean; keys?: KeySettings } = {},
  ) {
    const lines: string[] = [];
    const exitCode = await importLog(
      url,
      file,
      { keys: more.keys ?? keys, publicKey, unsigned: more.unsigned },
      { print: (line) => lines.push(line), progress: new PassThrough().resume() },
    );
    return { exitCode, lines, report: lines.join('\n') };
  }

  async function readLogOf(url: string): Promise<LoggedEvent[]> {
    const target = await createPostgresEventStore({ connectionString: url });
    try {
      return await target.readLog();
    } finally {
      await target.close();
    }
  }

  async function lines(): Promise<Line[]> {
    return (await readFile(exported, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
  }

  async function writeExport(name: string, edited: Line[]): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, edited.map((line) => JSON.stringify(line)).join('\n') + '\n');
    return file;
  }

  it('loads an export into a new database event for event; tip verify then finds it intact', async () => {
    const url = await newDatabase();
    const { exitCode, lines: printed } = await importInto(url, exported);
    expect(exitCode).toBe(0);
    expect(printed[0]).toMatch(/^Imported 7 events in 3 streams from .*log\.ndjson/);
    // export-log signed a head over all of it first.
    expect(printed).toContainEqual(expect.stringMatching(/^Newest signed head: 7 events, signed at .*: matches/));

    expect(await readLogOf(url)).toEqual(await store.readLog());
    const target = await createPostgresEventStore({ connectionString: url });
    try {
      expect(await target.readAll()).toEqual(await store.readAll());
      // The new server goes on from there.
      await target.appendToStream('quota-B:1:320707', [event('QuotaReceived', { seats: 2 })], {
        expectedRevision: 1,
      });
    } finally {
      await target.close();
    }
    const verified: string[] = [];
    const verifyExit = await verifyEventStore(
      url,
      { against: [], maxProblems: 10, keys },
      { print: (line) => verified.push(line), progress: new PassThrough().resume() },
    );
    expect(verified.join('\n')).toContain('INTACT');
    expect(verifyExit).toBe(0);
  });

  it('refuses a store that holds events', async () => {
    await expect(importInto(source.url, exported)).rejects.toThrow(UsageError);
    await expect(importInto(source.url, exported)).rejects.toThrow(/empty store only/);
  });

  /** The export with the event at `index` (among events) changed by `edit`; its line number too. */
  async function editedEvent(name: string, index: number, edit: (event: EventLine) => void) {
    const all = await lines();
    const events = all.filter(isEvent);
    edit(events[index]);
    return { file: await writeExport(name, all), line: all.indexOf(events[index]) + 1 };
  }

  it('refuses an edited data value, naming the line and the check, and writes nothing', async () => {
    const { file, line } = await editedEvent('edited.ndjson', 2, (event) => {
      event.data = event.data.replace('"seats":10', '"seats":11');
    });
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(
      new RegExp(`^REFUSED: line ${line}: \\[hash-chain\\] altered: event at revision 0 .*nothing was imported$`),
    );
    expect(await readLogOf(url)).toEqual([]);
    // Nothing half made: the genuine export loads into the same database afterwards.
    expect((await importInto(url, exported)).exitCode).toBe(0);
  });

  it('names the right line in a file written again with "kind" last on each line', async () => {
    const all = await lines();
    const events = all.filter(isEvent);
    events[2].data = events[2].data.replace('"seats":10', '"seats":11');
    const file = path.join(dir, 'kind-last.ndjson');
    const rewritten = all.map(({ kind, ...rest }) => JSON.stringify({ ...rest, kind }));
    await writeFile(file, rewritten.join('\n') + '\n');
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(new RegExp(`^REFUSED: line ${all.indexOf(events[2]) + 1}: \\[hash-chain\\] altered`));
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses the same JSON with its keys reordered: another text, another hash', async () => {
    const { file, line } = await editedEvent('reordered.ndjson', 0, (event) => {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      const reordered = Object.fromEntries(Object.entries(data).reverse());
      expect(reordered).toEqual(data);
      event.data = JSON.stringify(reordered);
    });
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(new RegExp(`^REFUSED: line ${line}: \\[hash-chain\\]`));
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses a dropped event, naming the line where its stream jumps', async () => {
    const all = await lines();
    const events = all.filter(isEvent);
    // The second event of the first stream dropped: its stream's next event comes a revision early.
    const dropped = events.find((each) => each.streamId === events[0].streamId && each.revision === 1);
    const next = events.find((each) => each.streamId === events[0].streamId && each.revision === 2);
    if (!dropped || !next) throw new Error('the source log is not as built');
    const edited = all.filter((each) => each !== dropped);
    const file = await writeExport('dropped.ndjson', edited);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(
      new RegExp(`^REFUSED: line ${edited.indexOf(next) + 1}: \\[order\\] log\\[\\d+\\]\\.revision: must be 1`),
    );
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses a forged event whose hashes were all made to fit: the signed head catches it', async () => {
    const all = await lines();
    forge(all, 2);
    const file = await writeExport('forged.ndjson', all);
    // The first head (over 6 events) already covers it, and is named.
    const headLine = all.findIndex((line) => line.kind === 'head' && line.treeSize === 6) + 1;
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(new RegExp(`^REFUSED: line ${headLine}: \\[signed-head\\]`));
    expect(await readLogOf(url)).toEqual([]);
  });

  /** The event at `index` given another value, every hash of its stream from there and its stream head made to fit. */
  function forge(all: Line[], index: number): void {
    const events = all.filter(isEvent);
    const forged = events[index];
    const genuine = forged.data;
    forged.data = forged.data.replace('"seats":10', '"seats":99');
    expect(forged.data).not.toBe(genuine);
    let previous = events.find(
      (each) => each.streamId === forged.streamId && each.revision === forged.revision - 1,
    )?.hash;
    for (const each of events.filter((one) => one.streamId === forged.streamId && one.revision >= forged.revision)) {
      const content = contentHashHexOfCanonical(each.streamId, each.type, each.data, each.metadata);
      each.hash = previous = chainHashHex(previous ?? '00'.repeat(32), content);
    }
    const head = all.find((line) => line.kind === 'streamHead' && line.streamId === forged.streamId);
    if (!head) throw new Error('no stream head line');
    head.lastHash = previous;
  }

  it("refuses a forged event when the file's safePosition was lowered to hide it from the signed heads", async () => {
    const all = await lines();
    forge(all, 2);
    const start = all.find((line) => line.kind === 'start');
    if (!start) throw new Error('no start line');
    start.safePosition = 0;
    const file = await writeExport('lowered.ndjson', all);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(/^REFUSED: line \d+: \[signed-head\]/);
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses an export without signed heads whose chain was forged; loads it with --unsigned, warning', async () => {
    const all = (await lines()).filter((line) => line.kind !== 'head');
    forge(all, 2);
    const file = await writeExport('headless.ndjson', all);
    const url = await newDatabase();
    const refused = await importInto(url, file);
    expect(refused.exitCode).toBe(1);
    expect(refused.report).toMatch(/^REFUSED: the export: \[signed-head\] the export carries no signed head/);
    expect(await readLogOf(url)).toEqual([]);

    const loaded = await importInto(url, file, undefined, { unsigned: true });
    expect(loaded.exitCode).toBe(0);
    expect(loaded.report).toMatch(/WARNING: loaded with --unsigned: .*nothing proves this log is the original/);
    expect(await readLogOf(url)).toHaveLength(7);
  });

  it('refuses events after the newest signed head: their chains alone vouch for them', async () => {
    const all = (await lines()).filter((line) => !(line.kind === 'head' && line.treeSize === 7));
    const events = all.filter(isEvent);
    const tail = events[6];
    const genuine = tail.data;
    tail.data = tail.data.replace('"seats":1', '"seats":9');
    expect(tail.data).not.toBe(genuine);
    const previous = events.find((each) => each.streamId === tail.streamId && each.revision === tail.revision - 1);
    if (!previous) throw new Error('the source log is not as built');
    tail.hash = chainHashHex(
      previous.hash,
      contentHashHexOfCanonical(tail.streamId, tail.type, tail.data, tail.metadata),
    );
    const head = all.find((line) => line.kind === 'streamHead' && line.streamId === tail.streamId);
    if (!head) throw new Error('no stream head line');
    head.lastHash = tail.hash;
    const file = await writeExport('tail.ndjson', all);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toMatch(
      new RegExp(
        `^REFUSED: line ${all.indexOf(tail) + 1}: \\[signed-head\\] the newest signed head covers the first 6 of the 7 events`,
      ),
    );
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses when there is no key to trust (none given, none in this deployment)', async () => {
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, exported, undefined, {
      keys: { keysDir: path.join(dir, 'no-keys') },
    });
    expect(exitCode).toBe(1);
    expect(report).toMatch(/^REFUSED: the export: \[signed-head\] no public key/);
    expect(await readLogOf(url)).toEqual([]);
  });

  /** The stream of `target` with every hash and its stream head made to fit its texts again. */
  function refit(all: Line[], target: EventLine): void {
    let previous = '00'.repeat(32);
    for (const each of all.filter(isEvent).filter((one) => one.streamId === target.streamId)) {
      const content = contentHashHexOfCanonical(each.streamId, each.type, each.data, each.metadata);
      each.hash = previous = chainHashHex(previous, content);
    }
    const head = all.find((line) => line.kind === 'streamHead' && line.streamId === target.streamId);
    if (!head) throw new Error('no stream head line');
    head.lastHash = previous;
  }

  it('refuses an event id given twice, naming the second, even --unsigned', async () => {
    const all = (await lines()).filter((line) => line.kind !== 'head');
    const events = all.filter(isEvent);
    const first = events[0];
    const twin = events.find((each) => each.streamId !== first.streamId && each.revision === 0);
    if (!twin) throw new Error('the source log is not as built');
    twin.metadata = twin.metadata.replace(twin.eventId, first.eventId);
    twin.eventId = first.eventId;
    refit(all, twin);
    const file = await writeExport('twin.ndjson', all);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file, undefined, { unsigned: true });
    expect(exitCode).toBe(1);
    expect(report).toBe(
      `REFUSED: line ${all.indexOf(twin) + 1}: [event-id] event id ${first.eventId} is given twice: ` +
        'each event is stored once; nothing was imported',
    );
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses data that is not JSON text, naming its line, even --unsigned', async () => {
    const all = (await lines()).filter((line) => line.kind !== 'head');
    const broken = all.filter(isEvent)[6];
    broken.data = '{"seats": 1, broken';
    refit(all, broken);
    const file = await writeExport('not-json.ndjson', all);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file, undefined, { unsigned: true });
    expect(exitCode).toBe(1);
    expect(report).toMatch(new RegExp(`^REFUSED: line ${all.indexOf(broken) + 1}: \\[format\\] data is not JSON text`));
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses heads signed with another key than the one given', async () => {
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, exported, Buffer.alloc(32, 7).toString('base64'));
    expect(exitCode).toBe(1);
    expect(report).toMatch(/^REFUSED: line \d+: \[signed-head\] .*/);
    expect(await readLogOf(url)).toEqual([]);
  });

  it('refuses an export of another format, naming line 1', async () => {
    const all = await lines();
    all[0].format = 'tip-log/9';
    const file = await writeExport('format.ndjson', all);
    const url = await newDatabase();
    const { exitCode, report } = await importInto(url, file);
    expect(exitCode).toBe(1);
    expect(report).toBe(
      'REFUSED: line 1: [format] the export\'s format is "tip-log/9"; this release reads tip-log/1; nothing was imported',
    );
  });
});
