import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { RegisterTeacher } from './organisation.commands';
import { TeacherRegistered } from './organisation.events';
import { orgUnitDecider } from './org-unit.decider';
import { isValidPhoneNumber, maskPhoneNumber } from './phone-number';
import { teacherDecider } from './teacher.decider';

// A Yueyang pilot school's participant sheet (附件3): name, sex, ID number, county, school, stage, subject, phone.
const school = fold(orgUnitDecider(), [
  {
    type: 'OrgUnitRegistered',
    data: {
      unitId: 'HR-01',
      kind: 'school',
      name: '华容县第一中学',
      parentId: '430623',
      ancestry: ['430000', '430600', '430623'],
    },
  },
]);
const register = (phone?: string, phoneProtected?: string): RegisterTeacher => ({
  type: 'RegisterTeacher',
  data: {
    teacherId: 'YY-T-01',
    schoolId: 'HR-01',
    name: '李娜',
    idNumber: '430623198803150023',
    idNumberProtected: 'enc:v1:id',
    gender: 'female',
    stage: '高中',
    subject: '英语',
    fullTime: true,
    birthDate: '1988-03-15',
    ...(phone === undefined ? {} : { phone, phoneProtected: phoneProtected ?? 'enc:v1:phone' }),
  },
  metadata: { now: '2021-05-25T10:00:00+08:00', actor: { sub: 'admin-HR-01', role: 'school-admin', unitId: 'HR-01' } },
});
const registered = (phone?: { phoneMasked: string; phoneProtected: string }): TeacherRegistered => ({
  type: 'TeacherRegistered',
  data: {
    teacherId: 'YY-T-01',
    schoolId: 'HR-01',
    ancestry: ['430000', '430600', '430623', 'HR-01'],
    name: '李娜',
    gender: 'female',
    stage: '高中',
    subject: '英语',
    fullTime: true,
    idNumberMasked: '430623********0023',
    idNumberProtected: 'enc:v1:id',
    ...phone,
  },
});
const given = specFor(teacherDecider({ school }));

describe('The phone number (联系电话) on the participant sheet', () => {
  it('is optional: a teacher registers without one, as before', () => {
    given().when(register()).then(registered());
  });

  it('is kept masked in the event, its ciphertext beside the ID number’s, never in plain', () => {
    given()
      .when(register('13873012345'))
      .then(registered({ phoneMasked: '138****2345', phoneProtected: 'enc:v1:phone' }));
  });

  it('takes a landline with its area code, as the notice writes its own (0730-8963658)', () => {
    expect(isValidPhoneNumber('0730-8963658')).toBe(true);
    expect(maskPhoneNumber('0730-8963658')).toBe('0730-***3658');
    expect(maskPhoneNumber('138 7301 2345')).toBe('138****2345');
  });

  it('refuses a number that is neither, without echoing it (INVALID_PHONE)', () => {
    given().when(register('12345')).thenRefuses('INVALID_PHONE', { teacherId: 'YY-T-01' });
    expect(isValidPhoneNumber('1387301234')).toBe(false);
    expect(isValidPhoneNumber('12873012345')).toBe(false);
  });

  it('re-registers a teacher from a sheet without phones, and refuses another phone (TEACHER_ALREADY_REGISTERED)', () => {
    const withPhone = registered({ phoneMasked: '138****2345', phoneProtected: 'enc:v1:phone' });
    given(withPhone).when(register()).thenNothingHappens();
    given(withPhone).when(register('13873012345', 'enc:v1:other-ciphertext')).thenNothingHappens();
    given(withPhone)
      .when(register('13973012345'))
      .thenRefuses('TEACHER_ALREADY_REGISTERED', { fields: ['phone'] });
  });
});
