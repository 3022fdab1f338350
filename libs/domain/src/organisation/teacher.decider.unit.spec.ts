import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { EraseTeacherPersonalData, RegisterTeacher, RegisterTeacherData } from './organisation.commands';
import { OrgUnitRegistered, TeacherRegistered } from './organisation.events';
import { orgUnitDecider, OrgUnitState } from './org-unit.decider';
import {
  decideJoinBatch,
  decideMoveTeacher,
  isTeacherWithin,
  teacherDecider,
  TeacherState,
  teacherStreamId,
} from './teacher.decider';

const metadata: CommandMetadata = {
  now: '2020-11-02T10:00:00+08:00',
  actor: { sub: 'admin-1', role: 'school-admin', unitId: 'S-1' },
};
const register = (overrides: Partial<RegisterTeacherData> = {}): RegisterTeacher => ({
  type: 'RegisterTeacher',
  data: {
    teacherId: 'T-0001',
    schoolId: 'S-1',
    name: '王芳',
    idNumber: '32070719850103123X',
    idNumberProtected: 'enc:v1:opaque',
    gender: 'male',
    stage: '初中',
    subject: '数学',
    fullTime: true,
    birthDate: '1985-01-03',
    ...overrides,
  },
  metadata,
});

const erase = (reason: string): EraseTeacherPersonalData => ({
  type: 'EraseTeacherPersonalData',
  data: { teacherId: 'T-0001', reason },
  metadata: { ...metadata, actor: { sub: 'p-admin', role: 'province-admin', unitId: '320000' } },
});

const unit = (data: OrgUnitRegistered['data']): OrgUnitState =>
  fold(orgUnitDecider(), [{ type: 'OrgUnitRegistered', data }]);
const school = unit({
  unitId: 'S-1',
  kind: 'school',
  name: '海州实验中学',
  parentId: '320706',
  ancestry: ['320000', '320700', '320706'],
});
const county = unit({
  unitId: '320706',
  kind: 'county',
  name: '海州区',
  parentId: '320700',
  ancestry: ['320000', '320700'],
});

const teacherRegistered: TeacherRegistered = {
  type: 'TeacherRegistered',
  data: {
    teacherId: 'T-0001',
    schoolId: 'S-1',
    ancestry: ['320000', '320700', '320706', 'S-1'],
    name: '王芳',
    gender: 'male',
    stage: '初中',
    subject: '数学',
    fullTime: true,
    idNumberMasked: '320707********123X',
    idNumberProtected: 'enc:v1:opaque',
  },
};

describe('Teacher', () => {
  it('lives on its own stream', () => {
    expect(teacherStreamId('T-0001')).toBe('teacher-T-0001');
  });

  describe('when unregistered', () => {
    const given = (schoolState?: OrgUnitState) => specFor(teacherDecider({ school: schoolState }))();

    it('registers with the ID number masked and protected, never plain', () => {
      given(school).when(register()).then(teacherRegistered);
    });

    it('keeps the plain ID number and the date of birth out of the event', () => {
      const [event] = teacherDecider({ school }).decide(register(), { status: 'unregistered' });
      const serialized = JSON.stringify(event);
      expect(serialized).not.toContain('32070719850103123X');
      expect(serialized).not.toContain('19850103');
      expect(serialized).not.toContain('1985-01-03');
    });

    it('accepts a lowercase x and stores the mask in capitals', () => {
      given(school)
        .when(register({ idNumber: '32070719850103123x' }))
        .then(teacherRegistered);
    });

    it('refuses a school that is not registered (UNKNOWN_SCHOOL)', () => {
      given({ status: 'unregistered' }).when(register()).thenRefuses('UNKNOWN_SCHOOL', { schoolId: 'S-1' });
      given().when(register()).thenRefuses('UNKNOWN_SCHOOL', { schoolId: 'S-1' });
    });

    it('refuses a unit that is not a school (UNKNOWN_SCHOOL)', () => {
      given(county)
        .when(register({ schoolId: '320706' }))
        .thenRefuses('UNKNOWN_SCHOOL', { schoolId: '320706' });
    });

    it('refuses a wrong check digit without echoing the number (INVALID_ID_NUMBER)', () => {
      given(school)
        .when(register({ idNumber: '320707198501031231' }))
        .thenRefuses('INVALID_ID_NUMBER', { reason: 'check-digit', idNumberMasked: '320707********1231' });
    });

    it('refuses a malformed number (INVALID_ID_NUMBER)', () => {
      given(school)
        .when(register({ idNumber: '3207071985010312' }))
        .thenRefuses('INVALID_ID_NUMBER', { reason: 'format' });
    });

    it('refuses a birth date that disagrees with the ID number (INVALID_ID_NUMBER)', () => {
      given(school)
        .when(register({ birthDate: '1985-01-04' }))
        .thenRefuses('INVALID_ID_NUMBER', { reason: 'birth-date-mismatch' });
    });

    it('refuses a date of birth after the business time (INVALID_ID_NUMBER)', () => {
      // 2021-01-01 with a check character computed for it; registered in 2020.
      given(school)
        .when(register({ idNumber: '320707202101011239', birthDate: '2021-01-01' }))
        .thenRefuses('INVALID_ID_NUMBER', { reason: 'birth-date-in-future' });
    });

    it('never puts the plain number into the refusal', () => {
      let refusal: unknown;
      try {
        teacherDecider({ school }).decide(register({ idNumber: '320707198501031231' }), { status: 'unregistered' });
      } catch (error) {
        refusal = error;
      }
      expect(JSON.stringify(refusal) + String(refusal)).not.toContain('320707198501031231');
    });
  });

  describe('when its personal data is to be erased but it is not registered', () => {
    it('refuses (NOT_FOUND)', () => {
      specFor(teacherDecider())().when(erase('本人申请')).thenRefuses('NOT_FOUND', { teacherId: 'T-0001' });
    });
  });

  describe('when registered', () => {
    const given = (...events: TeacherRegistered[]) => specFor(teacherDecider({ school }))(...events);

    it('does nothing when registered again with identical data, even with a new ciphertext', () => {
      given(teacherRegistered)
        .when(register({ idNumberProtected: 'enc:v1:other-iv' }))
        .thenNothingHappens();
    });

    it('refuses other data, naming the fields (TEACHER_ALREADY_REGISTERED)', () => {
      given(teacherRegistered)
        .when(register({ subject: '物理', fullTime: false }))
        .thenRefuses('TEACHER_ALREADY_REGISTERED', { teacherId: 'T-0001', fields: ['subject', 'fullTime'] });
    });

    it('refuses another ID number (TEACHER_ALREADY_REGISTERED)', () => {
      given(teacherRegistered)
        .when(register({ idNumber: '11010519491231002X', birthDate: '1949-12-31' }))
        .thenRefuses('TEACHER_ALREADY_REGISTERED', { fields: ['idNumber'] });
    });

    it('records the erasure of its personal data, who asked and why', () => {
      given(teacherRegistered)
        .when(erase('本人申请删除个人信息'))
        .then({
          type: 'TeacherPersonalDataErased',
          data: { teacherId: 'T-0001', reason: '本人申请删除个人信息', erasedAt: metadata.now },
        });
    });

    it('records an erasure once: asked again, nothing more happens', () => {
      specFor(teacherDecider())(teacherRegistered, {
        type: 'TeacherPersonalDataErased',
        data: { teacherId: 'T-0001', reason: '本人申请', erasedAt: metadata.now },
      })
        .when(erase('again'))
        .thenNothingHappens();
    });

    it('is within its school and every unit above it', () => {
      const state: TeacherState = fold(teacherDecider(), [teacherRegistered]);
      expect(isTeacherWithin(state, 'S-1')).toBe(true);
      expect(isTeacherWithin(state, '320700')).toBe(true);
      expect(isTeacherWithin(state, 'S-2')).toBe(false);
      expect(isTeacherWithin({ status: 'unregistered' }, 'S-1')).toBe(false);
    });
  });
});

describe('Teacher', () => {
  const registered = fold(teacherDecider(), [teacherRegistered]);

  describe('when taking part in batches', () => {
    it('records each batch once', () => {
      expect(decideJoinBatch(registered, 'JS-1')).toEqual([
        { type: 'TeacherJoinedBatch', data: { teacherId: teacherRegistered.data.teacherId, batchId: 'JS-1' } },
      ]);
      const joined = fold(teacherDecider(), [teacherRegistered, ...decideJoinBatch(registered, 'JS-1')]);
      expect(joined.status === 'registered' && joined.batches).toEqual(['JS-1']);
      expect(decideJoinBatch(joined, 'JS-1')).toEqual([]);
    });
  });

  describe('when moving to another school', () => {
    const other = unit({
      unitId: 'S-2',
      kind: 'school',
      name: '新海实验中学',
      parentId: '320706',
      ancestry: ['320000', '320700', '320706'],
    });

    it('moves, taking the new school’s ancestry', () => {
      const moved = decideMoveTeacher(teacherRegistered.data.teacherId, registered, other);
      expect(moved).toEqual([
        {
          type: 'TeacherMovedSchool',
          data: {
            teacherId: teacherRegistered.data.teacherId,
            fromSchoolId: 'S-1',
            toSchoolId: 'S-2',
            ancestry: ['320000', '320700', '320706', 'S-2'],
          },
        },
      ]);
      const after = fold(teacherDecider(), [teacherRegistered, ...moved]);
      expect(after.status === 'registered' && after.schoolId).toBe('S-2');
    });

    it('changes nothing when the teacher is there already', () => {
      expect(decideMoveTeacher(teacherRegistered.data.teacherId, registered, school)).toEqual([]);
    });

    it('refuses an unknown teacher and a target that is not a school', () => {
      expect(() => decideMoveTeacher('T-X', teacherDecider().initialState(), other)).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_TEACHER' }),
      );
      expect(() => decideMoveTeacher(teacherRegistered.data.teacherId, registered, county)).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_SCHOOL' }),
      );
    });
  });
});
