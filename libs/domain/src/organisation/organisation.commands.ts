import { Command } from '../shared/messages';

export const ORG_UNIT_KINDS = ['province', 'city', 'county', 'school'] as const;
export type OrgUnitKind = (typeof ORG_UNIT_KINDS)[number];

export interface RegisterOrgUnitData {
  unitId: string;
  kind: OrgUnitKind;
  name: string;
  /** None for a province; required for every other kind. */
  parentId?: string;
  /** 专任教师: the denominator of the excellent-video rule. Schools only. */
  fullTimeTeachers?: number;
}
export type RegisterOrgUnit = Command<'RegisterOrgUnit', RegisterOrgUnitData>;

export type OrgUnitCommand = RegisterOrgUnit;

export type Gender = 'male' | 'female';

export interface RegisterTeacherData {
  teacherId: string;
  schoolId: string;
  name: string;
  /** The plain ID number, as the caller sent it; validated, never stored in an event. */
  idNumber: string;
  /**
   * Filled by the application, not the caller: the ID number encrypted with a per-teacher key
   * kept outside the event store, so forgetting the key forgets the number (crypto-shredding).
   */
  idNumberProtected: string;
  gender: Gender;
  /** 学段: 学前 / 小学 / 初中 / 高中 / … as the importer spells it. */
  stage: string;
  subject: string;
  fullTime: boolean;
  /** YYYY-MM-DD; must agree with the date of birth inside the ID number. */
  birthDate: string;
}
export type RegisterTeacher = Command<'RegisterTeacher', RegisterTeacherData>;

export type TeacherCommand = RegisterTeacher;
