import { isExemptFromTraining } from '../programme/rulebook-queries';
import { ProgrammeState } from '../programme/programme.decider';
import { TeacherState } from '../organisation/teacher.decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { ExemptTeacher } from './exemption.commands';
import { ExemptionEvent, TeacherExempted } from './exemption.events';

/** One stream per programme and teacher: `exemption-{programmeId}:{teacherId}`. */
export function exemptionStreamId(programmeId: string, teacherId: string): string {
  return `exemption-${programmeId}:${teacherId}`;
}

export type ExemptionState = { status: 'not-exempt' } | { status: 'exempt'; schoolId: string };

export function evolveExemption(state: ExemptionState, event: ExemptionEvent): ExemptionState {
  switch (event.type) {
    case 'TeacherExempted':
      return { status: 'exempt', schoolId: event.data.schoolId };
    default:
      return assertNever(event.type);
  }
}

export interface ExemptionFacts {
  /** YYYY-MM-DD from the protected ID number; undefined when its key was erased. */
  birthDate?: string;
}

/**
 * Exempts the teacher when the programme's rulebook does at this business time. Refuses
 * UNKNOWN_PROGRAMME, UNKNOWN_TEACHER, NOT_EXEMPT (the rulebook exempts nobody, or not this
 * teacher yet), ID_NUMBER_UNAVAILABLE (the number was erased: nothing to judge by). Exempting
 * again appends nothing: exemption only grows as a teacher nears retirement.
 */
export function decideExemptTeacher(
  command: ExemptTeacher,
  state: { exemption: ExemptionState; programme: ProgrammeState; teacher: TeacherState },
  facts: ExemptionFacts,
): TeacherExempted[] {
  const { programmeId, teacherId } = command.data;
  const { exemption, programme, teacher } = state;
  if (programme.status !== 'launched')
    throw new RuleViolation('UNKNOWN_PROGRAMME', `Programme ${programmeId} is not launched`, { programmeId });
  if (teacher.status !== 'registered')
    throw new RuleViolation('UNKNOWN_TEACHER', `Teacher ${teacherId} is not registered`, { teacherId });
  if (exemption.status === 'exempt') return [];
  const rule = programme.rulebook.exemption;
  if (rule === null) {
    throw new RuleViolation('NOT_EXEMPT', `Programme ${programmeId}'s rulebook exempts no teacher`, {
      programmeId,
      teacherId,
      rulebook: programme.rulebook.id,
    });
  }
  if (facts.birthDate === undefined) {
    throw new RuleViolation(
      'ID_NUMBER_UNAVAILABLE',
      `Teacher ${teacherId}'s ID number has been erased; register it again`,
      { teacherId },
    );
  }
  if (
    !isExemptFromTraining(
      programme.rulebook,
      { gender: teacher.gender, birthDate: facts.birthDate },
      command.metadata.now,
    )
  ) {
    throw new RuleViolation(
      'NOT_EXEMPT',
      `Teacher ${teacherId} is ${rule.yearsBeforeRetirement} years or more from retirement: still required to train`,
      { programmeId, teacherId, yearsBeforeRetirement: rule.yearsBeforeRetirement },
    );
  }
  return [
    {
      type: 'TeacherExempted',
      data: { programmeId, teacherId, schoolId: teacher.schoolId, yearsBeforeRetirement: rule.yearsBeforeRetirement },
    },
  ];
}
