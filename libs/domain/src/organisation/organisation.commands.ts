import { Command } from '../shared/messages';

export const ORG_UNIT_KINDS = ['province', 'city', 'county', 'school'] as const;
export type OrgUnitKind = (typeof ORG_UNIT_KINDS)[number];

export interface RegisterOrgUnitData {
  unitId: string;
  kind: OrgUnitKind;
  name: string;
  /** None for a province; required for every other kind. */
  parentId?: string;
  /**
   * 专任教师 declared for the unit: a school's is the denominator of the excellent-video rule; any
   * unit's stands for its teachers required until its teachers are registered.
   */
  fullTimeTeachers?: number;
}
export type RegisterOrgUnit = Command<'RegisterOrgUnit', RegisterOrgUnitData>;

/** The office that signs the unit's notices (its 项目办), as the notices head them. */
export interface SetIssuingOfficeData {
  unitId: string;
  issuingOffice: string;
}
export type SetIssuingOffice = Command<'SetIssuingOffice', SetIssuingOfficeData>;

/** The unit's full-time teachers (专任教师) as it declares them now, e.g. from the year's staff statistics. */
export interface DeclareFullTimeTeachersData {
  unitId: string;
  fullTimeTeachers: number;
}
export type DeclareFullTimeTeachers = Command<'DeclareFullTimeTeachers', DeclareFullTimeTeachersData>;

export type OrgUnitCommand = RegisterOrgUnit | SetIssuingOffice | DeclareFullTimeTeachers;

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
  /** 联系电话, optional (Yueyang's participant sheet has it); validated, never stored in an event. */
  phone?: string;
  /** Filled by the application when a phone is given: encrypted with the teacher's key, like the ID number. */
  phoneProtected?: string;
}
export type RegisterTeacher = Command<'RegisterTeacher', RegisterTeacherData>;

/**
 * Erases a teacher's personal data on request (PIPL art. 47): the application destroys the key
 * that protects the ID number and phone; the event records who asked and why.
 */
export interface EraseTeacherPersonalDataData {
  teacherId: string;
  reason: string;
}
export type EraseTeacherPersonalData = Command<'EraseTeacherPersonalData', EraseTeacherPersonalDataData>;

export type TeacherCommand = RegisterTeacher | EraseTeacherPersonalData;
