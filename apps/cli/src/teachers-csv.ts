import { parse } from 'csv-parse/sync';
import { birthDateOf } from '@tip/domain';
import { BilingualError } from './language';

/** A sheet refused whole, naming the line (in English as `.message`, or in Chinese). */
export class TeacherTableError extends BilingualError {}

export const TEACHER_COLUMNS = [
  'teacher_id',
  'school_id',
  'name',
  'id_number',
  'gender',
  'stage',
  'subject',
  'full_time',
] as const;

export interface TeacherRow {
  teacherId: string;
  schoolId: string;
  name: string;
  idNumber: string;
  gender: 'male' | 'female';
  stage: string;
  subject: string;
  fullTime: boolean;
  birthDate: string;
  /** 联系电话, where the sheet has the optional phone column and the row fills it. */
  phone?: string;
}

const GENDERS: Record<string, 'male' | 'female'> = { male: 'male', female: 'female', 男: 'male', 女: 'female' };
const YES = new Set(['yes', 'true', '1', '是']);
const NO = new Set(['no', 'false', '0', '否']);

/** A row of the sheet and the CSV line it was read from (for refusals that name it). */
export interface TeacherSheetRow {
  line: number;
  row: TeacherRow;
}

/**
 * A teacher sheet (teacher_id, school_id, name, id_number, gender, stage, subject, full_time,
 * optional birth_date and phone): genders and yes/no in English or Chinese; the birth date, when absent,
 * is read from the ID number. The whole sheet is refused, naming the line, if a row is off.
 */
export function parseTeacherTable(text: string): TeacherRow[] {
  return parseTeacherSheet(text).map(({ row }) => row);
}

/** The same, keeping each row's line in the file (blank lines and quoted line breaks counted). */
export function parseTeacherSheet(text: string): TeacherSheetRow[] {
  const records = parse(text, { bom: true, columns: true, skip_empty_lines: true, trim: true, info: true }) as {
    record: Record<string, string>;
    info: { lines: number };
  }[];
  if (records.length === 0) return [];
  const missing = TEACHER_COLUMNS.filter((column) => !(column in records[0].record));
  if (missing.length > 0) {
    throw new TeacherTableError(`Missing column(s): ${missing.join(', ')}`, `缺少列：${missing.join('、')}`);
  }
  return records.map(({ record, info }) => {
    const line = info.lines;
    const refuse = (english: string, chinese: string) =>
      new TeacherTableError(`Line ${line}: ${english}`, `第 ${line} 行：${chinese}`);
    const gender = GENDERS[record.gender?.toLowerCase()];
    if (!gender) throw refuse('gender must be male/female or 男/女', '性别须为 男/女（或 male/female）');
    const fullTime = record.full_time.toLowerCase();
    if (!YES.has(fullTime) && !NO.has(fullTime)) {
      throw refuse('full_time must be yes/no or 是/否', '是否专任（full_time）须为 是/否（或 yes/no）');
    }
    const birthDate = record.birth_date || birthDateOf(record.id_number.toUpperCase());
    if (!birthDate) {
      throw refuse('birth_date is empty and the ID number gives none', '出生日期为空，且无法从身份证号读出');
    }
    return {
      line,
      row: {
        teacherId: record.teacher_id,
        schoolId: record.school_id,
        name: record.name,
        idNumber: record.id_number,
        gender,
        stage: record.stage,
        subject: record.subject,
        fullTime: YES.has(fullTime),
        birthDate,
        // Checked by RegisterTeacher (INVALID_PHONE), which refuses that row alone.
        ...(record.phone ? { phone: record.phone } : {}),
      },
    };
  });
}
