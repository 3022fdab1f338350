import { createDecipheriv } from 'node:crypto';
import { Pool } from 'pg';
import { EnvelopeVault, FileKeyEncryptionKeys, KeyEncryptionKeys } from '@tip/audit';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { candidatesNear, walSegmentsSince, WalWindow, walWindowFrom } from '@tip/testing';
import { rotateKeys } from '../../apps/cli/src/keys';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';
import { createPool } from '@tip/event-store';

/**
 * Erasure that erases (PIPL art. 47), through the API and `tip keys rotate`: the attack of
 * issue 17 — a key deleted by hand recovered from pg_wal — replayed before and after the rotation,
 * for the ID number and for the phone of Yueyang's participant sheet (联系电话), kept under the same key.
 */
describe('EraseTeacherPersonalData and tip keys rotate', () => {
  let api: ApiUnderTest;
  let pool: Pool;
  let keks: KeyEncryptionKeys;
  let window: WalWindow;
  const system: Actor = { sub: 'importer', role: 'system' };
  const schoolAdmin: Actor = { sub: 'wang', role: 'school-admin', unitId: 'S-1' };
  const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };
  const otherProvince: Actor = { sub: 'o-admin', role: 'province-admin', unitId: '110000' };
  const number = (first17: string) => `${first17}${idNumberCheckCharacter(first17)}`;
  const erased = { teacherId: 'T-ERASED', idNumber: number('32070719850312123'), phone: '13873012345' };
  const kept = { teacherId: 'T-KEPT', idNumber: number('32070719900101456'), phone: '0730-8963658' };

  const protectedFieldOf = async (
    teacherId: string,
    field: 'idNumberProtected' | 'phoneProtected',
  ): Promise<string> => {
    const { rows } = await pool.query<{ protected: string }>(
      `select data->>$2 as protected from tip_events where stream_id = $1 and event_type = 'TeacherRegistered'`,
      [`teacher-${teacherId}`, field],
    );
    return rows[0].protected;
  };
  const protectedNumberOf = (teacherId: string) => protectedFieldOf(teacherId, 'idNumberProtected');
  const protectedPhoneOf = (teacherId: string) => protectedFieldOf(teacherId, 'phoneProtected');

  beforeAll(async () => {
    api = await startApiUnderTest();
    pool = createPool({ connectionString: api.database.url, max: 2 }, () => undefined);
    keks = new FileKeyEncryptionKeys(api.keysDir);
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '110000', kind: 'province', name: '北京市' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: '320707', kind: 'county', name: '赣榆区', parentId: '320700' },
      { unitId: 'S-1', kind: 'school', name: '实验小学', parentId: '320707' },
    ]) {
      expect((await api.send(system, 'RegisterOrgUnit', unit)).status).toBe(200);
    }
    window = await walWindowFrom(api.database.url);
    for (const { teacherId, idNumber, phone } of [erased, kept]) {
      const registered = await api.send(schoolAdmin, 'RegisterTeacher', {
        teacherId,
        schoolId: 'S-1',
        name: '王芳',
        idNumber,
        gender: 'female',
        stage: '小学',
        subject: '语文',
        fullTime: true,
        birthDate: `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`,
        phone,
      });
      expect(registered.status).toBe(200);
    }
  });
  afterAll(async () => {
    await pool?.end();
    await api?.stop();
  });

  it('is refused to a province-admin of another province, and for a teacher nobody registered', async () => {
    expect(
      await api.send(otherProvince, 'EraseTeacherPersonalData', { teacherId: erased.teacherId, reason: '本人申请' }),
    ).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(
      await api.send(system, 'EraseTeacherPersonalData', { teacherId: 'T-NOBODY', reason: '本人申请' }),
    ).toMatchObject({ status: 422, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api.send(provinceAdmin, 'EraseTeacherPersonalData', { teacherId: erased.teacherId })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'reason' }] } },
    });
  });

  it('appends an event saying who erased and why, and destroys the wrapped key; the log stays verifiable', async () => {
    const protectedNumber = await protectedNumberOf(erased.teacherId);
    const protectedPhone = await protectedPhoneOf(erased.teacherId);
    const vault = new EnvelopeVault(pool, keks);
    expect(await vault.reveal(erased.teacherId, protectedNumber)).toBe(erased.idNumber);
    expect(await vault.reveal(erased.teacherId, protectedPhone)).toBe(erased.phone);

    const answer = await api.send(provinceAdmin, 'EraseTeacherPersonalData', {
      teacherId: erased.teacherId,
      reason: '本人依《个人信息保护法》第四十七条申请删除',
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { events: [{ type: 'TeacherPersonalDataErased', teacherId: erased.teacherId }] },
    });
    const stream = await api.get<{ events: { type: string; metadata: { actor: Actor } }[] }>(
      { sub: 'a', role: 'auditor' },
      `/audit/streams/teacher-${erased.teacherId}`,
    );
    expect(stream.body.events.at(-1)).toMatchObject({
      type: 'TeacherPersonalDataErased',
      metadata: { actor: provinceAdmin },
    });
    expect(
      (await pool.query('select 1 from tip_teacher_keys where teacher_id = $1', [erased.teacherId])).rowCount,
    ).toBe(0);
    expect(await vault.reveal(erased.teacherId, protectedNumber)).toBeUndefined();
    expect(await vault.reveal(erased.teacherId, protectedPhone)).toBeUndefined();
    // Asked again: nothing more is recorded.
    const again = await api.send(provinceAdmin, 'EraseTeacherPersonalData', {
      teacherId: erased.teacherId,
      reason: '重复',
    });
    expect(again).toMatchObject({ status: 200, body: { events: [] } });
    expect((await api.get<{ ok: boolean }>({ sub: 'a', role: 'auditor' }, '/audit/verify')).body.ok).toBe(true);
  });

  it('leaves the ID number and the phone in the WAL, wrapped, until the next rotation: the window the README names', async () => {
    expect(await recoverFromWal(erased.teacherId, await protectedNumberOf(erased.teacherId))).toBe(erased.idNumber);
    expect(await recoverFromWal(erased.teacherId, await protectedPhoneOf(erased.teacherId))).toBe(erased.phone);
  });

  it('closes the window with tip keys rotate: no WAL segment yields the erased number or phone, the others still read', async () => {
    const printed: string[] = [];
    expect(await rotateKeys(api.database.url, { keysDir: api.keysDir }, (line) => printed.push(line))).toBe(0);
    expect(printed[0]).toMatch(/^Re-wrapped 1 teachers' data keys under key-encryption key \S+; destroyed \S+\.$/);
    expect(await recoverFromWal(erased.teacherId, await protectedNumberOf(erased.teacherId))).toBeUndefined();
    expect(await recoverFromWal(erased.teacherId, await protectedPhoneOf(erased.teacherId))).toBeUndefined();
    // The API process, which held the old KEK, reads and writes under the new one.
    expect(await new EnvelopeVault(pool, keks).reveal(kept.teacherId, await protectedNumberOf(kept.teacherId))).toBe(
      kept.idNumber,
    );
    expect(await new EnvelopeVault(pool, keks).reveal(kept.teacherId, await protectedPhoneOf(kept.teacherId))).toBe(
      kept.phone,
    );
    const another = await api.send(schoolAdmin, 'RegisterTeacher', {
      teacherId: 'T-AFTER',
      schoolId: 'S-1',
      name: '李雷',
      idNumber: number('32070719880808123'),
      gender: 'male',
      stage: '小学',
      subject: '数学',
      fullTime: true,
      birthDate: '1988-08-08',
    });
    expect(another.status).toBe(200);
    expect(await new EnvelopeVault(pool, keks).reveal('T-AFTER', await protectedNumberOf('T-AFTER'))).toBe(
      number('32070719880808123'),
    );
  });

  /**
   * The attacker's way: every wrapped key (61 bytes) found near the teacher's id in the WAL
   * written since the teacher was registered, tried with every key-encryption key still kept.
   */
  async function recoverFromWal(teacherId: string, protectedNumber: string): Promise<string | undefined> {
    const segments = await walSegmentsSince(window);
    const kept = (await Promise.all((await keks.list()).map((id) => keks.get(id)))).filter((kek) => kek !== undefined);
    for (const candidate of candidatesNear(segments, Buffer.from(teacherId), 61)) {
      for (const kek of kept) {
        const dataKey = kek.unwrap(Buffer.from(candidate), teacherId);
        const plain = dataKey && decrypt(dataKey, teacherId, protectedNumber);
        if (plain) return plain;
      }
    }
    return undefined;
  }
});

function decrypt(key: Buffer, teacherId: string, protectedValue: string): string | undefined {
  const payload = Buffer.from(protectedValue.split(':')[1], 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, payload.subarray(0, 12));
  decipher.setAAD(Buffer.from(teacherId));
  decipher.setAuthTag(payload.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(payload.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
