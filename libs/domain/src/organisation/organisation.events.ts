import { DomainEvent } from '../shared/messages';
import { Gender, OrgUnitKind } from './organisation.commands';

export interface OrgUnitRegisteredData {
  unitId: string;
  kind: OrgUnitKind;
  name: string;
  parentId?: string;
  fullTimeTeachers?: number;
  /** Ancestor unit ids from the province down to the parent ([] for a province). */
  ancestry: string[];
}
export type OrgUnitRegistered = DomainEvent<'OrgUnitRegistered', OrgUnitRegisteredData>;

export type IssuingOfficeSet = DomainEvent<'IssuingOfficeSet', { unitId: string; issuingOffice: string }>;

/** Replaces the unit's declared full-time teachers from now on (a registration's figure included). */
export type FullTimeTeachersDeclared = DomainEvent<
  'FullTimeTeachersDeclared',
  { unitId: string; fullTimeTeachers: number }
>;

export type OrgUnitEvent = OrgUnitRegistered | IssuingOfficeSet | FullTimeTeachersDeclared;

export interface TeacherRegisteredData {
  teacherId: string;
  schoolId: string;
  /** The school's ancestry followed by the school: scope checks need only the teacher's stream. */
  ancestry: string[];
  name: string;
  gender: Gender;
  stage: string;
  subject: string;
  fullTime: boolean;
  /** First 6 + 8 asterisks + last 4: safe to show. */
  idNumberMasked: string;
  /** Opaque ciphertext from the application; the key lives outside the event store. */
  idNumberProtected: string;
  /** 联系电话 masked (138****5678), where the sheet gave one. */
  phoneMasked?: string;
  /** The phone encrypted with the same per-teacher key: erased with it. */
  phoneProtected?: string;
  // No plain date of birth: the mask hides exactly those 8 digits, so mask + birth date would be
  // the whole ID number and crypto-shredding would forget nothing. Whoever needs the date of birth
  // (exemptions) decrypts idNumberProtected and reads it with birthDateOf.
}
export type TeacherRegistered = DomainEvent<'TeacherRegistered', TeacherRegisteredData>;

/** The teacher takes part in a batch: lets a transfer find every record that must move. */
export type TeacherJoinedBatch = DomainEvent<'TeacherJoinedBatch', { teacherId: string; batchId: string }>;

/** The teacher now belongs to another school (TransferTeacher); ancestry as in TeacherRegistered. */
export type TeacherMovedSchool = DomainEvent<
  'TeacherMovedSchool',
  { teacherId: string; fromSchoolId: string; toSchoolId: string; ancestry: string[] }
>;

/**
 * The teacher's personal data was erased: the key protecting the ciphertexts in TeacherRegistered
 * is gone, so they decrypt no more; the masks stay (they hide what identifies). The log itself is
 * never changed.
 */
export type TeacherPersonalDataErased = DomainEvent<
  'TeacherPersonalDataErased',
  { teacherId: string; reason: string; erasedAt: string }
>;

export type TeacherEvent = TeacherRegistered | TeacherJoinedBatch | TeacherMovedSchool | TeacherPersonalDataErased;
