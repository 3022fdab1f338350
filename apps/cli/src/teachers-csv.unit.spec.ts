import { idNumberCheckCharacter } from '@tip/domain';
import { parseTeacherSheet, parseTeacherTable, TeacherTableError } from './teachers-csv';

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

  it('reads the optional phone column (联系电话), leaving it out where a row has none', () => {
    const rows = parseTeacherTable(
      `${header},phone\nT-1,S-1,王芳,${idNumber},女,小学,语文,是,13873012345\nT-2,S-1,李雷,${idNumber},男,初中,数学,否,\n`,
    );
    expect(rows[0].phone).toBe('13873012345');
    expect(rows[1]).not.toHaveProperty('phone');
  });

  it('refuses a sheet missing columns, or with a bad row, naming the line', () => {
    expect(() => parseTeacherTable('teacher_id,name\nT-1,王芳\n')).toThrow(/Missing column\(s\): school_id/);
    expect(() => parseTeacherTable(`${header}\nT-1,S-1,王芳,${idNumber},?,小学,语文,是\n`)).toThrow(
      'Line 2: gender must be male/female or 男/女',
    );
  });

  it('names the line in the file, blank lines and quoted line breaks counted, in English or Chinese', () => {
    const sheet = `${header}\n\nT-1,S-1,"王\n芳",${idNumber},女,小学,语文,是\nT-2,S-1,李雷,${idNumber},男,初中,数学,也许\n`;
    let refusal: unknown;
    try {
      parseTeacherSheet(sheet);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TeacherTableError);
    expect((refusal as TeacherTableError).in('en')).toBe('Line 5: full_time must be yes/no or 是/否');
    expect((refusal as TeacherTableError).in('zh')).toBe('第 5 行：是否专任（full_time）须为 是/否（或 yes/no）');
    expect(parseTeacherSheet(sheet.replace('也许', '否')).map(({ line, row }) => [line, row.teacherId])).toEqual([
      [4, 'T-1'],
      [5, 'T-2'],
    ]);
  });
});
