import { Command } from '../shared/messages';

/**
 * Records that the programme's rulebook exempts a teacher from training (Ningde: 距退休不满五年的
 * 教师不作培训要求): the teacher leaves the programme's teachers required. Judged at the business
 * time of the command from the birth date inside the protected ID number, which the application
 * reveals for the decision (`birthDate`) and which no event carries.
 */
export interface ExemptTeacherData {
  programmeId: string;
  teacherId: string;
}
export type ExemptTeacher = Command<'ExemptTeacher', ExemptTeacherData>;

export type ExemptionCommand = ExemptTeacher;
