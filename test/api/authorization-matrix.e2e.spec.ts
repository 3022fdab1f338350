import { contractCommands } from '@tip/application';
import { Actor, idNumberCheckCharacter, Role, ROLES, UNIT_KINDS_OF_ROLE } from '@tip/domain';
import { createPostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/**
 * Every command × every role, from inside the target's subtree and from outside it. The
 * expectation comes from the use case's own declaration (its roles), so a command added
 * without a row here fails the completeness check below.
 */
interface Case {
  /** A body whose scope is `inside` (a unit, or for teachers the school). */
  body: (suffix: string) => Record<string, unknown>;
  inside: string;
  outside: string;
  /** For commands on a teacher: a teacher inside is that teacher, outside another one. */
  teacherScoped?: boolean;
}

const onT1 =
  (extra: Record<string, unknown> = {}) =>
  () => ({ batchId: 'B', teacherId: 'T-1', ...extra });

const idNumber = '32070719850312123' + idNumberCheckCharacter('32070719850312123');

const cases: Record<string, Case> = {
  RegisterOrgUnit: {
    body: (s) => ({ unitId: `S-NEW-${s}`, kind: 'school', name: '新学校', parentId: 'C-1' }),
    inside: 'C-1',
    outside: 'C-2',
  },
  RegisterTeacher: {
    body: (s) => ({
      teacherId: `T-${s}`,
      schoolId: 'S-1',
      name: '王芳',
      idNumber,
      gender: 'female',
      stage: '小学',
      subject: '语文',
      fullTime: true,
      birthDate: '1985-03-12',
    }),
    inside: 'S-1',
    outside: 'S-2',
  },
  ExemptTeacher: {
    body: () => ({ programmeId: 'PROG', teacherId: 'T-1' }),
    inside: 'S-1',
    outside: 'S-2',
    teacherScoped: true,
  },
  SetIssuingOffice: {
    body: (s) => ({ unitId: 'S-1', issuingOffice: `校一项目办${s}` }),
    inside: 'S-1',
    outside: 'S-2',
  },
  DeclareFullTimeTeachers: {
    body: (s) => ({ unitId: 'S-1', fullTimeTeachers: s.length }),
    inside: 'S-1',
    outside: 'S-2',
  },
  LaunchProgramme: {
    body: (s) => ({ programmeId: `P-${s}`, name: 'x', provinceId: 'P', rulebook: 'jiangsu-2.0' }),
    inside: 'P',
    outside: 'P-OTHER',
  },
  ScheduleBatch: {
    body: (s) => ({
      programmeId: 'PROG',
      batchId: `B-${s}`,
      name: 'x',
      startsOn: '2021-01-01',
      endsOn: '2021-12-31',
      sharePercent: 0,
      periods: [{ periodId: '1', startsOn: '2021-01-01', endsOn: '2021-01-31' }],
    }),
    inside: 'P',
    outside: 'P-OTHER',
  },
  ExtendBatch: {
    body: () => ({ batchId: 'B-EXT', endsOn: '2022-06-30', reason: '延期' }),
    inside: 'P',
    outside: 'P-OTHER',
  },
  AllocateQuota: {
    body: () => ({ batchId: 'B', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-1', seats: 1 }),
    inside: 'C-1',
    outside: 'C-2',
  },
  RevokeQuota: {
    body: () => ({ batchId: 'B', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-1', seats: 1 }),
    inside: 'C-1',
    outside: 'C-2',
  },
  EnrollTeacher: { body: onT1({ periodId: '1' }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  ConfirmEnrollment: { body: onT1(), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  WithdrawTeacher: { body: onT1({ reason: '调离' }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  SelectAbilityPoints: { body: onT1({ points: ['A1'] }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  RecordOnlineHours: {
    body: onT1({ recordId: 'R-1', courseId: 'C', hours: 1 }),
    inside: 'S-1',
    outside: 'S-2',
    teacherScoped: true,
  },
  SubmitPracticeEvidence: {
    body: onT1({ abilityPoint: 'A1', evidenceRef: 'e' }),
    inside: 'S-1',
    outside: 'S-2',
    teacherScoped: true,
  },
  RecordPeerReview: { body: onT1({ videoId: 'v', comment: '好' }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  ReturnEvidence: {
    body: onT1({ abilityPoint: 'A1', reason: 'r' }),
    inside: 'S-1',
    outside: 'S-2',
    teacherScoped: true,
  },
  AssessPractice: { body: onT1({ grade: 'pass' }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  RecordOfflineHours: { body: onT1({ hours: 1 }), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  IssueCertificate: { body: onT1(), inside: 'S-1', outside: 'S-2', teacherScoped: true },
  RevokeCertificate: {
    body: () => ({ certificateCode: 'TIP-MATRIX', reason: '抽检不合格' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  TransferTeacher: { body: () => ({ teacherId: 'T-1', toSchoolId: 'S-1' }), inside: 'S-1', outside: 'S-2' },
  EraseTeacherPersonalData: {
    body: (s) => ({ teacherId: 'T-ERASE', reason: `本人申请 ${s}` }),
    inside: 'S-1',
    outside: 'S-2',
  },
  UploadSchoolPlan: {
    body: () => ({ batchId: 'B', schoolId: 'S-1', documentRef: 'plan.pdf' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  SubmitGroupVideo: {
    body: () => ({ batchId: 'B', schoolId: 'S-1', groupId: 'G1', videoRef: 'v.mp4' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  UploadExcellentVideo: {
    body: () => ({ batchId: 'B', schoolId: 'S-1', teacherId: 'T-1', subject: '语文', videoRef: 'e.mp4' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  DesignatePilotSchool: {
    body: () => ({ batchId: 'B', schoolId: 'S-1', finishBy: '2021-12-31' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  ApplyForClosure: { body: () => ({ batchId: 'B', schoolId: 'S-1' }), inside: 'S-1', outside: 'S-2' },
  ApproveClosure: { body: () => ({ batchId: 'B', schoolId: 'S-1' }), inside: 'S-1', outside: 'S-2' },
  RejectClosure: { body: () => ({ batchId: 'B', schoolId: 'S-1', reason: '材料不全' }), inside: 'S-1', outside: 'S-2' },
  CloseSchool: {
    body: () => ({ batchId: 'B', schoolId: 'S-1', signedDocumentRef: 'signed.pdf' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  DrawInspectionSample: {
    body: (s) => ({ sampleId: `X-${s}`, batchId: 'B', scopeUnitId: 'C-1', ratePercent: 10, seed: 1 }),
    inside: 'C-1',
    outside: 'C-2',
  },
  AddUser: {
    body: (s) => ({
      userId: `U-${s}`,
      name: '新账号',
      role: 'school-admin',
      unitId: 'S-1',
      password: 'a long password',
    }),
    inside: 'S-1',
    outside: 'S-2',
  },
  ResetPassword: {
    body: () => ({ userId: 'U-MATRIX', password: 'another long password' }),
    inside: 'S-1',
    outside: 'S-2',
  },
  DisableUser: { body: () => ({ userId: 'U-MATRIX', reason: '调离' }), inside: 'S-1', outside: 'S-2' },
  EnableUser: { body: () => ({ userId: 'U-MATRIX' }), inside: 'S-1', outside: 'S-2' },
  RevokeToken: { body: (s) => ({ jti: `J-${s}`, reason: '轮换' }), inside: 'S-1', outside: 'S-2' },
  RecordInspectionFinding: {
    body: () => ({ sampleId: 'X', schoolId: 'S-1', outcome: 'satisfactory', notes: '' }),
    inside: 'S-1',
    outside: 'S-2',
  },
};

describe('Authorization matrix', () => {
  let api: ApiUnderTest;
  const send = (actor: Actor, name: string, body: unknown) => api.send(actor, name, body);

  beforeAll(async () => {
    api = await startApiUnderTest();
    const system: Actor = { sub: 'setup', role: 'system' };
    for (const [name, body] of [
      ['RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '省' }],
      ['RegisterOrgUnit', { unitId: 'P-OTHER', kind: 'province', name: '外省' }],
      ['RegisterOrgUnit', { unitId: 'C-1', kind: 'city', name: '市一', parentId: 'P' }],
      ['RegisterOrgUnit', { unitId: 'C-2', kind: 'city', name: '市二', parentId: 'P' }],
      ['RegisterOrgUnit', { unitId: 'K-1', kind: 'county', name: '县一', parentId: 'C-1' }],
      ['RegisterOrgUnit', { unitId: 'K-2', kind: 'county', name: '县二', parentId: 'C-2' }],
      ['RegisterOrgUnit', { unitId: 'S-1', kind: 'school', name: '校一', parentId: 'K-1' }],
      ['RegisterOrgUnit', { unitId: 'S-2', kind: 'school', name: '校二', parentId: 'K-2' }],
      ['LaunchProgramme', { programmeId: 'PROG', name: 'x', provinceId: 'P', rulebook: 'jiangsu-2.0' }],
      // A batch of the province's programme, for ExtendBatch to find its owner.
      [
        'ScheduleBatch',
        {
          programmeId: 'PROG',
          batchId: 'B-EXT',
          name: 'x',
          startsOn: '2021-01-01',
          endsOn: '2021-12-31',
          sharePercent: 20,
          periods: [{ periodId: '1', startsOn: '2021-01-01', endsOn: '2021-01-31' }],
        },
      ],
      [
        'RegisterTeacher',
        {
          teacherId: 'T-1',
          schoolId: 'S-1',
          name: '王芳',
          idNumber,
          gender: 'female',
          stage: '小学',
          subject: '语文',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ],
      [
        'RegisterTeacher',
        {
          teacherId: 'T-ERASE',
          schoolId: 'S-1',
          name: '张三',
          idNumber,
          gender: 'female',
          stage: '小学',
          subject: '语文',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ],
      [
        'RegisterTeacher',
        {
          teacherId: 'T-2',
          schoolId: 'S-2',
          name: '李雷',
          idNumber,
          gender: 'female',
          stage: '小学',
          subject: '数学',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ],
    ] as const) {
      expect((await send(system, name, body)).status).toBe(200);
    }
    // A certificate to revoke: its code's stream says which school it belongs to.
    const store = await createPostgresEventStore({ connectionString: api.database.url });
    await store.appendToStream('certificate-TIP-MATRIX', [
      {
        type: 'CertificateIssued',
        data: {
          certificateCode: 'TIP-MATRIX',
          batchId: 'B',
          periodId: '1',
          teacherId: 'T-1',
          schoolId: 'S-1',
          hours: {},
          totalHours: 0,
          grade: 'pass',
          issuedAt: '2021-01-01T00:00:00Z',
        },
        metadata: {
          eventId: '00000000-0000-4000-8000-00000000c0de',
          businessTime: '2021-01-01T00:00:00Z',
          actor: system,
          commandId: 'c',
          correlationId: 'c',
          causationId: 'c',
        },
      },
    ]);
    await store.close();
  });
  afterAll(async () => api?.stop());

  it('has a row for every command the API serves', () => {
    expect(Object.keys(cases).sort()).toEqual(contractCommands.map((command) => command.name).sort());
  });

  // An actor's unit must fit its role (a school admin belongs to a school): each role acts from
  // the unit of its kind on S-1's branch (inside) or on the other branch (outside), and may act
  // where that unit is the target or one of its ancestors.
  const PATHS: Record<string, string[]> = {
    P: ['P'],
    'P-OTHER': ['P-OTHER'],
    'C-1': ['P', 'C-1'],
    'C-2': ['P', 'C-2'],
    'K-1': ['P', 'C-1', 'K-1'],
    'K-2': ['P', 'C-2', 'K-2'],
    'S-1': ['P', 'C-1', 'K-1', 'S-1'],
    'S-2': ['P', 'C-2', 'K-2', 'S-2'],
  };
  const BRANCHES = {
    inside: { province: 'P', city: 'C-1', county: 'K-1', school: 'S-1' },
    outside: { province: 'P-OTHER', city: 'C-2', county: 'K-2', school: 'S-2' },
  } as const;
  const unitOf = (role: Role, where: 'inside' | 'outside'): string | undefined => {
    const { kinds } = UNIT_KINDS_OF_ROLE[role];
    return kinds === 'any' ? undefined : BRANCHES[where][kinds[0]];
  };

  for (const command of contractCommands) {
    for (const role of ROLES) {
      for (const where of ['inside', 'outside'] as const) {
        const row = cases[command.name];
        const unitId = unitOf(role, where);
        const teacherSelf = row.teacherScoped && role === 'teacher';
        const inScope = teacherSelf ? where === 'inside' : unitId !== undefined && PATHS[row.inside].includes(unitId);
        const allowed = role === 'system' || (command.roles.includes(role as Role) && inScope);
        it(`${command.name} by a ${role} ${where} its scope is ${allowed ? 'allowed' : 'forbidden'}`, async () => {
          const sub = teacherSelf ? (where === 'inside' ? 'T-1' : 'T-2') : `${role}-${where}`;
          const actor: Actor = { sub, role, ...(unitId ? { unitId } : {}) };
          const response = await send(actor, command.name, row.body(`${role}-${where}`));
          if (allowed) {
            expect(response.status).not.toBe(403);
            expect(response.status).toBeLessThan(500);
          } else {
            expect(response).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
          }
        });
      }
    }
  }
});
