import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { RunningTip, startTip } from '../../apps/api/src/bootstrap';
import { loadConfig } from '../../apps/api/src/config';
import { apiClient, ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/**
 * POST /api/feeds/online-hours: the course platform's hour records in batches, as JSON or NDJSON.
 * Each record is answered on its own (accepted, duplicate, refused with its code, field and rule),
 * the accepted ones are the events RecordOnlineHours appends, and sending a batch again appends
 * nothing. The API's clock stands in the teachers' study window (2020-11-10).
 */
describe('The hour feed', () => {
  let api: ApiUnderTest;
  const platform: Actor = { sub: 'course-platform', role: 'system' };
  const schoolAdmin: Actor = { sub: 'admin-S-1', role: 'school-admin', unitId: 'S-1' };
  const now = new Date('2020-11-10T10:00:00+08:00');

  interface FeedAnswer {
    accepted: number;
    duplicates: number;
    refused: number;
    records: {
      index: number;
      line?: number;
      recordId?: string;
      outcome: string;
      position?: number;
      code?: string;
      message?: string;
      problems?: { field: string; rule: string }[];
    }[];
  }

  const feed = async (
    actor: Actor,
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: FeedAnswer & { error?: { code: string; details?: unknown } } }> => {
    const response = await fetch(`${api.tip.url}/feeds/online-hours`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${await api.token(actor)}`, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as FeedAnswer & { error?: { code: string } } };
  };
  const asJson = (records: unknown[], headers?: Record<string, string>) =>
    feed(platform, JSON.stringify({ records }), 'application/json', headers);
  const asNdjson = (lines: string[], headers?: Record<string, string>) =>
    feed(platform, lines.join('\n'), 'application/x-ndjson', headers);
  const record = (teacherId: string, recordId: string, hours = 2.5) => ({
    batchId: 'B1',
    teacherId,
    recordId,
    courseId: 'JS-ONLINE-1',
    hours,
  });
  const onlineHoursOf = async (teacherId: string, minPosition: number) => {
    const transcript = await api.get<{ batches: { hours: { online: { credited: number } } }[] }>(
      platform,
      `/views/teachers/${teacherId}/transcript?batchId=B1&minPosition=${minPosition}`,
    );
    expect(transcript.status).toBe(200);
    return transcript.body.batches[0].hours.online.credited;
  };

  beforeAll(async () => {
    api = await startApiUnderTest({}, { clock: { now: () => now } });
    const setup = async (name: string, body: Record<string, unknown>) => {
      const response = await api.send(platform, name, body);
      expect([name, response.status, response.body.error]).toEqual([name, 200, undefined]);
    };
    const at = { at: '2020-10-20T09:00:00+08:00' };
    await setup('RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '江苏省' });
    await setup('RegisterOrgUnit', { unitId: 'CITY', kind: 'city', name: '南京市', parentId: 'P' });
    await setup('RegisterOrgUnit', { unitId: 'C-1', kind: 'county', name: '玄武区', parentId: 'CITY' });
    await setup('RegisterOrgUnit', { unitId: 'S-1', kind: 'school', name: '实验小学', parentId: 'C-1' });
    await setup('LaunchProgramme', {
      programmeId: 'JS',
      name: '提升工程2.0',
      provinceId: 'P',
      rulebook: 'jiangsu-2.0',
      ...at,
    });
    await setup('ScheduleBatch', {
      programmeId: 'JS',
      batchId: 'B1',
      name: '第一批',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
      ...at,
    });
    await setup('RegisterOrgUnit', { unitId: 'S-2', kind: 'school', name: '附属小学', parentId: 'C-1' });
    for (const [from, to, seats] of [
      ['P', 'CITY', 9],
      ['CITY', 'C-1', 9],
      ['C-1', 'S-1', 8],
      ['C-1', 'S-2', 1],
    ] as const)
      await setup('AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: from, toUnitId: to, seats, ...at });
    // T-1, T-2 and T-4 study; T-3, T-5, T-6 and T-7 are registered, never enrolled (until another API enrolls the last three); T-8 and T-9 teach at S-2.
    const teachers = [
      ...['T-1', 'T-2', 'T-3', 'T-4', 'T-5', 'T-6', 'T-7'].map((id) => [id, 'S-1']),
      ...['T-8', 'T-9'].map((id) => [id, 'S-2']),
    ];
    for (const [index, [teacherId, schoolId]] of teachers.entries()) {
      const first17 = `32010219850312${String(index).padStart(3, '0')}`;
      await setup('RegisterTeacher', {
        teacherId,
        schoolId,
        name: `教师${index + 1}`,
        idNumber: first17 + idNumberCheckCharacter(first17),
        gender: index < 3 ? 'female' : 'male',
        stage: '小学',
        subject: index < 3 ? '语文' : '数学',
        fullTime: true,
        birthDate: '1985-03-12',
      });
    }
    for (const teacherId of ['T-1', 'T-2', 'T-4'])
      await setup('EnrollTeacher', {
        batchId: 'B1',
        periodId: '1',
        teacherId,
        at: '2020-11-02T09:00:00+08:00',
        actor: schoolAdmin,
      });
  });
  afterAll(() => api?.stop());

  it('answers every record of a JSON batch on its own and appends the accepted ones as RecordOnlineHours would', async () => {
    const answer = await asJson([
      record('T-1', 'F-1', 2.5),
      record('T-1', 'F-1', 2.5), // the same record twice in one batch: recorded once
      record('T-2', 'F-2', 3),
      record('T-3', 'F-3'), // not enrolled
      record('T-1', 'F-4', -1), // bad hours: the schema's rule
      { ...record('T-1', 'F-5'), seconds: 60 }, // a field the command does not take
      { ...record('T-1', 'F-6'), at: '2021-03-01T10:00:00+08:00' }, // after the study window
      record('T-1', 'F-7', 1.5),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 3, duplicates: 1, refused: 4 });
    const [first, twice, second, notEnrolled, badHours, unknownField, late, last] = answer.body.records;
    expect(first).toMatchObject({ index: 0, recordId: 'F-1', outcome: 'accepted' });
    expect(twice).toMatchObject({ index: 1, recordId: 'F-1', outcome: 'duplicate' });
    expect(second).toMatchObject({ index: 2, recordId: 'F-2', outcome: 'accepted' });
    expect(notEnrolled).toMatchObject({
      index: 3,
      outcome: 'refused',
      code: 'NOT_ENROLLED',
      problems: [{ field: 'teacherId', rule: expect.any(String) }],
    });
    expect(badHours).toMatchObject({ outcome: 'refused', code: 'VALIDATION_FAILED' });
    expect(badHours.problems?.map((problem) => problem.field)).toEqual(['hours']);
    expect(unknownField).toMatchObject({
      outcome: 'refused',
      code: 'VALIDATION_FAILED',
      problems: [{ field: 'body', rule: expect.stringContaining('seconds') }],
    });
    expect(late).toMatchObject({
      outcome: 'refused',
      code: 'OUTSIDE_STUDY_WINDOW',
      problems: [{ field: 'at', rule: expect.any(String) }],
    });
    expect(last).toMatchObject({ index: 7, recordId: 'F-7', outcome: 'accepted' });
    const position = Math.max(...answer.body.records.map((each) => each.position ?? 0));
    expect(position).toBeGreaterThan(0);
    expect(await onlineHoursOf('T-1', position)).toBe(4);
    expect(await onlineHoursOf('T-2', position)).toBe(3);

    // The single command sees the feed's record as its own: the same recordId appends nothing.
    const single = await api.send(platform, 'RecordOnlineHours', record('T-1', 'F-1', 2.5));
    expect([single.status, single.body.events]).toEqual([200, []]);
  });

  it('appends nothing when a batch is sent again: every record it had accepted is a duplicate', async () => {
    const batch = [record('T-2', 'G-1', 1), record('T-2', 'G-2', 1.25), record('T-3', 'G-3')];
    const first = await asJson(batch);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 0, refused: 1 });
    const position = Math.max(...first.body.records.map((each) => each.position ?? 0));
    const hours = await onlineHoursOf('T-2', position);

    const again = await asJson(batch);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2, refused: 1 });
    expect(again.body.records.map((each) => each.outcome)).toEqual(['duplicate', 'duplicate', 'refused']);
    expect(await onlineHoursOf('T-2', position)).toBe(hours);
  });

  it('takes NDJSON, one record a line, naming the line of each answer; a line that is not JSON is refused alone', async () => {
    const answer = await asNdjson([
      JSON.stringify(record('T-1', 'N-1', 1)),
      '',
      '{"batchId": "B1", "teacherId": "T-1",',
      JSON.stringify(record('T-2', 'N-2', 1)),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, refused: 1 });
    expect(answer.body.records).toMatchObject([
      { index: 0, line: 1, recordId: 'N-1', outcome: 'accepted' },
      {
        index: 1,
        line: 3,
        outcome: 'refused',
        code: 'VALIDATION_FAILED',
        problems: [{ field: 'body', rule: 'must be a JSON object' }],
      },
      { index: 2, line: 4, recordId: 'N-2', outcome: 'accepted' },
    ]);
  });

  it('explains refusals in Chinese when the caller asks for zh-CN, the codes unchanged', async () => {
    const answer = await asNdjson([JSON.stringify(record('T-3', 'Z-1')), JSON.stringify(record('T-1', 'Z-2', 0))], {
      'accept-language': 'zh-CN,zh;q=0.9',
    });
    expect(answer.status).toBe(200);
    const [notEnrolled, zeroHours] = answer.body.records;
    expect(notEnrolled.code).toBe('NOT_ENROLLED');
    expect(notEnrolled.message).toMatch(/[\u4e00-\u9fff]/);
    expect(notEnrolled.problems?.[0].rule).toBe(notEnrolled.message);
    expect(zeroHours.code).toBe('VALIDATION_FAILED');
    expect(zeroHours.message).toContain('hours');
    expect(zeroHours.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('decides over what another API on the same log appended since it last read a teacher: its kept streams are checked, never trusted', async () => {
    // A second API, as a second replica would be (same database, same keys): its writes are unknown to this API's kept streams.
    let other: RunningTip | undefined;
    try {
      other = await startTip(
        loadConfig({
          DATABASE_URL: api.database.url,
          PORT: '0',
          TIP_JWT_SECRET: api.secret,
          TIP_LOG_LEVEL: 'warn',
          TIP_KEYS_DIR: api.keysDir,
        }),
        { scrypt: { N: 2 ** 12, r: 8, p: 1 }, clock: { now: () => now } },
      );
      const elsewhere = apiClient(other.url, api.secret, { now: () => now });
      const sentElsewhere = async (name: string, body: Record<string, unknown>) => {
        const response = await elsewhere.send(platform, name, body);
        expect([name, response.status, response.body.error]).toEqual([name, 200, undefined]);
        return response;
      };

      const enrollElsewhere = (teacherId: string) =>
        sentElsewhere('EnrollTeacher', {
          batchId: 'B1',
          periodId: '1',
          teacherId,
          at: '2020-11-02T09:00:00+08:00',
          actor: schoolAdmin,
        });
      const outcomes = (answer: Awaited<ReturnType<typeof asJson>>) =>
        answer.body.records.map((each) => [each.recordId, each.outcome, each.code]);

      // This API records K-1 for T-4 and keeps T-4's record (the stream it wrote); T-5 is not enrolled.
      const first = await asJson([record('T-4', 'K-1', 1), record('T-5', 'K-2', 1)]);
      expect(outcomes(first)).toEqual([
        ['K-1', 'accepted', undefined],
        ['K-2', 'refused', 'NOT_ENROLLED'],
      ]);

      // The other API enrolls T-5: this API sees it.
      await enrollElsewhere('T-5');
      const second = await asJson([record('T-4', 'K-4', 0.5), record('T-5', 'K-5', 1)]);
      expect(outcomes(second)).toEqual([
        ['K-4', 'accepted', undefined],
        ['K-5', 'accepted', undefined],
      ]);

      // The other API records K-3 for T-4: what this API keeps of T-4's record is stale. The append
      // made from it fails its revision check, and the batch, decided again over fresh reads, finds
      // K-3 on record (a duplicate, not recorded twice).
      const elsewhereRecorded = await sentElsewhere('RecordOnlineHours', record('T-4', 'K-3', 2));
      expect(elsewhereRecorded.body.events).toHaveLength(1);
      const third = await asJson([record('T-4', 'K-3', 2), record('T-4', 'K-6', 0.25)]);
      expect(outcomes(third)).toEqual([
        ['K-3', 'duplicate', undefined],
        ['K-6', 'accepted', undefined],
      ]);
      const position = Math.max(...third.body.records.map((each) => each.position ?? 0));
      expect(await onlineHoursOf('T-4', position)).toBe(3.75);
      expect(await onlineHoursOf('T-5', position)).toBe(1);

      // T-6 refused here, enrolled there, then accepted here.
      const refusedFirst = await asJson([record('T-6', 'K-7', 1)]);
      expect(outcomes(refusedFirst)).toEqual([['K-7', 'refused', 'NOT_ENROLLED']]);
      await enrollElsewhere('T-6');
      expect(outcomes(await asJson([record('T-6', 'K-7', 1)]))).toEqual([['K-7', 'accepted', undefined]]);

      // The same for the single command: T-7 refused, enrolled by the other API, then recorded here.
      const refused = await api.send(platform, 'RecordOnlineHours', record('T-7', 'K-8', 1));
      expect([refused.status, refused.body.error?.code]).toEqual([422, 'NOT_ENROLLED']);
      await enrollElsewhere('T-7');
      const recorded = await api.send(platform, 'RecordOnlineHours', record('T-7', 'K-8', 1));
      expect([recorded.status, recorded.body.events?.length]).toEqual([200, 1]);

      // The other API withdraws T-4 and records K-9 for T-5, both kept here: the feed refuses T-4's
      // next record, the single command finds K-9 on record.
      await sentElsewhere('WithdrawTeacher', { batchId: 'B1', teacherId: 'T-4', reason: '调离' });
      await sentElsewhere('RecordOnlineHours', record('T-5', 'K-9', 1));
      expect(outcomes(await asJson([record('T-4', 'K-10', 1)]))).toEqual([['K-10', 'refused', 'NOT_ENROLLED']]);
      const single = await api.send(platform, 'RecordOnlineHours', record('T-5', 'K-9', 1));
      expect([single.status, single.body.events]).toEqual([200, []]);

      // A refusal over kept streams is decided again over fresh reads before it is answered: S-2's
      // one seat, taken here by T-8 (this API keeps S-2's seat ledger, now full), freed by the
      // other API's withdrawal of T-8, goes to T-9 here.
      const s2Admin: Actor = { sub: 'admin-S-2', role: 'school-admin', unitId: 'S-2' };
      const enrollAtS2 = (teacherId: string) =>
        api.send(platform, 'EnrollTeacher', {
          batchId: 'B1',
          periodId: '1',
          teacherId,
          at: '2020-11-03T09:00:00+08:00',
          actor: s2Admin,
        });
      expect((await enrollAtS2('T-8')).status).toBe(200);
      const noSeat = await enrollAtS2('T-9');
      expect([noSeat.status, noSeat.body.error?.code]).toEqual([422, 'NO_SEAT_LEFT']);
      await sentElsewhere('WithdrawTeacher', { batchId: 'B1', teacherId: 'T-8', reason: '调离' });
      const seated = await enrollAtS2('T-9');
      expect([seated.status, seated.body.error]).toEqual([200, undefined]);
    } finally {
      await other?.stop();
    }
  });

  it('refuses the whole request only for what is wrong with the whole: the caller, no records, too many', async () => {
    const admin = await feed(schoolAdmin, JSON.stringify({ records: [record('T-1', 'X-1')] }), 'application/json');
    expect([admin.status, admin.body.error?.code]).toEqual([403, 'FORBIDDEN']);

    const empty = await asJson([]);
    expect([empty.status, empty.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(empty.body.error?.details).toEqual([{ field: 'records', rule: expect.stringContaining('at least one') }]);

    const notAList = await feed(platform, JSON.stringify(record('T-1', 'X-2')), 'application/json');
    expect([notAList.status, notAList.body.error?.details]).toEqual([
      400,
      [{ field: 'records', rule: expect.stringContaining('array') }],
    ]);

    const tooMany = await asNdjson(Array.from({ length: 5001 }, (_, n) => JSON.stringify(record('T-1', `M-${n}`, 1))));
    expect([tooMany.status, tooMany.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(tooMany.body.error?.details).toEqual([{ field: 'records', rule: expect.stringContaining('at most 5000') }]);
    // Nothing of the refused requests was recorded.
    const transcript = await api.get<{ batches: { hours: { sources: { recordId?: string }[] } }[] }>(
      platform,
      '/views/teachers/T-1/transcript?batchId=B1',
    );
    const recorded = transcript.body.batches[0].hours.sources.map((source) => source.recordId);
    expect(recorded).toContain('F-1');
    expect(recorded.filter((recordId) => recordId?.startsWith('X-') || recordId?.startsWith('M-'))).toEqual([]);
  });

  it('answers batches sent at once each on its own, record by record, though they are decided and appended together', async () => {
    const latest = await asJson([record('T-1', 'Q-0', 0.5)]);
    const since = Math.max(...latest.body.records.map((each) => each.position ?? 0));
    const [before1, before2] = [await onlineHoursOf('T-1', since), await onlineHoursOf('T-2', since)];

    // Four requests at once: what waits for a turn is decided in one; a record sent in two of them is recorded once.
    const answers = await Promise.all([
      asJson([record('T-1', 'Q-1', 1), record('T-3', 'Q-2')]),
      asJson([record('T-1', 'Q-1', 1), record('T-2', 'Q-3', 0.5)]),
      asJson([record('T-2', 'Q-4', 0.25), record('T-1', 'Q-5', -1)]),
      asJson([record('T-2', 'Q-3', 0.5)]),
    ]);
    const outcomes = answers.map((answer) =>
      answer.body.records.map((each) => [each.index, each.recordId, each.outcome, each.code]),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect([outcomes[0][1], outcomes[2]]).toEqual([
      [1, 'Q-2', 'refused', 'NOT_ENROLLED'],
      [
        [0, 'Q-4', 'accepted', undefined],
        [1, 'Q-5', 'refused', 'VALIDATION_FAILED'],
      ],
    ]);
    expect(outcomes[1][1]).toEqual([1, 'Q-3', expect.any(String), undefined]);
    // Whichever came first recorded the record; the other found it on record.
    expect([outcomes[0][0][2], outcomes[1][0][2]].sort()).toEqual(['accepted', 'duplicate']);
    expect([outcomes[1][1][2], outcomes[3][0][2]].sort()).toEqual(['accepted', 'duplicate']);
    expect(answers.map((answer) => answer.body.accepted + answer.body.duplicates + answer.body.refused)).toEqual([
      2, 2, 2, 1,
    ]);

    const position = Math.max(...answers.flatMap((answer) => answer.body.records.map((each) => each.position ?? 0)));
    expect(await onlineHoursOf('T-1', position)).toBe(before1 + 1);
    expect(await onlineHoursOf('T-2', position)).toBe(before2 + 0.75);
  });

  it('decides every record as the single RecordOnlineHours does: the same events, the same refusal with its code, rule and details', async () => {
    // Each record through both routes; a refused one appends nothing, so both send the same recordId.
    const cases: [string, (recordId: string) => Record<string, unknown>][] = [
      ['accepted', (recordId) => record('T-2', recordId, 0.75)],
      ['not enrolled', (recordId) => record('T-3', recordId)],
      ['unknown teacher', (recordId) => record('T-404', recordId)],
      ['unknown batch', (recordId) => ({ ...record('T-2', recordId), batchId: 'B9' })],
      ['hours with three decimals', (recordId) => record('T-2', recordId, 0.125)],
      ['hours over the schema', (recordId) => record('T-2', recordId, 500)],
      ['a field the command does not take', (recordId) => ({ ...record('T-2', recordId), seconds: 60 })],
      ['after the study window', (recordId) => ({ ...record('T-2', recordId), at: '2021-03-01T10:00:00+08:00' })],
      ['before the batch', (recordId) => ({ ...record('T-2', recordId), at: '2020-10-01T10:00:00+08:00' })],
    ];
    const fed = await asJson(cases.map(([, body], index) => body(`V-${index}`)));
    expect(fed.status).toBe(200);
    let singlePosition = 0;
    for (const [index, [name, body]] of cases.entries()) {
      const single = await api.send(platform, 'RecordOnlineHours', body(name === 'accepted' ? 'W-1' : `V-${index}`));
      const answer = fed.body.records[index];
      if (single.status === 200) {
        expect([name, answer.outcome, single.body.events?.length]).toEqual([name, 'accepted', 1]);
        singlePosition = Number(single.body.position);
        expect(singlePosition).toBeGreaterThan(0);
        continue;
      }
      const { code, message, details } = single.body.error ?? {};
      expect([name, answer.outcome, answer.code]).toEqual([name, 'refused', code]);
      if (code === 'VALIDATION_FAILED') expect([name, answer.problems]).toEqual([name, details]);
      else expect([name, answer.message, (answer as { details?: unknown }).details]).toEqual([name, message, details]);
    }
    // Both accepted records count the same: the events are the same but for the recordId.
    const recorded = await api.get<{ batches: { hours: { sources: { recordId?: string }[] } }[] }>(
      platform,
      // The single command's record was appended after the feed's: the view waits for both.
      `/views/teachers/T-2/transcript?batchId=B1&minPosition=${Math.max(fed.body.records[0].position ?? 0, singlePosition)}`,
    );
    const [fromFeed, fromSingle] = ['V-0', 'W-1'].map((recordId) =>
      recorded.body.batches[0].hours.sources.find((source) => source.recordId === recordId),
    );
    expect(fromFeed).toMatchObject({ hours: 0.75 });
    expect({ ...fromFeed, recordId: 'W-1' }).toEqual(fromSingle);
  });
});
