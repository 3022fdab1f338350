import { Decider } from '../shared/decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { localDateOf } from '../shared/calendar';
import { birthDateOf, idNumberProblem, maskIdNumber } from './id-number';
import { isValidPhoneNumber, maskPhoneNumber } from './phone-number';
import { EraseTeacherPersonalData, TeacherCommand, RegisterTeacher } from './organisation.commands';
import {
  TeacherEvent,
  TeacherJoinedBatch,
  TeacherMovedSchool,
  TeacherPersonalDataErased,
  TeacherRegistered,
  TeacherRegisteredData,
} from './organisation.events';
import { OrgUnitState } from './org-unit.decider';

/** One stream per teacher. */
export function teacherStreamId(teacherId: string): string {
  return `teacher-${teacherId}`;
}

export type RegisteredTeacher = {
  status: 'registered';
  batches: string[];
  /** Erased on request: its protected ID number and phone decrypt no more. */
  personalDataErased?: boolean;
} & TeacherRegisteredData;
export type TeacherState = { status: 'unregistered' } | RegisteredTeacher;

/**
 * What the handler loads besides the teacher's own stream: the school's stream
 * (`orgUnitStreamId(command.data.schoolId)`) folded with `orgUnitDecider()`; and it fills
 * `idNumberProtected` in the command data before deciding.
 */
export interface TeacherLookups {
  school?: OrgUnitState;
}

/** Why an ID number was refused; the details never carry the number itself. */
export type InvalidIdNumberReason =
  'format' | 'check-digit' | 'birth-date' | 'birth-date-mismatch' | 'birth-date-in-future';

export function teacherDecider(lookups: TeacherLookups = {}): Decider<TeacherCommand, TeacherEvent, TeacherState> {
  return {
    decide: (command, teacher) => {
      switch (command.type) {
        case 'RegisterTeacher':
          return decideRegisterTeacher(command, teacher, lookups.school);
        case 'EraseTeacherPersonalData':
          return decideEraseTeacherPersonalData(command, teacher);
        default:
          return assertNever(command);
      }
    },
    evolve: evolveTeacher,
    initialState: () => ({ status: 'unregistered' }),
  };
}

export function evolveTeacher(state: TeacherState, event: TeacherEvent): TeacherState {
  switch (event.type) {
    case 'TeacherRegistered':
      return { status: 'registered', ...event.data, batches: [] };
    case 'TeacherJoinedBatch':
      if (state.status !== 'registered' || state.batches.includes(event.data.batchId)) return state;
      return { ...state, batches: [...state.batches, event.data.batchId] };
    case 'TeacherMovedSchool':
      if (state.status !== 'registered') return state;
      return { ...state, schoolId: event.data.toSchoolId, ancestry: event.data.ancestry };
    case 'TeacherPersonalDataErased':
      if (state.status !== 'registered') return state;
      return { ...state, personalDataErased: true };
    default:
      return assertNever(event);
  }
}

export function decideRegisterTeacher(
  command: RegisterTeacher,
  teacher: TeacherState,
  school: OrgUnitState | undefined,
): TeacherRegistered[] {
  const { teacherId, schoolId, name, gender, stage, subject, fullTime, birthDate, idNumberProtected } = command.data;
  const idNumber = command.data.idNumber.toUpperCase();

  const reason = invalidIdNumberReason(idNumber, birthDate, command.metadata.now);
  if (reason !== undefined) {
    throw new RuleViolation('INVALID_ID_NUMBER', `The ID number is not valid (${reason})`, {
      teacherId,
      reason,
      // Masked only when it has the right shape; a malformed number is not echoed at all.
      ...(reason !== 'format' ? { idNumberMasked: maskIdNumber(idNumber) } : {}),
    });
  }
  const idNumberMasked = maskIdNumber(idNumber);
  const { phone } = command.data;
  if (phone !== undefined && !isValidPhoneNumber(phone)) {
    // The number itself stays out of the details: it is personal data, and wrong is all it needs to know.
    throw new RuleViolation(
      'INVALID_PHONE',
      'The phone number is neither a mobile number nor a landline with its area code',
      {
        teacherId,
      },
    );
  }
  const phoneMasked = phone === undefined ? undefined : maskPhoneNumber(phone);

  if (teacher.status === 'registered') {
    // The protected value is ciphertext (not comparable), so the mask and the other fields are
    // compared. Known gap: a new number differing only in its birth digits yet keeping the same
    // check character looks identical; only the application, holding the key, can tell.
    const differing: string[] = (['schoolId', 'name', 'gender', 'stage', 'subject', 'fullTime'] as const).filter(
      (field) => teacher[field] !== command.data[field],
    );
    if (teacher.idNumberMasked !== idNumberMasked) differing.push('idNumber');
    // A sheet without phones (an older import) re-registers as before; a different phone is other data.
    if (phoneMasked !== undefined && teacher.phoneMasked !== phoneMasked) differing.push('phone');
    if (differing.length === 0) return [];
    throw new RuleViolation(
      'TEACHER_ALREADY_REGISTERED',
      `Teacher ${teacherId} is already registered with other data`,
      {
        teacherId,
        fields: differing,
      },
    );
  }

  if (school === undefined || school.status === 'unregistered' || school.kind !== 'school') {
    throw new RuleViolation('UNKNOWN_SCHOOL', `${schoolId} is not a registered school`, { teacherId, schoolId });
  }
  if (school.unitId !== schoolId) {
    throw new Error(`Loaded school ${school.unitId} but the command names ${schoolId}`);
  }
  if (idNumberProtected.length === 0) {
    throw new Error('The application must fill idNumberProtected before deciding');
  }

  return [
    {
      type: 'TeacherRegistered',
      data: {
        teacherId,
        schoolId,
        ancestry: [...school.ancestry, school.unitId],
        name,
        gender,
        stage,
        subject,
        fullTime,
        idNumberMasked,
        idNumberProtected,
        ...(phoneMasked === undefined
          ? {}
          : { phoneMasked, phoneProtected: requiredProtection(command.data.phoneProtected) }),
      },
    },
  ];
}

function requiredProtection(phoneProtected: string | undefined): string {
  if (phoneProtected === undefined || phoneProtected.length === 0) {
    throw new Error('The application must fill phoneProtected before deciding');
  }
  return phoneProtected;
}

/**
 * Records an erasure of a registered teacher's personal data (NOT_FOUND otherwise); once erased,
 * asking again records nothing more.
 */
export function decideEraseTeacherPersonalData(
  command: EraseTeacherPersonalData,
  teacher: TeacherState,
): TeacherPersonalDataErased[] {
  const { teacherId, reason } = command.data;
  if (teacher.status !== 'registered') {
    throw new RuleViolation('NOT_FOUND', `Teacher ${teacherId} is not registered`, { teacherId });
  }
  if (teacher.personalDataErased) return [];
  return [{ type: 'TeacherPersonalDataErased', data: { teacherId, reason, erasedAt: command.metadata.now } }];
}

/** Is the teacher's school the scope unit or inside its subtree? */
export function isTeacherWithin(teacher: TeacherState, scopeUnitId: string): boolean {
  return teacher.status === 'registered' && teacher.ancestry.includes(scopeUnitId);
}

function invalidIdNumberReason(idNumber: string, birthDate: string, now: string): InvalidIdNumberReason | undefined {
  const problem = idNumberProblem(idNumber);
  if (problem !== undefined) return problem;
  const carried = birthDateOf(idNumber);
  if (carried !== birthDate) return 'birth-date-mismatch';
  // Local dates compare as strings.
  if (carried > localDateOf(now)) return 'birth-date-in-future';
  return undefined;
}

/** Records that the teacher takes part in a batch, once. */
export function decideJoinBatch(teacher: TeacherState, batchId: string): TeacherJoinedBatch[] {
  if (teacher.status !== 'registered' || teacher.batches.includes(batchId)) return [];
  return [{ type: 'TeacherJoinedBatch', data: { teacherId: teacher.teacherId, batchId } }];
}

/**
 * Moves a registered teacher to another school (TransferTeacher): UNKNOWN_TEACHER when not
 * registered, UNKNOWN_SCHOOL when the target is not a registered school; moving to the school
 * the teacher is at already changes nothing.
 */
export function decideMoveTeacher(
  teacherId: string,
  teacher: TeacherState,
  toSchool: OrgUnitState,
): TeacherMovedSchool[] {
  if (teacher.status !== 'registered') {
    throw new RuleViolation('UNKNOWN_TEACHER', `Teacher ${teacherId} is not registered`, { teacherId });
  }
  if (toSchool.status !== 'registered' || toSchool.kind !== 'school') {
    throw new RuleViolation('UNKNOWN_SCHOOL', 'The target is not a registered school', { teacherId });
  }
  if (toSchool.unitId === teacher.schoolId) return [];
  return [
    {
      type: 'TeacherMovedSchool',
      data: {
        teacherId,
        fromSchoolId: teacher.schoolId,
        toSchoolId: toSchool.unitId,
        ancestry: [...toSchool.ancestry, toSchool.unitId],
      },
    },
  ];
}
