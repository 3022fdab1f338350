import { Pool } from 'pg';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { createPool, createPostgresEventStore } from '@tip/event-store';
import { EnvelopeVault, FileKeyEncryptionKeys } from '@tip/audit';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

const idNumber = (first17: string) => `${first17}${idNumberCheckCharacter(first17)}`;

describe('Teachers over HTTP', () => {
  let api: ApiUnderTest;
  let pool: Pool;
  const send = (actor: Actor, name: string, body: unknown) => api.send(actor, name, body);
  const system: Actor = { sub: 'importer', role: 'system' };
  const schoolAdmin: Actor = { sub: 'wang', role: 'school-admin', unitId: 'S-1' };
  const teacher = {
    teacherId: 'T-0001',
    schoolId: 'S-1',
    name: '王芳',
    idNumber: idNumber('32070719850312123'),
    gender: 'female',
    stage: '小学',
    subject: '语文',
    fullTime: true,
    birthDate: '1985-03-12',
  };

  beforeAll(async () => {
    api = await startApiUnderTest();
    pool = createPool({ connectionString: api.database.url }, () => undefined);
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: '320707', kind: 'county', name: '赣榆区', parentId: '320700' },
      { unitId: 'S-1', kind: 'school', name: '实验小学', parentId: '320707' },
      { unitId: 'S-2', kind: 'school', name: '第二小学', parentId: '320707' },
    ]) {
      expect((await send(system, 'RegisterOrgUnit', unit)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await pool?.end();
    await api?.stop();
  });

  it('registers a teacher, keeping the ID number out of every event', async () => {
    const registered = await send(schoolAdmin, 'RegisterTeacher', teacher);
    expect(registered.status).toBe(200);
    expect(registered.body.events?.[0]).toMatchObject({
      type: 'TeacherRegistered',
      idNumberMasked: '320707********' + teacher.idNumber.slice(-4),
    });
    const { rows } = await pool.query<{ data: string; metadata: string }>(
      'select data::text, metadata::text from tip_events',
    );
    const stored = rows.map((row) => row.data + row.metadata).join('\n');
    expect(stored).not.toContain(teacher.idNumber);
    expect(stored).not.toContain('19850312');
  });

  it('answers a retry with the same data by changing nothing', async () => {
    const again = await send(schoolAdmin, 'RegisterTeacher', teacher);
    expect(again).toMatchObject({ status: 200, body: { events: [] } });
  });

  it('refuses an ID number whose check digit is wrong, or an unknown school', async () => {
    const wrongDigit = teacher.idNumber.slice(0, 17) + (teacher.idNumber.endsWith('0') ? '1' : '0');
    expect(
      (await send(schoolAdmin, 'RegisterTeacher', { ...teacher, teacherId: 'T-0002', idNumber: wrongDigit })).body.error
        ?.code,
    ).toBe('INVALID_ID_NUMBER');
    expect(
      (await send(system, 'RegisterTeacher', { ...teacher, teacherId: 'T-0003', schoolId: 'S-9' })).body.error?.code,
    ).toBe('UNKNOWN_SCHOOL');
    expect(
      (await send(schoolAdmin, 'RegisterTeacher', { ...teacher, teacherId: 'T-0004', idNumberProtected: 'forged' }))
        .status,
    ).toBe(400);
  });

  it('keeps a school admin to their own school', async () => {
    const refused = await send({ sub: 'li', role: 'school-admin', unitId: 'S-2' }, 'RegisterTeacher', {
      ...teacher,
      teacherId: 'T-0005',
    });
    expect(refused.status).toBe(403);
  });

  it('lets anyone check a certificate by its code, without a token, showing only the masked name', async () => {
    const store = await createPostgresEventStore({ connectionString: api.database.url });
    const metadata = (n: number) => ({
      eventId: `00000000-0000-4000-8000-00000000000${n}`,
      businessTime: '2021-06-01T00:00:00Z',
      actor: { sub: 's', role: 'system' },
      commandId: 'c',
      correlationId: 'c',
      causationId: 'c',
    });
    const issued = {
      certificateCode: 'TIP-CHECKME',
      batchId: 'B',
      periodId: '1',
      teacherId: 'T-0001',
      schoolId: 'S-1',
      hours: { online: 30, offline: 25 },
      totalHours: 55,
      grade: 'pass',
      issuedAt: '2021-06-01T00:00:00Z',
    };
    await store.appendToStream('certificate-TIP-CHECKME', [
      { type: 'CertificateIssued', data: issued, metadata: metadata(1) },
    ]);
    const check = async (code: string) => {
      const response = await fetch(`${api.tip.url}/certificates/${code}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await check('TIP-CHECKME')).toEqual({
      status: 200,
      body: {
        code: 'TIP-CHECKME',
        status: 'valid',
        holder: '王*',
        batchId: 'B',
        hours: { online: 30, offline: 25 },
        totalHours: 55,
        grade: 'pass',
        issuedAt: '2021-06-01T00:00:00Z',
      },
    });
    await store.appendToStream('certificate-TIP-CHECKME', [
      {
        type: 'CertificateRevoked',
        data: {
          certificateCode: 'TIP-CHECKME',
          batchId: 'B',
          teacherId: 'T-0001',
          reason: '抽检',
          revokedAt: '2021-07-01T00:00:00Z',
        },
        metadata: metadata(2),
      },
    ]);
    expect((await check('TIP-CHECKME')).body).toMatchObject({ status: 'revoked' });
    expect(await check('TIP-NOSUCH')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    await store.close();
  });

  it('forgets an ID number for good when its key is erased (crypto-shredding)', async () => {
    // The vault as the API keeps it: data keys wrapped by the key-encryption key in its keys directory.
    const vault = new EnvelopeVault(pool, new FileKeyEncryptionKeys(api.keysDir));
    const { rows } = await pool.query<{ protected: string }>(
      "select data->>'idNumberProtected' as protected from tip_events where stream_id = 'teacher-T-0001'",
    );
    expect(await vault.reveal('T-0001', rows[0].protected)).toBe(teacher.idNumber);
    expect(await vault.reveal('T-9999', rows[0].protected)).toBeUndefined();
    await vault.forget('T-0001');
    expect(await vault.reveal('T-0001', rows[0].protected)).toBeUndefined();
  });
});
