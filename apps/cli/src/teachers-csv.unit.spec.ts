import { idNumberCheckCharacter } from '@tip/domain';
import { parseTeacherTable, TeacherTableError } from './teachers-csv';

const idNumber = '32070719850312123' + idNumberCheckCharacter('32070719850312123');
const header = 'teacher_id,school_id,name,id_number,gender,stage,subject,full_time';

describe('teacher sheets', () => {
  it('reads Chinese or English genders and yes/no, and the birth date from the ID number', () => {
    expect(
      parseTeacherTable(
        `${header}\nT-1,S-1,王芳,${idNumber},女,小学,语文,是\nT-2,S-1,李雷,${idNumber},male,初中,数学,no\n`,
      ),
    ).toEqual([
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
      {
        teacherId: 'T-2',
        schoolId: 'S-1',
        name: '李雷',
        idNumber,
        gender: 'male',
        stage: '初中',
        subject: '数学',
        fullTime: false,
        birthDate: '1985-03-12',
      },
    ]);
  });

  it('refuses a sheet missing columns, or with a bad row, naming the line', () => {
    expect(() => parseTeacherTable('teacher_id,name\nT-1,王芳\n')).toThrow(/Missing column\(s\): school_id/);
    expect(() => parseTeacherTable(`${header}\nT-1,S-1,王芳,${idNumber},?,小学,语文,是\n`)).toThrow(
      new TeacherTableError('Line 2: gender must be male/female or 男/女'),
    );
  });
});
