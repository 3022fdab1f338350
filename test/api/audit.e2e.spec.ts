import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  Checkpoint,
  checkpointSignatureProblem,
  eventLeafHash,
  InclusionProof,
  parseCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@tip/audit';
import { asAttacker } from '@tip/testing';
import ExcelJS from 'exceljs';
import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { pythonForTests } from '../audit/python';

const REPO = path.resolve(__dirname, '../..');
const python = pythonForTests();

interface LoggedEvent {
  streamId?: string;
  revision: number;
  position: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  hash?: string;
}

describe('Audit over HTTP', () => {
  let api: ApiUnderTest;
  const system: Actor = { sub: 'importer', role: 'system' };
  const auditor: Actor = { sub: 'a-1', role: 'auditor' };
  const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };
  const cityLedger = 'quota-LYG-2016:1:320700';
  const firstGrant = '2016-03-10T01:00:00.000Z';
  const secondGrant = '2016-03-20T01:00:00.000Z';

  async function get(
    path: string,
    actor: Actor | null = auditor,
  ): Promise<{
    status: number;
    body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };
  }> {
    const headers: Record<string, string> = actor ? { authorization: `Bearer ${await api.token(actor)}` } : {};
    const response = await fetch(`${api.tip.url}/audit/${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function post(path: string, actor: Actor = auditor) {
    const response = await fetch(`${api.tip.url}/audit/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await api.token(actor)}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  let dir: string;

  /** tools/verify-log.py run in the test's folder, as an auditor runs it on the files they keep. */
  function verifyLog(...args: string[]) {
    return spawnSync(python.command as string, [path.join(REPO, 'tools/verify-log.py'), ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tip-audit-http-'));
    api = await startApiUnderTest();
    const units = [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: '320707', kind: 'county', name: '赣榆区', parentId: '320700' },
      { unitId: 'S-GY-01', kind: 'school', name: '赣榆区实验小学', parentId: '320707', fullTimeTeachers: 80 },
    ];
    for (const unit of units) expect((await api.send(system, 'RegisterOrgUnit', unit)).status).toBe(200);
    expect(
      (
        await api.send(provinceAdmin, 'LaunchProgramme', {
          programmeId: 'LYG-1.0',
          name: '连云港市信息技术应用能力提升工程',
          provinceId: '320000',
          rulebook: 'lianyungang-1.0',
        })
      ).status,
    ).toBe(200);
    const scheduled = await api.send(provinceAdmin, 'ScheduleBatch', {
      programmeId: 'LYG-1.0',
      batchId: 'LYG-2016',
      name: '2016年',
      startsOn: '2016-03-10',
      endsOn: '2017-12-31',
      sharePercent: 100,
      periods: [{ periodId: '1', startsOn: '2016-03-10', endsOn: '2016-04-18' }],
    });
    expect(scheduled.status).toBe(200);
    // History imported as it happened: the province's two grants to the city, ten days apart.
    for (const [seats, at] of [
      [100, firstGrant],
      [50, secondGrant],
    ] as const) {
      const allocation = { batchId: 'LYG-2016', periodId: '1', fromUnitId: '320000', toUnitId: '320700', seats };
      expect((await api.send(system, 'AllocateQuota', { ...allocation, at, actor: provinceAdmin })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists a stream as stored: every event in order, with its metadata and hash', async () => {
    const { status, body } = await get(`streams/${cityLedger}`);
    expect(status).toBe(200);
    const events = body.events as LoggedEvent[];
    expect(body.streamId).toBe(cityLedger);
    expect(events.map((event) => [event.revision, event.type, event.data.seats])).toEqual([
      [0, 'QuotaReceived', 100],
      [1, 'QuotaReceived', 50],
    ]);
    expect(events[0].position).toBeLessThan(events[1].position);
    for (const event of events) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(events[0].metadata).toMatchObject({
      actor: provinceAdmin,
      importedBy: { sub: 'importer', role: 'system' },
      commandId: expect.any(String),
      correlationId: expect.any(String),
      causationId: expect.any(String),
      businessTime: firstGrant,
      recordedTime: expect.any(String),
      schemaVersion: 1,
    });
  });

  it("keeps the caller's trace context (traceparent) on the events, and only a well-formed one", async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = await api.send(
      system,
      'RegisterOrgUnit',
      { unitId: 'TRACED', kind: 'province', name: '追踪' },
      { traceparent },
    );
    const untraced = await api.send(
      system,
      'RegisterOrgUnit',
      { unitId: 'UNTRACED', kind: 'province', name: '无' },
      { traceparent: 'not a trace' },
    );
    expect([traced.status, untraced.status]).toEqual([200, 200]);
    const metadataOf = async (streamId: string) =>
      ((await get(`streams/${streamId}`)).body.events as LoggedEvent[])[0].metadata;
    expect(await metadataOf('org-unit-TRACED')).toMatchObject({ traceparent });
    expect(await metadataOf('org-unit-UNTRACED')).not.toHaveProperty('traceparent');
  });

  it('rebuilds a stream’s state as of a business time', async () => {
    const before = await get(`streams/${cityLedger}/state?asOf=${encodeURIComponent('2016-03-15T08:00:00+08:00')}`);
    expect(before).toMatchObject({
      status: 200,
      body: {
        streamId: cityLedger,
        category: 'quota',
        asOf: '2016-03-15T00:00:00.000Z',
        version: 0,
        eventsFolded: 1,
        lastBusinessTime: firstGrant,
        state: { received: 100 },
      },
    });
    const after = await get(`streams/${cityLedger}/state?asOf=2016-03-20T01:00:00Z`);
    expect(after.body).toMatchObject({
      version: 1,
      eventsFolded: 2,
      lastBusinessTime: secondGrant,
      state: { received: 150 },
    });
    const now = await get(`streams/${cityLedger}/state`);
    expect(now.body).toMatchObject({ asOf: null, version: 1, state: { received: 150 } });
    const school = await get('streams/org-unit-S-GY-01/state');
    expect(school.body).toMatchObject({
      category: 'org-unit',
      state: { status: 'registered', kind: 'school', parentId: '320707' },
    });
  });

  it('lets only auditors and system in', async () => {
    const schoolAdmin: Actor = { sub: 's-admin', role: 'school-admin', unitId: 'S-GY-01' };
    expect(await get(`streams/${cityLedger}`, schoolAdmin)).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect((await get('verify', provinceAdmin)).status).toBe(403);
    expect(await get('events', null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await get(`streams/${cityLedger}/state`, system)).status).toBe(200);
  });

  it('answers bad parameters with 400 naming the field, and unknown streams with 404', async () => {
    const badAsOf = await get(`streams/${cityLedger}/state?asOf=last-week`);
    expect(badAsOf).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'asOf' }] } },
    });
    const badPage = await get('events?fromPosition=-1&limit=10001');
    expect(badPage).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'fromPosition' }, { field: 'limit' }] } },
    });
    expect(await get('streams/quota-LYG-2099:1:320700')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect((await get('streams/quota-LYG-2099:1:320700/state')).status).toBe(404);
    const unknownKind = await get('streams/ledger-320700/state');
    expect(unknownKind).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(unknownKind.body.error?.message).toContain('school-closure-');
  });

  it('pages through the whole global log in order', async () => {
    const whole = (await get('events?limit=10000')).body as { events: LoggedEvent[]; nextPosition: number };
    expect(whole.events.length).toBeGreaterThan(6);
    const paged: LoggedEvent[] = [];
    let fromPosition = 0;
    for (;;) {
      const page = (await get(`events?fromPosition=${fromPosition}&limit=4`)).body as {
        events: LoggedEvent[];
        nextPosition: number;
      };
      if (page.events.length === 0) {
        expect(page.nextPosition).toBe(fromPosition);
        break;
      }
      expect(page.events.length).toBeLessThanOrEqual(4);
      expect(page.nextPosition).toBe(page.events[page.events.length - 1].position + 1);
      paged.push(...page.events);
      fromPosition = page.nextPosition;
    }
    expect(paged).toEqual(whole.events);
    const positions = paged.map((event) => event.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    expect(paged.filter((event) => event.streamId === cityLedger).map((event) => event.data.seats)).toEqual([100, 50]);
  });

  it('documents its routes at /api/docs', async () => {
    const document = (await (await fetch(`${api.tip.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, { get?: unknown }>;
    };
    for (const path of [
      'streams/{streamId}',
      'streams/{streamId}/state',
      'events',
      'verify',
      'checkpoints',
      'proofs/inclusion',
      'proofs/consistency',
      'export',
    ])
      expect(document.paths[`/api/audit/${path}`]?.get).toBeDefined();
  });

  it('publishes signed tree heads with the public key to anyone, and signs one on request for auditors', async () => {
    // A head over the log as it is now: signed for the request, or the minute's head if it came first.
    const declared = await api.send(system, 'DeclareFullTimeTeachers', { unitId: 'S-GY-01', fullTimeTeachers: 81 });
    expect(declared.status).toBe(200);
    // Readers see the log up to its safe position, a moment behind the last append: wait for it.
    let logged: LoggedEvent[] = [];
    while (!logged.some((event) => event.position === declared.body.position)) {
      logged = (await get('events?limit=10000')).body.events as LoggedEvent[];
    }
    const signed = await post('checkpoints');
    expect(signed).toMatchObject({ status: 200, body: { format: 'tip-checkpoint/1', treeSize: logged.length } });
    expect(['request', 'interval']).toContain(signed.body.reason);
    expect(checkpointSignatureProblem(parseCheckpoint(signed.body))).toBeUndefined();
    const published = await get('checkpoints', null);
    expect(published).toMatchObject({
      status: 200,
      body: { algorithm: 'Ed25519', keyId: signed.body.keyId, publicKey: signed.body.publicKey, latest: signed.body },
    });
    expect((published.body.checkpoints as Checkpoint[])[0]).toMatchObject({ treeSize: signed.body.treeSize });
    expect((await post('checkpoints', provinceAdmin)).status).toBe(403);
    expect(await get('checkpoints?limit=0', null)).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'limit' }] } },
    });
  });

  it('proves an event included in a signed head and one head consistent with another, as RFC 9162 checks them', async () => {
    const older = parseCheckpoint((await post('checkpoints')).body);
    expect(
      (await api.send(system, 'RegisterOrgUnit', { unitId: 'LATER', kind: 'province', name: '后来' })).status,
    ).toBe(200);
    const newer = parseCheckpoint((await post('checkpoints')).body);
    expect(newer.treeSize).toBeGreaterThan(older.treeSize);

    const { body: listed } = await get(`streams/${cityLedger}`);
    const position = (listed.events as LoggedEvent[])[0].position;
    const inclusion = await get(`proofs/inclusion?position=${position}&treeSize=${older.treeSize}`);
    expect(inclusion.status).toBe(200);
    const proof = inclusion.body as unknown as InclusionProof;
    expect(proof.event).toMatchObject({ position, streamId: cityLedger, revision: 0 });
    const leaf = eventLeafHash(proof.event);
    const path = proof.auditPath.map((each) => Buffer.from(each, 'hex'));
    expect(verifyInclusion(leaf, proof.leafIndex, older.treeSize, path, Buffer.from(older.rootHash, 'hex'))).toBe(true);

    const consistency = await get(`proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`, null);
    expect(consistency.status).toBe(200);
    const steps = (consistency.body.consistencyPath as string[]).map((each) => Buffer.from(each, 'hex'));
    const [oldRoot, newRoot] = [older, newer].map((head) => Buffer.from(head.rootHash, 'hex'));
    expect(verifyConsistency(older.treeSize, newer.treeSize, oldRoot, newRoot, steps)).toBe(true);

    expect(await get(`proofs/inclusion?position=${position}&treeSize=${newer.treeSize + 1}`)).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'treeSize' }] } },
    });
    expect(await get(`proofs/inclusion?position=99999999&treeSize=${newer.treeSize}`)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(await get(`proofs/consistency?from=${newer.treeSize}&to=${older.treeSize}`, null)).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'from' }] } },
    });
    expect((await get(`proofs/inclusion?position=${position}&treeSize=${older.treeSize}`, provinceAdmin)).status).toBe(
      403,
    );
  });

  it('has each weekly notice name the signed tree head of the history its figures came from, in every format', async () => {
    // Every format from the read model at one position: the whole log as it stands (no test appends meanwhile).
    const health = (await (await fetch(`${api.tip.url}/health`)).json()) as { eventStore: { headPosition: number } };
    const path = `notices/weekly?unitId=320700&batchId=LYG-2016&week=2016-W11&minPosition=${health.eventStore.headPosition}`;
    const notice = await api.get<{ source: { position: number; treeSize: number; rootHash: string; keyId: string } }>(
      auditor,
      `/${path}`,
    );
    expect(notice.status).toBe(200);
    const { source } = notice.body;
    expect(source).toMatchObject({
      position: expect.any(Number),
      treeSize: expect.any(Number),
      rootHash: expect.any(String),
    });
    // The head is among the published ones, genuine, and of exactly the events up to the notice's position.
    const published = await get('checkpoints?limit=1000', null);
    const head = (published.body.checkpoints as Checkpoint[]).find(
      (each) => each.treeSize === source.treeSize && each.rootHash === source.rootHash,
    );
    expect(head).toMatchObject({ lastPosition: source.position, keyId: source.keyId });
    expect(checkpointSignatureProblem(parseCheckpoint(head))).toBeUndefined();
    const log = (await get(`events?limit=10000`)).body.events as LoggedEvent[];
    expect(log.filter((event) => event.position <= source.position)).toHaveLength(source.treeSize);

    const line = `数据来源：事件日志前 ${source.treeSize} 条（至位置 ${source.position}），签名树头根哈希 ${source.rootHash}`;
    for (const format of ['csv', 'html'] as const) {
      expect((await api.get<string>(auditor, `/${path}&format=${format}`)).body).toContain(line);
    }
    const xlsx = await api.get(auditor, `/${path}&format=xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(xlsx.bytes).buffer);
    const cells: unknown[] = [];
    workbook.worksheets[0].eachRow((row) => cells.push(...(row.values as unknown[])));
    expect(cells.some((cell) => typeof cell === 'string' && cell.startsWith(line))).toBe(true);
  });

  it('exports the log as NDJSON covered by a fresh head, for the independent verifier', async () => {
    const response = await fetch(`${api.tip.url}/audit/export`, {
      headers: { authorization: `Bearer ${await api.token(auditor)}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; head?: Checkpoint; events?: number });
    const events = lines.filter((line) => line.kind === 'event');
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'tip-log/1', head: { treeSize: events.length } });
    expect(lines.at(-1)).toEqual({ kind: 'end', events: events.length });
  });

  it('gives an auditor what tools/verify-log.py needs: a kept head, the export and a proof, all over HTTP', async () => {
    // The auditor's routine: keep the published head, come back later for the whole log and a
    // consistency proof, and check both with the independent verifier, never with TIP's code.
    if (!python.command) return;
    expect((await post('checkpoints')).status).toBe(200);
    const published = await get('checkpoints', null);
    const kept = published.body.latest as Checkpoint;
    await writeFile(path.join(dir, 'kept.json'), JSON.stringify(kept));
    const later = await api.send(system, 'RegisterOrgUnit', {
      unitId: 'S-GY-02',
      kind: 'school',
      name: '赣榆区第二实验小学',
      parentId: '320707',
    });
    expect(later.status).toBe(200);
    const exported = await fetch(`${api.tip.url}/audit/export`, {
      headers: { authorization: `Bearer ${await api.token(auditor)}` },
    });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trim().split('\n');
    await writeFile(path.join(dir, 'log.ndjson'), lines.join('\n') + '\n');
    const newer = (JSON.parse(lines[0]) as { head: Checkpoint }).head;
    expect(newer.treeSize).toBeGreaterThan(kept.treeSize);
    await writeFile(path.join(dir, 'newer.json'), JSON.stringify(newer));
    const proof = await get(`proofs/consistency?from=${kept.treeSize}&to=${newer.treeSize}`, null);
    expect(proof.status).toBe(200);
    await writeFile(path.join(dir, 'consistency.json'), JSON.stringify(proof.body));

    const log = verifyLog(
      'log',
      'log.ndjson',
      '--checkpoint',
      'kept.json',
      '--public-key',
      published.body.publicKey as string,
    );
    expect(log.stdout).toContain(`Kept checkpoint of ${kept.treeSize} events signed at ${kept.signedAt}: matches.`);
    expect(log.stdout).toContain('INTACT: no problem found.');
    expect(log.status).toBe(0);
    const consistent = verifyLog(
      'consistency',
      '--old',
      'kept.json',
      '--new',
      'newer.json',
      '--proof',
      'consistency.json',
    );
    expect(consistent.stdout).toContain(
      `CONSISTENT: the head of ${newer.treeSize} events extends the kept one of ${kept.treeSize}.`,
    );
    expect(consistent.status).toBe(0);
    // Another deployment's key signed none of these heads.
    const stranger = verifyLog(
      'log',
      'log.ndjson',
      '--checkpoint',
      'kept.json',
      '--public-key',
      Buffer.alloc(32, 7).toString('base64'),
    );
    expect(stranger.status).toBe(1);
  });

  it('verifies the whole log, and names an event altered behind the store, against a head the auditor kept', async () => {
    // A stream of this test's own, put back as it was afterwards: the other tests find the log intact.
    const tamperedStream = 'org-unit-TAMPERED';
    expect(
      (await api.send(system, 'RegisterOrgUnit', { unitId: 'TAMPERED', kind: 'province', name: '原' })).status,
    ).toBe(200);
    const checkpoint = await post('checkpoints');
    expect(checkpoint.status).toBe(200);
    const keptHead = `verify?treeSize=${checkpoint.body.treeSize}&rootHash=${checkpoint.body.rootHash}`;
    const intact = await get(keptHead);
    expect(intact).toMatchObject({
      status: 200,
      body: { ok: true, problems: [], checkpoints: [{ matches: true }], latestHead: { matches: true } },
    });
    expect(intact.body.eventsChecked).toBeGreaterThan(6);
    expect(intact.body.firstProblem).toBeUndefined();

    // The stored text itself is written back afterwards: the leaf commits to its bytes.
    let original = '';
    await asAttacker(api.database.url, async (client) => {
      const { rows } = await client.query<{ stored: string }>(
        `select data::text as stored from tip_events where stream_id = $1 and stream_revision = 0`,
        [tamperedStream],
      );
      original = rows[0].stored;
      await client.query(`update tip_events set data = $2::json where stream_id = $1 and stream_revision = 0`, [
        tamperedStream,
        original.replace('"原"', '"改"'),
      ]);
    });
    let tampered: Awaited<ReturnType<typeof get>>;
    let altered: LoggedEvent;
    try {
      altered = ((await get(`streams/${tamperedStream}`)).body.events as LoggedEvent[])[0];
      tampered = await get(keptHead);
    } finally {
      await asAttacker(api.database.url, (client) =>
        client.query(`update tip_events set data = $2::json where stream_id = $1 and stream_revision = 0`, [
          tamperedStream,
          original,
        ]),
      );
    }
    expect(tampered).toMatchObject({
      status: 200,
      body: {
        ok: false,
        firstProblem: { kind: 'altered', streamId: tamperedStream, revision: 0, position: altered.position },
        checkpoints: [{ matches: false }],
      },
    });
    const problems = tampered.body.problems as { check: string; kind: string; position?: number }[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'hash-chain', kind: 'altered', position: altered.position }),
        expect.objectContaining({ check: 'tree-leaves', kind: 'altered', position: altered.position }),
        expect.objectContaining({ check: 'checkpoint', kind: 'tree' }),
      ]),
    );
    expect((await get(keptHead)).body).toMatchObject({ ok: true, problems: [] });
    const badKept = await get('verify?treeSize=3');
    expect(badKept).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'rootHash' }] } },
    });
  });
});
