import { parse } from 'csv-parse/sync';
import { birthDateOf } from '@tip/domain';

export class TeacherTableError extends Error {}

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
}

const GENDERS: Record<string, 'male' | 'female'> = { male: 'male', female: 'female', 男: 'male', 女: 'female' };
const YES = new Set(['yes', 'true', '1', '是']);
const NO = new Set(['no', 'false', '0', '否']);

/**
 * A teacher sheet (teacher_id, school_id, name, id_number, gender, stage, subject, full_time,
 * optional birth_date): genders and yes/no in English or Chinese; the birth date, when absent,
 * is read from the ID number. The whole sheet is refused, naming the line, if a row is off.
 */
export function parseTeacherTable(text: string): TeacherRow[] {
  const records = parse(text, { bom: true, columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  if (records.length === 0) return [];
  const missing = TEACHER_COLUMNS.filter((column) => !(column in records[0]));
  if (missing.length > 0) throw new TeacherTableError(`Missing column(s): ${missing.join(', ')}`);
  return records.map((record, index) => {
    const line = index + 2;
    const gender = GENDERS[record.gender?.toLowerCase()];
    if (!gender) throw new TeacherTableError(`Line ${line}: gender must be male/female or 男/女`);
    const fullTime = record.full_time.toLowerCase();
    if (!YES.has(fullTime) && !NO.has(fullTime))
      throw new TeacherTableError(`Line ${line}: full_time must be yes/no or 是/否`);
    const birthDate = record.birth_date || birthDateOf(record.id_number.toUpperCase());
    if (!birthDate) throw new TeacherTableError(`Line ${line}: birth_date is empty and the ID number gives none`);
    return {
      teacherId: record.teacher_id,
      schoolId: record.school_id,
      name: record.name,
      idNumber: record.id_number,
      gender,
      stage: record.stage,
      subject: record.subject,
      fullTime: YES.has(fullTime),
      birthDate,
    };
  });
}
